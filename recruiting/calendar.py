"""An interview as a calendar event (.ics, RFC 5545 through icalendar): what the invitation e-mail carries.

One interview is one event for its whole life: the UID is derived from the interview's id, so a reschedule
(METHOD:REQUEST with a higher SEQUENCE) moves the event the candidate already has, and a cancellation
(METHOD:CANCEL, same UID) removes it. Times are written in UTC; the description states them in the
candidate's and the interviewer's zones, which is what people read first.
"""

from __future__ import annotations

import datetime
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from core.dates import datetime_text
from core.timezones import zone_label

PRODID = "-//Flexdesk//Interviews//EN"
REQUEST, CANCEL = "REQUEST", "CANCEL"
ICS_FILENAME = "interview.ics"
ICS_MIMETYPE = "text/calendar"


def interview_uid(interview_id: int) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "flexdesk.localhost"
    return f"interview-{interview_id}@{domain}"


def time_in_zone(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "Tue 03 Mar 2026, 21:00 (Manila time)": the moment as read in one zone, with the zone named."""
    return f"{datetime_text(moment, zone=zone, weekday=True)} ({zone_label(zone, moment)})"


def interview_times_text(
    *, starts_at: datetime.datetime, candidate_zone: zoneinfo.ZoneInfo, interviewer_zone: zoneinfo.ZoneInfo
) -> str:
    return (
        f"Your time (candidate): {time_in_zone(starts_at, candidate_zone)}\n"
        f"Interviewer's time: {time_in_zone(starts_at, interviewer_zone)}"
    )


def interview_ics(
    *,
    interview_id: int,
    method: str,
    sequence: int,
    starts_at: datetime.datetime,
    duration_minutes: int,
    title: str,
    meeting_link: str,
    candidate_name: str,
    candidate_email: str,
    candidate_zone: zoneinfo.ZoneInfo,
    interviewer_name: str,
    interviewer_email: str,
    interviewer_zone: zoneinfo.ZoneInfo,
    now: datetime.datetime | None = None,
) -> bytes:
    """The .ics file for one state of one interview (REQUEST for the booked time, CANCEL to remove it)."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"Unknown calendar method {method!r}.")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", interview_uid(interview_id))
    event.add("sequence", sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    start = starts_at.astimezone(datetime.UTC)
    event.add("dtstart", start)
    event.add("dtend", start + datetime.timedelta(minutes=duration_minutes))
    event.add("summary", title)
    lines = [
        interview_times_text(
            starts_at=starts_at, candidate_zone=candidate_zone, interviewer_zone=interviewer_zone
        )
    ]
    if meeting_link:
        lines.append(f"Video link: {meeting_link}")
        event.add("location", meeting_link)
        event.add("url", meeting_link)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    if interviewer_email:
        organizer = vCalAddress(f"mailto:{interviewer_email}")
        organizer.params["cn"] = vText(interviewer_name or interviewer_email)
        event.add("organizer", organizer)
    if candidate_email:
        attendee = vCalAddress(f"mailto:{candidate_email}")
        attendee.params["cn"] = vText(candidate_name or candidate_email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
