"""Reads for contracts. Those that serve a request take the user (or freelancer) and scope to it."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Freelancer, LegalNameChangeRequest
from contracts.connections import connection_sources
from contracts.hours import hours_worked_in_week
from contracts.models import (
    Contract,
    ContractDocument,
    ContractRating,
    CredentialRequestLink,
    CredentialReveal,
    DocumentTemplate,
    FreelancerInvitation,
    OffboardingItem,
    OnboardingProgress,
    ProgramStanding,
    QuizAttempt,
    RateChange,
    RateFloor,
    ToolAccessGrant,
    VaultCredential,
)
from core.links import LinkState
from core.rawsql import PreparedQuery
from programs.models import CandidateProfile, Channel, OnboardingStep, Program, ProgramTool
from programs.selectors import program_list

# ---------------------------------------------------------------- interface used by other apps


def contract_active_for(*, freelancer_id: int, program_id: int) -> Contract | None:
    return Contract.objects.filter(
        freelancer_id=freelancer_id, program_id=program_id, status=Contract.Status.ACTIVE
    ).first()


def contract_rate_on(*, contract: Contract, on: datetime.date) -> Decimal:
    """The hourly rate in force on a date: the latest rate change effective on or before it, else the starting rate."""
    change = (
        RateChange.objects.filter(contract=contract, effective_date__lte=on)
        .order_by("-effective_date")
        .first()
    )
    return change.hourly_rate if change else contract.hourly_rate


def rate_on(*, freelancer_id: int, program_id: int, on: datetime.date) -> Decimal | None:
    """ "The rate of freelancer F in program P on date D" (None when no contract covers that date).

    A contract covers the days from its start to its end date, or to the day it ended or was
    terminated, whichever comes first. Its currency is the contract's (see contract_covering).
    """
    contract = contract_covering(freelancer_id=freelancer_id, program_id=program_id, on=on)
    return contract_rate_on(contract=contract, on=on) if contract else None


def contract_covering(*, freelancer_id: int, program_id: int, on: datetime.date) -> Contract | None:
    """The signed contract under which the freelancer worked in the program on that date, if any."""
    contract = (
        Contract.objects.filter(freelancer_id=freelancer_id, program_id=program_id, start_date__lte=on)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.SENT])
        .order_by("-start_date", "-pk")
        .first()
    )
    if (
        contract is None
        or (contract.end_date and contract.end_date < on)
        or (contract.ended_on and contract.ended_on < on)
    ):
        return None
    return contract


def _onboarding_incomplete(contract_ref="pk") -> Exists:
    """True when the contract's program has a required onboarding step this contract has not completed."""
    complete = OnboardingProgress.objects.filter(
        contract_id=OuterRef(OuterRef(contract_ref)), step_id=OuterRef("pk"), done_at__isnull=False
    ).filter(Q(step__needs_manager_confirmation=False) | Q(confirmed_at__isnull=False))
    return Exists(
        OnboardingStep.objects.filter(program_id=OuterRef("program_id"), required=True).exclude(
            Exists(complete)
        )
    )


