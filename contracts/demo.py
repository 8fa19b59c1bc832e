"""Demo contracts. Idempotent: a contract that exists for (program, freelancer) is left as it is.

Demo Support: freelancers 1–6 active, signed, onboarded (queue-ready), freelancer 3 on a fixed term
ending in 10 days, freelancer 7 sent two days ago but unsigned, freelancer 8 (hired from the posting) signed,
starting next Monday, onboarding in progress. Each contract is drafted, sent, signed and onboarded on dates
before its start (date_history), not at the seed minute;
rate floors by region; a rate change history for freelancer 1 (one change 5 days ago); tools with
grants; Zendesk credentials in the vault with a couple of reveals; a pending invitation by e-mail.
Acme: Nora active in EUR.
"""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone

from contracts.models import (
    Contract,
    ContractDocument,
    DocumentKind,
    DocumentTemplate,
    FreelancerInvitation,
    OnboardingProgress,
    QuizAttempt,
    RateChange,
    RateFloor,
    ToolAccessGrant,
    VaultCredential,
)
from contracts.services import (
    access_grant_grant,
    access_grant_request,
    contract_create_draft,
    contract_send,
    contract_sign,
    credential_reveal,
    credential_store,
    freelancer_invitation_send,
    onboarding_article_open,
    onboarding_quiz_submit,
    onboarding_step_complete,
    onboarding_step_confirm,
    rate_change_create,
)
from contracts.services.lifecycle import DEFAULT_BODIES, DEFAULT_TITLES, program_today
from core.models import AuditLog
from programs.models import OnboardingStep, ProgramTool

# freelancer number → (starting rate USD, hours per week, weekly cap)
DEMO_TERMS = {
    1: (Decimal("13.00"), Decimal("20"), Decimal("25")),
    2: (Decimal("16.00"), Decimal("25"), Decimal("30")),
    3: (Decimal("15.00"), Decimal("20"), Decimal("25")),
    4: (Decimal("15.50"), Decimal("30"), Decimal("35")),
    5: (Decimal("12.00"), Decimal("20"), Decimal("24")),
    6: (Decimal("21.00"), Decimal("20"), Decimal("25")),
    7: (Decimal("12.50"), Decimal("20"), Decimal("25")),
    8: (Decimal("22.00"), Decimal("20"), Decimal("25")),
}

DEMO_FLOORS = [
    ("US and Western Europe", ["US", "CA", "GB", "IE", "FR", "DE", "NL", "BE", "SE", "CH"], Decimal("20.00")),
    ("Central Europe and Latin America", ["PL", "BR", "MX", "AR", "CO"], Decimal("15.00")),
    ("Everywhere else", [], Decimal("12.00")),
]

DEMO_STEPS = [
    ("Read the support playbook and macros", OnboardingStep.Kind.READ_MATERIALS, False),
    ("Sign the NDA", OnboardingStep.Kind.SIGN_NDA, False),
    ("Receive Zendesk and Slack access", OnboardingStep.Kind.TOOL_ACCESS, True),
    ("Shadow 10 tickets with a team lead", OnboardingStep.Kind.SHADOW, True),
    ("Pass the product quiz (80%+)", OnboardingStep.Kind.QUIZ, True),
]

DEMO_TOOLS = [
    ("Zendesk", "Agent (light)", "https://example.zendesk.com"),
    ("Slack", "Single-channel guest", "https://example.slack.com"),
    ("Stripe", "Read-only support role", "https://dashboard.stripe.com"),
]


def _templates():
    for kind in DocumentKind.values:
        DocumentTemplate.objects.get_or_create(
            program=None, kind=kind, defaults={"title": DEFAULT_TITLES[kind], "body": DEFAULT_BODIES[kind]}
        )


def _steps(program, steps):
    if not program.onboarding_steps.exists():
        for position, (title, kind, needs_confirmation) in enumerate(steps, start=1):
            OnboardingStep.objects.create(
                program=program,
                title=title,
                kind=kind,
                position=position,
                needs_manager_confirmation=needs_confirmation,
            )
    return list(program.onboarding_steps.order_by("position", "id"))


def _tools(program, tools):
    """The program's tools (the programs demo usually made them); ours only when it has none."""
    if not program.tools.exists():
        for name, level, url in tools:
            ProgramTool.objects.create(program=program, name=name, access_level=level, url=url)
    return list(program.tools.order_by("name"))


