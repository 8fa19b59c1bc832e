"""Stakeholders (#21 item 8): contacts collected on the vault's one-time link page, a welcome e-mail to
stakeholders and freelancers when the program starts (once), and the read-only stakeholder page behind a
hashed, revocable link."""

import datetime

import pytest
from django.urls import reverse

from contracts.models import Contract
from contracts.services import credential_link_create
from core.models import OutboxMessage
from dashboard.models import WeeklySummary
from programs import services as program_services
from programs.models import Program, Stakeholder
from reviews.models import NpsInvitation, NpsRound, StakeholderPageLink
from reviews.services import stakeholder_page_link_revoke, stakeholder_page_link_send
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.contracts.factories import ContractFactory, ProgramToolFactory
from tests.programs.factories import (
    ProgramFactory,
    ProgramScheduleFactory,
    SuccessMetricFactory,
    TicketTypeFactory,
)
from tests.reviews.factories import stakeholder

pytestmark = pytest.mark.django_db


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _startable_program(manager):
    program = ProgramFactory(status=Program.Status.DRAFT, managers=[manager], name="Acme Help")
    TicketTypeFactory(program=program)
    ProgramScheduleFactory(program=program)
    SuccessMetricFactory(program=program)
    return program


# --- contacts through the vault link ---------------------------------------------------------------------------


def _vault_post(**contacts):
    data = {
        "submitted_by_name": "Ida from IT",
        "username": "agent",
        "password": "s3cret!",
        "contacts-TOTAL_FORMS": "3",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "10",
    }
    data.update(contacts)
    return data


def test_the_vault_link_collects_stakeholder_contacts(client, settings):
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    stakeholder(program, "dana@customer.test")
    tool = ProgramToolFactory(program=program)
    _link, url = credential_link_create(program=program, tool=tool, label="Agent login", actor=manager)
    page = client.get(reverse("contracts:vault_submit", args=[_token(url)]))
    assert "contacts-0-email" in page.content.decode()

    response = client.post(
        reverse("contracts:vault_submit", args=[_token(url)]),
        _vault_post(
            **{
                "contacts-0-name": "Luis Ortega",
                "contacts-0-email": " Luis@Customer.TEST ",
                "contacts-0-role": "COO",
                "contacts-1-name": "Dana Renamed",
                "contacts-1-email": "dana@customer.test",
            }
        ),
    )
    assert response.status_code == 200 and "contracts/vault_submit_done.html" in [
        t.name for t in response.templates
    ]
    people = {s.email: (s.name, s.role) for s in program.stakeholders.all()}
    assert people == {"luis@customer.test": ("Luis Ortega", "COO"), "dana@customer.test": ("dana", "")}


def test_a_contact_without_an_email_is_a_field_error_and_nothing_is_stored(client):
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    tool = ProgramToolFactory(program=program)
    link, url = credential_link_create(program=program, tool=tool, label="Agent login", actor=manager)
    response = client.post(
        reverse("contracts:vault_submit", args=[_token(url)]),
        _vault_post(
            **{
                "contacts-0-name": "Luis Ortega",
                "contacts-1-name": "Bad",
                "contacts-1-email": "not-an-address",
            }
        ),
    )
    assert response.status_code == 200
    assert "Give this person" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is None and not program.stakeholders.exists()


# --- the welcome when the program starts ---------------------------------------------------------------------


def test_the_program_start_welcomes_stakeholders_and_freelancers_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    manager = ManagerFactory()
    program = _startable_program(manager)
    stakeholder(program, "dana@customer.test")
    signed = ContractFactory(
        program=program, status=Contract.Status.SIGNED, hours_per_week=20, weekly_hour_cap=25
    )
    ContractFactory(program=program, status=Contract.Status.DRAFT, hours_per_week=20, weekly_hour_cap=25)
    with django_capture_on_commit_callbacks(execute=True):
        program_services.program_status_change(program=program, actor=manager, status=Program.Status.ACTIVE)
        program_services.program_status_change(program=program, actor=manager, status=Program.Status.PAUSED)
        program_services.program_status_change(program=program, actor=manager, status=Program.Status.ACTIVE)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(["dana@customer.test", signed.freelancer.user.email])
    assert OutboxMessage.objects.filter(dedupe_key__startswith=f"program-welcome:{program.pk}:").count() == 2
    welcome = next(m for m in mailoutbox if m.to == ["dana@customer.test"])
    token = _token(next(line for line in welcome.body.split() if "/stakeholders/" in line))
    # The restart did not replace the link the stakeholder was sent.
    assert StakeholderPageLink.objects.filter(revoked_at__isnull=True).count() == 1
    assert token not in StakeholderPageLink.objects.get().token_hash
    assert _page(token).status_code == 200


