"""Knowledge articles (issue 19, item 4): Markdown rendered through the allow-list, written by support managers on
the program's pages, read by its in-house team; quiz questions and the grading rule."""

import pytest
from django.template import Context, Template

from accounts.models import User
from programs.errors import ProgramError
from programs.knowledge import (
    article_create,
    article_update,
    knowledge_panel_for,
    markdown_to_safe_html,
    quiz_grade,
)
from programs.models import KnowledgeArticle, OnboardingStep, QuizQuestion
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.programs.factories import OnboardingStepFactory, ProgramFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- rendering


def test_markdown_keeps_the_allowed_tags():
    html = markdown_to_safe_html(
        "## Refunds\n\n**Up to $10**, *once*.\n\n- one\n- two\n\n> quote\n\n`code`\n\n"
        "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n[help](https://example.com/help)"
    )
    for tag in ("<h2>", "<strong>", "<em>", "<ul>", "<li>", "<blockquote>", "<code>", "<table>", "<td>"):
        assert tag in html, tag
    assert '<a href="https://example.com/help" rel="noopener noreferrer nofollow">help</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "Hi <script>alert('x')</script> there",
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)">click</p>',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        "<iframe src='https://evil.example'></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_rendering_strips_scripts_event_handlers_and_javascript_links(text):
    html = markdown_to_safe_html(text).lower()
    assert "<script" not in html and "alert('x')" not in html
    assert "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html and "<style" not in html and "<img" not in html


def test_the_template_filter_cleans_a_stored_body_again():
    """A row written around the services (shell, data migration) still shows no script."""
    article = KnowledgeArticle(body_html='<p onclick="x()">Hi</p><script>alert(1)</script>')
    html = Template("{% load programs_tags %}{{ article|knowledge_html }}").render(
        Context({"article": article})
    )
    assert html == "<p>Hi</p>"


# ---------------------------------------------------------------- services


def test_article_create_renders_and_makes_a_unique_slug():
    program = ProgramFactory()
    manager = program.managers.first()
    first = article_create(
        program=program,
        actor=manager,
        kind="playbook",
        title="How we do support",
        body_markdown="# Tone\n\nBe kind.",
    )
    second = article_create(
        program=program, actor=manager, kind="playbook", title="How we do support", body_markdown=""
    )
    assert first.slug == "how-we-do-support" and second.slug == "how-we-do-support-2"
    assert first.body_html == "<h1>Tone</h1>\n<p>Be kind.</p>" and first.updated_by == manager
    # the same slug in another program is fine
    other = article_create(
        program=ProgramFactory(), actor=manager, kind="playbook", title="How we do support", body_markdown=""
    )
    assert other.slug == "how-we-do-support"


def test_a_taken_slug_is_refused_and_nothing_changes():
    program = ProgramFactory()
    manager = program.managers.first()
    article_create(
        program=program, actor=manager, kind="security", title="Security", body_markdown="", slug="rules"
    )
    other = article_create(program=program, actor=manager, kind="training", title="Tools", body_markdown="")
    with pytest.raises(ProgramError) as raised:
        article_update(article=other, actor=manager, slug="rules", body_markdown="changed")
    assert raised.value.field == "slug"
    other.refresh_from_db()
    assert other.slug == "tools" and other.body_markdown == ""


# ---------------------------------------------------------------- quiz grading


@pytest.mark.parametrize(
    ("correct", "total", "pass_mark", "passed", "score"),
    [
        (2, 3, 80, False, 66),  # 66.6 % < 80 %
        (3, 3, 80, True, 100),
        (4, 5, 80, True, 80),  # exactly the pass mark passes
        (79, 100, 80, False, 79),
        (0, 0, 80, False, 0),  # no questions: never passed
    ],
)
def test_quiz_pass_fail_arithmetic(correct, total, pass_mark, passed, score):
    questions = [QuizQuestion(pk=n, choices=["a", "b"], correct_index=0) for n in range(1, total + 1)]
    answers = {q.pk: (0 if n < correct else 1) for n, q in enumerate(questions)}
    grade = quiz_grade(questions=questions, answers=answers, pass_mark_percent=pass_mark)
    assert (grade.correct, grade.total, grade.passed, grade.score_percent) == (correct, total, passed, score)


