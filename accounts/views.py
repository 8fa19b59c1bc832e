import io
from base64 import b32encode
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView, UpdateView
from django_otp import login as otp_login
from django_otp.qr import write_qrcode_image

from accounts import two_factor
from accounts.errors import AccountError
from accounts.forms import (
    EmailAuthenticationForm,
    FreelancerProfileForm,
    LegalNameChangeForm,
    ProfileForm,
    TwoFactorCodeForm,
)
from accounts.mixins import FreelancerRequiredMixin
from accounts.models import User
from accounts.name_lock import legal_name_lock_reason
from accounts.selectors import (
    home_url_for,
    legal_name_request_list_for_freelancer,
    legal_name_request_pending,
)
from accounts.services import legal_name_change_request
from core.errors import DomainError
from core.forms import add_error_to_form

# Between a right password and the second step, the session holds who is signing in (not logged in yet).
PENDING_LOGIN_SESSION_KEY = "two_factor_pending_login"
PENDING_LOGIN_SECONDS = 300


def _safe_next(request, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class LoginView(auth_views.LoginView):
    """Email and password; someone with an authenticator set up is logged in only after its code."""

    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.two_factor_enrolled(user):
            return super().form_valid(form)
        self.request.session[PENDING_LOGIN_SESSION_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "started": int(timezone.now().timestamp()),
        }
        return redirect(_with_next(reverse("accounts:two_factor_verify"), self.get_success_url()))


class TwoFactorVerifyView(FormView):
    """The second step of logging in: a code from the app or a recovery code.

    Wrong codes count as failed logins for django-axes (the same lockout as wrong passwords).
    Also asks a logged-in user with a device whose session is not verified yet (e.g. after the admin login).
    """

    form_class = TwoFactorCodeForm
    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending = None
        if request.user.is_authenticated:
            self.signing_in = request.user
            if request.user.is_verified():
                return redirect(_safe_next(request))
            if not two_factor.two_factor_enrolled(request.user):  # nothing to check: set one up, or carry on
                if two_factor.two_factor_required_for(request.user):
                    return redirect(_with_next(reverse("accounts:two_factor_setup"), _safe_next(request)))
                return redirect(_safe_next(request))
        else:
            self.pending = request.session.get(PENDING_LOGIN_SESSION_KEY)
            self.signing_in = self._pending_user()
            if self.signing_in is None:
                request.session.pop(PENDING_LOGIN_SESSION_KEY, None)
                messages.info(request, "Log in again: the sign-in took too long or was not started.")
                return redirect(_with_next(reverse("accounts:login"), request.GET.get("next", "")))
        return super().dispatch(request, *args, **kwargs)

    def _pending_user(self) -> User | None:
        pending = self.pending
        if not isinstance(pending, dict):
            return None
        if timezone.now().timestamp() - pending.get("started", 0) > PENDING_LOGIN_SECONDS:
            return None
        return User.objects.filter(pk=pending.get("user_id"), is_active=True).first()

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_safe_next(self.request), email=self.signing_in.email, **kwargs)

    def form_valid(self, form):
        request, user = self.request, self.signing_in
        credentials = {settings.AXES_USERNAME_FORM_FIELD: user.email}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return get_lockout_response(request, None, credentials)
        device = two_factor.two_factor_device_for_token(user=user, token=form.cleaned_data["token"])
        if device is None:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("token", two_factor.WRONG_CODE)
            return self.form_invalid(form)
        if self.pending is not None:
            request.session.pop(PENDING_LOGIN_SESSION_KEY, None)
            auth_login(request, user, backend=self.pending.get("backend"))
        otp_login(request, device)
        return redirect(_safe_next(request))


