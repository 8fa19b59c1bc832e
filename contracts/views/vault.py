"""The credentials vault: managers store and share, customers submit through a one-time link."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from accounts.mixins import SupportManagerRequiredMixin
from contracts import selectors, services
from contracts.forms import (
    CredentialForm,
    CredentialLinkForm,
    CredentialSubmitForm,
    StakeholderContactFormSet,
)
from core.errors import DomainError
from core.errorviews import link_dead_end
from core.forms import add_error_to_form
from core.links import LinkState
from core.scoping import not_found_in_scope
from core.throttle import client_address

SENSITIVE = method_decorator(sensitive_post_parameters("password", "notes", "username"), name="dispatch")


class VaultView(SupportManagerRequiredMixin, TemplateView):
    """Metadata only: which tool, label, who submitted, when; never the secret."""

    template_name = "contracts/manage/vault.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "credentials": selectors.credential_list_for_manager(user=user),
            "reveals": selectors.credential_reveals_for_manager(user=user),
            "links": selectors.credential_link_list_for_manager(user=user),
            "new_link_url": self.request.session.pop("vault_new_link_url", None),
            "now": timezone.now(),
        }


@SENSITIVE
class CredentialCreateView(SupportManagerRequiredMixin, FormView):
    template_name = "contracts/manage/credential_form.html"
    form_class = CredentialForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tools": selectors.tools_for_manager(user=self.request.user)}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.credential_store(
                program=data["tool"].program,
                tool=data["tool"],
                label=data["label"],
                username=data["username"],
                password=data["password"],
                notes=data["notes"],
                actor=self.request.user,
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Credentials stored, encrypted. Freelancers with access to the tool can reveal them.",
        )
        return redirect("contracts:vault")


class _ManagedCredentialMixin(SupportManagerRequiredMixin):
    def get_credential(self):
        credential = (
            selectors.credential_list_for_manager(user=self.request.user).filter(pk=self.kwargs["pk"]).first()
        )
        if credential is None:
            raise not_found_in_scope(
                self.request, "contracts.VaultCredential", pk=self.kwargs["pk"], message="No such credential."
            )
        return credential


@SENSITIVE
class CredentialReplaceView(_ManagedCredentialMixin, FormView):
    template_name = "contracts/manage/credential_form.html"
    form_class = CredentialForm

    def get_form_kwargs(self):
        self.credential = self.get_credential()
        kwargs = super().get_form_kwargs()
        kwargs["tools"] = selectors.tools_for_manager(user=self.request.user).filter(
            pk=self.credential.tool_id
        )
        kwargs["initial"] = {"tool": self.credential.tool, "label": self.credential.label}
        return kwargs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "credential": self.credential}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.credential_replace(
                credential=self.credential,
                username=data["username"],
                password=data["password"],
                notes=data["notes"],
                actor=self.request.user,
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Credentials replaced.")
        return redirect("contracts:vault")


class CredentialDeleteView(_ManagedCredentialMixin, View):
    def post(self, request, *args, **kwargs):
        services.credential_delete(credential=self.get_credential(), actor=request.user)
        messages.success(request, "Credentials deleted.")
        return redirect("contracts:vault")


class CredentialLinkCreateView(SupportManagerRequiredMixin, FormView):
    template_name = "contracts/manage/credential_link_form.html"
    form_class = CredentialLinkForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tools": selectors.tools_for_manager(user=self.request.user)}

    def form_valid(self, form):
        import datetime

        data = form.cleaned_data
        try:
            _link, url = services.credential_link_create(
                program=data["tool"].program,
                tool=data["tool"],
                label=data["label"],
                actor=self.request.user,
                recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"],
                valid_for=datetime.timedelta(days=data["valid_days"]),
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        # Shown once, on the next page; only its hash is stored.
        self.request.session["vault_new_link_url"] = url
        messages.success(
            self.request, "One-time link created." + (" It was e-mailed." if data["recipient_email"] else "")
        )
        return redirect("contracts:vault")


VAULT_NEXT_STEP = "Ask the person who sent you the link for a new one; they can make it in a minute."


def credential_link_dead_end(request, *, link):
    """The branded page for a one-time link that leads nowhere: unknown (404), used or expired (410). What was
    submitted, by whom, is never said: only that the link did its job."""
    state = LinkState.UNKNOWN if link is None else selectors.credential_link_state(link=link)
    detail = "The login it asked for has been shared with the team." if state == LinkState.USED else ""
    return link_dead_end(request, state=state, what="one-time link", detail=detail, next_step=VAULT_NEXT_STEP)


@method_decorator(never_cache, name="dispatch")
@SENSITIVE
class CredentialSubmitView(View):
    """Public: a customer submits credentials through a one-time link. A link that no longer works gets the
    branded dead-end page: unknown 404, used or expired 410."""

    template_name = "contracts/vault_submit.html"

    def dispatch(self, request, *args, **kwargs):
        link = selectors.credential_link_for_token(token=kwargs["token"])
        if link is None or selectors.credential_link_state(link=link) != LinkState.OPEN:
            return credential_link_dead_end(request, link=link)
        self.link = link
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        link = self.link
        return render(
            request,
            self.template_name,
            {
                "link": link,
                "form": CredentialSubmitForm(initial={"submitted_by_name": link.recipient_name}),
                "contacts": StakeholderContactFormSet(prefix="contacts"),
            },
        )

    def post(self, request, *args, **kwargs):
        link = self.link
        form = CredentialSubmitForm(request.POST)
        # A client that posts no contact rows at all (no management form) just shares the login.
        with_contacts = "contacts-TOTAL_FORMS" in request.POST
        contacts = StakeholderContactFormSet(request.POST if with_contacts else None, prefix="contacts")
        if form.is_valid() and (not with_contacts or contacts.is_valid()):
            data = form.cleaned_data
            try:
                services.credential_submit_via_link(
                    token=kwargs["token"],
                    username=data["username"],
                    password=data["password"],
                    notes=data["notes"],
                    submitted_by_name=data["submitted_by_name"],
                    ip_address=client_address(request, default=None),
                    stakeholders=[row for row in contacts.cleaned_data if row.get("email")]
                    if with_contacts
                    else [],
                )
            except DomainError as error:
                if (
                    getattr(error, "code", None) == "link_invalid"
                ):  # used or expired since the page was opened
                    link.refresh_from_db()
                    return credential_link_dead_end(request, link=link)
                add_error_to_form(form, error)
            else:
                return render(request, "contracts/vault_submit_done.html", {"link": link})
        return render(request, self.template_name, {"link": link, "form": form, "contacts": contacts})