def _queue_ready_annotation() -> Case:
    return Case(
        When(Q(status=Contract.Status.ACTIVE) & ~_onboarding_incomplete(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def queue_ready_contracts() -> QuerySet[Contract]:
    """Active contracts whose every required onboarding step is done (and confirmed where it needs it)."""
    return Contract.objects.filter(status=Contract.Status.ACTIVE).exclude(_onboarding_incomplete())


def queue_ready_freelancer_ids(*, program_id: int) -> QuerySet:
    """Freelancer ids that may take tickets in the program: active contract and required onboarding done.

    A values_list queryset, usable as a subquery: Freelancer.objects.filter(pk__in=...).
    """
    return queue_ready_contracts().filter(program_id=program_id).values_list("freelancer_id", flat=True)


# The programs a freelancer may take tickets in ("Take next ticket" asks on every click): compiled once.
_QUEUE_READY_PROGRAMS = PreparedQuery(
    lambda freelancer_id: (
        queue_ready_contracts().filter(freelancer_id=freelancer_id).values_list("program_id")
    ),
    "freelancer_id",
)


def queue_ready_program_ids(*, freelancer_id: int) -> list[int]:
    """The programs the freelancer is queue-ready in (active contract, required onboarding done), sorted."""
    return sorted({program_id for (program_id,) in _QUEUE_READY_PROGRAMS.rows(freelancer_id=freelancer_id)})


def freelancer_is_queue_ready(*, freelancer_id: int, program_id: int) -> bool:
    return queue_ready_freelancer_ids(program_id=program_id).filter(freelancer_id=freelancer_id).exists()


def freelancers_at_weekly_cap(*, program_id: int, freelancer_ids, on: datetime.date) -> set[int]:
    """Of these freelancers, the ones whose hours this week reached their contract's weekly cap."""
    caps = dict(
        Contract.objects.filter(
            program_id=program_id, status=Contract.Status.ACTIVE, freelancer_id__in=list(freelancer_ids)
        ).values_list("freelancer_id", "weekly_hour_cap")
    )
    worked = hours_worked_in_week(program_id=program_id, freelancer_ids=caps.keys(), day=on)
    return {fid for fid, cap in caps.items() if worked[fid] >= cap}


def legal_name_locked_by_signed_contract(freelancer) -> str:
    """Why the freelancer may no longer change their legal name in their profile ("" while they may)."""
    if Contract.objects.filter(freelancer=freelancer, signed_at__isnull=False).exists():
        return (
            "Your signed contracts carry this name, so it is not changed here: request a change, and a manager "
            "of your program approves it."
        )
    return ""


def freelancer_program_ids(*, freelancer_id: int) -> QuerySet:
    """Programs the freelancer works in or is joining (any contract past draft that has not ended)."""
    return (
        Contract.objects.filter(freelancer_id=freelancer_id)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.ENDED, Contract.Status.TERMINATED])
        .values_list("program_id", flat=True)
    )


def offboarding_items_for(*, contract: Contract) -> QuerySet[OffboardingItem]:
    """The contract's offboarding checklist (payments ticks FINAL_PAYOUT through offboarding_item_complete)."""
    return OffboardingItem.objects.filter(contract=contract).select_related("grant__tool", "done_by")


# ---------------------------------------------------------------- rates and floors


def rate_floor_for(*, program: Program, country: str) -> RateFloor | None:
    """The floor for a freelancer in `country`: the highest floor naming the country, else the program default."""
    return rate_floor_among(floors=list(RateFloor.objects.filter(program=program)), country=country)


def rate_floor_among(*, floors: list[RateFloor], country: str) -> RateFloor | None:
    """rate_floor_for's rule over floors already read (one program's), for pages that place many countries."""
    country = (country or "").upper()
    named = [f for f in floors if country and country in (f.countries or [])]
    candidates = named or [f for f in floors if not f.countries]
    return max(candidates, key=lambda f: f.minimum_hourly_rate, default=None)


def pay_range_for(*, program: Program):
    """The program's candidate profile with its pay range and ceiling (None without one), for the rate forms."""
    return (
        CandidateProfile.objects.filter(program=program)
        .only("program_id", "pay_min", "pay_max", "pay_currency", "rate_ceiling")
        .first()
    )


@dataclass(frozen=True)
class RateHistoryRow:
    effective_date: datetime.date
    hourly_rate: Decimal
    reason: str
    approved_by: object
    note: str
    override_reason: str
    is_current: bool
    out_of_range_reason: str = ""
    paid_period_confirmed: bool = False


def rate_history_for(*, contract: Contract, today: datetime.date | None = None) -> list[RateHistoryRow]:
    """The starting rate and every change, oldest first, with the one in force today marked."""
    today = today or timezone.now().astimezone(contract.program.zone).date()
    rows = [
        RateHistoryRow(
            contract.start_date,
            contract.hourly_rate,
            "Starting rate",
            contract.created_by,
            "",
            contract.below_floor_override_reason,
            False,
            contract.out_of_range_reason,
        )
    ]
    for change in contract.rate_changes.all():  # prefetched by the detail selectors
        rows.append(
            RateHistoryRow(
                change.effective_date,
                change.hourly_rate,
                change.get_reason_display(),
                change.approved_by,
                change.note,
                change.below_floor_override_reason,
                False,
                change.out_of_range_reason,
                change.paid_period_confirmed,
            )
        )
    rows.sort(key=lambda r: r.effective_date)
    current_index = max((i for i, r in enumerate(rows) if r.effective_date <= today), default=None)
    return [RateHistoryRow(**{**r.__dict__, "is_current": i == current_index}) for i, r in enumerate(rows)]


def _current_rate_annotation(today: datetime.date):
    latest = RateChange.objects.filter(contract=OuterRef("pk"), effective_date__lte=today).order_by(
        "-effective_date"
    )
    return Coalesce(Subquery(latest.values("hourly_rate")[:1]), "hourly_rate")


# ---------------------------------------------------------------- manager side


def freelancer_list_for_manager(*, user, program: Program | None = None) -> QuerySet[Freelancer]:
    """The freelancers this user may see and contract: the one rule for "whose data may a manager see".

    A freelancer is connected to a program when they were hired through one of its postings (recruiting
    registers that source, see contracts.connections), hold a contract there past draft (ended ones count: the
    relationship happened), or accepted an invitation to it. A draft alone connects no one: drafting needs a
    connection first. Limited to the programs the user manages (or to `program`, when it is one of them).
    """
    program_ids = program_list(user=user).values("pk")
    if program is not None:
        program_ids = program_ids.filter(pk=program.pk)
    connected = Q(
        Exists(
            Contract.objects.filter(freelancer=OuterRef("pk"), program__in=program_ids).exclude(
                status=Contract.Status.DRAFT
            )
        )
    ) | Q(
        Exists(
            FreelancerInvitation.objects.filter(
                freelancer=OuterRef("pk"),
                program__in=program_ids,
                status=FreelancerInvitation.Status.ACCEPTED,
            )
        )
    )
    for source in connection_sources():
        connected |= Q(pk__in=source(program_ids=program_ids))
    return Freelancer.objects.filter(connected).select_related("user").order_by("legal_name", "pk")


def freelancer_invitation_list_for_manager(*, user, limit: int = 100) -> QuerySet[FreelancerInvitation]:
    """Invitations to the programs this user manages, newest first (pending ones first), for the invitations page."""
    return (
        FreelancerInvitation.objects.filter(program__in=program_list(user=user))
        .select_related("program", "invited_by", "freelancer", "revoked_by")
        .annotate(
            is_pending=Case(
                When(status=FreelancerInvitation.Status.PENDING, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_pending", "-created_at", "-id")[:limit]
    )


def freelancer_invitation_get_for_manager(*, user, pk) -> FreelancerInvitation | None:
    return (
        FreelancerInvitation.objects.filter(program__in=program_list(user=user), pk=pk)
        .select_related("program")
        .first()
    )


def contract_list_for_manager(
    *, user, program: Program | None = None, status: str | None = None
) -> QuerySet[Contract]:
    """Contracts in the programs this user manages, with what the list page shows (constant query count)."""
    qs = Contract.objects.filter(program__in=program_list(user=user))
    if program is not None:
        qs = qs.filter(program=program)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("program", "freelancer__user")
        .prefetch_related(
            "documents",
            "onboarding_progress",
            Prefetch("program__onboarding_steps", queryset=OnboardingStep.objects.order_by("position", "id")),
        )
        .annotate(
            current_rate=_current_rate_annotation(timezone.localdate()),
            is_queue_ready=_queue_ready_annotation(),
        )
        .order_by("program__name", "freelancer__legal_name", "-start_date")
    )


def _contract_detail_queryset() -> QuerySet[Contract]:
    return (
        Contract.objects.select_related("program", "freelancer__user", "created_by", "rating__rated_by")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=ContractDocument.objects.select_related("signed_by").order_by("kind", "-version"),
            ),
            Prefetch("rate_changes", queryset=RateChange.objects.select_related("approved_by")),
            "onboarding_progress",
            # The checklist's steps with what the portal shows of them: the article a read step links, how many
            # questions a quiz step has (a quiz without questions cannot be taken).
            Prefetch(
                "program__onboarding_steps",
                queryset=OnboardingStep.objects.select_related("article")
                .annotate(question_count=Count("quiz_questions"))
                .order_by("position", "id"),
            ),
            Prefetch("program__tools", queryset=ProgramTool.objects.order_by("name")),
            Prefetch(
                "access_grants",
                queryset=ToolAccessGrant.objects.select_related(
                    "tool", "requested_by", "granted_by", "revoked_by"
                ).order_by("tool__name", "-requested_at"),
            ),
            Prefetch(
                "offboarding_items", queryset=OffboardingItem.objects.select_related("grant__tool", "done_by")
            ),
            "end_reminders",
        )
        .annotate(is_queue_ready=_queue_ready_annotation())
    )


def contract_get_for_manager(*, user, pk) -> Contract | None:
    return _contract_detail_queryset().filter(program__in=program_list(user=user), pk=pk).first()


def document_template_list_for_manager(*, user) -> dict:
    """{program (or None for the default): {kind: template}} for the programs this user manages."""
    programs = list(program_list(user=user).order_by("name"))
    templates = DocumentTemplate.objects.filter(Q(program__in=programs) | Q(program__isnull=True))
    found: dict = {None: {}}
    for program in programs:
        found[program] = {}
    by_pk = {p.pk: p for p in programs}
    for template in templates:
        found[by_pk.get(template.program_id)][template.kind] = template
    return found


def document_template_for(*, program: Program, kind: str) -> DocumentTemplate | None:
    """The program's own template of this kind, else the default one (None: use the built-in text)."""
    return (
        DocumentTemplate.objects.filter(Q(program=program) | Q(program__isnull=True), kind=kind)
        .order_by(Coalesce("program_id", 0).desc())
        .first()
    )


def rate_floor_list_for_manager(*, user) -> QuerySet[RateFloor]:
    return RateFloor.objects.filter(program__in=program_list(user=user)).select_related("program")


def credential_list_for_manager(*, user, program: Program | None = None) -> QuerySet[VaultCredential]:
    qs = VaultCredential.objects.filter(program__in=program_list(user=user))
    if program is not None:
        qs = qs.filter(program=program)
    return qs.select_related("program", "tool", "submitted_by").order_by(
        "program__name", "tool__name", "label"
    )


def credential_reveals_for_manager(*, user, program: Program | None = None, limit: int = 100):
    qs = CredentialReveal.objects.filter(credential__program__in=program_list(user=user))
    if program is not None:
        qs = qs.filter(credential__program=program)
    return qs.select_related("credential__tool", "credential__program", "freelancer", "user")[:limit]


def credential_link_list_for_manager(*, user, limit: int = 50):
    return CredentialRequestLink.objects.filter(program__in=program_list(user=user)).select_related(
        "program", "tool", "created_by"
    )[:limit]


def tools_for_manager(*, user) -> QuerySet[ProgramTool]:
    return ProgramTool.objects.filter(program__in=program_list(user=user)).select_related("program")


# ---------------------------------------------------------------- freelancer side


def contract_list_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Contract]:
    """The freelancer's contracts that have been sent to them (drafts are the manager's business)."""
    return (
        Contract.objects.filter(freelancer=freelancer)
        .exclude(status=Contract.Status.DRAFT)
        .select_related("program", "freelancer__user", "rating")
        .prefetch_related(
            "documents",
            "onboarding_progress",
            Prefetch("program__onboarding_steps", queryset=OnboardingStep.objects.order_by("position", "id")),
        )
        .annotate(
            current_rate=_current_rate_annotation(timezone.localdate()),
            is_queue_ready=_queue_ready_annotation(),
        )
        .order_by("-start_date", "-pk")
    )


