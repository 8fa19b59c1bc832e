"""Every list page and the dashboard run an exact, pinned number of queries (issue #18, item 7).

The world is the demo (`seed_demo`, seeded once for this module): two programs, a dozen freelancers with
contracts, hundreds of tickets, time entries, payouts, postings with applications, reviews and surveys. Every
list below shows several rows of it (where the demo has them), so a query per row (an N+1) shows as a count
far above the page's fixed queries, and a new demo row that adds a query fails here.

The number is exact (`django_assert_num_queries`), so a new query on a page is a conscious change. To change
a pin: run this file, read "N queries executed, M expected" in the failure (the captured SQL is printed with
it), make sure the new query is meant (one per page, not one per row), put N in PINS, and say why in the commit.
No page may run more than MAX_QUERIES. Each count includes the session, the user and the verified two-factor
device (three queries).
"""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from programs.models import Program
from recruiting.models import Posting

MAX_QUERIES = 25
MANAGER, FREELANCER = "manager@demo.test", "freelancer1@demo.test"

# (url name, who, kwargs from the world): exact query counts.
PINS: dict[tuple[str, str], int] = {
    # manager
    ("dashboard:manage_home", MANAGER): 12,
    ("dashboard:program", MANAGER): 24,
    ("dashboard:program_team", MANAGER): 13,  # + the tiers in the program (contracts.ProgramStanding)
    ("dashboard:program_costs", MANAGER): 10,
    ("dashboard:program_funnel", MANAGER): 12,
    ("programs:list", MANAGER): 4,
    ("programs:announcement_list", MANAGER): 6,
    ("programs:deliveries", MANAGER): 6,
    ("programs:knowledge", MANAGER): 7,
    ("programs:section_edit", MANAGER): 10,  # the worksheet's scope page (section=scope); 34 before #18
    ("programs:worksheet", MANAGER): 19,
    ("programs:assessment_list", MANAGER): 4,  # issue #21: the manager's outsourcing assessments
    ("contracts:contract_list", MANAGER): 9,
    ("contracts:template_list", MANAGER): 5,
    ("contracts:rate_floor_list", MANAGER): 5,
    ("contracts:invitation_list", MANAGER): 6,
    ("contracts:legal_name_requests", MANAGER): 5,
    ("contracts:vault", MANAGER): 6,
    ("recruiting:posting_list", MANAGER): 5,
    ("recruiting:application_list", MANAGER): 11,
    ("recruiting:template_list", MANAGER): 5,
    (
        "queues:inhouse_queue",
        MANAGER,
    ): 9,  # 6 before #19: + open help requests, saved views, the team to assign to
    ("queues:ticket_list", MANAGER): 6,
    ("queues:saved_reply_list", MANAGER): 6,  # issue #19: the program's saved replies and suggestions
    ("channels:webhooks", MANAGER): 5,
    ("payments:periods", MANAGER): 6,
    ("payments:runs", MANAGER): 10,
    ("payments:payouts", MANAGER): 11,
    ("payments:exchange_rates", MANAGER): 5,
    ("payments:adjustments", MANAGER): 8,
    ("payments:requests", MANAGER): 5,
    ("payments:approvals", MANAGER): 6,
    ("reviews:queue", MANAGER): 6,
    ("reviews:review_list", MANAGER): 6,
    ("reviews:disputes", MANAGER): 5,
    ("reviews:calibration", MANAGER): 11,
    ("reviews:csat", MANAGER): 11,
    ("reviews:evaluations", MANAGER): 8,
    ("reviews:feedback", MANAGER): 5,
    ("reviews:check_ins", MANAGER): 5,
    ("accounts:api_tokens", MANAGER): 5,
    # freelancer
    ("dashboard:portal_home", FREELANCER): 19,
    ("queues:my_queue", FREELANCER): 9,
    # loaded by My tickets after itself: their programs, their candidate row per program, the rows, the count
    ("queues:waiting_list", FREELANCER): 10,
    ("contracts:portal_contracts", FREELANCER): 7,
    ("reviews:portal_reviews", FREELANCER): 7,
    ("reviews:portal_evaluations", FREELANCER): 5,
    ("reviews:portal_announcements", FREELANCER): 5,
    ("contracts:portal_knowledge", FREELANCER): 6,
    ("payments:portal_payouts", FREELANCER): 13,
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