def _floors(program, floors, currency):
    if not RateFloor.objects.filter(program=program).exists():
        for label, countries, minimum in floors:
            RateFloor.objects.create(
                program=program,
                label=label,
                countries=countries,
                minimum_hourly_rate=minimum,
                currency=currency,
            )


def audit_mark() -> int:
    """The last audit row's id: what a contract's services write after it is that contract's history."""
    return AuditLog.objects.aggregate(last=Max("id"))["last"] or 0


def _at(program, day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=program.zone)


def date_history(
    contract,
    *,
    since: int,
    drafted: datetime.date | None = None,
    signed: datetime.date | None = None,
    onboarding_between: tuple[datetime.datetime, datetime.datetime] | None = None,
):
    """Move a contract the services just made (at this minute) to the dates a real one would have had.

    Drafted and sent on `drafted` (default: six days before the start), signed on `signed` (default: four days
    before), onboarding steps done one after another `onboarding_between` two moments (default: the three days
    before the start), tool access granted the day after signing, activated by the daily job on the start day.
    Nothing is later than now. Its audit lines (ids above `since`) move with it.
    """
    contract.refresh_from_db()
    program, start = contract.program, contract.start_date
    latest = timezone.now() - datetime.timedelta(hours=1)
    drafted_at = min(_at(program, drafted or start - datetime.timedelta(days=6), 10), latest)
    sent_at = drafted_at + datetime.timedelta(minutes=20)
    signed_at = (
        min(_at(program, signed or start - datetime.timedelta(days=4), 18, 30), latest)
        if contract.signed_at
        else None
    )
    activated_at = _at(program, start, 0, 5) if contract.activated_at else None
    Contract.objects.filter(pk=contract.pk).update(
        created_at=drafted_at,
        updated_at=activated_at or signed_at or sent_at,
        sent_at=sent_at if contract.sent_at else None,
        signed_at=signed_at,
        activated_at=activated_at,
    )
    ContractDocument.objects.filter(contract=contract).update(
        created_at=sent_at, updated_at=signed_at or sent_at
    )
    if signed_at:
        ContractDocument.objects.filter(contract=contract, signed_at__isnull=False).update(
            signed_at=signed_at
        )
    # Onboarding: the NDA step is done by the signature; the others one after another before the start.
    steps_at = []
    progress = list(
        OnboardingProgress.objects.filter(contract=contract, done_at__isnull=False)
        .select_related("step")
        .order_by("step__position", "step_id")
    )
    others = [p for p in progress if p.done_at and p.step.kind != "sign_nda"]
    first, last = onboarding_between or (
        _at(program, start - datetime.timedelta(days=3), 9),
        _at(program, start - datetime.timedelta(days=1), 17),
    )
    first = min(first, last - datetime.timedelta(hours=len(others) + 1))
    spacing = (last - first) / max(len(others), 1)
    for row in progress:
        done = (
            signed_at
            if row.step.kind == OnboardingStep.Kind.SIGN_NDA
            else first + spacing * others.index(row)
        )
        confirmed = (
            (done if row.step.kind == OnboardingStep.Kind.SIGN_NDA else done + datetime.timedelta(hours=2))
            if row.confirmed_at
            else None
        )
        OnboardingProgress.objects.filter(pk=row.pk).update(
            created_at=done, updated_at=confirmed or done, done_at=done, confirmed_at=confirmed
        )
        # The article was opened a few minutes before the step was ticked; the quiz was passed when it was done.
        if done is not None:
            OnboardingProgress.objects.filter(pk=row.pk, opened_at__isnull=False).update(
                opened_at=done - datetime.timedelta(minutes=12)
            )
            QuizAttempt.objects.filter(contract=contract, step_id=row.step_id).update(submitted_at=done)
        if row.step.kind != OnboardingStep.Kind.SIGN_NDA:
            steps_at += [done] + ([confirmed] if confirmed else [])
    granted = min((signed_at or sent_at) + datetime.timedelta(days=1), latest)
    grants = list(ToolAccessGrant.objects.filter(contract=contract))
    ToolAccessGrant.objects.filter(contract=contract).update(
        requested_at=signed_at or sent_at, created_at=signed_at or sent_at
    )
    ToolAccessGrant.objects.filter(contract=contract, granted_at__isnull=False).update(granted_at=granted)
    rate_changes = {
        str(r.pk): _at(program, r.effective_date - datetime.timedelta(days=2), 11)
        for r in RateChange.objects.filter(contract=contract)
    }
    for pk, at in rate_changes.items():
        RateChange.objects.filter(pk=pk).update(created_at=at, updated_at=at)
    by_verb = {
        "contract.drafted": drafted_at,
        "contract.sent": sent_at,
        "contract.signed": signed_at,
        "contract.document_signed": signed_at,
        "contract.activated": activated_at,
        "tool_access.requested": signed_at or sent_at,
        "tool_access.granted": granted,
    }
    targets = {
        ContentType.objects.get_for_model(Contract).pk: {str(contract.pk)},
        ContentType.objects.get_for_model(ContractDocument).pk: {
            str(pk) for pk in ContractDocument.objects.filter(contract=contract).values_list("pk", flat=True)
        },
        ContentType.objects.get_for_model(ToolAccessGrant).pk: {str(g.pk) for g in grants},
    }
    onboarding = iter(steps_at)
    rate_times = iter(sorted(rate_changes.values()))
    for row in AuditLog.objects.filter(id__gt=since).order_by("id"):
        if row.target_id not in targets.get(row.target_type_id, set()):
            continue
        if row.verb.startswith("onboarding."):
            at = next(onboarding, None)
        elif row.verb == "contract.rate_changed":
            at = next(rate_times, None)
        else:
            at = by_verb.get(row.verb)
        if at is not None:
            AuditLog.objects.filter(pk=row.pk).update(created_at=at)


