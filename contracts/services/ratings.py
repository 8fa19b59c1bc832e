"""The rating at the end: once a contract has ended (or was terminated), the program's manager rates the
freelancer 1–5 and may write a testimonial; the freelancer reads it in the portal and can download it."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from contracts.errors import ContractError
from contracts.models import Contract, ContractRating
from core.audit import audit_record
from core.locks import lock_one
from core.outbox import email_enqueue

TESTIMONIAL_MAX = 2000


@transaction.atomic
def contract_rating_save(
    *, contract: Contract, actor: Any, stars: int | str | None, testimonial: str = ""
) -> ContractRating:
    """Rate a finished contract's freelancer, or change the rating already given. The first rating tells the
    freelancer by e-mail (once: the outbox dedupes on the contract)."""
    contract = lock_one(Contract.objects.filter(pk=contract.pk))
    if not contract.is_finished:
        raise ContractError(
            "A rating can be left once the contract has ended.", field="stars", code="not_finished"
        )
    try:
        value = int(stars) if stars not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = None
    if value is None or not 1 <= value <= 5:
        raise ContractError("Choose a rating from 1 to 5 stars.", field="stars")
    text = (testimonial or "").strip()
    if len(text) > TESTIMONIAL_MAX:
        raise ContractError(f"Keep the testimonial under {TESTIMONIAL_MAX} characters.", field="testimonial")
    rating = ContractRating.objects.filter(contract=contract).first()
    created = rating is None
    if rating is None:
        rating = ContractRating(contract=contract)
    rating.stars, rating.testimonial, rating.rated_by = value, text, actor
    rating.full_clean()
    rating.save()
    audit_record(
        actor=actor,
        verb="contract.rated" if created else "contract.rating_changed",
        target=contract,
        stars=value,
    )
    email = contract.freelancer.user.email if contract.freelancer.user_id else ""
    if created and email:
        url = settings.SITE_URL.rstrip("/") + reverse("contracts:portal_contract_detail", args=[contract.pk])
        body = render_to_string(
            "contracts/email/rating_left.txt", {"contract": contract, "rating": rating, "url": url}
        )
        email_enqueue(
            to=[email],
            subject=f"Your rating from {contract.program.name}",
            body=body,
            program_id=contract.program_id,
            about=rating,
            dedupe_key=f"contract-rating:{contract.pk}",
        )
    return rating