def contract_get_for_freelancer(*, freelancer: Freelancer, pk) -> Contract | None:
    return (
        _contract_detail_queryset()
        .filter(freelancer=freelancer, pk=pk)
        .exclude(status=Contract.Status.DRAFT)
        .first()
    )


@dataclass(frozen=True)
class OnboardingRow:
    step: OnboardingStep
    progress: OnboardingProgress | None

    @property
    def is_done(self) -> bool:
        return bool(self.progress and self.progress.done_at)

    @property
    def is_confirmed(self) -> bool:
        return bool(self.progress and self.progress.confirmed_at)

    @property
    def is_complete(self) -> bool:
        return bool(self.progress and self.progress.is_complete_for(self.step))

    @property
    def awaits_confirmation(self) -> bool:
        return self.is_done and self.step.needs_manager_confirmation and not self.is_confirmed


def onboarding_progress_for(*, contract: Contract) -> list[OnboardingRow]:
    """Each of the program's onboarding steps with this contract's progress on it (prefetch-aware)."""
    progress = {p.step_id: p for p in contract.onboarding_progress.all()}
    return [
        OnboardingRow(step=step, progress=progress.get(step.pk))
        for step in contract.program.onboarding_steps.all()
    ]


def credentials_for_contract(*, contract: Contract) -> QuerySet[VaultCredential]:
    """Credentials the freelancer may reveal under this contract: active contract and a granted tool."""
    if contract.status != Contract.Status.ACTIVE:
        return VaultCredential.objects.none()
    granted = ToolAccessGrant.objects.filter(contract=contract, status=ToolAccessGrant.Status.GRANTED)
    return (
        VaultCredential.objects.filter(program_id=contract.program_id, tool__in=granted.values("tool"))
        .select_related("tool")
        .order_by("tool__name", "label")
    )


