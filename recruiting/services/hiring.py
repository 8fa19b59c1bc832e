import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import Freelancer
from accounts.services import freelancer_get_or_create, user_invite
from contracts.models import Contract
from contracts.services import contract_create_draft
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from core.money import round_money, to_decimal
from recruiting.errors import RecruitingError
from recruiting.models import Application, Posting
from recruiting.services.applications import application_move
from recruiting.services.postings import posting_close


@dataclass
class HireResult:
    application: Application
    freelancer: Freelancer
    freelancer_created: bool
    contract: Contract
    posting_closed: bool


@transaction.atomic
def application_hire(
    *,
    application: Application,
    hired_by,
    hourly_rate,
    currency: str,
    start_date: datetime.date,
    hours_per_week: Decimal = Decimal("20"),
    end_date: datetime.date | None = None,
    close_posting: bool = False,
    confirm_out_of_range: bool = False,
    out_of_range_reason: str = "",
) -> HireResult:
    """Hire from an offer: the user and freelancer profile (made or reused), an invitation to set a password,
    a draft contract in the program, the hired stage, and — when asked — the posting closed.

    A rate outside the program's pay range is refused (nothing is created) unless `confirm_out_of_range` with
    an `out_of_range_reason`, which the contract records (contracts.contract_create_draft).
    """
    application = lock_one(Application.objects.filter(pk=application.pk))
    if application.is_anonymised:
        raise RecruitingError("This application was anonymised.")
    check_transition(
        Application.TRANSITIONS,
        Application.Stage(application.stage),
        Application.Stage.HIRED,
        label="candidate",
    )
    rate = round_money(to_decimal(hourly_rate))
    if rate <= 0:
        raise RecruitingError("The hourly rate must be above zero.", field="hourly_rate")
    posting = Posting.objects.select_related("program").get(pk=application.posting_id)
    program = posting.program
    freelancer, created = freelancer_get_or_create(
        email=application.email,
        legal_name=application.full_name,
        time_zone=application.time_zone,
        country=application.country,
        payout_currency=currency,
        language_ids=list(application.languages.values_list("pk", flat=True)),
        skill_ids=list(application.skills.values_list("pk", flat=True)),
    )
    if (
        Contract.objects.filter(program=program, freelancer=freelancer)
        .exclude(status__in=[Contract.Status.ENDED, Contract.Status.TERMINATED])
        .exists()
    ):
        raise RecruitingError(f"{freelancer} already has a contract in {program}.")
    contract = contract_create_draft(
        program=program,
        freelancer=freelancer,
        created_by=hired_by,
        hourly_rate=rate,
        currency=currency,
        start_date=start_date,
        end_date=end_date,
        hours_per_week=hours_per_week,
        confirm_out_of_range=confirm_out_of_range,
        out_of_range_reason=out_of_range_reason,
    )
    if created or not freelancer.user.has_usable_password():
        user_invite(user=freelancer.user, invited_by=hired_by, program_name=program.name)
    application.freelancer = freelancer
    application.save(update_fields=["freelancer", "updated_at"])
    application = application_move(
        application=application,
        to_stage=Application.Stage.HIRED,
        moved_by=hired_by,
        note="Hired",
        _allow_hired=True,
    )
    audit_record(
        actor=hired_by,
        verb="application.hired",
        target=application,
        freelancer_id=freelancer.pk,
        contract_id=contract.pk,
    )
    closed = False
    if close_posting and posting.is_open:
        posting_close(posting=posting, closed_by=hired_by, note="Planned headcount reached")
        closed = True
    return HireResult(
        application=application,
        freelancer=freelancer,
        freelancer_created=created,
        contract=contract,
        posting_closed=closed,
    )
