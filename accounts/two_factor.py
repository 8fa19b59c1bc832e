"""Two-factor sign-in: who needs it, and enrolling, using and removing a second factor.

The factors are django-otp devices: one TOTP device (an authenticator app) and one static device holding
the recovery codes (each works once). A session counts as verified once django-otp's login() recorded the
device that passed (OTPMiddleware then sets request.user.is_verified()).

Required for support managers, staff and superusers (TWO_FACTOR_REQUIRED); a freelancer needs a verified
session to reveal a vault credential; anyone else may enrol. TWO_FACTOR_DEMO_EXEMPT (local settings only,
production forces it off) exempts the seeded demo users, whose addresses are in the reserved .test domain.
"""

from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import AccountError
from accounts.models import User
from core.audit import audit_record

RECOVERY_CODE_COUNT = 10
DEMO_EMAIL_DOMAIN = "@demo.test"
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
WRONG_CODE = "That code is not right. Check the app's current code (or a recovery code) and try again."


def two_factor_exempt(user: User) -> bool:
    """No second factor is asked of this user (switched off, or a demo user on a developer machine)."""
    if not settings.TWO_FACTOR_REQUIRED:
        return True
    return bool(settings.TWO_FACTOR_DEMO_EXEMPT and user.email.lower().endswith(DEMO_EMAIL_DOMAIN))


def two_factor_required_for(user: User) -> bool:
    """Support managers and admins must enrol before they use /manage/ or /admin/."""
    if not user.is_authenticated or two_factor_exempt(user):
        return False
    return user.is_manager or user.is_staff or user.is_superuser


def two_factor_verified(user: User) -> bool:
    """This session passed a second factor, or this user needs none."""
    if not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)  # installed by django-otp's OTPMiddleware
    return two_factor_exempt(user) or bool(is_verified and is_verified())


def two_factor_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_status(*, user: User) -> dict:
    """For the profile page: enrolled or not, and how many recovery codes are left."""
    enrolled = two_factor_enrolled(user)
    codes_left = (
        StaticToken.objects.filter(device__user=user, device__confirmed=True).count() if enrolled else 0
    )
    return {
        "enrolled": enrolled,
        "recovery_codes_left": codes_left,
        "required": two_factor_required_for(user),
    }


def _normalise(token: str) -> str:
    return "".join((token or "").split()).lower()


def two_factor_device_for_token(*, user: User, token: str):
    """The confirmed device that accepts this code (a TOTP code or an unused recovery code), or None.

    Recovery codes are consumed; django-otp throttles each device after failures (1 s, 2 s, 4 s…).
    """
    token = _normalise(token)
    if not token:
        return None
    model = TOTPDevice if token.isdigit() else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    return verify_token(user, device.persistent_id, token)


def totp_device_pending(*, user: User) -> TOTPDevice | None:
    """The authenticator being set up (not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator device for the setup page (the same one until it is confirmed)."""
    if two_factor_enrolled(user):
        raise AccountError("Two-factor sign-in is already set up.")
    device = totp_device_pending(user=user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _recovery_codes_replace(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def totp_device_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with its current code; returns the device and ten new recovery codes."""
    pending = totp_device_pending(user=user)
    if pending is None:
        raise AccountError(
            "Start the set-up again: open the set-up page and scan the new code.", field="token"
        )
    # Checked outside the transaction below, so that a wrong code's throttling is kept.
    device = verify_token(user, pending.persistent_id, _normalise(token))
    if device is None:
        raise AccountError(WRONG_CODE, field="token")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user)
        audit_record(actor=user, verb="two_factor.enabled", target=user)
    return device, codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not two_factor_enrolled(user):
        raise AccountError("Set up two-factor sign-in first.")
    codes = _recovery_codes_replace(user)
    audit_record(actor=user, verb="two_factor.recovery_codes_regenerated", target=user)
    return codes


def two_factor_disable(*, user: User, token: str) -> None:
    """Remove the second factor; needs a current code. Not possible where two-factor sign-in is required."""
    if two_factor_required_for(user):
        raise AccountError("Two-factor sign-in is required for your role; it cannot be turned off.")
    if two_factor_device_for_token(user=user, token=token) is None:
        raise AccountError(WRONG_CODE, field="token")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=user, verb="two_factor.disabled", target=user)


def session_mark_verified(*, session, user: User) -> None:
    """Mark a logged-in session as past its second factor with the user's confirmed device (made if missing),
    as a real code login does. For scripted clients only: the test suite and the benchmarks."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="scripted client", confirmed=True
    )
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
