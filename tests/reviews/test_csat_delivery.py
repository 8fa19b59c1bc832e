"""Surveys tell the truth: CSAT goes out only once the ticket's answer reached the customer, and a Zendesk program
may take Zendesk's own satisfaction ratings instead (pulled in, never asked twice).

Zendesk is replaced at the HTTP boundary (respx) with the bodies of Zendesk's documented examples.
"""

import datetime

import httpx
import pytest
import respx
from django.utils import timezone

from channels.outbound import changes_from_zendesk
from core.audit import AuditLog
from core.models import OutboxMessage
from core.outbox import outbox_cancel, outbox_deliver
from queues.services import ticket_reply
from reviews.errors import ReviewError
from reviews.models import CsatSurvey, ReviewSettings
from reviews.services import csat_sweep, csat_zendesk_pull_all, review_settings_update
from tests.accounts.factories import FreelancerFactory, ManagerFactory
from tests.channels.conftest import update_answer
from tests.channels.factories import BASE, zendesk_mapped_freelancer, zendesk_program
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory
from tests.reviews.factories import answered_ticket, solved_ticket

pytestmark = pytest.mark.django_db
PUT = "/api/v2/tickets/35436.json"
RATINGS = "/api/v2/satisfaction_ratings.json"
LATER = datetime.timedelta(minutes=10)


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def program(manager):
    """A Zendesk program: replies are delivered to Zendesk as public comments."""
    return zendesk_program(manager=manager)


@pytest.fixture
def freelancer(program):
    return zendesk_mapped_freelancer(program)


@pytest.fixture
def zendesk():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def solved_by_reply(program, freelancer, *, external_id="35436"):
    """The freelancer answers a Zendesk ticket and solves it: the reply is queued for Zendesk."""
    ticket = TicketFactory(
        program=program, external_id=external_id, assignee=freelancer, requester_email="jo@example.test"
    )
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Your parcel is on its way.",
        status_after="solved",
        freelancer=freelancer,
    )
    return ticket


def reply_delivery():
    return OutboxMessage.objects.get(kind="zendesk.reply")


def sweep():
    return csat_sweep(now=timezone.now() + LATER)


# --- only delivered answers are surveyed --------------------------------------------------------------------


def test_no_survey_while_the_zendesk_reply_is_queued_and_one_once_it_is_sent(program, freelancer, zendesk):
    ticket = solved_by_reply(program, freelancer)
    assert reply_delivery().status == "queued"
    # While the reply has not reached Zendesk, the customer has no answer: no survey, not even a skipped row
    assert sweep() == {"sent": 0, "skipped": 0}
    assert not CsatSurvey.objects.exists()
    # When Zendesk takes the comment, the next sweep surveys the ticket (once)
    zendesk.put(PUT).mock(return_value=httpx.Response(200, json=update_answer(35436, comment_id=777)))
    assert outbox_deliver(message_id=reply_delivery().pk) == "sent"
    assert sweep() == {"sent": 1, "skipped": 0}
    assert sweep() == {"sent": 0, "skipped": 0}
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.status, survey.source, survey.freelancer) == ("sent", "flexdesk", freelancer)
    assert OutboxMessage.objects.filter(kind="email", subject_id=str(survey.pk)).count() == 1


def test_a_reply_that_failed_for_good_never_gets_a_survey(program, freelancer, zendesk):
    solved_by_reply(program, freelancer)
    zendesk.put(PUT).mock(
        return_value=httpx.Response(
            422,
            json={
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {"base": [{"description": "Assignee is not a member of the group"}]},
            },
        )
    )
    assert outbox_deliver(message_id=reply_delivery().pk) == "failed"
    assert sweep() == {"sent": 0, "skipped": 0}
    # Given up on by a manager: still not delivered, still no survey
    outbox_cancel(message_id=reply_delivery().pk)
    assert sweep() == {"sent": 0, "skipped": 0}
    assert csat_sweep(now=timezone.now() + datetime.timedelta(days=2)) == {"sent": 0, "skipped": 0}
    assert not CsatSurvey.objects.exists()


def test_one_undelivered_reply_among_delivered_ones_holds_the_survey(program, freelancer, zendesk):
    ticket = TicketFactory(program=program, external_id="35436", assignee=freelancer)
    ticket_reply(ticket=ticket, author=freelancer.user, body="First answer.", freelancer=freelancer)
    zendesk.put(PUT).mock(return_value=httpx.Response(200, json=update_answer(35436, comment_id=777)))
    assert outbox_deliver(message_id=reply_delivery().pk) == "sent"
    ticket.refresh_from_db()
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="And the refund.",
        status_after="solved",
        freelancer=freelancer,
    )
    assert sweep() == {"sent": 0, "skipped": 0}  # the second reply is still queued


