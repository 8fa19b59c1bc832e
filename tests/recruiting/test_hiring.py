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
    application = ApplicationFactory(posting=posting, stage=Application.Stage.OFFER, full_name="Ana Reyes",
                                     email="ana@example.test", country="PH", time_zone="Asia/Manila",
                                     trial_score=Decimal("88.50"))
    application.languages.set([LanguageFactory(code="en")])
    return application


def _hire(application, manager, **kwargs):
    arguments = {"application": application, "hired_by": manager, "hourly_rate": Decimal("14.00"),
                 "currency": "USD", "start_date": timezone.localdate() + datetime.timedelta(days=7), **kwargs}
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
    assert (freelancer.legal_name, freelancer.country, freelancer.time_zone) == ("Ana Reyes", "PH", "Asia/Manila")
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
    application = ApplicationFactory(posting=posting, stage=Application.Stage.INTERVIEW, email="x@example.test")
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
    data = {"hourly_rate": "14.00", "currency": "USD", "start_date": "2030-01-06", "hours_per_week": "20",
            "close_posting": "no"}
    assert manager_client.post(f"/manage/recruiting/applications/{offer.pk}/hire/", data).status_code == 302
    posting.refresh_from_db()
    assert posting.status == Posting.Status.OPEN


def test_below_headcount_hires_without_asking(manager_client, offer, posting):
    ProgramScheduleFactory(program=posting.program, freelancers_needed=5)
    data = {"hourly_rate": "14.00", "currency": "USD", "start_date": "2030-01-06", "hours_per_week": "20"}
    assert manager_client.post(f"/manage/recruiting/applications/{offer.pk}/hire/", data).status_code == 302
    posting.refresh_from_db()
    assert posting.status == Posting.Status.OPEN
