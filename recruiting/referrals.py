"""Referral links and tracking links: what the query string of /apply/<slug>/ says about where a candidate came from.

A referral link carries `ref`, a value signed with the site's secret that names the posting and the referring
freelancer, so it can be shown again at any time (nothing to store) and cannot be forged for someone else.
It grants nothing: it only tells the application who referred it.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

from recruiting.models import ApplicationSource

REFERRAL_SALT = "recruiting.referral-link"
# The platforms a tracking link may name; any other value is kept as "other" (never refused: a candidate must
# always be able to apply, whatever link brought them).
TRACKED_SOURCES = {s.value for s in ApplicationSource} - {
    ApplicationSource.REFERRAL,
    ApplicationSource.DIRECT,
}
# SourcingPlatform kinds (programs) whose name differs from the source's.
PLATFORM_KIND_SOURCES = {"referrals": ApplicationSource.REFERRAL}


def source_from_param(value: str | None) -> str:
    """The source a tracking link's ?src= records: a known platform, "direct" without one, else "other"."""
    value = (value or "").strip().lower()
    if not value:
        return ApplicationSource.DIRECT
    return value if value in TRACKED_SOURCES else ApplicationSource.OTHER


def referral_token_make(*, posting_id: int, freelancer_id: int) -> str:
    return signing.Signer(salt=REFERRAL_SALT).sign(f"{posting_id}.{freelancer_id}")


def referral_token_read(token: str | None) -> tuple[int, int] | None:
    """(posting id, freelancer id) of a genuine referral token; None for a missing, altered or foreign one."""
    if not token:
        return None
    try:
        value = signing.Signer(salt=REFERRAL_SALT).unsign(token.strip())
        posting_id, freelancer_id = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        return None
    return posting_id, freelancer_id


def referral_link(*, posting_slug: str, posting_id: int, freelancer_id: int) -> str:
    """The freelancer's personal link to a posting's application form (absolute, for e-mails and copying)."""
    query = urlencode({"ref": referral_token_make(posting_id=posting_id, freelancer_id=freelancer_id)})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('recruiting:apply', args=[posting_slug])}?{query}"
