import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Freelancer, User
from contracts.models import Contract
from recruiting.errors import RecruitingError
from recruiting.models import Application, Posting, StageChange
from recruiting.services import application_hire
from tests.accounts.factories import FreelancerFactory, LanguageFactory, ManagerFactory
from tests.programs.factories import ProgramScheduleFactory
from tests.recruiting.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(posting):
    application = ApplicationFactory(
        posting=posting,
        stage=Application.Stage.OFFER,
        full_name="Ana Reyes",
        email="ana@example.test",
        country="PH",
        time_zone="Asia/Manila",
        trial_score=Decimal("88.50"),
    )
    application.languages.set([LanguageFactory(code="en")])
    return application


def _hire(application, manager, **kwargs):
    arguments = {
        "application": application,
        "hired_by": manager,
        "hourly_rate": Decimal("14.00"),
        "currency": "USD",
        "start_date": timezone.localdate() + datetime.timedelta(days=7),
        **kwargs,
    }
    return application_hire(**arguments)


def test_hire_creates_user_profile_invitation_draft_contract_and_records_the_move(
    offer, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = _hire(offer, manager)
    user = User.objects.get(email="ana@example.test")
    assert user.role == User.Role.FREELANCER
    assert not user.has_usable_password()
    freelancer = Freelancer.objects.get(user=user)
    assert (freelancer.legal_name, freelancer.country, freelancer.time_zone) == (
        "Ana Reyes",
        "PH",
        "Asia/Manila",
    )
    assert list(freelancer.languages.values_list("code", flat=True)) == ["en"]
    contract = Contract.objects.get(freelancer=freelancer)
    assert contract.status == Contract.Status.DRAFT
    assert contract.program == offer.posting.program
    assert contract.hourly_rate == Decimal("14.00")
    offer.refresh_from_db()
    assert offer.stage == Application.Stage.HIRED
    assert offer.freelancer == freelancer
    assert offer.trial_score == Decimal("88.50")  # stays with the freelancer through the application
    assert StageChange.objects.filter(application=offer, to_stage="hired", changed_by=manager).exists()
    assert result.freelancer_created
    assert any(m.to == ["ana@example.test"] and "/accounts/invite/" in m.body for m in mailoutbox)


def test_hire_reuses_an_existing_freelancer_without_a_second_invitation(
    offer, manager, mailoutbox, django_capture_on_commit_callbacks
):
    existing = FreelancerFactory(user__email="ana@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        result = _hire(offer, manager)
    assert result.freelancer == existing and not result.freelancer_created
    assert Freelancer.objects.count() == 1
    assert mailoutbox == []


def test_only_an_offer_can_be_hired_and_nothing_is_created_otherwise(posting, manager):
    application = ApplicationFactory(
        posting=posting, stage=Application.Stage.INTERVIEW, email="x@example.test"
    )
    with pytest.raises(Exception, match="cannot move"):
        _hire(application, manager)
    assert not User.objects.filter(email="x@example.test").exists()
    assert not Contract.objects.exists()


def test_an_inhouse_email_cannot_be_hired_as_a_freelancer(offer, manager):
    ManagerFactory(email="ana@example.test")
    with pytest.raises(Exception, match="in-house"):
        _hire(offer, manager)
    offer.refresh_from_db()
    assert offer.stage == Application.Stage.OFFER
    assert not Contract.objects.exists()


def test_a_bad_rate_is_refused(offer, manager):
    with pytest.raises(RecruitingError):
        _hire(offer, manager, hourly_rate=Decimal("0"))


def test_hire_page_asks_before_closing_the_posting_when_headcount_is_reached(manager_client, offer, posting):
    ProgramScheduleFactory(program=posting.program, freelancers_needed=1)
    url = f"/manage/recruiting/applications/{offer.pk}/hire/"
    data = {"hourly_rate": "14.00", "currency": "USD", "start_date": "2030-01-06", "hours_per_week": "20"}
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "Close the posting" in response.content.decode()
    offer.refresh_from_db()
    assert offer.stage == Application.Stage.OFFER  # nothing happened yet
    response = manager_client.post(url, {**data, "close_posting": "yes"})
    assert response.status_code == 302
    posting.refresh_from_db()
    offer.refresh_from_db()
    assert offer.stage == Application.Stage.HIRED
    assert posting.status == Posting.Status.CLOSED
    assert posting.events.filter(kind="closed").exists()


def test_hire_and_keep_the_posting_open(manager_client, offer, posting):
    ProgramScheduleFactory(program=posting.program, freelancers_needed=1)
    data = {
        "hourly_rate": "14.00",
        "currency": "USD",
        "start_date": "2030-01-06",
        "hours_per_week": "20",
        "close_posting": "no",
    }
    assert manager_client.post(f"/manage/recruiting/applications/{offer.pk}/hire/", data).status_code == 302
    posting.refresh_from_db()
    assert posting.status == Posting.Status.OPEN


def test_below_headcount_hires_without_asking(manager_client, offer, posting):
    ProgramScheduleFactory(program=posting.program, freelancers_needed=5)
    data = {"hourly_rate": "14.00", "currency": "USD", "start_date": "2030-01-06", "hours_per_week": "20"}
    assert manager_client.post(f"/manage/recruiting/applications/{offer.pk}/hire/", data).status_code == 302
    posting.refresh_from_db()
    assert posting.status == Posting.Status.OPEN


# ------------------------------------------------------------------ a rate outside the program's pay range


@pytest.fixture
def pay_range(posting):
    from programs.models import CandidateProfile

    return CandidateProfile.objects.update_or_create(
        program=posting.program,
        defaults={"pay_min": Decimal("12.00"), "pay_max": Decimal("18.00"), "pay_currency": "USD"},
    )[0]


def test_a_hire_above_the_pay_range_is_refused_and_nothing_is_created(offer, manager, pay_range):
    from contracts.errors import RateOutOfRange

    with pytest.raises(RateOutOfRange) as error:
        _hire(offer, manager, hourly_rate=Decimal("95.00"))
    assert error.value.message == (
        "95.00 USD per hour is above the program's pay range, which goes up to 18.00 USD. "
        "Check the amount; to use it anyway, tick “confirm” and give the reason."
    )
    assert error.value.field == "hourly_rate"
    offer.refresh_from_db()
    assert offer.stage == Application.Stage.OFFER
    assert not Contract.objects.exists() and not User.objects.filter(email="ana@example.test").exists()


def test_a_confirmed_hire_above_the_range_records_the_reason_on_the_contract(offer, manager, pay_range):
    from core.models import AuditLog

    result = _hire(
        offer,
        manager,
        hourly_rate=Decimal("21.00"),
        confirm_out_of_range=True,
        out_of_range_reason="Rare language pair",
    )
    assert (result.contract.hourly_rate, result.contract.out_of_range_reason) == (
        Decimal("21.00"),
        "Rare language pair",
    )
    assert AuditLog.objects.get(verb="contract.drafted").data["out_of_range_reason"] == "Rare language pair"


def test_the_hire_page_shows_the_confirmation_when_the_rate_is_out_of_range(
    manager_client, offer, posting, pay_range
):
    ProgramScheduleFactory(program=posting.program, freelancers_needed=5)
    url = f"/manage/recruiting/applications/{offer.pk}/hire/"
    assert 'type="hidden" name="confirm_out_of_range"' in manager_client.get(url).content.decode()
    data = {"hourly_rate": "95.00", "currency": "USD", "start_date": "2030-01-06", "hours_per_week": "20"}

    response = manager_client.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "95.00 USD per hour is above the program&#x27;s pay range" in html
    assert 'type="checkbox" name="confirm_out_of_range"' in html
    assert not Contract.objects.exists()

    response = manager_client.post(
        url, {**data, "confirm_out_of_range": "on", "out_of_range_reason": "Rare skills"}
    )
    assert response.status_code == 302
    assert Contract.objects.get().out_of_range_reason == "Rare skills"
    offer.refresh_from_db()
    assert offer.stage == Application.Stage.HIRED


def test_the_close_posting_question_carries_the_rate_confirmation(manager_client, offer, posting, pay_range):
    ProgramScheduleFactory(program=posting.program, freelancers_needed=1)
    data = {
        "hourly_rate": "95.00",
        "currency": "USD",
        "start_date": "2030-01-06",
        "hours_per_week": "20",
        "confirm_out_of_range": "on",
        "out_of_range_reason": "Rare skills",
    }

    html = manager_client.post(f"/manage/recruiting/applications/{offer.pk}/hire/", data).content.decode()

    assert "Close the posting" in html
    assert '<input type="hidden" name="confirm_out_of_range" value="True">' in html
    assert '<input type="hidden" name="out_of_range_reason" value="Rare skills">' in html