class TwoFactorSetupView(LoginRequiredMixin, FormView):
    """Scan the QR code (or type the secret), confirm with a code, then see the recovery codes once."""

    form_class = TwoFactorCodeForm
    template_name = "accounts/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and two_factor.two_factor_enrolled(request.user):
            if request.user.is_verified():
                messages.info(request, "Two-factor sign-in is already set up.")
                return redirect("accounts:profile")
            return redirect(_with_next(reverse("accounts:two_factor_verify"), _safe_next(request)))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = two_factor.totp_device_start(user=self.request.user)
        secret = b32encode(device.bin_key).decode()
        return super().get_context_data(
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            required=two_factor.two_factor_required_for(self.request.user),
            next=_safe_next(self.request, default=""),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            device, codes = two_factor.totp_device_confirm(
                user=self.request.user, token=form.cleaned_data["token"]
            )
        except AccountError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        otp_login(self.request, device)
        return _recovery_codes_page(self.request, codes, just_enrolled=True)


def _recovery_codes_page(request, codes, *, just_enrolled: bool):
    response = render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {
            "codes": codes,
            "just_enrolled": just_enrolled,
            "next": _safe_next(request, default=reverse("accounts:profile")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


class TwoFactorQRCodeView(LoginRequiredMixin, View):
    """The QR code of the authenticator being set up, drawn here as SVG (no outside service sees the secret)."""

    def get(self, request, *args, **kwargs):
        device = two_factor.totp_device_pending(user=request.user)
        if device is None:
            raise Http404("Nothing is being set up.")
        out = io.BytesIO()
        write_qrcode_image(device.config_url, out)
        response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
        response["Cache-Control"] = "no-store"
        return response


class TwoFactorRecoveryCodesView(LoginRequiredMixin, View):
    """New recovery codes (POST), from a session that passed the second factor."""

    def post(self, request, *args, **kwargs):
        if not request.user.is_verified():
            messages.error(request, "Sign in with your authenticator code first.")
            return redirect("accounts:profile")
        try:
            codes = two_factor.recovery_codes_regenerate(user=request.user)
        except AccountError as error:
            messages.error(request, error.message)
            return redirect("accounts:profile")
        return _recovery_codes_page(request, codes, just_enrolled=False)


class TwoFactorDisableView(LoginRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            two_factor.two_factor_disable(user=request.user, token=request.POST.get("token", ""))
        except AccountError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Two-factor sign-in is off.")
        return redirect("accounts:profile")


class LandingView(LoginRequiredMixin, TemplateView):
    """After login: managers go to /manage/, freelancers to /portal/, anyone else gets a clear page."""

    template_name = "accounts/no_role.html"

    def get(self, request, *args, **kwargs):
        home = home_url_for(request.user)
        if home:
            return redirect(home)
        return super().get(request, *args, **kwargs)


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: choose a password, then you are logged in and sent home."""

    template_name = "accounts/invite_accept.html"
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.UserBackend"
    success_url = reverse_lazy("accounts:landing")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Welcome to Flexdesk.")
        return response


class ProfileView(LoginRequiredMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None):
        return self.request.user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["two_factor"] = two_factor.two_factor_status(user=self.request.user)
        profile = getattr(self.request.user, "freelancer_profile", None)
        if profile is not None:
            lock = legal_name_lock_reason(profile)
            context["freelancer_form"] = kwargs.get("freelancer_form") or FreelancerProfileForm(
                instance=profile, prefix="freelancer", legal_name_lock=lock
            )
            context["legal_name_locked"] = bool(lock)
            context["legal_name_request"] = legal_name_request_pending(freelancer=profile) if lock else None
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        profile = getattr(request.user, "freelancer_profile", None)
        freelancer_form = (
            FreelancerProfileForm(
                request.POST,
                instance=profile,
                prefix="freelancer",
                legal_name_lock=legal_name_lock_reason(profile),
            )
            if profile
            else None
        )
        if form.is_valid() and (freelancer_form is None or freelancer_form.is_valid()):
            form.save()
            if freelancer_form is not None:
                freelancer_form.save()
            messages.success(request, "Profile saved.")
            return redirect(self.success_url)
        return self.render_to_response(self.get_context_data(form=form, freelancer_form=freelancer_form))


class LegalNameRequestView(FreelancerRequiredMixin, TemplateView):
    """/portal/profile/legal-name/: once a signed contract fixed the legal name, the freelancer asks a manager of
    their program for a new one (accounts.services.legal_name_change_request)."""

    template_name = "accounts/legal_name_request.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        freelancer = self.freelancer
        context.update(
            freelancer=freelancer,
            locked=bool(legal_name_lock_reason(freelancer)),
            pending=legal_name_request_pending(freelancer=freelancer),
            history=list(legal_name_request_list_for_freelancer(freelancer=freelancer)),
            form=form or LegalNameChangeForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = LegalNameChangeForm(request.POST)
        if form.is_valid():
            try:
                legal_name_change_request(freelancer=self.freelancer, **form.cleaned_data)
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(
                    request, "Request sent. A manager of your program decides; you get an e-mail."
                )
                return redirect("accounts:legal_name_request")
        return self.render_to_response(self.get_context_data(form=form), status=400)