def _signed_contract(*, program, freelancer, manager, terms, start, end=None, ip="203.0.113.10"):
    rate, hours, cap = terms
    contract = contract_create_draft(
        program=program,
        freelancer=freelancer,
        created_by=manager,
        hourly_rate=rate,
        currency=program.currency,
        start_date=start,
        end_date=end,
        hours_per_week=hours,
        weekly_hour_cap=cap,
    )
    contract_send(contract=contract, actor=manager)
    return contract_sign(
        contract=contract,
        freelancer=freelancer,
        typed_name=freelancer.legal_name,
        consent=True,
        ip_address=ip,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Demo browser",
    )


def onboard(contract, steps, manager, *, upto=None):
    """Work through the checklist as a freelancer would: open a read step's article, pass a quiz by answering it."""
    user = contract.freelancer.user
    for step in steps[:upto]:
        if step.article_id is not None:
            onboarding_article_open(contract=contract, step=step, user=user)
        if step.kind == OnboardingStep.Kind.QUIZ and step.quiz_questions.exists():
            onboarding_quiz_submit(
                contract=contract,
                step=step,
                user=user,
                answers={q.pk: q.correct_index for q in step.quiz_questions.all()},
            )
        elif step.kind != OnboardingStep.Kind.QUIZ:
            onboarding_step_complete(contract=contract, step=step, user=user)
        if step.needs_manager_confirmation:
            onboarding_step_confirm(contract=contract, step=step, actor=manager)


def _grant_all(contract, tools, manager):
    for tool in tools:
        access_grant_grant(
            grant=access_grant_request(contract=contract, tool=tool, actor=manager), actor=manager
        )