def credential_get_for_reveal(
    *, freelancer: Freelancer, contract_pk, pk
) -> tuple[VaultCredential, ToolAccessGrant] | None:
    """The credential and the grant that allows revealing it, or None (the view answers 404)."""
    grant = (
        ToolAccessGrant.objects.filter(
            contract_id=contract_pk,
            contract__freelancer=freelancer,
            contract__status=Contract.Status.ACTIVE,
            status=ToolAccessGrant.Status.GRANTED,
            tool__vault_credentials__pk=pk,
        )
        .select_related("contract", "tool")
        .first()
    )
    if grant is None:
        return None
    credential = VaultCredential.objects.filter(
        pk=pk, program_id=grant.contract.program_id, tool=grant.tool
    ).first()
    return (credential, grant) if credential else None


def credential_link_for_token(*, token: str) -> CredentialRequestLink | None:
    """The link this token names, in any state (None for a wrong or tampered token): its page tells a used or
    expired link (410) from one that never existed (404)."""
    from core.tokens import token_digest

    if not token or len(token) > 200:
        return None
    return (
        CredentialRequestLink.objects.filter(token_hash=token_digest(token))
        .select_related("program", "tool")
        .first()
    )


def credential_link_state(*, link: CredentialRequestLink, now=None) -> LinkState:
    """Whether a one-time link still works: used once it took a submission, expired after expires_at."""
    if link.used_at is not None:
        return LinkState.USED
    if link.expires_at <= (now or timezone.now()):
        return LinkState.EXPIRED
    return LinkState.OPEN


