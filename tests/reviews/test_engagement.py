import datetime

import pytest

from accounts.models import User
from programs.models import Announcement
from queues.models import AvailabilitySlot, TicketMessage
from reviews.errors import ReviewError
from reviews.models import AnnouncementDelivery, Feedback, SilenceCheckIn
from reviews.services import announcements_send, feedback_pulse_submit, silence_check
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.reviews.factories import contracted_freelancer, program_with_scorecard, solved_ticket

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 11, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def setup():
    program, manager, _ = program_with_scorecard()
    freelancer, contract = contracted_freelancer(program, start_date=datetime.date(2026, 1, 5))
    freelancer.user.last_login = NOW - datetime.timedelta(hours=1)
    freelancer.user.save()
    return program, manager, freelancer, contract


def on_shift_every_day(freelancer):
    for day in range(7):
        AvailabilitySlot.objects.create(
            freelancer=freelancer, weekday=day, start_time=datetime.time(9), end_time=datetime.time(17)
        )


def test_a_missed_shift_gets_one_check_in_a_day(setup, mailoutbox, django_capture_on_commit_callbacks):
    program, manager, freelancer, _ = setup
    on_shift_every_day(freelancer)
    freelancer.user.last_login = NOW - datetime.timedelta(days=1, hours=20)  # before yesterday's shift
    freelancer.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert silence_check(now=NOW)["check_ins"] == 1
        assert silence_check(now=NOW)["check_ins"] == 0
    check_in = SilenceCheckIn.objects.get()
    assert check_in.reasons == ["missed_shift"] and check_in.day == datetime.date(2026, 3, 11)
    assert [m.to for m in mailoutbox] == [[freelancer.user.email]]
    assert "scheduled shift" in mailoutbox[0].body


def test_work_during_the_shift_is_not_silence(setup):
    program, manager, freelancer, _ = setup
    on_shift_every_day(freelancer)
    freelancer.user.last_login = NOW - datetime.timedelta(days=3)
    freelancer.user.save()
    ticket = solved_ticket(program, freelancer)
    TicketMessage.objects.create(
        ticket=ticket,
        kind="reply",
        author=freelancer.user,
        body="Hi",
        created_at=datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC),
    )
    assert silence_check(now=NOW)["check_ins"] == 0


def test_no_login_and_unanswered_tickets_and_a_second_miss_tells_the_manager(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    program, manager, freelancer, _ = setup
    freelancer.user.last_login = NOW - datetime.timedelta(days=5)
    freelancer.user.save()
    waiting = solved_ticket(program, freelancer)
    waiting.status, waiting.solved_at, waiting.last_assigned_at = (
        "open",
        None,
        NOW - datetime.timedelta(hours=30),
    )
    waiting.save()
    with django_capture_on_commit_callbacks(execute=True):
        silence_check(now=NOW)
    first = SilenceCheckIn.objects.get()
    assert first.reasons == ["no_login", "unanswered"] and first.manager_notified_at is None
    assert f"#{waiting.pk}" in first.details["unanswered"]
    with django_capture_on_commit_callbacks(execute=True):
        summary = silence_check(now=NOW + datetime.timedelta(days=1))
    assert summary["managers_notified"] == 1
    assert SilenceCheckIn.objects.filter(manager_notified_at__isnull=False).count() == 1
    assert [manager.email] in [m.to for m in mailoutbox]


def test_feedback_form_and_weekly_pulse(client, setup):
    program, manager, freelancer, _ = setup
    client.force_login(freelancer.user)
    response = client.post(
        "/portal/feedback/", {"program": program.pk, "kind": "bug", "body": "Safari checkout."}
    )
    assert response.status_code == 302
    assert (
        client.post("/portal/feedback/", {"program": program.pk, "kind": "bug", "body": ""}).status_code
        == 400
    )
    other_program, _, _ = program_with_scorecard()
    assert (
        client.post(
            "/portal/feedback/", {"program": other_program.pk, "kind": "bug", "body": "x"}
        ).status_code
        == 400
    )
    assert client.post("/portal/feedback/pulse/", {"program": program.pk, "rating": "4"}).status_code == 302
    with pytest.raises(ReviewError, match="already answered"):
        feedback_pulse_submit(freelancer=freelancer, program=program, rating=5)
    with pytest.raises(ReviewError):
        feedback_pulse_submit(
            freelancer=freelancer, program=program, rating=6, today=datetime.date(2030, 1, 1)
        )
    assert Feedback.objects.filter(freelancer=freelancer).count() == 2

    item = Feedback.objects.get(kind="bug")
    client.force_login(manager)
    page = client.get("/manage/reviews/feedback/").content.decode()
    assert "Safari checkout." in page and "A product bug I saw" in page
    response = client.post(f"/manage/reviews/feedback/{item.pk}/done/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Reopen" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "done" and item.done_by == manager
    stranger = UserFactory(role=User.Role.MANAGER)
    client.force_login(stranger)
    assert client.post(f"/manage/reviews/feedback/{item.pk}/reopen/").status_code == 404


def test_published_announcements_are_emailed_once_and_shown_in_the_portal(
    client, setup, mailoutbox, django_capture_on_commit_callbacks
):
    program, manager, freelancer, _ = setup
    outsider = FreelancerFactory()
    announcement = Announcement.objects.create(
        program=program,
        author=manager,
        kind="known_bug",
        title="Tracking links broken",
        body="Use the macro.",
        published_at=NOW - datetime.timedelta(minutes=5),
    )
    Announcement.objects.create(program=program, title="Draft", body="Not yet.")
    with django_capture_on_commit_callbacks(execute=True):
        assert announcements_send(now=NOW) == {"announcements": 1, "emails": 1}
        assert announcements_send(now=NOW) == {"announcements": 0, "emails": 0}
    assert [m.to for m in mailoutbox] == [[freelancer.user.email]]
    assert "Tracking links broken" in mailoutbox[0].subject
    assert AnnouncementDelivery.objects.get().announcement == announcement
    client.force_login(freelancer.user)
    page = client.get("/portal/announcements/").content.decode()
    assert "Tracking links broken" in page and "Draft" not in page
    client.force_login(outsider.user)
    assert "Tracking links broken" not in client.get("/portal/announcements/").content.decode()
