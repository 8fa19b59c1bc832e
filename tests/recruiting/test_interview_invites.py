"""Interviews that reach the candidate: the invitation and its .ics, reschedule/cancel, the reminder, slot picking."""

import datetime
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from recruiting import services
from recruiting.calendar import interview_uid
from recruiting.errors import RecruitingError
from recruiting.models import Application, Interview, InterviewSlotOffer, Message
from recruiting.services.interview_slots import slot_offer_get_by_token
from tests.recruiting.factories import ApplicationFactory

MANILA = zoneinfo.ZoneInfo("Asia/Manila")


def _at_manila(days: int, hour: int) -> datetime.datetime:
    """A moment `days` ahead at `hour`:00 Manila time (the candidate's zone)."""
    day = (timezone.now().astimezone(MANILA) + datetime.timedelta(days=days)).date()
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=MANILA)


@pytest.fixture
def interviewer(manager):
    manager.time_zone = "Asia/Tokyo"  # one hour ahead of Manila
    manager.save(update_fields=["time_zone"])
    return manager


@pytest.fixture
def application(posting):
    return ApplicationFactory(posting=posting, stage=Application.Stage.SCREENING, time_zone="Asia/Manila")


def _ics(mail) -> Calendar:
    ((name, content, mimetype),) = mail.attachments
    assert name == "interview.ics" and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def _event(calendar: Calendar):
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def _schedule(application, interviewer, start, capture, **kwargs):
    with capture(execute=True):
        return services.interview_schedule(
            application=application,
            scheduled_by=interviewer,
            scheduled_at=start,
            meeting_link="https://meet.example.test/abc",
            **kwargs,
        )


def test_scheduling_sends_the_candidate_an_invitation_with_a_calendar_event(
    application, interviewer, mailoutbox, django_capture_on_commit_callbacks
):
    start = _at_manila(3, 10)
    interview = _schedule(application, interviewer, start, django_capture_on_commit_callbacks)

    to_candidate = [m for m in mailoutbox if m.to == [application.email]]
    to_interviewer = [m for m in mailoutbox if m.to == [interviewer.email]]
    assert len(to_candidate) == 1 and len(to_interviewer) == 1
    mail = to_candidate[0]
    assert "10:00" in mail.body and "Manila time" in mail.body  # the candidate's own time, named
    assert "11:00" in mail.body  # and the interviewer's (Tokyo)
    assert "https://meet.example.test/abc" in mail.body
    calendar = _ics(mail)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = _event(calendar)
    assert str(event["UID"]) == interview_uid(interview.pk)
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == start.astimezone(datetime.UTC)
    assert event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(minutes=30)
    assert str(event["LOCATION"]) == "https://meet.example.test/abc"
    assert str(event["URL"]) == "https://meet.example.test/abc"
    description = str(event["DESCRIPTION"])
    assert "Manila time" in description and "JST" in description
    # The candidate's timeline shows the e-mail.
    assert Message.objects.filter(application=application, kind="interview").count() == 1


def test_reschedule_updates_the_same_event_and_cancel_removes_it(
    application, interviewer, mailoutbox, django_capture_on_commit_callbacks
):
    interview = _schedule(application, interviewer, _at_manila(3, 10), django_capture_on_commit_callbacks)
    mailoutbox.clear()
    new_start = _at_manila(4, 14)
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_reschedule(interview=interview, rescheduled_by=interviewer, scheduled_at=new_start)
    mail = next(m for m in mailoutbox if m.to == [application.email])
    assert mail.subject.startswith("New time")
    event = _event(calendar := _ics(mail))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == interview_uid(interview.pk)
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == new_start.astimezone(datetime.UTC)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.interview_cancel(interview=interview, cancelled_by=interviewer)
    mail = next(m for m in mailoutbox if m.to == [application.email])
    calendar = _ics(mail)
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == interview_uid(interview.pk)
    assert int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"
    with pytest.raises(RecruitingError, match="cancelled"):
        services.interview_reschedule(
            interview=interview, rescheduled_by=interviewer, scheduled_at=_at_manila(5, 10)
        )