def credential_link_get(*, token: str) -> CredentialRequestLink | None:
    """The unused, unexpired link for this token; None for a wrong, tampered, used or expired one."""
    link = credential_link_for_token(token=token)
    return link if link is not None and credential_link_state(link=link) == LinkState.OPEN else None


def freelancer_invitation_for_token(*, token: str) -> FreelancerInvitation | None:
    """The invitation this link's token names, in any status (None for an unknown or malformed token).

    The accept page tells a used, revoked or expired invitation (410) from one that never existed (404).
    """
    from core.tokens import token_digest

    if not token or len(token) > 200:
        return None
    return (
        FreelancerInvitation.objects.filter(token_hash=token_digest(token))
        .select_related("program", "freelancer__user")
        .first()
    )


# ---------------------------------------------------------------- legal-name change requests (issue 17)


def legal_name_request_list_for_manager(*, user, pending: bool = True, limit: int = 100) -> QuerySet:
    """Requests of the freelancers this user may see (freelancer_list_for_manager), pending (oldest first) or
    decided (newest first), with how many contracts the freelancer signed and how many wait for a signature (their
    text was written with the name of the day they were sent). A constant number of queries."""
    Status = LegalNameChangeRequest.Status
    qs = LegalNameChangeRequest.objects.filter(
        freelancer__in=freelancer_list_for_manager(user=user).values("pk")
    )
    if not pending:
        return (
            qs.exclude(status=Status.PENDING)
            .select_related("freelancer__user", "decided_by")
            .order_by("-decided_at", "-id")[:limit]
        )
    contracts = (
        Contract.objects.filter(freelancer_id=OuterRef("freelancer_id")).order_by().values("freelancer_id")
    )
    signed = contracts.filter(signed_at__isnull=False).annotate(n=Count("*")).values("n")
    awaiting = contracts.filter(status=Contract.Status.SENT).annotate(n=Count("*")).values("n")
    return (
        qs.filter(status=Status.PENDING)
        .select_related("freelancer__user")
        .annotate(
            signed_contracts=Coalesce(Subquery(signed, output_field=IntegerField()), 0),
            awaiting_signature=Coalesce(Subquery(awaiting, output_field=IntegerField()), 0),
        )
        .order_by("created_at", "id")[:limit]
    )


