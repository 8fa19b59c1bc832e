"""Every list page and the dashboard run an exact, pinned number of queries (issue #18, item 7).

The world is the demo (`seed_demo`, seeded once for this module): two programs, a dozen freelancers with
contracts, hundreds of tickets, time entries, payouts, postings with applications, reviews and surveys. Every
list below shows several rows of it (where the demo has them), so a query per row (an N+1) shows as a count
far above the page's fixed queries, and a new demo row that adds a query fails here.

The number is exact (`django_assert_num_queries`), so a new query on a page is a conscious change. To change
a pin: run this file, read "N queries executed, M expected" in the failure (the captured SQL is printed with
it), make sure the new query is meant (one per page, not one per row), put N in PINS, and say why in the commit.
No page may run more than MAX_QUERIES. The session, the user and the verified two-factor device come from the
cache (accounts/user_cache.py, issue #22: three queries fewer on a manager's page, two on a freelancer's).
"""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from programs.models import Program
from queues.models import Ticket
from recruiting.models import Posting

MAX_QUERIES = 25
MANAGER, FREELANCER = "manager@demo.test", "freelancer1@demo.test"

# (url name, who, kwargs from the world): exact query counts.
PINS: dict[tuple[str, str], int] = {
    # manager
    # issue #22 (docs/adr/0028, addendum): pay reads the contracts' rate history in a query of its own
    # (payments.earnings.worked_days: +1 wherever hours are priced), and the home and the team table read the
    # hours of finished days from the rollups (+ the complete days, + the rollups' sums) instead of every entry
    ("dashboard:manage_home", MANAGER): 12,  # + its SLA and CSAT of finished days from the same rollup rows
    ("dashboard:program", MANAGER): 20,  # issue #22: backlog and coverage from the snapshot, medians in SQL
    ("dashboard:program_team", MANAGER): 13,  # + the tiers in the program (contracts.ProgramStanding)
    ("dashboard:program_costs", MANAGER): 8,
    ("dashboard:program_funnel", MANAGER): 9,
    ("programs:list", MANAGER): 1,
    ("programs:announcement_list", MANAGER): 3,
    ("programs:deliveries", MANAGER): 3,
    ("programs:knowledge", MANAGER): 4,
    ("programs:section_edit", MANAGER): 7,  # the worksheet's scope page (section=scope); 34 before #18
    ("programs:worksheet", MANAGER): 16,
    ("programs:assessment_list", MANAGER): 1,  # issue #21: the manager's outsourcing assessments
    ("contracts:contract_list", MANAGER): 6,
    ("contracts:template_list", MANAGER): 2,
    ("contracts:rate_floor_list", MANAGER): 2,
    ("contracts:invitation_list", MANAGER): 3,
    ("contracts:legal_name_requests", MANAGER): 2,
    ("contracts:vault", MANAGER): 3,
    ("recruiting:posting_list", MANAGER): 2,
    ("recruiting:application_list", MANAGER): 8,
    ("recruiting:template_list", MANAGER): 2,
    (
        "queues:inhouse_queue",
        MANAGER,
    ): 6,  # 6 before #19: + open help requests, saved views, the team to assign to
    ("queues:ticket_list", MANAGER): 3,
    # issue #22: the newest messages and events at any length of thread (tests/queues/test_thread_newest.py)
    ("queues:manage_ticket", MANAGER): 11,
    ("queues:saved_reply_list", MANAGER): 3,  # issue #19: the program's saved replies and suggestions
    ("channels:webhooks", MANAGER): 2,
    ("payments:periods", MANAGER): 3,
    ("payments:runs", MANAGER): 7,
    ("payments:payouts", MANAGER): 8,
    ("payments:exchange_rates", MANAGER): 2,
    ("payments:adjustments", MANAGER): 5,
    ("payments:requests", MANAGER): 2,
    ("payments:approvals", MANAGER): 3,
    ("reviews:queue", MANAGER): 3,
    ("reviews:review_list", MANAGER): 3,
    ("reviews:disputes", MANAGER): 2,
    ("reviews:calibration", MANAGER): 8,
    ("reviews:csat", MANAGER): 8,
    ("reviews:evaluations", MANAGER): 5,
    ("reviews:feedback", MANAGER): 2,
    ("reviews:check_ins", MANAGER): 2,
    ("accounts:api_tokens", MANAGER): 2,
    # freelancer
    ("dashboard:portal_home", FREELANCER): 17,
    ("queues:my_queue", FREELANCER): 7,
    ("queues:portal_ticket", FREELANCER): 11,
    # loaded by My tickets after itself: their programs, their candidate row per program, the rows, the count
    ("queues:waiting_list", FREELANCER): 8,
    ("contracts:portal_contracts", FREELANCER): 5,
    ("reviews:portal_reviews", FREELANCER): 5,
    ("reviews:portal_evaluations", FREELANCER): 3,
    ("reviews:portal_announcements", FREELANCER): 3,
    ("contracts:portal_knowledge", FREELANCER): 4,
    ("payments:portal_payouts", FREELANCER): 12,  # issue #22: + the rate history (worked_days)
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module inside a transaction rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--force", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def _url(name: str) -> str:
    program = Program.objects.get(slug="demo")
    if name in ("queues:manage_ticket", "queues:portal_ticket"):
        # the demo freelancer's active ticket with the longest thread
        freelancer = User.objects.get(email=FREELANCER).freelancer_profile
        ticket = (
            Ticket.objects.filter(program=program, assignee=freelancer, status=Ticket.Status.OPEN)
            .annotate(n=Count("messages"))
            .order_by("-n", "pk")
            .first()
        )
        assert ticket is not None
        return reverse(name, kwargs={"pk": ticket.pk})
    if name == "programs:section_edit":
        return reverse(name, kwargs={"program_slug": program.slug, "section": "scope"})
    if name == "recruiting:application_list":
        posting = Posting.objects.filter(program=program).order_by("pk")[0]
        return reverse(name, kwargs={"pk": posting.pk})
    if name.startswith(
        (
            "dashboard:program",
            "programs:announcement",
            "programs:deliveries",
            "programs:worksheet",
            "programs:knowledge",
            "recruiting:template",
            "channels:",
            "queues:saved_reply",
        )
    ):
        return reverse(name, kwargs={"program_slug": program.slug})
    return reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "who"), list(PINS), ids=[f"{n}-{w.split('@')[0]}" for n, w in PINS])
def test_the_page_runs_its_pinned_number_of_queries(world, client, django_assert_num_queries, name, who):
    client.force_login(User.objects.get(email=who))
    url = _url(name)
    assert client.get(url).status_code == 200  # warm: caches, the session's first writes
    with django_assert_num_queries(PINS[name, who]):
        response = client.get(url)
    assert response.status_code == 200


def test_no_pin_is_over_the_ceiling():
    assert {key: n for key, n in PINS.items() if n > MAX_QUERIES} == {}
