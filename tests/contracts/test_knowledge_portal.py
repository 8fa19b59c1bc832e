"""/portal/knowledge/: a freelancer reads and searches the Knowledge of the programs they work in, also beside a
ticket; nothing of another program's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from programs.knowledge import article_create
from programs.models import TrainingMaterial
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mine = ProgramFactory(name="Demo Support", slug="demo")
    theirs = ProgramFactory(name="Acme", slug="acme")
    manager = mine.managers.first()
    contract = ContractFactory(program=mine)
    write = lambda program, kind, title, body="", **kw: article_create(  # noqa: E731
        program=program, actor=manager, kind=kind, title=title, body_markdown=body, **kw
    )
    articles = {
        "playbook": write(mine, "playbook", "How we do support", "Refunds **up to $10** as a goodwill code."),
        "escalation": write(mine, "escalation", "When to escalate", "Chargebacks go in-house."),
        "security": write(mine, "security", "Security rules", "Never ask for a full card number."),
        "draft": write(mine, "training", "Unfinished", "Not yet", published=False),
        "acme": write(theirs, "playbook", "Acme playbook", "Acme refunds: weekend rules."),
    }
    TrainingMaterial.objects.create(
        program=mine, title="Product tour (video)", url="https://example.com/tour"
    )
    TrainingMaterial.objects.create(program=theirs, title="Acme handbook", url="https://example.com/acme")
    return contract.freelancer, mine, theirs, articles


def test_the_page_shows_my_programs_articles_by_kind_and_the_training_links(client, world):
    freelancer, _mine, _theirs, _articles = world
    client.force_login(freelancer.user)
    html = client.get("/portal/knowledge/").content.decode()
    for shown in (
        "How we do support",
        "When to escalate",
        "Security rules",
        "Product tour (video)",
        'href="/portal/knowledge/demo/how-we-do-support/"',
    ):
        assert shown in html, shown
    for hidden in ("Unfinished", "Acme playbook", "Acme handbook"):
        assert hidden not in html, hidden
    assert html.index("How we do support") < html.index("When to escalate") < html.index("Security rules")
    assert 'href="/portal/knowledge/"' in html  # the portal navigation links it


def test_search_matches_title_and_text_case_insensitively(client, world):
    freelancer, _mine, _theirs, _articles = world
    client.force_login(freelancer.user)
    html = client.get("/portal/knowledge/", {"q": "CARD NUMBER"}).content.decode()
    assert "Security rules" in html and "How we do support" not in html
    html = client.get("/portal/knowledge/", {"q": "refunds"}).content.decode()
    assert "How we do support" in html and "Acme playbook" not in html and "Security rules" not in html
    html = client.get("/portal/knowledge/", {"q": "no such words"}).content.decode()
    assert "Nothing matches" in html


def test_an_article_page_renders_and_other_programs_or_drafts_are_404(client, world):
    freelancer, _mine, _theirs, _articles = world
    client.force_login(freelancer.user)
    page = client.get("/portal/knowledge/demo/how-we-do-support/")
    assert page.status_code == 200 and "Refunds <strong>up to $10</strong>" in page.content.decode()
    assert client.get("/portal/knowledge/acme/acme-playbook/").status_code == 404
    assert client.get("/portal/knowledge/demo/acme-playbook/").status_code == 404
    assert client.get("/portal/knowledge/demo/unfinished/").status_code == 404


def test_htmx_gets_the_part_for_the_side_panel(client, world):
    freelancer, _mine, _theirs, _articles = world
    client.force_login(freelancer.user)
    part = client.get("/portal/knowledge/demo/how-we-do-support/", headers={"HX-Request": "true"})
    assert "<nav" not in part.content.decode() and "Open in a new tab" in part.content.decode()
    assert "HX-Request" in part["Vary"]
    results = client.get(
        "/portal/knowledge/", {"q": "escalate", "program": "demo"}, headers={"HX-Request": "true"}
    )
    assert "<nav" not in results.content.decode() and 'hx-get="/portal/knowledge/demo/when-to-escalate/"' in (
        results.content.decode()
    )


def test_a_freelancer_who_left_the_program_sees_nothing_of_it(client, world):
    freelancer, mine, _theirs, _articles = world
    Contract.objects.filter(freelancer=freelancer).update(status=Contract.Status.ENDED)
    client.force_login(freelancer.user)
    assert "How we do support" not in client.get("/portal/knowledge/").content.decode()
    assert client.get("/portal/knowledge/demo/how-we-do-support/").status_code == 404


def test_a_manager_gets_403_on_the_portal_page(client, world):
    _freelancer, mine, _theirs, _articles = world
    client.force_login(mine.managers.first())
    assert client.get("/portal/knowledge/").status_code == 403


def test_the_list_page_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    freelancer, mine, theirs, _articles = world
    client.force_login(freelancer.user)
    client.get("/portal/knowledge/")
    with CaptureQueriesContext(connection) as few:
        client.get("/portal/knowledge/")
    manager = mine.managers.first()
    second = ProgramFactory()
    ContractFactory(program=second, freelancer=freelancer)
    for n in range(8):
        for program in (mine, second):
            article_create(
                program=program,
                actor=manager,
                kind=["playbook", "training", "security"][n % 3],
                title=f"Article {n}",
                body_markdown="text",
            )
        TrainingMaterial.objects.create(program=second, title=f"Link {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get("/portal/knowledge/").content.decode()
    assert "Article 7" in html and "Link 7" in html
    # the freelancer; the programs (also the filter's), their articles, their links (the session and the user
    # come from the cache: accounts/user_cache.py)
    assert len(few.captured_queries) == 4


def test_the_ticket_page_has_the_knowledge_card(client):
    program = ProgramFactory(slug="demo")
    freelancer = on_duty_freelancer(program)
    manager = program.managers.first()
    article_create(
        program=program, actor=manager, kind="playbook", title="How we do support", body_markdown="x"
    )
    article_create(
        program=program, actor=manager, kind="escalation", title="When to escalate", body_markdown="y"
    )
    article_create(program=program, actor=manager, kind="security", title="Security rules", body_markdown="z")
    ticket = TicketFactory(program=program, assignee=freelancer)
    client.force_login(freelancer.user)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    card = html[html.index('id="knowledge-card"') :]
    assert 'href="/portal/knowledge/demo/how-we-do-support/"' in card
    assert 'href="/portal/knowledge/demo/when-to-escalate/"' in card
    assert "Security rules" not in card[: card.index("knowledge-panel")]
    assert 'action="/portal/knowledge/"' in card and 'name="program" value="demo"' in card
