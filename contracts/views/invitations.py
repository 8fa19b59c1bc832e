"""Inviting a freelancer by e-mail: the manager's page (/manage/contracts/invitations/) and the public accept link."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts.mixins import SupportManagerRequiredMixin
from accounts.models import User
from contracts import selectors, services
from contracts.forms import FreelancerInvitationForm, InvitationSignupForm
from contracts.models import FreelancerInvitation
from contracts.services.invitations import InvitationNotUsable, account_mismatch_reason
from core.errors import DomainError
from core.forms import add_error_to_form
from programs.selectors import program_get, program_list


class InvitationListView(SupportManagerRequiredMixin, FormView):
    """Invite a freelancer by e-mail, and the invitations sent (pending ones can be revoked)."""

    template_name = "contracts/manage/invitation_list.html"
    form_class = FreelancerInvitationForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "programs": program_list(user=self.request.user).order_by("name"),
        }

    def get_initial(self):
        slug = self.request.GET.get("program")
        program = program_get(user=self.request.user, slug=slug) if slug else None
        return {"program": program} if program is not None else {}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "invitations": list(selectors.freelancer_invitation_list_for_manager(user=self.request.user)),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            invitation, _link = services.freelancer_invitation_send(
                program=data["program"],
                email=data["email"],
                name=data["name"],
                invited_by=self.request.user,
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invitation e-mailed to {invitation.email}. Once they accept, you can "
            f"draft their contract in {invitation.program.name}.",
        )
        return redirect("contracts:invitation_list")


class InvitationRevokeView(SupportManagerRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        invitation = selectors.freelancer_invitation_get_for_manager(user=request.user, pk=kwargs["pk"])
        if invitation is None:
            raise Http404("No such invitation.")
        try:
            services.freelancer_invitation_revoke(invitation=invitation, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Invitation for {invitation.email} revoked; its link no longer works.")
        return redirect("contracts:invitation_list")


GONE_REASONS = {
    FreelancerInvitation.Status.ACCEPTED: "It was already accepted. Log in to see your contracts.",
    FreelancerInvitation.Status.REVOKED: "The program manager withdrew it.",
    FreelancerInvitation.Status.EXPIRED: "It has expired.",
}


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class InvitationAcceptView(View):
    """Public: the link in the invitation e-mail.

    No account for the address: choose a password, and the freelancer account is made. A freelancer account
    exists: log in as it and press Accept (only then is it linked to the program). Any other account is told why
    not. An unknown link answers 404, a used, revoked or expired one 410, with a page that says so.
    """

    template_name = "contracts/invitation_accept.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = selectors.freelancer_invitation_for_token(token=kwargs["token"])
        if self.invitation is None:
            return render(
                request,
                "contracts/invitation_gone.html",
                {"reason": "This link is not a Flexdesk invitation, or it was mistyped."},
                status=404,
            )
        if not self.invitation.is_usable:
            pending = self.invitation.status == FreelancerInvitation.Status.PENDING
            return self._gone(
                GONE_REASONS[FreelancerInvitation.Status.EXPIRED if pending else self.invitation.status]
            )
        return super().dispatch(request, *args, **kwargs)

    def _gone(self, reason):
        return render(
            self.request,
            "contracts/invitation_gone.html",
            {"reason": reason, "invitation": self.invitation},
            status=410,
        )

    def _context(self, **extra):
        user = self.request.user
        context = {"invitation": self.invitation, "program": self.invitation.program}
        if user.is_authenticated:
            context["mismatch"] = account_mismatch_reason(invitation=self.invitation, user=user)
        else:
            context["account_exists"] = User.objects.filter(email__iexact=self.invitation.email).exists()
            context["login_url"] = f"{reverse('accounts:login')}?{urlencode({'next': self.request.path})}"
        return {**context, **extra}

    def _signup_form(self, data=None):
        return InvitationSignupForm(
            data, email=self.invitation.email, initial={"legal_name": self.invitation.name}
        )

    def get(self, request, *args, **kwargs):
        context = self._context()
        if not request.user.is_authenticated and not context["account_exists"]:
            context["form"] = self._signup_form()
        return render(request, self.template_name, context, status=403 if context.get("mismatch") else 200)

    def post(self, request, *args, **kwargs):
        token = kwargs["token"]
        try:
            if request.user.is_authenticated:
                invitation = services.freelancer_invitation_accept(token=token, user=request.user)
            else:
                form = self._signup_form(request.POST)
                if not form.is_valid():
                    return render(request, self.template_name, self._context(form=form), status=400)
                data = form.cleaned_data
                invitation = services.freelancer_invitation_accept_new_account(
                    token=token,
                    password=data["password1"],
                    legal_name=data["legal_name"],
                    country=data["country"],
                    time_zone=data["time_zone"],
                )
                login(request, invitation.freelancer.user, backend="accounts.backends.UserBackend")
        except InvitationNotUsable as error:
            return self._gone(error.message)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        messages.success(
            request,
            f"Welcome to {invitation.program.name}. Your contract will appear here once the "
            "program manager sends it.",
        )
        return redirect("contracts:portal_contracts")