def seed(context):
    _templates()
    demo, acme, manager = context["program"], context["acme"], context["manager"]
    today = program_today(demo)
    steps = _steps(demo, DEMO_STEPS)
    tools = _tools(demo, DEMO_TOOLS)
    _floors(demo, DEMO_FLOORS, "USD")

    contracts = {}
    for number, freelancer in enumerate(context["freelancers"], start=1):
        existing = (
            Contract.objects.filter(program=demo, freelancer=freelancer).order_by("-start_date").first()
        )
        if existing is not None:
            contracts[freelancer.pk] = existing
            continue
        terms = DEMO_TERMS[number]
        since = audit_mark()
        if number == 7:
            contract = contract_create_draft(
                program=demo,
                freelancer=freelancer,
                created_by=manager,
                hourly_rate=terms[0],
                start_date=today + datetime.timedelta(days=7),
                hours_per_week=terms[1],
                weekly_hour_cap=terms[2],
            )
            contract = contract_send(contract=contract, actor=manager)
            date_history(contract, since=since, drafted=today - datetime.timedelta(days=2))
        elif number == 8:
            # Hired from the posting (recruiting/demo.py) a few days ago; signed the next day, starts next Monday
            # and is part-way through onboarding.
            hired = context.get("hired_application")
            hired_on = (
                hired.stage_changed_at.astimezone(demo.zone).date()
                if hired
                else today - datetime.timedelta(days=3)
            )
            hired_on = min(hired_on, today - datetime.timedelta(days=1))
            start = today + datetime.timedelta(days=7 - today.weekday())
            contract = _signed_contract(
                program=demo, freelancer=freelancer, manager=manager, terms=terms, start=start
            )
            onboard(contract, steps, manager, upto=2)
            grant = access_grant_request(contract=contract, tool=tools[-1], actor=manager)
            access_grant_grant(grant=grant, actor=manager)
            access_grant_request(contract=contract, tool=tools[0], actor=manager)
            signed_on = hired_on + datetime.timedelta(days=1)
            date_history(
                contract,
                since=since,
                drafted=hired_on,
                signed=signed_on,
                onboarding_between=(_at(demo, signed_on, 20), timezone.now() - datetime.timedelta(hours=2)),
            )
        else:
            start = today - datetime.timedelta(days=120 if number == 1 else 80 + number)
            end = today + datetime.timedelta(days=10) if number == 3 else None
            contract = _signed_contract(
                program=demo,
                freelancer=freelancer,
                manager=manager,
                terms=terms,
                start=start,
                end=end,
                ip=f"203.0.113.{10 + number}",
            )
            onboard(contract, steps, manager)
            _grant_all(contract, tools, manager)
            date_history(contract, since=since)
            if number == 1:
                rate_change_create(
                    contract=contract,
                    effective_date=today - datetime.timedelta(days=60),
                    hourly_rate=Decimal("13.50"),
                    reason="evaluation",
                    approved_by=manager,
                    note="Strong first evaluation: QA 91, CSAT 96%.",
                )
                rate_change_create(
                    contract=contract,
                    effective_date=today - datetime.timedelta(days=5),
                    hourly_rate=Decimal("14.25"),
                    reason="promotion",
                    approved_by=manager,
                    note="Took over billing tickets.",
                )
                date_history(contract, since=since)
        contracts[freelancer.pk] = contract

    zendesk = next((t for t in tools if t.name == "Zendesk"), tools[0])
    if not VaultCredential.objects.filter(program=demo, tool=zendesk).exists():
        credential = credential_store(
            program=demo,
            tool=zendesk,
            label="Shared light-agent login",
            username="support-freelancers@example.com",
            password="demo-Zendesk-2026!",
            notes="2FA codes go to the #freelancer-support Slack channel.",
            actor=manager,
        )
        for freelancer in context["freelancers"][:2]:
            credential_reveal(credential=credential, freelancer=freelancer, ip_address="198.51.100.7")

    # A pending invitation for someone who did not come through a posting (the e-mail goes to the outbox).
    if not FreelancerInvitation.objects.filter(program=demo).exists():
        freelancer_invitation_send(
            program=demo, email="lucia.ferreira@example.com", name="Lúcia Ferreira", invited_by=manager
        )

    # Acme Weekend Cover: Nora, in EUR.
    _steps(acme, DEMO_STEPS[:2])
    acme_tools = _tools(acme, [("Help Scout", "Agent", "https://secure.helpscout.net")])
    _floors(acme, [("Everywhere", [], Decimal("18.00"))], "EUR")
    nora = context["acme_freelancer"]
    acme_contract = Contract.objects.filter(program=acme, freelancer=nora).first()
    if acme_contract is None:
        since = audit_mark()
        acme_contract = _signed_contract(
            program=acme,
            freelancer=nora,
            manager=context["manager2"],
            terms=(Decimal("22.00"), Decimal("16"), Decimal("20")),
            start=today - datetime.timedelta(days=45),
            ip="203.0.113.50",
        )
        onboard(acme_contract, list(acme.onboarding_steps.order_by("position", "id")), context["manager2"])
        _grant_all(acme_contract, acme_tools, context["manager2"])
        date_history(acme_contract, since=since)

    context["contracts"] = contracts
    context["acme_contract"] = acme_contract
    context["demo_tools"] = tools