def test_reminder_goes_once_24_hours_before(
    application, interviewer, mailoutbox, django_capture_on_commit_callbacks
):
    start = _at_manila(3, 10)
    interview = _schedule(application, interviewer, start, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    # Two days before: not yet.
    assert services.interview_reminders_send(now=start - datetime.timedelta(hours=48)) == 0
    day_before = start - datetime.timedelta(hours=23, minutes=50)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.interview_reminders_send(now=day_before) == 1
        assert services.interview_reminders_send(now=day_before + datetime.timedelta(minutes=15)) == 0
    reminders = [m for m in mailoutbox if m.to == [application.email]]
    assert len(reminders) == 1 and reminders[0].subject.startswith("Tomorrow")
    assert int(_event(_ics(reminders[0]))["SEQUENCE"]) == 0
    interview.refresh_from_db()
    assert interview.reminded_at == day_before


def test_reminder_command_and_booked_late_interviews_get_none(
    application, interviewer, mailoutbox, django_capture_on_commit_callbacks
):
    # Booked 5 hours ahead: the invitation is the reminder.
    soon = timezone.now() + datetime.timedelta(hours=5)
    _schedule(application, interviewer, soon, django_capture_on_commit_callbacks, confirm_outside_hours=True)
    call_command("interview_reminders_send")
    assert not Interview.objects.filter(reminded_at__isnull=False).exists()


def test_past_slot_refused_and_night_slot_warned(application, interviewer):
    with pytest.raises(RecruitingError, match="future"):
        services.interview_schedule(
            application=application,
            scheduled_by=interviewer,
            scheduled_at=timezone.now() - datetime.timedelta(minutes=1),
        )
    night = _at_manila(3, 6)  # 06:00 in Manila
    with pytest.raises(RecruitingError) as caught:
        services.interview_schedule(application=application, scheduled_by=interviewer, scheduled_at=night)
    assert caught.value.code == "outside_waking_hours" and "candidate" in caught.value.message
    late_for_interviewer = _at_manila(3, 20)  # 20:00–20:30 Manila, 21:00–21:30 Tokyo
    with pytest.raises(RecruitingError, match="interviewer"):
        services.interview_schedule(
            application=application, scheduled_by=interviewer, scheduled_at=late_for_interviewer
        )
    assert not Interview.objects.exists()
    services.interview_schedule(
        application=application, scheduled_by=interviewer, scheduled_at=night, confirm_outside_hours=True
    )
    assert Interview.objects.count() == 1


def test_schedule_page_asks_to_confirm_a_night_slot(manager_client, application, interviewer):
    url = reverse("recruiting:interview_create", args=[application.pk])
    night = timezone.localtime(_at_manila(3, 6), interviewer.zone)
    data = {
        "scheduled_at": night.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 30,
        "questions": "Why us?",
        "interviewer": interviewer.pk,
    }
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "outside 08:00–21:00 for the candidate" in response.content.decode()
    assert 'type="checkbox" name="confirm_outside_hours"' in response.content.decode()
    response = manager_client.post(url, {**data, "confirm_outside_hours": "on"})
    assert response.status_code == 302
    assert Interview.objects.filter(application=application).count() == 1


def _offer(application, interviewer, capture, slots=None):
    with capture(execute=True):
        return services.interview_slots_offer(
            application=application,
            offered_by=interviewer,
            meeting_link="https://meet.example.test/x",
            slots=slots or [_at_manila(3, 10), _at_manila(3, 15), _at_manila(4, 9)],
        )


def test_candidate_picks_a_slot_through_the_private_link(
    client, application, interviewer, mailoutbox, django_capture_on_commit_callbacks
):
    offer, token = _offer(application, interviewer, django_capture_on_commit_callbacks)
    (mail,) = mailoutbox
    link = reverse("recruiting:interview_pick", args=[token])
    assert link in mail.body and "Manila time" in mail.body
    # The token is stored hashed; the candidate's timeline keeps the message without the link.
    assert token not in offer.token_hash
    assert token not in Message.objects.get(application=application, kind="interview").body

    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "10:00" in html and "15:00" in html and "Manila time" in html
    slot = offer.slots.order_by("starts_at")[1]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"slot": slot.pk})
    assert response.status_code == 200 and "Your interview is booked" in response.content.decode()
    interview = Interview.objects.get(application=application)
    assert (
        interview.scheduled_at == slot.starts_at and interview.meeting_link == "https://meet.example.test/x"
    )
    assert {tuple(m.to) for m in mailoutbox} == {(application.email,), (interviewer.email,)}
    assert all(_event(_ics(m)).decoded("DTSTART") == slot.starts_at for m in mailoutbox)
    offer.refresh_from_db()
    assert offer.status == InterviewSlotOffer.Status.PICKED and offer.interview == interview

    # A second pick: the link is used; the shared dead end says so and nothing changes.
    again = client.post(link, {"slot": offer.slots.order_by("starts_at")[0].pk})
    assert again.status_code == 410
    assert "already" in again.content.decode()
    assert Interview.objects.filter(application=application).count() == 1
    with pytest.raises(RecruitingError, match="already"):
        services.interview_slot_pick(offer=offer, slot_id=slot.pk)


