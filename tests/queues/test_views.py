import datetime

import pytest
from django.utils import timezone

from programs.models import TicketType
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket, TicketMessage
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    freelancer = on_duty_freelancer(program)
    return program, manager, freelancer


def _add_tickets(program, n, **kwargs):
    tickets = TicketFactory.create_batch(n, program=program, **kwargs)
    for ticket in tickets:
        for i in range(2):
            TicketMessage.objects.create(ticket=ticket, kind="reply", author=None, body=f"reply {i}")
    return tickets


def test_freelancer_queue_lists_only_own_tickets_ordered_by_due(client, world):
    program, _manager, freelancer = world
    now = timezone.now()
    later = TicketFactory(
        program=program,
        assignee=freelancer,
        subject="later one",
        next_due_at=now + datetime.timedelta(hours=2),
    )
    sooner = TicketFactory(
        program=program,
        assignee=freelancer,
        subject="sooner one",
        next_due_at=now + datetime.timedelta(minutes=5),
    )
    TicketFactory(program=program, assignee=on_duty_freelancer(program), subject="not mine")
    client.force_login(freelancer.user)
    content = client.get("/portal/tickets/").content.decode()
    assert content.index(sooner.subject) < content.index(later.subject)
    assert "not mine" not in content


def test_freelancer_opening_someone_elses_ticket_gets_404(client, world):
    program, _manager, freelancer = world
    other = TicketFactory(program=program, assignee=on_duty_freelancer(program))
    client.force_login(freelancer.user)
    assert client.get(f"/portal/tickets/{other.pk}/").status_code == 404
    assert client.post(f"/portal/tickets/{other.pk}/solve/").status_code == 404
    other.refresh_from_db()
    assert other.status == Ticket.Status.OPEN


def test_html_in_ticket_body_is_shown_escaped(client, world):
    program, _manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer, body="<script>alert('x')</script>")
    client.force_login(freelancer.user)
    content = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "<script>alert('x')</script>" not in content
    assert "&lt;script&gt;" in content