def legal_name_request_get_for_manager(*, user, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        LegalNameChangeRequest.objects.filter(
            pk=pk, freelancer__in=freelancer_list_for_manager(user=user).values("pk")
        )
        .select_related("freelancer__user")
        .first()
    )


def rating_for(*, contract: Contract) -> ContractRating | None:
    """The contract's rating, or None (reads the row the detail selectors join in; no query then)."""
    try:
        return contract.rating
    except ContractRating.DoesNotExist:
        return None


# --- the dashboard's team pages (it reads contracts only through these selectors) ---------------------------

ContractStatus = Contract.Status  # the states other apps compare a contract's status with


def contract_latest_per_freelancer(*, program_id: int) -> dict[int, Contract]:
    """{freelancer_id: their latest contract past draft in the program}, with the freelancer, by legal name.
    One query."""
    contracts = (
        Contract.objects.filter(program_id=program_id)
        .exclude(status=Contract.Status.DRAFT)
        .select_related("freelancer")
        .order_by("freelancer__legal_name", "freelancer_id", "-start_date", "-pk")
    )
    members: dict[int, Contract] = {}
    for contract in contracts:
        members.setdefault(contract.freelancer_id, contract)
    return members


def program_member_get(*, program_id: int, freelancer_id: int) -> Freelancer | None:
    """The freelancer (with their user) when they have a contract past draft in the program; else None."""
    in_program = Contract.objects.filter(program_id=program_id).exclude(status=Contract.Status.DRAFT)
    return (
        Freelancer.objects.filter(pk=freelancer_id, pk__in=in_program.values("freelancer_id"))
        .select_related("user")
        .first()
    )


TIER_CHOICES = ProgramStanding.Tier.choices


def standing_get(*, freelancer_id: int, program_id: int) -> ProgramStanding:
    """The freelancer's standing in the program (tier, channels), or the unsaved default: tier 1, every channel."""
    found = ProgramStanding.objects.filter(freelancer_id=freelancer_id, program_id=program_id).first()
    return found or ProgramStanding(freelancer_id=freelancer_id, program_id=program_id)


def standings_for_program(*, program_id: int) -> dict[int, ProgramStanding]:
    """{freelancer_id: standing} of the program's freelancers who have a row (one query)."""
    return {s.freelancer_id: s for s in ProgramStanding.objects.filter(program_id=program_id)}


def program_channel_choices(program: Program) -> list[tuple[str, str]]:
    """The channels a freelancer of the program may be set up for: the program's, or every channel when it
    lists none."""
    offered = set(program.channels or Channel.values)
    return [(value, label) for value, label in Channel.choices if value in offered]


def quiz_attempt_list(*, contract: Contract, step: OnboardingStep, limit: int = 10) -> list[QuizAttempt]:
    """The contract's latest tries at a quiz step, newest first (the quiz page shows them)."""
    return list(
        QuizAttempt.objects.filter(contract=contract, step=step).order_by("-submitted_at", "-id")[:limit]
    )
