"""Reads for the stakeholders' read-only page and its links (reviews.models.StakeholderPageLink)."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from core.links import LinkState
from core.tokens import token_digest
from programs.models import Stakeholder
from programs.selectors import program_list
from reviews.models import StakeholderPageLink


def stakeholder_page_link_for_token(*, token: str) -> StakeholderPageLink | None:
    """The link a presented token names (revoked ones too, so the page can say so), or None. One query."""
    if not token or len(token) > 100:
        return None
    return (
        StakeholderPageLink.objects.select_related("program", "stakeholder")
        .filter(token_hash=token_digest(token))
        .first()
    )


def stakeholder_page_link_state(*, link: StakeholderPageLink | None) -> LinkState:
    if link is None:
        return LinkState.UNKNOWN
    if link.revoked_at is not None:
        return LinkState.WITHDRAWN
    return LinkState.OPEN


def stakeholder_list_for_manager(*, user: Any) -> QuerySet[Stakeholder]:
    """The stakeholders of the programs this user manages, each with its open page link (`open_links`)."""
    return (
        Stakeholder.objects.filter(program__in=program_list(user=user))
        .select_related("program")
        .prefetch_related(
            Prefetch(
                "page_links",
                queryset=StakeholderPageLink.objects.filter(revoked_at__isnull=True),
                to_attr="open_links",
            )
        )
        .order_by("program__name", "name", "pk")
    )


def stakeholder_get_for_manager(*, user: Any, pk: int) -> Stakeholder | None:
    return stakeholder_list_for_manager(user=user).filter(pk=pk).first()
