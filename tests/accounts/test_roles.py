"""The two roles in /manage/ (DESIGN.md, "Roles in /manage/"), walked URL pattern by URL pattern.

ALLOWED is what an in-house agent may do; MANAGER_ONLY is everything else. Every /manage/ pattern must be in
exactly one of them, so a new page cannot be added without someone deciding who may use it. The agent walks
every pattern (GET and POST) with real objects of a program they are on: what is not allowed answers 403, what
is allowed answers, and no page the agent can open links to (or posts to) anything the agent may not use.
"""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone

from accounts.models import User
from programs.knowledge import article_create
from programs.models import Announcement
from queues.models import Ticket, TicketAttachment
from reviews.models import Feedback
from reviews.services import calibration_session_create, evaluation_create, review_dispute, review_submit
from tests.accounts.factories import UserFactory
from tests.queues.factories import TicketFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory, TrialTaskFactory
from tests.reviews.factories import contracted_freelancer, program_with_scorecard, solved_ticket

# Methods that pass the role check for an in-house agent. A view without a POST handler answers 405 to anyone.
ALLOWED = {
    # in-house queue and tickets: agents work them
    "queues:inhouse_queue": {"GET", "POST"},
    "queues:inhouse_counts": {"GET", "POST"},
    "queues:ticket_list": {"GET", "POST"},
    "queues:manage_ticket": {"GET", "POST"},
    "queues:manage_ticket_action": {"GET", "POST"},
    "queues:manage_ticket_attachment": {"GET"},  # the customer's files of a ticket they may read
    "queues:manage_ticket_help": {"GET", "POST"},  # answering a freelancer's help request
    "queues:inhouse_bulk": {"GET", "POST"},  # bulk assign / solve / send back (GET shows the queue)
    "queues:saved_view_create": {"GET", "POST"},  # their own saved queue views
    "queues:saved_view_delete": {"GET", "POST"},
    "queues:manage_presence": {"GET", "POST"},  # their own presence (online / away / offline)
    "queues:manage_heartbeat": {"GET", "POST"},
    # program pages: agents read them
    "dashboard:manage_home": {"GET"},
    "dashboard:program": {"GET"},
    "programs:list": {"GET"},
    "programs:inhouse_team": {"GET"},
    "programs:inhouse_team_action": {"GET"},  # GET shows the team page; taking someone off is the managers'
    "programs:announcement_list": {"GET"},
    "programs:knowledge": {"GET"},
    "programs:knowledge_article": {"GET"},
    "queues:coverage": {"GET"},
    "queues:coverage_action": {"GET"},
    # quality: agents review the tickets given to them and read the reports
    "reviews:home": {"GET", "POST"},
    "reviews:queue": {"GET", "POST"},
    "reviews:pick": {"GET", "POST"},
    "reviews:review_ticket": {"GET", "POST"},
    "reviews:calibration_detail": {"GET", "POST"},
    "reviews:review_list": {"GET"},
    "reviews:review_detail": {"GET"},
    "reviews:calibration": {"GET"},
    "reviews:csat": {"GET"},
    "reviews:nps": {"GET"},
    "reviews:leaderboard": {"GET"},
    "reviews:feedback": {"GET"},
    "reviews:check_ins": {"GET"},
}

