"""The welcome e-mail to a program's freelancers when the program starts (and to a freelancer whose contract
starts in a program already running). Once per program and freelancer: the outbox dedupe key names both."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from contracts.models import Contract
from core.outbox import email_enqueue
from programs.models import Program

WELCOMED_STATUSES = (Contract.Status.SIGNED, Contract.Status.ACTIVE)


def freelancer_welcome_key(*, program: Program, freelancer_id: int) -> str:
    return f"program-welcome:{program.pk}:freelancer:{freelancer_id}"


def _welcome(contract: Contract) -> bool:
    email = contract.freelancer.user.email if contract.freelancer.user_id else ""
    if not email:
        return False
    program = contract.program
    url = settings.SITE_URL.rstrip("/") + reverse("contracts:portal_contract_detail", args=[contract.pk])
    body = render_to_string(
        "contracts/email/program_welcome.txt", {"contract": contract, "program": program, "url": url}
    )
    email_enqueue(
        to=[email],
        subject=f"Welcome to {program.name}: the program has started",
        body=body,
        program_id=program.pk,
        about=contract,
        dedupe_key=freelancer_welcome_key(program=program, freelancer_id=contract.freelancer_id),
    )
    return True


@transaction.atomic
def freelancer_welcome_send(*, program: Program, **_ignored: object) -> int:
    """Listens to programs' "program.started": every freelancer with a signed or active contract is welcomed.
    Returns how many e-mails were asked for (a repeat is the same outbox row)."""
    contracts = (
        Contract.objects.filter(program=program, status__in=WELCOMED_STATUSES)
        .select_related("program", "freelancer__user")
        .order_by("pk")
    )
    return sum(1 for contract in contracts if _welcome(contract))


def freelancer_welcome_on_activation(*, contract: Contract) -> bool:
    """A contract that starts in a program already running: its freelancer gets the same welcome, once."""
    if contract.program.status != Program.Status.ACTIVE:
        return False
    return _welcome(contract)