def test_a_reply_made_in_zendesk_counts_as_delivered(program, freelancer):
    # A freelancer's public comment made in Zendesk comes in as their reply: Zendesk already has it
    ticket = TicketFactory(program=program, external_id="35436", assignee=freelancer)
    with changes_from_zendesk():
        ticket_reply(
            ticket=ticket,
            author=freelancer.user,
            body="Answered in Zendesk.",
            status_after="solved",
            freelancer=freelancer,
        )
    assert not OutboxMessage.objects.filter(kind="zendesk.reply").exists()
    assert sweep() == {"sent": 1, "skipped": 0}


def test_an_api_only_program_surveys_a_recorded_reply_as_before():
    api_program = ProgramFactory()
    freelancer = FreelancerFactory()
    answered = answered_ticket(api_program, freelancer)
    unanswered = solved_ticket(
        api_program, freelancer
    )  # solved without a reply: nobody answered the customer
    assert csat_sweep() == {"sent": 1, "skipped": 0}
    assert CsatSurvey.objects.get().ticket == answered
    assert not CsatSurvey.objects.filter(ticket=unanswered).exists()


# --- Zendesk's own satisfaction ratings ---------------------------------------------------------------------


def zendesk_ratings_page(*ratings, has_more=False, after_cursor=None):
    return {
        "satisfaction_ratings": list(ratings),
        "meta": {"has_more": has_more, "after_cursor": after_cursor, "before_cursor": None},
        "links": {"prev": None, "next": None},
    }


# Zendesk's documented example of a rating, pointed at our ticket 35436.
GOOD = {
    "assignee_id": 135,
    "comment": "Awesome support!",
    "created_at": "2026-11-30T22:55:29Z",
    "group_id": 44,
    "id": 35436,
    "requester_id": 7881,
    "score": "good",
    "ticket_id": 35436,
    "updated_at": "2026-12-01T10:32:59Z",
    "url": "https://example.zendesk.com/api/v2/satisfaction_ratings/35436.json",
}


@pytest.fixture
def zendesk_rated(program):
    ReviewSettings.objects.create(program=program, csat_source=ReviewSettings.CsatSource.ZENDESK)
    return program


def test_a_program_on_zendesk_ratings_gets_no_flexdesk_survey(zendesk_rated, freelancer, zendesk):
    solved_by_reply(zendesk_rated, freelancer)
    zendesk.put(PUT).mock(return_value=httpx.Response(200, json=update_answer(35436, comment_id=777)))
    assert outbox_deliver(message_id=reply_delivery().pk) == "sent"
    assert sweep() == {"sent": 0, "skipped": 0}
    assert not CsatSurvey.objects.exists()
    assert not OutboxMessage.objects.filter(kind="email").exists()


def test_zendesk_ratings_are_pulled_in_once(zendesk_rated, freelancer, zendesk):
    ticket = solved_by_reply(zendesk_rated, freelancer)
    offered_ticket = solved_by_reply(zendesk_rated, freelancer, external_id="35437")
    offered = {**GOOD, "id": 120447, "ticket_id": 35437, "score": "offered", "comment": None}
    unknown = {**GOOD, "id": 120448, "ticket_id": 99999}  # not a Flexdesk ticket
    route = zendesk.get(RATINGS).mock(
        side_effect=[
            httpx.Response(200, json=zendesk_ratings_page(GOOD, has_more=True, after_cursor="xyz")),
            httpx.Response(200, json=zendesk_ratings_page(offered, unknown)),
            httpx.Response(200, json=zendesk_ratings_page(GOOD, offered, unknown)),
        ]
    )
    now = timezone.now()
    [result] = csat_zendesk_pull_all(now=now).values()
    assert result == {
        "seen": 3,
        "answered": 1,
        "offered": 1,
        "unchanged": 0,
        "unknown": 1,
        "ignored": 0,
        "invalid": 0,
    }
    first, second = (call.request.url.params for call in route.calls)
    assert first["start_time"] == str(int((now - datetime.timedelta(days=14)).timestamp()))
    assert (first["page[size]"], "page[after]" in first, second["page[after]"]) == ("100", False, "xyz")
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.status, survey.rating, survey.comment, survey.source, survey.zendesk_rating_id) == (
        "answered",
        "good",
        "Awesome support!",
        "zendesk",
        35436,
    )
    assert survey.answered_at == datetime.datetime(2026, 12, 1, 10, 32, 59, tzinfo=datetime.UTC)
    assert (survey.freelancer, survey.requester_email, survey.token_hash) == (
        freelancer,
        "jo@example.test",
        None,
    )
    waiting = CsatSurvey.objects.get(ticket=offered_ticket)
    assert (waiting.status, waiting.rating, waiting.answered_at) == (
        "sent",
        "",
        None,
    )  # asked, not answered yet
    assert ReviewSettings.objects.get(program=zendesk_rated).csat_zendesk_pulled_at == now
    audits = AuditLog.objects.filter(verb="csat.answered").count()
    # Run again: nothing new, nothing twice, no survey e-mail ever
    [again] = csat_zendesk_pull_all(now=now).values()
    assert (again["unchanged"], again["answered"], again["offered"]) == (2, 0, 0)
    assert CsatSurvey.objects.count() == 2
    assert AuditLog.objects.filter(verb="csat.answered").count() == audits == 1
    assert not OutboxMessage.objects.filter(kind="email").exists()


