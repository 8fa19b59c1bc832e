"""Onboarding's read and quiz steps (issue 19, item 4): a read step is ticked only after its article was opened
from the checklist; a quiz step is a real quiz graded on the server, done only when passed."""

import pytest

from contracts.errors import ContractError
from contracts.models import OnboardingProgress, QuizAttempt
from contracts.services import (
    onboarding_article_open,
    onboarding_quiz_submit,
    onboarding_step_complete,
    onboarding_step_confirm,
    onboarding_step_undo,
)
from programs.knowledge import article_create
from programs.models import OnboardingStep, QuizQuestion
from tests.contracts.factories import ContractFactory
from tests.programs.factories import OnboardingStepFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    program = ProgramFactory(slug="demo")
    manager = program.managers.first()
    article = article_create(
        program=program,
        actor=manager,
        kind="playbook",
        title="How we do support",
        body_markdown="Be **kind**.",
        published=False,
    )  # required reading, even as a draft
    read = OnboardingStepFactory(
        program=program,
        kind=OnboardingStep.Kind.READ_MATERIALS,
        title="Read the playbook",
        article=article,
        position=1,
    )
    quiz = OnboardingStepFactory(
        program=program, kind=OnboardingStep.Kind.QUIZ, title="Product quiz", position=2
    )
    questions = [
        QuizQuestion.objects.create(
            step=quiz, prompt=f"Q{n}", choices=["a", "b", "c"], correct_index=n % 3, position=n
        )
        for n in range(3)
    ]
    contract = ContractFactory(program=program)
    return contract, read, quiz, questions, manager


def progress(contract, step):
    return OnboardingProgress.objects.filter(contract=contract, step=step).first()


# ---------------------------------------------------------------- read steps


def test_a_read_step_cannot_be_ticked_before_its_article_was_opened(world):
    contract, read, _quiz, _questions, _manager = world
    with pytest.raises(ContractError) as raised:
        onboarding_step_complete(contract=contract, step=read, user=contract.freelancer.user)
    assert raised.value.code == "article_not_opened"
    assert progress(contract, read) is None  # nothing changed
    onboarding_article_open(contract=contract, step=read, user=contract.freelancer.user)
    done = onboarding_step_complete(contract=contract, step=read, user=contract.freelancer.user)
    assert done.opened_at is not None and done.done_at is not None


def test_opening_from_the_checklist_records_it_once_and_shows_the_article(client, world):
    contract, read, _quiz, _questions, _manager = world
    client.force_login(contract.freelancer.user)
    checklist = client.get(f"/portal/contracts/{contract.pk}/").content.decode()
    assert f'href="/portal/contracts/{contract.pk}/onboarding/{read.pk}/read/"' in checklist
    page = client.get(f"/portal/contracts/{contract.pk}/onboarding/{read.pk}/read/")
    assert page.status_code == 200 and "Be <strong>kind</strong>." in page.content.decode()
    first = progress(contract, read).opened_at
    assert first is not None and progress(contract, read).done_at is None
    client.get(f"/portal/contracts/{contract.pk}/onboarding/{read.pk}/read/")
    assert progress(contract, read).opened_at == first
    assert client.post(f"/portal/contracts/{contract.pk}/onboarding/{read.pk}/").status_code == 302
    assert progress(contract, read).done_at is not None


def test_another_freelancers_read_page_is_404(client, world):
    contract, read, _quiz, _questions, _manager = world
    other = ContractFactory(program=contract.program)
    client.force_login(other.freelancer.user)
    assert client.get(f"/portal/contracts/{contract.pk}/onboarding/{read.pk}/read/").status_code == 404
    assert progress(contract, read) is None


# ---------------------------------------------------------------- quiz steps


def test_a_quiz_step_is_not_a_self_tick(world):
    contract, _read, quiz, _questions, _manager = world
    with pytest.raises(ContractError) as raised:
        onboarding_step_complete(contract=contract, step=quiz, user=contract.freelancer.user)
    assert raised.value.code == "quiz_required"
    assert progress(contract, quiz) is None


