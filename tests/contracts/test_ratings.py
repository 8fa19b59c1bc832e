"""The rating at the end (#21 item 9): a manager rates a finished contract's freelancer 1–5 with a testimonial;
the freelancer reads it in the portal and downloads it."""

import datetime

import pytest
from django.urls import reverse

from contracts.errors import ContractError
from contracts.models import Contract, ContractRating
from contracts.services import contract_end, contract_rating_save
from core.models import AuditLog, OutboxMessage
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(program, freelancer, manager):
    contract = ContractFactory(
        program=program,
        freelancer=freelancer,
        hours_per_week=20,
        weekly_hour_cap=25,
        start_date=datetime.date(2026, 1, 5),
    )
    return contract_end(contract=contract, ended_on=datetime.date(2026, 6, 30), actor=manager)


def test_a_finished_contract_is_rated_once_and_the_freelancer_is_told_once(
    ended, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rating = contract_rating_save(
            contract=ended, actor=manager, stars="5", testimonial="  Calm, precise.  "
        )
        contract_rating_save(contract=ended, actor=manager, stars=4, testimonial="Calm and precise.")
    rating.refresh_from_db()
    assert (rating.stars, rating.testimonial, rating.rated_by) == (4, "Calm and precise.", manager)
    assert ContractRating.objects.count() == 1
    assert [m.subject for m in mailoutbox] == [f"Your rating from {ended.program.name}"]
    assert OutboxMessage.objects.filter(dedupe_key=f"contract-rating:{ended.pk}").count() == 1
    assert list(
        AuditLog.objects.filter(verb__startswith="contract.rat").values_list("verb", flat=True).order_by("pk")
    ) == ["contract.rated", "contract.rating_changed"]


def test_an_active_contract_cannot_be_rated(program, freelancer, manager):
    contract = ContractFactory(program=program, freelancer=freelancer, hours_per_week=20, weekly_hour_cap=25)
    with pytest.raises(ContractError) as refused:
        contract_rating_save(contract=contract, actor=manager, stars=5)
    assert refused.value.code == "not_finished"
    assert not ContractRating.objects.exists()


@pytest.mark.parametrize("stars", [0, 6, "", None, "five", -1])
def test_a_rating_outside_1_to_5_is_refused(ended, manager, stars):
    with pytest.raises(ContractError) as refused:
        contract_rating_save(contract=ended, actor=manager, stars=stars)
    assert refused.value.field == "stars"
    assert not ContractRating.objects.exists()


def test_a_testimonial_too_long_is_refused(ended, manager):
    with pytest.raises(ContractError) as refused:
        contract_rating_save(contract=ended, actor=manager, stars=5, testimonial="x" * 2001)
    assert refused.value.field == "testimonial"


def test_the_manager_rates_from_the_contract_page(client, ended, manager):
    client.force_login(manager)
    detail = client.get(reverse("contracts:contract_detail", args=[ended.pk]))
    assert reverse("contracts:contract_rating", args=[ended.pk]) in detail.content.decode()
    url = reverse("contracts:contract_rating", args=[ended.pk])
    bad = client.post(url, {"stars": "9", "testimonial": "x"})
    assert bad.status_code == 200 and not ContractRating.objects.exists()
    good = client.post(url, {"stars": "5", "testimonial": "Kept every SLA. <b>Great</b>"})
    assert good.status_code == 302
    page = client.get(reverse("contracts:contract_detail", args=[ended.pk])).content.decode()
    assert "5 out of 5" in page and "&lt;b&gt;Great&lt;/b&gt;" in page


def test_the_rating_form_of_an_active_contract_sends_the_manager_back(client, program, freelancer, manager):
    contract = ContractFactory(program=program, freelancer=freelancer, hours_per_week=20, weekly_hour_cap=25)
    client.force_login(manager)
    response = client.post(reverse("contracts:contract_rating", args=[contract.pk]), {"stars": "5"})
    assert response.status_code == 302 and not ContractRating.objects.exists()


def test_an_agent_may_not_rate(client, ended, program):
    agent = UserFactory(agent=True)
    program.managers.add(agent)
    client.force_login(agent)
    url = reverse("contracts:contract_rating", args=[ended.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"stars": "5"}).status_code == 403
    assert not ContractRating.objects.exists()


def test_a_manager_of_another_program_gets_404(client, ended):
    client.force_login(UserFactory(manager=True))
    assert (
        client.post(reverse("contracts:contract_rating", args=[ended.pk]), {"stars": "5"}).status_code == 404
    )


def test_the_freelancer_sees_and_downloads_their_rating(client, ended, manager, freelancer):
    contract_rating_save(contract=ended, actor=manager, stars=4, testimonial="A pleasure <to> work with.")
    client.force_login(freelancer.user)
    page = client.get(reverse("contracts:portal_contract_detail", args=[ended.pk])).content.decode()
    assert "Your rating" in page and "4 out of 5" in page and "&lt;to&gt;" in page
    html = client.get(reverse("contracts:portal_rating_download", args=[ended.pk]))
    assert html.status_code == 200 and html["Content-Disposition"].endswith('.html"')
    assert (
        "A pleasure &lt;to&gt; work with." in html.content.decode()
        and "Sofía Martínez" in html.content.decode()
    )
    text = client.get(reverse("contracts:portal_rating_download", args=[ended.pk]) + "?format=txt")
    assert text["Content-Type"].startswith("text/plain") and "4 out of 5" in text.content.decode()
    assert "A pleasure <to> work with." in text.content.decode()


def test_another_freelancers_rating_is_404(client, ended, manager):
    contract_rating_save(contract=ended, actor=manager, stars=4)
    other = FreelancerFactory()
    client.force_login(other.user)
    assert client.get(reverse("contracts:portal_rating_download", args=[ended.pk])).status_code == 404
    assert client.get(reverse("contracts:portal_contract_detail", args=[ended.pk])).status_code == 404


def test_no_rating_yet_is_404_and_not_linked(client, ended, freelancer):
    client.force_login(freelancer.user)
    page = client.get(reverse("contracts:portal_contract_detail", args=[ended.pk])).content.decode()
    assert reverse("contracts:portal_rating_download", args=[ended.pk]) not in page
    assert client.get(reverse("contracts:portal_rating_download", args=[ended.pk])).status_code == 404
    assert Contract.objects.get(pk=ended.pk).status == Contract.Status.ENDED