MANAGER_ONLY = {
    # worksheet, queue settings, secrets
    "programs:create",
    "programs:worksheet",
    "programs:status",
    "programs:section_edit",
    "programs:deliveries",
    "programs:delivery_action",
    "programs:announcement_create",
    "programs:announcement_edit",
    "programs:announcement_action",
    "programs:skills",
    "programs:skill_action",
    "programs:knowledge_create",
    "programs:knowledge_edit",
    "programs:knowledge_delete",
    "programs:quiz_questions",
    # "Is it time to outsource?": a manager's own assessments
    "programs:assessment_list",
    "programs:assessment_create",
    "programs:assessment_detail",
    "programs:assessment_edit",
    "programs:assessment_task_create",
    "programs:assessment_task_edit",
    "programs:assessment_task_delete",
    "programs:assessment_choose",
    "programs:assessment_program",
    "queues:ticket_import",
    "queues:queue_settings",
    "channels:zendesk",
    "channels:zendesk_action",
    # a program's saved replies: agents insert them from a ticket's reply box, managers write and approve them
    "queues:saved_reply_list",
    "queues:saved_reply_create",
    "queues:saved_reply_edit",
    "queues:saved_reply_action",
    "channels:mailbox",
    "channels:mailbox_action",
    "channels:webhooks",
    "channels:webhook_detail",
    "channels:webhook_action",
    "channels:webhook_retry",
    # pay figures and recruiting on the dashboard
    "dashboard:program_team",
    "dashboard:program_costs",
    "dashboard:program_funnel",
    "dashboard:freelancer",
    "dashboard:freelancer_export",
    "dashboard:export",
    # contracts, rates, onboarding confirmations, vault
    "contracts:contract_list",
    "contracts:contract_create",
    "contracts:invitation_list",
    "contracts:invitation_revoke",
    "contracts:contract_detail",
    "contracts:contract_edit",
    "contracts:contract_send",
    "contracts:contract_withdraw",
    "contracts:contract_activate",
    "contracts:contract_rate_change",
    "contracts:contract_end",
    "contracts:document",
    "contracts:onboarding_confirm",
    "contracts:access_request",
    "contracts:access_grant",
    "contracts:access_revoke",
    "contracts:offboarding_done",
    "contracts:template_list",
    "contracts:template_edit",
    "contracts:rate_floor_list",
    "contracts:rate_floor_delete",
    "contracts:vault",
    "contracts:credential_create",
    "contracts:credential_replace",
    "contracts:credential_delete",
    "contracts:credential_link_create",
    "contracts:contract_rating",
    # a freelancer's capacity and tier, legal-name changes
    "contracts:freelancer_capacity",
    "contracts:legal_name_requests",
    "contracts:legal_name_decide",
    # recruiting decisions
    "recruiting:posting_list",
    "recruiting:posting_create",
    "recruiting:template_list",
    "recruiting:template_edit",
    "recruiting:referral_bonus",
    "recruiting:posting_detail",
    "recruiting:posting_update",
    "recruiting:posting_status",
    "recruiting:board",
    "recruiting:application_list",
    "recruiting:application_detail",
    "recruiting:application_move",
    "recruiting:resume",
    "recruiting:score_override",
    "recruiting:reply_log",
    "recruiting:message_send",
    "recruiting:trial_create",
    "recruiting:interview_create",
    "recruiting:hire",
    "recruiting:trial_grade",
    "recruiting:trial_cancel",
    "recruiting:interview_record",
    "recruiting:interview_slots_offer",
    "recruiting:interview_reschedule",
    "recruiting:interview_cancel",
    "recruiting:interview_slots_withdraw",
    # time approval, payouts, pay figures
    "payments:home",
    "payments:approvals",
    "payments:week_approve",
    "payments:entry_review",
    "payments:periods",
    "payments:runs",
    "payments:run_start",
    "payments:run_detail",
    "payments:run_progress",
    "payments:payouts",
    "payments:payouts_bulk",
    "payments:payouts_export",
    "payments:payouts_export_file",
    "payments:payout_detail",
    "payments:statement",
    "payments:statement_pdf",
    "payments:invoice_pdf",
    "payments:payout_action",
    "payments:exchange_rates",
    "payments:exchange_rates_import",
    "payments:adjustments",
    "payments:requests",
    "payments:request_decide",
    "payments:off_cycle_payout",
    "payments:trial_payout_paid",
    # decisions about people: disputes, evaluations, recognition, closing a calibration, review settings
    "reviews:disputes",
    "reviews:dispute_resolve",
    "reviews:calibration_action",
    "reviews:evaluations",
    "reviews:evaluation_detail",
    "reviews:evaluation_create",
    "reviews:feedback_mark",
    "reviews:settings",
    # running the scheduled jobs now: surveys to customers and stakeholders, the QA sample
    "reviews:run_now",
    # the stakeholders' read-only page links: they open a program's numbers to people outside the team
    "reviews:stakeholders",
    "reviews:stakeholder_link_action",
    # API tokens of the team
    "accounts:api_tokens",
    "accounts:api_token_action",
}