def test_an_unanswered_question_counts_as_wrong():
    questions = [QuizQuestion(pk=1, choices=["a", "b"], correct_index=1)]
    assert quiz_grade(questions=questions, answers={}, pass_mark_percent=50).correct == 0


# ---------------------------------------------------------------- panel beside a ticket


def test_the_ticket_panel_is_one_query_of_published_playbook_and_escalation(django_assert_num_queries):
    program = ProgramFactory()
    manager = program.managers.first()
    playbook = article_create(
        program=program, actor=manager, kind="playbook", title="Playbook", body_markdown="x"
    )
    escalation = article_create(
        program=program, actor=manager, kind="escalation", title="Escalate", body_markdown=""
    )
    article_create(program=program, actor=manager, kind="security", title="Security", body_markdown="")
    article_create(
        program=program, actor=manager, kind="playbook", title="Draft", body_markdown="", published=False
    )
    article_create(
        program=ProgramFactory(), actor=manager, kind="playbook", title="Other's", body_markdown=""
    )
    with django_assert_num_queries(1):
        panel = knowledge_panel_for(program=program)
        titles = [(a.title, a.program.slug) for a in panel.articles]
    assert panel.playbook == [playbook] and panel.escalation == [escalation]
    assert titles == [("Playbook", program.slug), ("Escalate", program.slug)]


# ---------------------------------------------------------------- manager pages


@pytest.fixture
def world():
    program = ProgramFactory(slug="demo")
    manager = program.managers.first()
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    article = article_create(
        program=program, actor=manager, kind="playbook", title="Playbook", body_markdown="**Be kind**"
    )
    return program, manager, agent, article


def test_a_manager_writes_an_article_and_it_is_rendered(client, world):
    program, manager, _agent, _article = world
    client.force_login(manager)
    response = client.post(
        f"/manage/programs/{program.slug}/knowledge/new/",
        {
            "kind": "escalation",
            "title": "When to escalate",
            "slug": "",
            "position": "2",
            "published": "on",
            "body_markdown": "Refunds go **in-house**.<script>alert(1)</script>",
        },
    )
    article = KnowledgeArticle.objects.get(program=program, slug="when-to-escalate")
    assert response.status_code == 302 and response["Location"].endswith(f"/knowledge/{article.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "Refunds go <strong>in-house</strong>." in page and "alert(1)" not in page


def test_bad_input_gets_a_clear_error_and_changes_nothing(client, world):
    program, manager, _agent, article = world
    client.force_login(manager)
    response = client.post(
        f"/manage/programs/{program.slug}/knowledge/{article.pk}/edit/",
        {"kind": "playbook", "title": "", "position": "0", "body_markdown": "changed"},
    )
    assert response.status_code == 400 and "Give the article a title." in response.content.decode()
    article.refresh_from_db()
    assert article.body_markdown == "**Be kind**"


def test_a_manager_deletes_an_article(client, world):
    program, manager, _agent, article = world
    client.force_login(manager)
    assert client.post(f"/manage/programs/{program.slug}/knowledge/{article.pk}/delete/").status_code == 302
    assert not KnowledgeArticle.objects.filter(pk=article.pk).exists()


def test_an_agent_reads_without_edit_controls_and_may_not_write(client, world):
    program, _manager, agent, article = world
    client.force_login(agent)
    listing = client.get(f"/manage/programs/{program.slug}/knowledge/")
    assert listing.status_code == 200 and "Playbook" in listing.content.decode()
    assert "New article" not in listing.content.decode()
    page = client.get(f"/manage/programs/{program.slug}/knowledge/{article.pk}/").content.decode()
    assert "<strong>Be kind</strong>" in page and "/edit/" not in page
    assert (
        client.post(
            f"/manage/programs/{program.slug}/knowledge/new/",
            {"kind": "playbook", "title": "Mine", "position": "0"},
        ).status_code
        == 403
    )
    assert client.post(f"/manage/programs/{program.slug}/knowledge/{article.pk}/delete/").status_code == 403
    assert KnowledgeArticle.objects.filter(program=program).count() == 1


def test_a_freelancer_gets_403_and_another_programs_article_is_404(client, world):
    program, manager, _agent, article = world
    client.force_login(FreelancerFactory().user)
    assert client.get(f"/manage/programs/{program.slug}/knowledge/").status_code == 403
    assert client.get(f"/manage/programs/{program.slug}/knowledge/{article.pk}/").status_code == 403
    other = ProgramFactory()
    client.force_login(other.managers.first())
    assert client.get(f"/manage/programs/{other.slug}/knowledge/{article.pk}/").status_code == 404
    assert client.get(f"/manage/programs/{program.slug}/knowledge/").status_code == 404


def test_the_manage_list_query_count_does_not_grow(client, world, django_assert_num_queries):
    program, manager, _agent, _article = world
    client.force_login(manager)
    client.get(f"/manage/programs/{program.slug}/knowledge/")  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"/manage/programs/{program.slug}/knowledge/")
    for n in range(6):
        article_create(
            program=program,
            actor=manager,
            kind=["playbook", "training"][n % 2],
            title=f"A{n}",
            body_markdown="",
        )
    OnboardingStepFactory(program=program, kind=OnboardingStep.Kind.QUIZ)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(f"/manage/programs/{program.slug}/knowledge/").status_code == 200