def test_freelancer_replies_and_escalates_through_the_page(client, world):
    program, _manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer)
    client.force_login(freelancer.user)
    response = client.post(
        f"/portal/tickets/{ticket.pk}/reply/", {"reply-body": "Hi there", "reply-status_after": "open"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/portal/tickets/{ticket.pk}/escalate/", {"escalate-reason": "bug", "escalate-note": ""}
    )
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(
        f"/portal/tickets/{ticket.pk}/escalate/",
        {"escalate-reason": "bug", "escalate-note": "Checkout button broken; tried cache clear."},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.queue == "inhouse" and ticket.messages.filter(kind="reply").count() == 1
    # now it left the freelancer: theirs to read (tests/queues/test_dead_ends.py), no longer to write
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200
    assert (
        client.post(
            f"/portal/tickets/{ticket.pk}/reply/", {"reply-body": "Hi", "reply-status_after": "open"}
        ).status_code
        == 404
    )


def test_manager_ticket_page_is_scoped(client, world):
    program, manager, _freelancer = world
    mine = TicketFactory(program=program)
    theirs = TicketFactory(program=ProgramFactory())
    client.force_login(manager)
    assert client.get(f"/manage/queues/tickets/{mine.pk}/").status_code == 200
    assert client.get(f"/manage/queues/tickets/{theirs.pk}/").status_code == 404
    assert client.post(f"/manage/queues/tickets/{theirs.pk}/solve/").status_code == 404


def test_manager_solving_solved_ticket_shows_a_message_not_an_error(client, world):
    program, manager, _freelancer = world
    ticket = TicketFactory(program=program, status=Ticket.Status.SOLVED)
    client.force_login(manager)
    response = client.post(f"/manage/queues/tickets/{ticket.pk}/solve/", follow=True)
    assert response.status_code == 200 and "already solved" in response.content.decode()


def test_inhouse_queue_filters(client, world):
    program, manager, _freelancer = world
    TicketFactory(
        program=program,
        queue="inhouse",
        escalation_reason="billing",
        escalated_at=timezone.now(),
        subject="billing one",
    )
    TicketFactory(
        program=program,
        queue="inhouse",
        escalation_reason="bug",
        escalated_at=timezone.now(),
        subject="bug one",
    )
    TicketFactory(program=ProgramFactory(), queue="inhouse", subject="other program")
    client.force_login(manager)
    content = client.get("/manage/queues/").content.decode()
    assert "billing one" in content and "bug one" in content and "other program" not in content
    content = client.get("/manage/queues/", {"reason": "bug"}).content.decode()
    assert "bug one" in content and "billing one" not in content
    overdue = client.get("/manage/queues/", {"sla": "breached"}).content.decode()
    assert "bug one" not in overdue


def test_wrong_role_cannot_use_the_other_side(client, world):
    _program, manager, freelancer = world
    client.force_login(freelancer.user)
    assert client.get("/manage/queues/").status_code == 403
    client.force_login(manager)
    assert client.get("/portal/tickets/").status_code == 403


@pytest.mark.parametrize("page", ["my_queue", "inhouse", "portal_ticket", "manage_ticket", "ticket_list"])
def test_pages_do_a_constant_number_of_queries(client, world, page, django_assert_num_queries):
    program, manager, freelancer = world
    kwargs = {"assignee": freelancer} if page in ("my_queue", "portal_ticket") else {"queue": "inhouse"}
    first = _add_tickets(program, 2, **kwargs)[0]
    user = freelancer.user if page in ("my_queue", "portal_ticket") else manager
    client.force_login(user)
    url = {
        "my_queue": "/portal/tickets/",
        "inhouse": "/manage/queues/",
        "ticket_list": "/manage/queues/tickets/",
        "portal_ticket": f"/portal/tickets/{first.pk}/",
        "manage_ticket": f"/manage/queues/tickets/{first.pk}/",
    }[page]
    client.get(url)  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    assert len(before) > 2  # the page's own reads (the session and the user come from the cache)
    _add_tickets(program, 15, **kwargs)
    for i in range(10):
        TicketMessage.objects.create(ticket=first, kind="note", author=manager, body=f"more {i}")
    with django_assert_num_queries(len(before)):
        assert client.get(url).status_code == 200


def test_availability_page_adds_slots_and_rejects_overlaps(client, world):
    _program, _manager, freelancer = world
    AvailabilitySlot.objects.filter(freelancer=freelancer).delete()
    client.force_login(freelancer.user)
    assert client.get("/portal/availability/").status_code == 200
    ok = client.post(
        "/portal/availability/slot/",
        {"slot-weekday": 0, "slot-start_time": "09:00", "slot-end_time": "17:00"},
    )
    assert ok.status_code == 302
    clash = client.post(
        "/portal/availability/slot/",
        {"slot-weekday": 0, "slot-start_time": "16:00", "slot-end_time": "18:00"},
    )
    assert clash.status_code == 400 and "overlap" in clash.content.decode()
    backwards = client.post(
        "/portal/availability/slot/",
        {"slot-weekday": 1, "slot-start_time": "18:00", "slot-end_time": "09:00"},
    )
    assert backwards.status_code == 400
    assert AvailabilitySlot.objects.filter(freelancer=freelancer).count() == 1
    other = on_duty_freelancer(_program)
    slot = AvailabilitySlot.objects.filter(freelancer=other).first()
    assert client.post(f"/portal/availability/delete-slot/{slot.pk}/").status_code == 404


def test_coverage_grid_shows_gaps_and_manager_schedules(client, world):
    program, manager, freelancer = world
    AvailabilitySlot.objects.filter(freelancer=freelancer).delete()
    client.force_login(manager)
    response = client.get(f"/manage/queues/{program.slug}/coverage/")
    assert response.status_code == 200 and response.context["coverage"]["gaps"] == 168
    response = client.post(
        f"/manage/queues/{program.slug}/coverage/",
        {
            "schedule-freelancer": freelancer.pk,
            "schedule-weekday": 0,
            "schedule-start_time": "00:00",
            "schedule-end_time": "00:00",
        },
    )
    assert response.status_code == 302
    assert client.get(f"/manage/queues/{program.slug}/coverage/").context["coverage"]["gaps"] == 168 - 24
    other = ProgramFactory()
    assert client.get(f"/manage/queues/{other.slug}/coverage/").status_code == 404


def test_manager_schedules_in_the_program_time_zone_and_it_is_kept_in_the_freelancers(client, world):
    # Given a New York program and a freelancer in Manila with no hours
    program, manager, freelancer = world
    program.time_zone = "America/New_York"
    program.save()
    freelancer.time_zone = "Asia/Manila"
    freelancer.save()
    AvailabilitySlot.objects.filter(freelancer=freelancer).delete()
    client.force_login(manager)
    # When the manager schedules Monday 09:00-17:00 as the coverage grid shows it (New York time)
    response = client.post(
        f"/manage/queues/{program.slug}/coverage/",
        {
            "schedule-freelancer": freelancer.pk,
            "schedule-weekday": 0,
            "schedule-start_time": "09:00",
            "schedule-end_time": "17:00",
        },
    )
    assert response.status_code == 302
    # Then the grid shows exactly those eight hours covered, and the freelancer's slots are in Manila time,
    # split at their midnight (Manila is 13 hours ahead in winter, 12 in summer)
    page = client.get(f"/manage/queues/{program.slug}/coverage/")
    monday = page.context["coverage"]["rows"][0]["cells"]
    assert [hour for hour, cell in enumerate(monday) if cell.count] == list(range(9, 17))
    slots = sorted(
        (s.weekday, s.start_time.hour, s.end_time.hour)
        for s in AvailabilitySlot.objects.filter(freelancer=freelancer)
    )
    assert slots in ([(0, 22, 0), (1, 0, 6)], [(0, 21, 0), (1, 0, 5)])
    assert all(row.program_hours.startswith("Mon ") for row in page.context["slots"])


def test_scheduling_hours_that_end_before_they_start_is_refused(client, world):
    program, manager, freelancer = world
    before = AvailabilitySlot.objects.count()
    client.force_login(manager)
    response = client.post(
        f"/manage/queues/{program.slug}/coverage/",
        {
            "schedule-freelancer": freelancer.pk,
            "schedule-weekday": 2,
            "schedule-start_time": "17:00",
            "schedule-end_time": "09:00",
        },
    )
    assert response.status_code == 400 and "must end after it starts" in response.content.decode()
    assert AvailabilitySlot.objects.count() == before


def test_queue_settings_page_saves(client, world):
    program, manager, _freelancer = world
    client.force_login(manager)
    data = {
        "first_response_minutes": 30,
        "resolution_minutes": 480,
        "inhouse_response_minutes": 120,
        "business_hours_only": "on",
        "warning_minutes": 10,
        "business_hours": "08:00-20:00\n08:00-20:00\n08:00-20:00\n08:00-20:00\n08:00-20:00\n\n",
        "reason_0": "Too complex",
        "reason_1": "Billing",
        "new_reason_0": "Legal",
        "away_after_minutes": 5,
        "no_show_minutes": 20,
        "allow_extra_time": "on",
    }
    assert client.post(f"/manage/queues/{program.slug}/settings/", data).status_code == 302
    program.queue_settings.refresh_from_db()
    assert program.queue_settings.weekly_minutes[0] == [(480, 1200)]
    saved = program.queue_settings
    assert (saved.away_after_minutes, saved.no_show_minutes, saved.allow_extra_time) == (5, 20, True)
    bad = client.post(f"/manage/queues/{program.slug}/settings/", {**data, "business_hours": "20:00-08:00"})
    assert bad.status_code == 400


def test_unrelated_user_gets_no_queue(client):
    client.force_login(UserFactory())
    assert client.get("/manage/queues/").status_code == 403


def test_freelancer_queue_shows_the_25_soonest_and_counts_the_rest(client, world):
    # Given 30 open tickets of the freelancer with distinct deadlines
    program, _manager, freelancer = world
    now = timezone.now()
    for i in range(30):
        TicketFactory(
            program=program,
            assignee=freelancer,
            subject=f"due-in-{i:02d}-min",
            next_due_at=now + datetime.timedelta(minutes=i),
        )
    client.force_login(freelancer.user)
    # When the freelancer opens the queue, and then the next page
    first = client.get("/portal/tickets/").content.decode()
    second = client.get("/portal/tickets/?page=2").content.decode()
    # Then the first page lists the 25 soonest due and says how many more there are; the next page has the rest
    assert "due-in-24-min" in first and "due-in-25-min" not in first
    assert "30 open tickets" in first and "5 due later" in first
    assert "due-in-25-min" in second and "due-in-00-min" not in second


def test_manager_ticket_page_offers_only_the_programs_people_and_refuses_an_outsider(client, world):
    # Given a ticket of the manager's program, and a freelancer of another program
    program, manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer)
    outsider = on_duty_freelancer(ProgramFactory(), legal_name="Outside <Person>")
    client.force_login(manager)
    # When the manager opens the page
    content = client.get(f"/manage/queues/tickets/{ticket.pk}/").content.decode()
    # Then the reassign select lists the program's freelancer (escaped labels) and the assign select the manager
    assert f'<option value="{freelancer.pk}">{freelancer.legal_name}</option>' in content
    assert f'<option value="{manager.pk}" selected>' in content
    assert "Outside" not in content
    # When they post the outsider anyway: a form error, and nothing changed
    response = client.post(
        f"/manage/queues/tickets/{ticket.pk}/reassign/", {"reassign-freelancer": outsider.pk}
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer


def test_ticket_page_form_redisplays_posted_text_escaped(client, world):
    program, _manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer)
    client.force_login(freelancer.user)
    response = client.post(
        f"/portal/tickets/{ticket.pk}/escalate/", {"escalate-reason": "billing", "escalate-note": "<b>short"}
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert "&lt;b&gt;short" in content and "<b>short" not in content
    assert 'aria-invalid="true"' in content


def test_inhouse_queue_pages_and_its_headline_counts_come_in_their_own_request(client, world):
    # Given 30 tickets in the in-house queue, 4 of them about billing, and 2 tickets with freelancers
    program, manager, freelancer = world
    now = timezone.now()
    for i in range(30):
        TicketFactory(
            program=program,
            queue="inhouse",
            escalation_reason="billing" if i < 4 else "bug",
            escalated_at=now,
            subject=f"inhouse-{i:02d}",
        )
    TicketFactory.create_batch(2, program=program, queue="freelancer", assignee=freelancer)
    client.force_login(manager)
    client.get("/manage/queues/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # When the manager opens the queue (each request clears the query log: read it at once)
    with CaptureQueriesContext(connection) as capture:
        content = client.get("/manage/queues/").content.decode()
    page_sql = [q["sql"] for q in capture.captured_queries]
    billing = client.get("/manage/queues/", {"reason": "billing"}).content.decode()
    bug = client.get("/manage/queues/", {"reason": "bug", "page": 2}).content.decode()
    counts = client.get("/manage/queues/counts/").content.decode()
    # Then the page lists and paginates without reading every active ticket (no headline GROUP BY) ...
    assert "Page 1 of 2" in content and page_sql and not [sql for sql in page_sql if "GROUP BY" in sql]
    assert '<span class="text-muted">…</span>' in content  # the counts' placeholders
    assert "Page 1 of" not in billing and billing.count("inhouse-") == 4
    assert "Page 2 of 2" in bug and bug.count('">inhouse-') == 1
    # ... and the counts come from their own small page
    assert '<div class="display-6">30</div>' in counts and '<div class="display-6">2</div>' in counts
    assert "<html" not in counts and "{#" not in content and "{% comment" not in content


def test_headline_counts_are_for_the_manage_side_only(client, world):
    _program, _manager, freelancer = world
    assert client.get("/manage/queues/counts/").status_code == 302  # to the login page
    client.force_login(freelancer.user)
    assert client.get("/manage/queues/counts/").status_code == 403


def test_queue_rows_escape_what_people_typed(client, world):
    # Given tickets whose subject, type and people's names hold HTML
    program, manager, freelancer = world
    manager.display_name = "Ana <Ops>"
    manager.save()
    ticket_type = TicketType.objects.create(program=program, name="Refunds & <b>returns</b>", slug="refunds")
    TicketFactory(
        program=program,
        queue="inhouse",
        subject="<script>alert(1)</script>",
        inhouse_assignee=manager,
        ticket_type=ticket_type,
    )
    TicketFactory(
        program=program,
        assignee=freelancer,
        subject="<i>mine</i>",
        ticket_type=ticket_type,
        priority="urgent",
    )
    # When each side opens their queue
    client.force_login(manager)
    inhouse = client.get("/manage/queues/").content.decode()
    client.force_login(freelancer.user)
    mine = client.get("/portal/tickets/").content.decode()
    # Then the typed text is shown, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inhouse and "<script>alert(1)" not in inhouse
    assert "<td>Ana &lt;Ops&gt;</td>" in inhouse
    assert "Refunds &amp; &lt;b&gt;returns&lt;/b&gt;" in inhouse
    assert "&lt;i&gt;mine&lt;/i&gt;" in mine and "<i>mine</i>" not in mine
    assert "<td>Refunds &amp; &lt;b&gt;returns&lt;/b&gt;</td>" in mine
    assert '<span class="badge text-bg-danger">Urgent</span>' in mine


def test_freelancer_queue_shows_shift_badge_and_recent_tickets(client, world):
    # Given an on-duty freelancer with a solved ticket
    program, _manager, freelancer = world
    TicketFactory(
        program=program,
        assignee=freelancer,
        status=Ticket.Status.SOLVED,
        subject="done <now>",
        solved_at=timezone.now(),
    )
    client.force_login(freelancer.user)
    # When they open their queue, then while they are away
    content = client.get("/portal/tickets/").content.decode()
    AvailabilityChange.objects.create(
        freelancer=freelancer,
        kind="away",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
    )
    away = client.get("/portal/tickets/").content.decode()
    # Then the badge follows their availability, and the solved ticket is listed under "Recently solved"
    assert "On shift</span>" in content and "Off shift</span>" in away
    recent = content[content.index("Recently solved") :]
    assert "done &lt;now&gt; · " + program.name in recent


def test_closed_ticket_page_reads_no_team_or_freelancer_lists(client, world):
    # Given an active and a solved ticket of the manager's program
    program, manager, freelancer = world
    active = TicketFactory(program=program, queue="inhouse")
    solved = TicketFactory(program=program, assignee=freelancer, status=Ticket.Status.SOLVED)
    client.force_login(manager)
    client.get(f"/manage/queues/tickets/{active.pk}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # When the manager opens each (each request clears the query log: read it at once)
    with CaptureQueriesContext(connection) as capture:
        active_page = client.get(f"/manage/queues/tickets/{active.pk}/").content.decode()
    active_queries = [q["sql"] for q in capture.captured_queries]
    with CaptureQueriesContext(connection) as capture:
        solved_page = client.get(f"/manage/queues/tickets/{solved.pk}/").content.decode()
    solved_queries = [q["sql"] for q in capture.captured_queries]
    # Then the active one offers assigning, sending back and reassigning; the solved one only notes and reopening,
    # without reading the in-house team or the queue-ready freelancers
    assert "Assign to the in-house team" in active_page and "Send back to the freelancers" in active_page
    assert f'<option value="{freelancer.pk}">' in active_page
    assert "Assign to the in-house team" not in solved_page and "Reassign to a freelancer" not in solved_page
    assert 'name="note-body"' in solved_page and "Reopen" in solved_page
    assert [sql for sql in active_queries if "contracts_contract" in sql]
    # (the active one's reply box also reads the program's saved replies: one query, issue #19)
    assert [sql for sql in active_queries if "queues_savedreply" in sql]
    assert not [sql for sql in solved_queries if "queues_savedreply" in sql]
    assert len(solved_queries) == len(active_queries) - 3
    assert not [sql for sql in solved_queries if "contracts_contract" in sql]


def test_portal_page_of_a_solved_ticket_offers_only_a_note(client, world):
    program, _manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer, status=Ticket.Status.SOLVED)
    client.force_login(freelancer.user)
    content = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'name="note-body"' in content
    assert 'name="reply-body"' not in content and 'name="escalate-reason"' not in content
    # a POST still reaches its form (and the service's rule answers)
    response = client.post(f"/portal/tickets/{ticket.pk}/note/", {"note-body": "for the record"})
    assert response.status_code == 302


def test_queue_pages_refresh_themselves_with_their_filters(client, world):
    # The lists poll their own URL (filters included) and swap in the same part of the page.
    program, manager, freelancer = world
    client.force_login(manager)
    content = client.get("/manage/queues/?sla=breached&reason=bug").content.decode()
    assert 'hx-get="/manage/queues/?sla=breached&amp;reason=bug"' in content
    assert 'hx-select="#queue-list"' in content and 'id="queue-list"' in content
    assert 'hx-get="/manage/queues/counts/"' in content and 'id="queue-counts"' in content
    client.force_login(freelancer.user)
    content = client.get("/portal/tickets/?page=1").content.decode()
    assert 'hx-get="/portal/tickets/?page=1"' in content and 'id="my-queue"' in content


def test_the_customers_later_messages_show_in_the_thread_escaped(client, world):
    from queues.services import ticket_customer_message

    program, _manager, freelancer = world
    ticket = TicketFactory(
        program=program, assignee=freelancer, requester_name="Zoe Park", status=Ticket.Status.PENDING
    )
    ticket_customer_message(ticket=ticket, body="Here it is <img src=x onerror=alert(1)>", external_id="m-1")
    client.force_login(freelancer.user)
    content = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "<strong>Customer</strong> · Zoe Park" in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content and "<img src=x" not in content
    assert "Customer wrote" in content  # the timeline line


def test_the_freelancers_tab_title_counts_their_open_tickets(client, world):
    # (the list polls the page, and htmx takes the new title along: a tab in the background shows new work)
    program, _manager, freelancer = world
    TicketFactory.create_batch(3, program=program, assignee=freelancer)
    client.force_login(freelancer.user)
    assert "<title>(3) My tickets · Flexdesk</title>" in client.get("/portal/tickets/").content.decode()
