import datetime
from types import SimpleNamespace

import pytest
from django.forms.models import ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy

from core.dates import strftime_pattern
from core.timezones import zone_label
from queues.templatetags import queues_tags


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short",
        "x" * 70,
        "y" * 71,
        "Café\u0301\u0301 " * 20,
        "e\u0301" * 70,
        "\u212b" * 71,
        "Ünïcödé " * 12,
        "<b>bold</b> & " * 9,
    ],
)
@pytest.mark.parametrize("length", [70, 80])
def test_truncate_is_truncators_chars(text, length):
    assert queues_tags._truncate(text, length) == Truncator(text).chars(length)


def test_inhouse_rows_age_is_timesince():
    # Given tickets created at many distances in the past (and one a moment in the future)
    now = timezone.now()
    ages = [
        datetime.timedelta(seconds=-30),
        datetime.timedelta(seconds=20),
        datetime.timedelta(minutes=1),
        datetime.timedelta(minutes=61),
        datetime.timedelta(hours=25),
        datetime.timedelta(days=8, hours=1),
        datetime.timedelta(days=62, hours=5),
        datetime.timedelta(days=400),
        datetime.timedelta(days=800),
    ]
    program = SimpleNamespace(name="P")
    tickets = [
        SimpleNamespace(
            pk=i,
            subject="s",
            escalation_reason="",
            ticket_type_id=None,
            ticket_type=None,
            program=program,
            tier=2,
            language="en",
            created_at=now - age,
            inhouse_assignee=None,
            next_due_at=None,
            is_active=True,
            first_response_met=None,
            status="open",
        )
        for i, age in enumerate(ages)
    ]
    # When the rows are written
    html = queues_tags.inhouse_rows(tickets, "/t/")
    # Then each row's age column is what Django's timesince says
    for ticket in tickets:
        assert f'<td class="small">{timesince(ticket.created_at, timezone.now())}</td>' in html


@pytest.mark.parametrize("state", ["overdue", "warning", "ok", "met", "missed", "none", "inactive", "paused"])
def test_sla_badge_html(state):
    now = timezone.now()
    due = {
        "overdue": now - datetime.timedelta(hours=2, minutes=5),
        "warning": now + datetime.timedelta(minutes=5),
        "ok": now + datetime.timedelta(hours=1),
    }.get(state)
    ticket = SimpleNamespace(
        next_due_at=due or (now if state == "inactive" else None),
        is_active=state != "inactive",
        first_response_met={"met": True, "missed": False, "paused": True}.get(state),
        status="pending" if state == "paused" else "open",
    )
    html = queues_tags.sla_badge(ticket, now)
    expected = {
        "overdue": '<span class="badge text-bg-danger sla-countdown" data-due="{}" title="Due {}">overdue 2h 5m </span>',
        "warning": '<span class="badge text-bg-warning sla-countdown" data-due="{}" title="Due {}">5m 0s left</span>',
        "ok": '<span class="badge text-bg-light border sla-countdown" data-due="{}" title="Due {}">1h 0m  left</span>',
        "met": '<span class="badge text-bg-success">SLA met</span>',
        "missed": '<span class="badge text-bg-danger">SLA missed</span>',
        "none": '<span class="text-muted">—</span>',
        "inactive": '<span class="text-muted">—</span>',
        "paused": '<span class="badge text-bg-secondary" title="The resolution clock is stopped while the ticket waits '
        'on the customer">Paused</span>',
    }[state]
    if due:
        local = timezone.localtime(due)
        expected = expected.format(
            due.isoformat(), f"{local.strftime(strftime_pattern())} {zone_label(local.tzinfo, due)}"
        )
    assert html == expected


@pytest.mark.parametrize(
    "value",
    [
        7,
        "",
        "a<b & 'c\"",
        mark_safe("<b>kept</b>"),
        gettext_lazy("Hand-off <note>"),
        ModelChoiceIteratorValue(3, None),
    ],
)
def test_esc_is_conditional_escape(value):
    assert queues_tags._esc(value) == conditional_escape(value)
