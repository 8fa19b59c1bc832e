"""Manager side, about a freelancer rather than one contract (issue 17): capacity and tier on the freelancer's page,
and legal-name change requests. Who a manager may see is contracts.selectors.freelancer_list_for_manager."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.mixins import AgentAccess, SupportManagerRequiredMixin
from accounts.models import MAX_OPEN_TICKETS, MIN_OPEN_TICKETS, Freelancer
from accounts.services import legal_name_change_decide
from contracts import selectors
from contracts.services import freelancer_standing_update
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs.mixins import ProgramAccessMixin


class FreelancerCapacityForm(forms.Form):
    max_open_tickets = forms.IntegerField(
        label="Capacity (open tickets at once)",
        min_value=MIN_OPEN_TICKETS,
        max_value=MAX_OPEN_TICKETS,
        help_text=f"Routing gives them new tickets while fewer than this are open; {MIN_OPEN_TICKETS}–{MAX_OPEN_TICKETS}.",
    )
    tier = forms.TypedChoiceField(
        label="Tier in this program",
        choices=selectors.TIER_CHOICES,
        coerce=int,
        help_text="They may take this program's ticket types up to this tier.",
    )
    channels = forms.MultipleChoiceField(
        label="Channels",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The program's channels they take (none ticked: all of them).",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=500,
        help_text="Needed when the tier changes; kept in the audit log.",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        channels = self.fields["channels"]
        assert isinstance(channels, forms.MultipleChoiceField)
        channels.choices = selectors.program_channel_choices(program)


class FreelancerCapacityView(ProgramAccessMixin, TemplateView):
    """/manage/programs/<slug>/freelancers/<id>/capacity/: the form (also on the freelancer's page) and its POST."""

    agent_access = AgentAccess.NONE
    template_name = "contracts/manage/freelancer_capacity.html"

    @cached_property
    def freelancer(self) -> Freelancer:
        freelancer_id = self.kwargs["freelancer_id"]
        freelancer = (
            selectors.freelancer_list_for_manager(user=self.request.user, program=self.program)
            .filter(pk=freelancer_id)
            .first()
        )
        if freelancer is None:
            raise not_found_in_scope(
                self.request, Freelancer, pk=freelancer_id, message="No such freelancer in this program."
            )
        return freelancer

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        freelancer = self.freelancer
        standing = selectors.standing_get(freelancer_id=freelancer.pk, program_id=self.program.pk)
        context.update(
            freelancer=freelancer,
            standing=standing,
            form=form
            or FreelancerCapacityForm(
                program=self.program,
                initial={
                    "max_open_tickets": freelancer.max_open_tickets,
                    "tier": standing.tier,
                    "channels": standing.channels,
                },
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        freelancer = self.freelancer
        form = FreelancerCapacityForm(request.POST, program=self.program)
        if form.is_valid():
            try:
                changed = freelancer_standing_update(
                    freelancer=freelancer, program=self.program, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                freelancer.refresh_from_db()
                standing = selectors.standing_get(freelancer_id=freelancer.pk, program_id=self.program.pk)
                if changed:
                    channels = ", ".join(standing.channels) or "every channel"
                    messages.success(
                        request,
                        f"{freelancer}: capacity {freelancer.max_open_tickets} open tickets, "
                        f"{standing.get_tier_display().lower()} in {self.program.name}, "
                        f"{channels}. Waiting tickets are routed again now.",
                    )
                else:
                    messages.info(request, "Nothing changed.")
                return redirect(
                    "dashboard:freelancer", program_slug=self.program.slug, freelancer_id=freelancer.pk
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LegalNameDecisionForm(forms.Form):
    note = forms.CharField(
        label="Note to the freelancer",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to decline.",
    )


class LegalNameRequestListView(SupportManagerRequiredMixin, TemplateView):
    """/manage/contracts/legal-names/: legal-name changes waiting for a manager, and the last ones decided."""

    template_name = "contracts/manage/legal_name_requests.html"

    def get_context_data(self, errors=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            pending=list(selectors.legal_name_request_list_for_manager(user=user)),
            decided=list(selectors.legal_name_request_list_for_manager(user=user, pending=False, limit=20)),
            errors=errors or {},
        )
        return context


class LegalNameDecideView(LegalNameRequestListView):
    """POST …/legal-names/<pk>/approve/ or …/decline/ (with a note). A refusal shows the list again (400)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        action = kwargs["action"]
        if action not in ("approve", "decline"):
            raise Http404("No such action.")
        name_request = selectors.legal_name_request_get_for_manager(user=request.user, pk=kwargs["pk"])
        if name_request is None:
            raise not_found_in_scope(
                request, "accounts.LegalNameChangeRequest", pk=kwargs["pk"], message="No such request."
            )
        form = LegalNameDecisionForm(request.POST)
        if form.is_valid():
            try:
                legal_name_change_decide(
                    request=name_request,
                    approve=action == "approve",
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                if action == "approve":
                    messages.success(
                        request,
                        f"{name_request.freelancer.user.email} is “"
                        f"{name_request.requested_legal_name}” from now on; they got an e-mail.",
                    )
                else:
                    messages.success(request, "Declined; the freelancer got an e-mail with your note.")
                return redirect("contracts:legal_name_requests")
        errors = {name_request.pk: [e for errs in form.errors.values() for e in errs]}
        return self.render_to_response(self.get_context_data(errors=errors), status=400)