def test_two_of_three_fails_at_80_and_three_of_three_passes(world):
    contract, _read, quiz, questions, _manager = world
    user = contract.freelancer.user
    right = {q.pk: q.correct_index for q in questions}
    two_of_three = {**right, questions[0].pk: (questions[0].correct_index + 1) % 3}
    failed = onboarding_quiz_submit(contract=contract, step=quiz, user=user, answers=two_of_three)
    assert (failed.correct_count, failed.question_count, failed.score_percent, failed.passed) == (
        2,
        3,
        66,
        False,
    )
    assert progress(contract, quiz).done_at is None
    passed = onboarding_quiz_submit(contract=contract, step=quiz, user=user, answers=right)
    assert (passed.score_percent, passed.passed, passed.pass_mark_percent) == (100, True, 80)
    assert progress(contract, quiz).done_at is not None
    assert QuizAttempt.objects.filter(contract=contract, step=quiz).count() == 2
    with pytest.raises(ContractError):
        onboarding_step_undo(contract=contract, step=quiz, user=user)  # a passed quiz stays passed


def test_every_question_must_be_answered_and_nothing_is_recorded_otherwise(world):
    contract, _read, quiz, questions, _manager = world
    with pytest.raises(ContractError) as raised:
        onboarding_quiz_submit(
            contract=contract, step=quiz, user=contract.freelancer.user, answers={questions[0].pk: 0}
        )
    assert raised.value.code == "quiz_unanswered"
    assert not QuizAttempt.objects.exists()


def test_a_quiz_without_questions_cannot_be_completed_by_the_freelancer(client, world):
    contract, _read, _quiz, _questions, manager = world
    empty = OnboardingStepFactory(program=contract.program, kind=OnboardingStep.Kind.QUIZ, title="Empty quiz")
    contract.refresh_from_db()
    with pytest.raises(ContractError) as raised:
        onboarding_quiz_submit(contract=contract, step=empty, user=contract.freelancer.user, answers={})
    assert raised.value.code == "quiz_empty"
    client.force_login(contract.freelancer.user)
    page = client.get(f"/portal/contracts/{contract.pk}/onboarding/{empty.pk}/quiz/").content.decode()
    assert "This quiz has no questions yet" in page and "Submit my answers" not in page
    checklist = client.get(f"/portal/contracts/{contract.pk}/").content.decode()
    assert "This quiz has no questions yet" in checklist
    # a manager may still confirm it (e.g. a quiz run on a call)
    assert onboarding_step_confirm(contract=contract, step=empty, actor=manager).done_at is not None


def test_the_portal_grades_on_the_server_and_says_the_score_and_pass_mark(client, world):
    contract, _read, quiz, questions, _manager = world
    client.force_login(contract.freelancer.user)
    url = f"/portal/contracts/{contract.pk}/onboarding/{quiz.pk}/quiz/"
    page = client.get(url).content.decode()
    assert f'name="q{questions[0].pk}"' in page and "pass with 80 %" in page
    wrong_first = {f"q{q.pk}": str(q.correct_index) for q in questions}
    wrong_first[f"q{questions[0].pk}"] = str((questions[0].correct_index + 1) % 3)
    failed = client.post(url, wrong_first, follow=True)
    text = failed.content.decode()
    assert "you scored 66 % (2 of 3 right); the pass mark is 80 %" in text
    assert progress(contract, quiz).done_at is None
    passed = client.post(url, {f"q{q.pk}": str(q.correct_index) for q in questions})
    assert passed.status_code == 302 and passed["Location"].endswith(
        f"/portal/contracts/{contract.pk}/#onboarding"
    )
    assert progress(contract, quiz).done_at is not None


def test_unreadable_answers_count_as_unanswered(client, world):
    contract, _read, quiz, questions, _manager = world
    client.force_login(contract.freelancer.user)
    url = f"/portal/contracts/{contract.pk}/onboarding/{quiz.pk}/quiz/"
    response = client.post(url, {f"q{q.pk}": "9" for q in questions})
    assert response.status_code == 400 and "Answer every question" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_a_read_step_article_of_another_program_is_refused():
    from django.core.exceptions import ValidationError

    program, other = ProgramFactory(), ProgramFactory()
    article = article_create(
        program=other, actor=other.managers.first(), kind="playbook", title="X", body_markdown=""
    )
    step = OnboardingStep(
        program=program, kind=OnboardingStep.Kind.READ_MATERIALS, title="Read", article=article
    )
    with pytest.raises(ValidationError) as raised:
        step.full_clean()
    assert "article" in raised.value.message_dict
