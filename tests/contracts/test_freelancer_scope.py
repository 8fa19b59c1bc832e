"""Issue #14 (2): a manager sees, and may contract, only the freelancers connected to the programs they manage."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import Contract
from contracts.selectors import freelancer_list_for_manager
from contracts.services import (
    contract_create_draft,
    freelancer_invitation_accept,
    freelancer_invitation_send,
)
from recruiting.models import Application
from recruiting.services import application_hire
from tests.accounts.factories import FreelancerFactory, ManagerFactory
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Programs A and B with a manager each; who is connected to which, and how."""
    manager_a, manager_b = ManagerFactory(email="ann@example.test"), ManagerFactory(email="ben@example.test")
    program_a = ProgramFactory(name="Alpha", slug="alpha", managers=[manager_a])
    program_b = ProgramFactory(name="Bravo", slug="bravo", managers=[manager_b])
    contracted = ContractFactory(
        program=program_a, freelancer=FreelancerFactory(legal_name="Carla Contracted")
    ).freelancer
    ended = ContractFactory(
        program=program_a, status=Contract.Status.ENDED, freelancer=FreelancerFactory(legal_name="Edda Ended")
    ).freelancer
    other = ContractFactory(
        program=program_b,
        freelancer=FreelancerFactory(
            legal_name="Olga Other",
            country="NZ",
            time_zone="Pacific/Auckland",
            user__email="olga.private@example.test",
        ),
    ).freelancer
    # A draft alone connects nobody (the residue of the leak this fixes: A's manager drafted for B's freelancer).
    drafted = FreelancerFactory(legal_name="Dora Drafted")
    ContractFactory(program=program_a, freelancer=drafted, status=Contract.Status.DRAFT)
    ContractFactory(program=program_b, freelancer=drafted)
    return {
        "program_a": program_a,
        "program_b": program_b,
        "manager_a": manager_a,
        "manager_b": manager_b,
        "contracted": contracted,
        "ended": ended,
        "other": other,
        "drafted": drafted,
    }


def _names(qs):
    return sorted(f.legal_name for f in qs)


def test_the_selector_keeps_each_manager_to_their_programs(world):
    assert _names(freelancer_list_for_manager(user=world["manager_a"])) == ["Carla Contracted", "Edda Ended"]
    assert _names(freelancer_list_for_manager(user=world["manager_b"])) == ["Dora Drafted", "Olga Other"]


def test_a_hire_through_a_posting_connects_the_freelancer(world):
    posting = PostingFactory(program=world["program_a"])
    application = ApplicationFactory(posting=posting, full_name="Hana Hired", stage=Application.Stage.OFFER)
    application_hire(
        application=application,
        hired_by=world["manager_a"],
        hourly_rate=Decimal("15.00"),
        currency="USD",
        start_date=datetime.date(2026, 3, 2),
    )
    # Hiring made only a draft contract: the connection is the hire itself (recruiting's registered source).
    assert "Hana Hired" in _names(freelancer_list_for_manager(user=world["manager_a"]))
    assert "Hana Hired" not in _names(freelancer_list_for_manager(user=world["manager_b"]))
    # An application that did not reach hired connects nobody.
    ApplicationFactory(
        posting=posting,
        full_name="Ivo Interview",
        stage=Application.Stage.INTERVIEW,
        freelancer=FreelancerFactory(legal_name="Ivo Interview"),
    )
    assert "Ivo Interview" not in _names(freelancer_list_for_manager(user=world["manager_a"]))


def test_only_an_accepted_invitation_connects(world):
    invitation, link = freelancer_invitation_send(
        program=world["program_a"], email="olga.private@example.test", invited_by=world["manager_a"]
    )
    assert "Olga Other" not in _names(freelancer_list_for_manager(user=world["manager_a"]))
    freelancer_invitation_accept(token=link.rsplit("/", 2)[-2], user=world["other"].user)
    assert "Olga Other" in _names(freelancer_list_for_manager(user=world["manager_a"]))
    # Narrowed to one program, the connection is that program's.
    another_of_ann = ProgramFactory(managers=[world["manager_a"]])
    assert "Olga Other" not in _names(
        freelancer_list_for_manager(user=world["manager_a"], program=another_of_ann)
    )


def test_the_new_contract_form_offers_only_connected_freelancers(client, world):
    client.force_login(world["manager_a"])
    page = client.get("/manage/contracts/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Carla Contracted" in html and "Edda Ended" in html
    for leak in ("Olga Other", "olga.private@example.test", "Pacific/Auckland", "Dora Drafted"):
        assert leak not in html
    assert "Invite a freelancer by e-mail" in html


def _terms(program, freelancer):
    return {
        "program": program.pk,
        "freelancer": freelancer.pk,
        "role": "Tier-1 support agent",
        "start_date": "2026-03-02",
        "hourly_rate": "15.00",
        "currency": "USD",
        "hours_per_week": "20",
        "weekly_hour_cap": "25",
        "nda_required": "on",
    }


def test_a_forged_freelancer_id_from_another_program_is_refused(client, world):
    client.force_login(world["manager_a"])
    before = Contract.objects.count()
    response = client.post("/manage/contracts/new/", _terms(world["program_a"], world["other"]))
    assert response.status_code == 200
    assert "Choose one of the freelancers connected to your programs." in response.content.decode()
    assert "olga.private@example.test" not in response.content.decode()
    assert Contract.objects.count() == before


def test_a_connected_freelancer_gets_a_draft(client, world):
    client.force_login(world["manager_a"])
    response = client.post("/manage/contracts/new/", _terms(world["program_a"], world["contracted"]))
    assert response.status_code == 302
    contract = Contract.objects.get(
        program=world["program_a"], freelancer=world["contracted"], status=Contract.Status.DRAFT
    )
    assert response.url == f"/manage/contracts/{contract.pk}/"


def test_the_form_page_does_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world["manager_a"])
    client.get("/manage/contracts/new/")  # warm the session and per-process caches
    with django_assert_max_num_queries(12) as few:
        client.get("/manage/contracts/new/")
    baseline = len(few)
    for _ in range(10):
        contract_create_draft(
            program=world["program_a"],
            freelancer=FreelancerFactory(),
            hourly_rate=Decimal("15"),
            start_date=datetime.date(2026, 3, 2),
        )
        ContractFactory(program=world["program_a"])
    with django_assert_max_num_queries(baseline):
        client.get("/manage/contracts/new/")