def test_a_rating_answered_later_in_zendesk_updates_the_survey(zendesk_rated, freelancer, zendesk):
    ticket = solved_by_reply(zendesk_rated, freelancer)
    zendesk.get(RATINGS).mock(
        side_effect=[
            httpx.Response(200, json=zendesk_ratings_page({**GOOD, "score": "offered", "comment": None})),
            httpx.Response(200, json=zendesk_ratings_page({**GOOD, "score": "bad", "comment": "Too slow."})),
        ]
    )
    csat_zendesk_pull_all()
    assert CsatSurvey.objects.get(ticket=ticket).status == "sent"
    csat_zendesk_pull_all()
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.status, survey.rating, survey.comment) == ("answered", "bad", "Too slow.")


def test_bad_rating_rows_are_skipped_without_a_crash(zendesk_rated, freelancer, zendesk):
    ticket = solved_by_reply(zendesk_rated, freelancer)
    zendesk.get(RATINGS).mock(
        return_value=httpx.Response(
            200,
            json=zendesk_ratings_page(
                "not an object",
                {"score": "good"},
                {**GOOD, "id": "abc"},
                {**GOOD, "ticket_id": None},
                {**GOOD, "id": 7, "score": "excellent"},
                {**GOOD, "id": 8, "score": 1},
                {**GOOD, "id": 9, "ticket_id": True},
                {**GOOD, "id": 10, "score": "unoffered"},
                GOOD,
            ),
        )
    )
    [result] = csat_zendesk_pull_all().values()
    assert (result["invalid"], result["ignored"], result["answered"]) == (7, 1, 1)
    assert CsatSurvey.objects.get().ticket == ticket


def test_zendesk_down_or_a_body_without_ratings_is_reported_and_changes_nothing(
    zendesk_rated, freelancer, zendesk
):
    solved_by_reply(zendesk_rated, freelancer)
    zendesk.get(RATINGS).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json={"unexpected": True}),
            httpx.Response(403, json={"error": "Forbidden"}),
        ]
    )
    assert "503" in csat_zendesk_pull_all()["acme"]
    assert "satisfaction_ratings" in csat_zendesk_pull_all()["acme"]
    assert "403" in csat_zendesk_pull_all()["acme"]
    assert not CsatSurvey.objects.exists()
    assert ReviewSettings.objects.get(program=zendesk_rated).csat_zendesk_pulled_at is None


def test_a_program_not_on_zendesk_ratings_is_not_pulled(program, zendesk):
    route = zendesk.get(RATINGS).mock(return_value=httpx.Response(200, json=zendesk_ratings_page()))
    assert csat_zendesk_pull_all() == {}
    assert not route.called


# --- settings and report ------------------------------------------------------------------------------------


def test_the_csat_source_is_offered_only_to_a_zendesk_program(client, program, manager):
    client.force_login(manager)
    page = client.get(f"/manage/reviews/settings/{program.slug}/")
    assert page.status_code == 200 and b"csat_source" in page.content
    form = {
        **{k: v for k, v in page.context["form"].initial.items() if v is not None and k != "id"},
        "csat_source": "zendesk",
    }
    form = {k: ("on" if v is True else v) for k, v in form.items() if v is not False}
    assert client.post(f"/manage/reviews/settings/{program.slug}/", form).status_code == 302
    assert ReviewSettings.objects.get(program=program).csat_source == "zendesk"

    api_program = ProgramFactory(managers=[manager])
    page = client.get(f"/manage/reviews/settings/{api_program.slug}/")
    assert page.status_code == 200 and b"csat_source" not in page.content
    with pytest.raises(ReviewError) as refused:
        review_settings_update(program=api_program, actor=manager, csat_source="zendesk")
    assert refused.value.field == "csat_source"
    assert not ReviewSettings.objects.filter(program=api_program, csat_source="zendesk").exists()


def test_the_csat_report_says_which_answers_came_from_zendesk(
    client, zendesk_rated, freelancer, manager, zendesk
):
    solved_by_reply(zendesk_rated, freelancer)
    zendesk.get(RATINGS).mock(return_value=httpx.Response(200, json=zendesk_ratings_page(GOOD)))
    csat_zendesk_pull_all()
    client.force_login(manager)
    page = client.get("/manage/reviews/csat/")
    assert page.status_code == 200
    assert page.content.decode().count("from Zendesk") == 2  # the program's row and the answer
