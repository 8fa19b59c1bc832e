"""Demo contracts. Idempotent: a contract that exists for (program, freelancer) is left as it is.

Demo Support: freelancers 1–6 active, signed, onboarded (queue-ready), freelancer 3 on a fixed term
ending in 10 days, freelancer 7 sent but unsigned, freelancer 8 active with onboarding in progress;
rate floors by region; a rate change history for freelancer 1 (one change 5 days ago); tools with
grants; Zendesk credentials in the vault with a couple of reveals; a pending invitation by e-mail.
Acme: Nora active in EUR.
"""

import datetime
from decimal import Decimal

from contracts.models import (
    Contract,
    DocumentKind,
    DocumentTemplate,
    FreelancerInvitation,
    RateFloor,
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
    onboarding_step_complete,
    onboarding_step_confirm,
    rate_change_create,
)
from contracts.services.lifecycle import DEFAULT_BODIES, DEFAULT_TITLES, program_today
from programs.models import OnboardingStep, ProgramTool

# freelancer number → (starting rate USD, hours per week, weekly cap)
DEMO_TERMS = {
    1: (Decimal("13.00"), Decimal("20"), Decimal("25")),
    2: (Decimal("16.00"), Decimal("25"), Decimal("30")),
    3: (Decimal("15.00"), Decimal("20"), Decimal("25")),
    4: (Decimal("15.50"), Decimal("30"), Decimal("35")),
    5: (Decimal("12.00"), Decimal("20"), Decimal("24")),
    6: (Decimal("21.00"), Decimal("15"), Decimal("20")),
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

DEMO_TOOLS = [("Zendesk", "Agent (light)", "https://example.zendesk.com"),
              ("Slack", "Single-channel guest", "https://example.slack.com"),
              ("Stripe", "Read-only support role", "https://dashboard.stripe.com")]


def _templates():
    for kind in DocumentKind.values:
        DocumentTemplate.objects.get_or_create(
            program=None, kind=kind, defaults={"title": DEFAULT_TITLES[kind], "body": DEFAULT_BODIES[kind]}
        )


def _steps(program, steps):
    if not program.onboarding_steps.exists():
        for position, (title, kind, needs_confirmation) in enumerate(steps, start=1):
            OnboardingStep.objects.create(program=program, title=title, kind=kind, position=position,
                                          needs_manager_confirmation=needs_confirmation)
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
            RateFloor.objects.create(program=program, label=label, countries=countries,
                                     minimum_hourly_rate=minimum, currency=currency)


def _signed_contract(*, program, freelancer, manager, terms, start, end=None, ip="203.0.113.10"):
    rate, hours, cap = terms
    contract = contract_create_draft(
        program=program, freelancer=freelancer, created_by=manager, hourly_rate=rate, currency=program.currency,
        start_date=start, end_date=end, hours_per_week=hours, weekly_hour_cap=cap,
    )
    contract_send(contract=contract, actor=manager)
    return contract_sign(
        contract=contract, freelancer=freelancer, typed_name=freelancer.legal_name, consent=True, ip_address=ip,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Demo browser",
    )


def _onboard(contract, steps, manager, *, upto=None):
    for step in steps[:upto]:
        onboarding_step_complete(contract=contract, step=step, user=contract.freelancer.user)
        if step.needs_manager_confirmation:
            onboarding_step_confirm(contract=contract, step=step, actor=manager)


def _grant_all(contract, tools, manager):
    for tool in tools:
        access_grant_grant(grant=access_grant_request(contract=contract, tool=tool, actor=manager), actor=manager)


def seed(context):
    _templates()
    demo, acme, manager = context["program"], context["acme"], context["manager"]
    today = program_today(demo)
    steps = _steps(demo, DEMO_STEPS)
    tools = _tools(demo, DEMO_TOOLS)
    _floors(demo, DEMO_FLOORS, "USD")

    contracts = {}
    for number, freelancer in enumerate(context["freelancers"], start=1):
        existing = Contract.objects.filter(program=demo, freelancer=freelancer).order_by("-start_date").first()
        if existing is not None:
            contracts[freelancer.pk] = existing
            continue
        terms = DEMO_TERMS[number]
        if number == 7:
            contract = contract_create_draft(
                program=demo, freelancer=freelancer, created_by=manager, hourly_rate=terms[0],
                start_date=today + datetime.timedelta(days=7), hours_per_week=terms[1], weekly_hour_cap=terms[2],
            )
            contract = contract_send(contract=contract, actor=manager)
        elif number == 8:
            contract = _signed_contract(program=demo, freelancer=freelancer, manager=manager, terms=terms,
                                        start=today - datetime.timedelta(days=3))
            _onboard(contract, steps, manager, upto=2)
            grant = access_grant_request(contract=contract, tool=tools[-1], actor=manager)
            access_grant_grant(grant=grant, actor=manager)
            access_grant_request(contract=contract, tool=tools[0], actor=manager)
        else:
            start = today - datetime.timedelta(days=120 if number == 1 else 80 + number)
            end = today + datetime.timedelta(days=10) if number == 3 else None
            contract = _signed_contract(program=demo, freelancer=freelancer, manager=manager, terms=terms,
                                        start=start, end=end, ip=f"203.0.113.{10 + number}")
            _onboard(contract, steps, manager)
            _grant_all(contract, tools, manager)
            if number == 1:
                rate_change_create(contract=contract, effective_date=today - datetime.timedelta(days=60),
                                   hourly_rate=Decimal("13.50"), reason="evaluation", approved_by=manager,
                                   note="Strong first evaluation: QA 91, CSAT 96%.")
                rate_change_create(contract=contract, effective_date=today - datetime.timedelta(days=5),
                                   hourly_rate=Decimal("14.25"), reason="promotion", approved_by=manager,
                                   note="Took over billing tickets.")
        contracts[freelancer.pk] = contract

    zendesk = next((t for t in tools if t.name == "Zendesk"), tools[0])
    if not VaultCredential.objects.filter(program=demo, tool=zendesk).exists():
        credential = credential_store(
            program=demo, tool=zendesk, label="Shared light-agent login", username="support-freelancers@example.com",
            password="demo-Zendesk-2026!", notes="2FA codes go to the #freelancer-support Slack channel.",
            actor=manager,
        )
        for freelancer in context["freelancers"][:2]:
            credential_reveal(credential=credential, freelancer=freelancer, ip_address="198.51.100.7")

    # A pending invitation for someone who did not come through a posting (the e-mail goes to the outbox).
    if not FreelancerInvitation.objects.filter(program=demo).exists():
        freelancer_invitation_send(program=demo, email="lucia.ferreira@example.com", name="Lúcia Ferreira",
                                   invited_by=manager)

    # Acme Weekend Cover: Nora, in EUR.
    _steps(acme, DEMO_STEPS[:2])
    acme_tools = _tools(acme, [("Help Scout", "Agent", "https://secure.helpscout.net")])
    _floors(acme, [("Everywhere", [], Decimal("18.00"))], "EUR")
    nora = context["acme_freelancer"]
    acme_contract = Contract.objects.filter(program=acme, freelancer=nora).first()
    if acme_contract is None:
        acme_contract = _signed_contract(
            program=acme, freelancer=nora, manager=context["manager2"],
            terms=(Decimal("22.00"), Decimal("16"), Decimal("20")), start=today - datetime.timedelta(days=45),
            ip="203.0.113.50",
        )
        _onboard(acme_contract, list(acme.onboarding_steps.order_by("position", "id")), context["manager2"])
        _grant_all(acme_contract, acme_tools, context["manager2"])

    context["contracts"] = contracts
    context["acme_contract"] = acme_contract
    context["demo_tools"] = tools
