"""Journey c: the new freelancer accepts the invitation (the link from the outgoing mail), signs the contract and
the NDA and works through onboarding; the manager confirms steps and grants tool access; a credential is revealed.

The world is the one journey b ends in: a candidate just hired, so her draft contract exists and the invitation
to set a password is in the outgoing mail.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Contract, CredentialReveal
from contracts.selectors import freelancer_is_queue_ready
from contracts.services import credential_store
from programs.models import OnboardingStep
from recruiting.models import Application
from recruiting.services import application_hire
from tests.accounts.factories import LanguageFactory
from tests.contracts.factories import ProgramToolFactory
from tests.e2e.conftest import alert, authenticator_code, field, nav_to
from tests.programs.factories import OnboardingStepFactory, ProgramFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory

FREELANCER = "ana.reyes@example.test"
NEW_PASSWORD = "weekend-cover-2026!"
Kind = OnboardingStep.Kind


@pytest.fixture
def hired(manager):
    LanguageFactory(code="en")
    program = ProgramFactory(name="Weekend Cover", slug="weekend-cover", managers=[manager])
    OnboardingStepFactory(
        program=program, title="Read the weekend playbook", kind=Kind.READ_MATERIALS, position=1
    )
    OnboardingStepFactory(program=program, title="Sign the NDA", kind=Kind.SIGN_NDA, position=2)
    OnboardingStepFactory(
        program=program,
        title="Shadow 10 tickets",
        kind=Kind.SHADOW,
        position=3,
        needs_manager_confirmation=True,
    )
    tool = ProgramToolFactory(program=program, name="Zendesk", access_level="Agent (light)")
    credential_store(
        program=program,
        tool=tool,
        label="Shared weekend login",
        username="weekend@shop.example",
        password="correct-horse-battery",
        actor=manager,
    )
    application = ApplicationFactory(
        posting=PostingFactory(program=program),
        full_name="Ana Reyes",
        email=FREELANCER,
        stage=Application.Stage.OFFER,
    )
    return application_hire(
        application=application,
        hired_by=manager,
        hourly_rate=Decimal("18.00"),
        currency="USD",
        start_date=timezone.localdate() + datetime.timedelta(days=1),
    )


def test_the_new_freelancer_signs_onboards_and_reveals_a_credential(
    hired, manager, log_in, visitor, mail, check_page
):
    contract_pk = hired.contract.pk

    # The manager checks the draft contract and sends it for signature.
    page = log_in(manager)
    nav_to(page, "Contracts")
    check_page(page)
    page.get_by_role("link", name=re.compile("Ana Reyes")).first.click()
    check_page(page)
    page.get_by_role("button", name="Send for signature").click()
    expect(alert(page, "Sent.")).to_be_visible()
    check_page(page)

    # The freelancer, on her phone, opens the invitation from her mail and chooses a password.
    freelancer = visitor(phone=True)
    freelancer.goto(mail.link(FREELANCER, contains="/accounts/invite/"))
    check_page(freelancer)
    field(freelancer, "New password").fill(NEW_PASSWORD)
    field(freelancer, "New password confirmation").fill(NEW_PASSWORD)
    freelancer.get_by_role("button", name="Set password and continue").click()
    expect(alert(freelancer, "Your password is set.")).to_be_visible()
    check_page(freelancer)

    # She reads and signs the contract and the NDA.
    freelancer.get_by_role("link", name="Sign your contract with Weekend Cover").click()
    check_page(freelancer)
    expect(freelancer.get_by_text("NDA", exact=False).first).to_be_visible()
    field(freelancer, "Your full legal name").fill("Ana Reyes")
    freelancer.get_by_label(re.compile("I have read the documents above")).check()
    freelancer.get_by_role("button", name="Sign", exact=True).click()
    expect(alert(freelancer, "Signed.")).to_be_visible()
    check_page(freelancer)

    # Onboarding: each "Mark done" swaps the checklist in place (htmx).
    onboarding = freelancer.locator("#onboarding")
    for title in ["Read the weekend playbook", "Sign the NDA", "Shadow 10 tickets"]:
        row = onboarding.get_by_role("listitem").filter(has_text=title)
        if row.get_by_role("button", name="Mark done").count():
            row.get_by_role("button", name="Mark done").click()
            expect(row.get_by_role("button", name="Undo")).to_be_visible()
            check_page(freelancer)
    expect(onboarding.get_by_text("Waiting for your manager to confirm.")).to_be_visible()

    # The manager confirms the step that needs it, grants tool access and activates the contract.
    page.reload()
    check_page(page)
    page.locator("#onboarding").get_by_role("listitem").filter(has_text="Shadow 10 tickets").get_by_role(
        "button", name="Confirm"
    ).click()
    check_page(page)
    page.get_by_label("Tool").select_option(label="Zendesk — Agent (light)")
    page.get_by_role("button", name="Record as granted").click()
    check_page(page)
    page.get_by_role("button", name="Activate now").click()
    expect(alert(page, "Active.")).to_be_visible()
    check_page(page)

    # The freelancer is queue-ready; revealing the credential asks for a second factor first.
    freelancer.reload()
    check_page(freelancer)
    expect(freelancer.get_by_text("All done: you can receive tickets.")).to_be_visible()
    credential = freelancer.locator(".border.rounded", has_text="Shared weekend login")
    credential.get_by_role("button", name="Reveal").click()
    freelancer.get_by_role("link", name="Set up two-factor sign-in to reveal credentials").click()
    check_page(freelancer)
    secret = freelancer.locator(".font-monospace").inner_text()
    field(freelancer, "Code").fill(authenticator_code(secret))
    freelancer.get_by_role("button", name="Turn on two-factor sign-in").click()
    check_page(freelancer)
    freelancer.get_by_role("link", name="I have saved them — continue").click()
    check_page(freelancer)
    credential = freelancer.locator(".border.rounded", has_text="Shared weekend login")
    credential.get_by_role("button", name="Reveal").click()
    expect(credential.get_by_text("correct-horse-battery")).to_be_visible()
    check_page(freelancer)

    contract = Contract.objects.get(pk=contract_pk)
    assert contract.status == Contract.Status.ACTIVE
    assert freelancer_is_queue_ready(freelancer_id=contract.freelancer_id, program_id=contract.program_id)
    assert {d.kind for d in contract.documents.all() if d.signed_at} == {"contract", "nda"}
    assert contract.access_grants.get().status == "granted"
    assert CredentialReveal.objects.filter(freelancer__user__email=FREELANCER).exists()
