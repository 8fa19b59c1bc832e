import zoneinfo
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware

from accounts.two_factor import two_factor_enrolled, two_factor_required_for, two_factor_verified
from accounts.user_cache import device_cached_get


class OTPMiddleware(BaseOTPMiddleware):
    """django-otp's middleware (request.user.otp_device, .is_verified()), with the device the session passed read
    through the cache (accounts/user_cache.py: a device removed or changed is read again on the next request).
    The checks are django-otp's own: the device must be the user's and confirmed, or the session forgets it."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = (
                device_cached_get(
                    user=user,
                    persistent_id=self._normalize_persistent_id(persistent_id),
                    load=self._device_from_persistent_id,
                )
                if persistent_id
                else None
            )
            user.otp_device = self._finalize_device(request, user, device)
        return user


class UserTimezoneMiddleware:
    """Show times in the viewer's own time zone; everything is stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", None) if user is not None and user.is_authenticated else None
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class TwoFactorMiddleware:
    """Whoever must use two-factor sign-in (support managers, admins) gets nothing else until they have.

    Without a device they are sent to set one up; with one (e.g. after the admin's own login form) to enter
    its code. Only those pages and logging out stay open. Installed after django-otp's OTPMiddleware.
    """

    open_views = frozenset(
        {
            "accounts:logout",
            "accounts:two_factor_verify",
            "accounts:two_factor_setup",
            "accounts:two_factor_qr",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not two_factor_required_for(user) or two_factor_verified(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.open_views:
            return None
        target = reverse(
            "accounts:two_factor_verify" if two_factor_enrolled(user) else "accounts:two_factor_setup"
        )
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return redirect(target)