def test_a_contract_starting_in_a_running_program_is_welcomed_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    from contracts.services import contract_activate

    program = ProgramFactory(status=Program.Status.ACTIVE)
    contract = ContractFactory(
        program=program, status=Contract.Status.SIGNED, hours_per_week=20, weekly_hour_cap=25
    )
    with django_capture_on_commit_callbacks(execute=True):
        contract_activate(contract=contract, actor=None)
    assert [m.to for m in mailoutbox] == [[contract.freelancer.user.email]]


# --- the read-only page --------------------------------------------------------------------------------------


def _page(token: str):
    from django.test import Client

    return Client().get(reverse("dashboard:stakeholder_page", args=[token]))


@pytest.fixture
def sent_link(mailoutbox):
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager], name="Acme Help")
    dana = stakeholder(program, "dana@customer.test")
    link = stakeholder_page_link_send(stakeholder=dana, actor=manager)
    message = OutboxMessage.objects.get(subject_id=str(link.pk))
    token = _token(next(word for word in message.payload["body"].split() if "/stakeholders/" in word))
    return program, manager, dana, link, token


def test_the_page_shows_the_weekly_nps_and_the_latest_summary(sent_link, django_assert_max_num_queries):
    program, _manager, dana, link, token = sent_link
    monday = datetime.date(2026, 3, 2)
    nps_round = NpsRound.objects.create(program=program, week_start=monday)
    for n, score in enumerate([10, 9, 3]):
        NpsInvitation.objects.create(
            round=nps_round, email=f"s{n}@c.test", token_hash=f"h{n}", score=score, expires_at=link.created_at
        )
    WeeklySummary.objects.create(
        program=program,
        week_start=monday,
        sent_at=link.created_at,
        data={
            "program": program.name,
            "period": "Week of 02 Mar 2026",
            "first_day": "2026-03-02",
            "last_day": "2026-03-08",
            "metrics": [],
            "headline": [["Tickets solved", "412"]],
        },
    )
    with django_assert_max_num_queries(8):
        response = _page(token)
    body = response.content.decode()
    assert response.status_code == 200
    assert "33.3" in body and "Tickets solved" in body and "412" in body and dana.name in body
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    link.refresh_from_db()
    assert link.last_opened_at is not None


def test_an_unknown_link_is_a_404_dead_end():
    response = _page("not-a-real-token")
    assert response.status_code == 404 and "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]


def test_a_revoked_or_replaced_link_is_a_410_dead_end(sent_link):
    _program, manager, dana, _link, token = sent_link
    stakeholder_page_link_revoke(stakeholder=dana, actor=manager)
    assert _page(token).status_code == 410
    new = stakeholder_page_link_send(stakeholder=dana, actor=manager)
    new_token = _token(
        next(
            w
            for w in OutboxMessage.objects.get(subject_id=str(new.pk)).payload["body"].split()
            if "/stakeholders/" in w
        )
    )
    assert _page(new_token).status_code == 200
    stakeholder_page_link_send(stakeholder=dana, actor=manager)
    assert _page(new_token).status_code == 410  # a new link replaces the one before


def test_managers_send_and_revoke_links_agents_may_not(client, sent_link):
    program, manager, dana, _link, token = sent_link
    agent = UserFactory(agent=True)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(reverse("reviews:stakeholders")).status_code == 403
    assert (
        client.post(reverse("reviews:stakeholder_link_action", args=[dana.pk, "revoke"])).status_code == 403
    )
    assert _page(token).status_code == 200

    client.force_login(manager)
    assert dana.email in client.get(reverse("reviews:stakeholders")).content.decode()
    client.post(reverse("reviews:stakeholder_link_action", args=[dana.pk, "revoke"]))
    assert _page(token).status_code == 410
    outsider = ManagerFactory()
    client.force_login(outsider)
    other = Stakeholder.objects.get(pk=dana.pk)
    assert client.post(reverse("reviews:stakeholder_link_action", args=[other.pk, "send"])).status_code == 404