def test_slot_link_dead_ends(client, application, interviewer, django_capture_on_commit_callbacks):
    assert client.get(reverse("recruiting:interview_pick", args=["nope"])).status_code == 404
    offer, token = _offer(application, interviewer, django_capture_on_commit_callbacks)
    link = reverse("recruiting:interview_pick", args=[token])
    InterviewSlotOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get(link).status_code == 410
    # A newer offer withdraws the older one.
    InterviewSlotOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    _newer, newer_token = _offer(application, interviewer, django_capture_on_commit_callbacks)
    assert client.get(link).status_code == 410
    assert client.get(reverse("recruiting:interview_pick", args=[newer_token])).status_code == 200


def test_slot_offer_bad_input(application, interviewer):
    with pytest.raises(RecruitingError, match="2 to 5"):
        services.interview_slots_offer(
            application=application, offered_by=interviewer, slots=[_at_manila(3, 10)]
        )
    with pytest.raises(RecruitingError, match="2 to 5"):
        services.interview_slots_offer(
            application=application, offered_by=interviewer, slots=[_at_manila(d, 10) for d in range(2, 8)]
        )
    with pytest.raises(RecruitingError, match="future"):
        services.interview_slots_offer(
            application=application,
            offered_by=interviewer,
            slots=[_at_manila(3, 10), timezone.now() - datetime.timedelta(hours=1)],
        )
    with pytest.raises(RecruitingError) as caught:
        services.interview_slots_offer(
            application=application, offered_by=interviewer, slots=[_at_manila(3, 10), _at_manila(3, 23)]
        )
    assert caught.value.code == "outside_waking_hours"
    assert not InterviewSlotOffer.objects.exists()


def test_offer_page_and_access(
    client, manager_client, application, interviewer, django_capture_on_commit_callbacks
):
    url = reverse("recruiting:interview_slots_offer", args=[application.pk])
    assert manager_client.get(url).status_code == 200
    data = {
        "slot_1": timezone.localtime(_at_manila(3, 10), interviewer.zone).strftime("%Y-%m-%dT%H:%M"),
        "slot_2": timezone.localtime(_at_manila(3, 14), interviewer.zone).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 30,
        "questions": "Why us?",
        "interviewer": interviewer.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(url, data).status_code == 302
    offer = InterviewSlotOffer.objects.get(application=application)
    assert offer.slots.count() == 2
    detail = manager_client.get(
        reverse("recruiting:application_detail", args=[application.pk])
    ).content.decode()
    assert "Times offered" in detail
    # Another program's manager: 404 for the application, the interview and the offer.
    other = ApplicationFactory()
    other_manager = other.posting.program.managers.first()
    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    assert client.post(reverse("recruiting:interview_slots_withdraw", args=[offer.pk])).status_code == 404
    interview = services.interview_schedule(
        application=application, scheduled_by=interviewer, scheduled_at=_at_manila(5, 10)
    )
    assert client.post(reverse("recruiting:interview_cancel", args=[interview.pk])).status_code == 404
    assert client.get(reverse("recruiting:interview_reschedule", args=[interview.pk])).status_code == 404
    # Anonymous: the manage pages send to the login.
    client.logout()
    assert client.get(url).status_code == 302
    # The owner withdraws; the link then dead-ends (client and manager_client are one client).
    client.force_login(interviewer)
    assert (
        manager_client.post(reverse("recruiting:interview_slots_withdraw", args=[offer.pk])).status_code
        == 302
    )
    offer.refresh_from_db()
    assert offer.status == InterviewSlotOffer.Status.WITHDRAWN


def test_reschedule_and_cancel_pages(
    manager_client, application, interviewer, django_capture_on_commit_callbacks
):
    interview = _schedule(application, interviewer, _at_manila(3, 10), django_capture_on_commit_callbacks)
    url = reverse("recruiting:interview_reschedule", args=[interview.pk])
    assert manager_client.get(url).status_code == 200
    new = timezone.localtime(_at_manila(4, 11), interviewer.zone)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, {"scheduled_at": new.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.sequence == 1 and interview.scheduled_at == _at_manila(4, 11)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("recruiting:interview_cancel", args=[interview.pk]))
    interview.refresh_from_db()
    assert interview.cancelled_at is not None
    assert re.search(
        r"Cancelled",
        manager_client.get(reverse("recruiting:application_detail", args=[application.pk])).content.decode(),
    )


def test_token_lookup_never_matches_the_stored_digest(
    application, interviewer, django_capture_on_commit_callbacks
):
    offer, token = _offer(application, interviewer, django_capture_on_commit_callbacks)
    assert slot_offer_get_by_token(token=token) == offer
    assert slot_offer_get_by_token(token=offer.token_hash) is None