def _manage_patterns():
    """(url name, route kwargs) of every pattern under /manage/, as config/urls.py builds them."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace_part = f"{pattern.namespace}:" if pattern.namespace else ""
                walk(pattern.url_patterns, prefix + str(pattern.pattern), namespace + namespace_part)
            elif (prefix + str(pattern.pattern)).startswith("manage/"):
                found.append((f"{namespace}{pattern.name}", tuple(pattern.pattern.converters)))

    walk(get_resolver().url_patterns, "", "")
    return found


MANAGE_PATTERNS = _manage_patterns()
PATTERN_IDS = [name for name, _kwargs in MANAGE_PATTERNS]

# The action a URL names: one an agent would try (an empty POST of it changes nothing).
ACTIONS = {
    "queues:manage_ticket_action": "note",
    "queues:manage_ticket_help": "answer",
    "queues:coverage_action": "delete",
    "programs:inhouse_team_action": "remove",
    "programs:announcement_action": "publish",
    "programs:delivery_action": "retry",
    "reviews:calibration_action": "close",
    "reviews:feedback_mark": "done",
    "payments:entry_review": "approve",
    "payments:payout_action": "paid",
    "payments:request_decide": "approve",
    "channels:webhook_action": "deactivate",
    "reviews:run_now": "nps",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One program with one of everything, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        program, manager, criteria = program_with_scorecard()
        agent = UserFactory(email="agent@example.test", role=User.Role.AGENT)
        program.managers.add(agent)
        freelancer, contract = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
        inhouse = TicketFactory(
            program=program,
            queue=Ticket.Queue.INHOUSE,
            escalation_reason="billing",
            escalated_at=timezone.now(),
        )
        to_review = solved_ticket(program, freelancer)
        review = review_submit(
            ticket=solved_ticket(program, freelancer), reviewer=manager, ratings={c.pk: 3 for c in criteria}
        )
        dispute = review_dispute(review=review, freelancer=freelancer, comment="Please look again.")
        session = calibration_session_create(
            program=program,
            ticket=solved_ticket(program, freelancer),
            title="Tone",
            reviewers=[manager, agent],
            actor=manager,
        )
        evaluation = evaluation_create(
            program=program,
            freelancer=freelancer,
            actor=manager,
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 1, 31),
            outcome="recognize",
            summary="Thanks",
            bonus_amount=Decimal("10"),
        )
        feedback = Feedback.objects.create(
            program=program, freelancer=freelancer, kind="easier", body="Macros"
        )
        announcement = Announcement.objects.create(
            program=program, title="Known bug", body="Refunds are slow.", published_at=timezone.now()
        )
        article = article_create(
            program=program, actor=manager, kind="playbook", title="Playbook", body_markdown="Be kind."
        )
        posting = PostingFactory(program=program)
        application = ApplicationFactory(posting=posting)
        trial = TrialTaskFactory(application__posting=posting)
        attachment = TicketAttachment.objects.create(
            ticket=inhouse,
            file=ContentFile(b"%PDF-1.4 receipt", name="receipt.pdf"),
            filename="receipt.pdf",
            content_type="application/pdf",
            size=16,
        )
        pks = {
            "queues:manage_ticket": inhouse.pk,
            "queues:manage_ticket_action": inhouse.pk,
            "queues:manage_ticket_attachment": inhouse.pk,
            "queues:manage_ticket_help": inhouse.pk,
            "programs:announcement_edit": announcement.pk,
            "programs:announcement_action": announcement.pk,
            "programs:knowledge_article": article.pk,
            "programs:knowledge_edit": article.pk,
            "programs:knowledge_delete": article.pk,
            "reviews:review_detail": review.pk,
            "reviews:dispute_resolve": dispute.pk,
            "reviews:calibration_detail": session.pk,
            "reviews:calibration_action": session.pk,
            "reviews:evaluation_detail": evaluation.pk,
            "reviews:feedback_mark": feedback.pk,
            "recruiting:posting_detail": posting.pk,
            "recruiting:posting_update": posting.pk,
            "recruiting:posting_status": posting.pk,
            "recruiting:board": posting.pk,
            "recruiting:application_list": posting.pk,
            "recruiting:trial_grade": trial.pk,
            "recruiting:trial_cancel": trial.pk,
            **dict.fromkeys(
                (
                    "recruiting:application_detail",
                    "recruiting:application_move",
                    "recruiting:resume",
                    "recruiting:score_override",
                    "recruiting:reply_log",
                    "recruiting:message_send",
                    "recruiting:trial_create",
                    "recruiting:interview_create",
                    "recruiting:hire",
                ),
                application.pk,
            ),
        }
        pks.update(
            {
                name: contract.pk
                for name, _kwargs in MANAGE_PATTERNS
                if name.startswith("contracts:contract_")
                or name
                in (
                    "contracts:document",
                    "contracts:onboarding_confirm",
                    "contracts:access_request",
                    "contracts:access_grant",
                    "contracts:access_revoke",
                    "contracts:offboarding_done",
                )
            }
        )
        yield {
            "program": program,
            "manager": manager,
            "agent": agent,
            "freelancer": freelancer,
            "pks": pks,
            "ticket_to_review": to_review,
            "attachment": attachment,
        }
        transaction.set_rollback(True)


def url_for(name: str, kwargs: tuple, world) -> str:
    # An object the world has no row for gets id 0: the role is checked before anything is looked up.
    values = {
        "program_slug": world["program"].slug,
        "pk": world["pks"].get(name, 0),
        "action": ACTIONS.get(name, "x"),
        "freelancer_id": world["freelancer"].pk,
        "freelancer_pk": world["freelancer"].pk,
        "ticket_pk": world["ticket_to_review"].pk,
        "user_id": world["manager"].pk,
        "table": "metrics",
        "section": "outcome",
        "scope": world["program"].slug,
        "kind": "nda" if name.startswith("contracts:") else "offer",
        "attachment_pk": world["attachment"].pk,
    }
    return reverse(name, kwargs={key: values.get(key, 0) for key in kwargs})


TAG = re.compile(r"<(a|form|button|div|tr|li|span|section)\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')


def used_urls(html: str, page_url: str):
    """(method, path) of every link, form and htmx request in the page that goes to /manage/."""
    for tag, attributes in TAG.findall(html):
        attrs = dict(ATTRIBUTE.findall(attributes))
        found = []
        if tag.lower() == "a" and "href" in attrs:
            found.append(("GET", attrs["href"]))
        if tag.lower() == "form":
            method = attrs.get("method", "get").upper()
            found.append((method if method == "POST" else "GET", attrs.get("action") or page_url))
        for attribute, method in (("hx-get", "GET"), ("hx-post", "POST")):
            if attribute in attrs:
                found.append((method, attrs[attribute]))
        for method, url in found:
            path = urlsplit(url.replace("&amp;", "&")).path
            if path.startswith("/manage/"):
                yield method, path


def test_every_manage_url_is_classified_once():
    names = set(PATTERN_IDS)
    assert not set(ALLOWED) & MANAGER_ONLY
    assert names - set(ALLOWED) - MANAGER_ONLY == set(), (
        "a new /manage/ page: add it to ALLOWED or MANAGER_ONLY"
    )
    assert (set(ALLOWED) | MANAGER_ONLY) - names == set(), "a page in the lists is gone from the URLs"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), MANAGE_PATTERNS, ids=PATTERN_IDS)
def test_an_agent_gets_exactly_the_allowed_pages_and_actions(client, world, name, kwargs):
    url = url_for(name, kwargs, world)
    client.force_login(world["agent"])
    allowed = ALLOWED.get(name, set())

    got = client.get(url)
    if "GET" in allowed:
        assert got.status_code == 200, (url, got.status_code)
        page = "" if got.streaming else got.content.decode()  # a download has no links
        for method, path in used_urls(page, url):
            try:
                target = resolve(path).view_name
            except Resolver404:
                continue
            assert method in ALLOWED.get(target, set()), (
                f"{url} offers {method} {path} ({target}) to an agent"
            )
    else:
        assert got.status_code == 403, (url, got.status_code)

    posted = client.post(url, {})
    if "POST" in allowed:
        assert posted.status_code != 403, url
    else:
        assert posted.status_code == 403, (url, posted.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), MANAGE_PATTERNS, ids=PATTERN_IDS)
def test_a_support_manager_is_refused_nothing(client, world, name, kwargs):
    client.force_login(world["manager"])
    assert client.get(url_for(name, kwargs, world)).status_code != 403


@pytest.mark.django_db
def test_the_agents_navigation_shows_only_their_areas(client, world):
    client.force_login(world["agent"])
    page = client.get("/manage/").content.decode()
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert (
        'href="/manage/queues/"' in nav
        and 'href="/manage/reviews/"' in nav
        and 'href="/manage/programs/"' in nav
    )
    for area in ("/manage/payments/", "/manage/recruiting/", "/manage/contracts/"):
        assert f'href="{area}"' not in nav, area
    reviews = client.get("/manage/reviews/").content.decode()
    assert "/manage/reviews/evaluations/" not in reviews and "/manage/reviews/disputes/" not in reviews

    client.force_login(world["manager"])
    page = client.get("/manage/").content.decode()
    nav = page[page.index("<nav") : page.index("</nav>")]
    for area in ("/manage/payments/", "/manage/recruiting/", "/manage/contracts/", "/manage/queues/"):
        assert f'href="{area}"' in nav, area
    assert "/manage/reviews/evaluations/" in client.get("/manage/reviews/").content.decode()


@pytest.mark.django_db
def test_an_agent_reads_a_program_page_without_its_edit_controls(client, world):
    client.force_login(world["agent"])
    slug = world["program"].slug
    team = client.get(f"/manage/programs/{slug}/inhouse-team/").content.decode()
    assert "Add to the team" not in team and "Take off" not in team
    assert (
        client.post(
            f"/manage/programs/{slug}/inhouse-team/", {"email": "x@example.test", "role": "agent"}
        ).status_code
        == 403
    )
    assert not User.objects.filter(email="x@example.test").exists()
    announcements = client.get(f"/manage/programs/{slug}/announcements/").content.decode()
    assert "Known bug" in announcements and "New announcement" not in announcements