# ---------------------------------------------------------------- quiz questions page


def test_a_manager_writes_quiz_questions(client, world):
    program, manager, _agent, _article = world
    step = OnboardingStepFactory(program=program, kind=OnboardingStep.Kind.QUIZ, title="Product quiz")
    client.force_login(manager)
    url = f"/manage/programs/{program.slug}/onboarding/{step.pk}/quiz/"
    assert client.get(url).status_code == 200
    data = {
        "pass_mark_percent": "75",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-prompt": "Refund limit?",
        "questions-0-choices": "$10\n$50\n\n",
        "questions-0-correct": "1",
        "questions-0-position": "1",
    }
    assert client.post(url, data).status_code == 302
    question = QuizQuestion.objects.get(step=step)
    assert (question.choices, question.correct_index) == (["$10", "$50"], 0)
    step.refresh_from_db()
    assert step.pass_mark_percent == 75


def test_a_question_with_one_answer_is_refused_and_nothing_saved(client, world):
    program, manager, _agent, _article = world
    step = OnboardingStepFactory(program=program, kind=OnboardingStep.Kind.QUIZ)
    client.force_login(manager)
    response = client.post(
        f"/manage/programs/{program.slug}/onboarding/{step.pk}/quiz/",
        {
            "pass_mark_percent": "80",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-prompt": "Only one?",
            "questions-0-choices": "yes",
            "questions-0-correct": "1",
        },
    )
    assert response.status_code == 400 and "Give two to six answers" in response.content.decode()
    assert not QuizQuestion.objects.filter(step=step).exists()


def test_the_quiz_page_of_a_step_that_is_no_quiz_is_404(client, world):
    program, manager, _agent, _article = world
    step = OnboardingStepFactory(program=program, kind=OnboardingStep.Kind.SHADOW)
    client.force_login(manager)
    assert client.get(f"/manage/programs/{program.slug}/onboarding/{step.pk}/quiz/").status_code == 404


def test_the_onboarding_section_links_a_read_step_to_one_of_the_programs_articles(client, world):
    program, manager, _agent, article = world
    foreign = article_create(
        program=ProgramFactory(), actor=manager, kind="playbook", title="Foreign", body_markdown=""
    )
    step = OnboardingStepFactory(
        program=program, kind=OnboardingStep.Kind.READ_MATERIALS, title="Read", position=1
    )
    client.force_login(manager)
    url = f"/manage/programs/{program.slug}/worksheet/onboarding/"
    page = client.get(url).content.decode()
    assert f'<option value="{article.pk}">Playbook</option>' in page and "Foreign" not in page

    def post(article_id):
        return client.post(
            url,
            {
                "steps-TOTAL_FORMS": "1",
                "steps-INITIAL_FORMS": "1",
                "steps-MIN_NUM_FORMS": "0",
                "steps-MAX_NUM_FORMS": "1000",
                "steps-0-id": step.pk,
                "steps-0-program": program.pk,
                "steps-0-title": "Read",
                "steps-0-kind": "read_materials",
                "steps-0-required": "on",
                "steps-0-position": "1",
                "steps-0-article": str(article_id),
            },
        )

    assert post(foreign.pk).status_code == 200  # not one of the choices: refused, nothing saved
    step.refresh_from_db()
    assert step.article_id is None
    assert post(article.pk).status_code == 302
    step.refresh_from_db()
    assert step.article_id == article.pk
