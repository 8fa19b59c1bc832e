import pytest

from core.errors import TransitionNotAllowed
from recruiting.errors import RecruitingError
from recruiting.models import Application, StageChange
from recruiting.services import application_move, application_score_override
from tests.recruiting.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
S = Application.Stage


def test_every_stage_has_its_moves_declared_and_closed_stages_are_final():
    assert set(Application.TRANSITIONS) == set(S.values)
    assert Application.TRANSITIONS[S.HIRED] == set()
    assert Application.TRANSITIONS[S.WITHDRAWN] == set()
    for targets in Application.TRANSITIONS.values():
        assert S.APPLIED not in targets


def test_a_move_is_recorded_with_who_when_from_and_to(manager):
    application = ApplicationFactory()
    before = application.stage_changed_at
    application_move(application=application, to_stage=S.SCREENING, moved_by=manager, note="Looks good")
    application.refresh_from_db()
    assert application.stage == S.SCREENING
    assert application.stage_changed_at > before
    change = StageChange.objects.get(application=application)
    assert (change.from_stage, change.to_stage, change.changed_by, change.note) == (
        S.APPLIED,
        S.SCREENING,
        manager,
        "Looks good",
    )


@pytest.mark.parametrize(
    "start, target",
    [
        (S.APPLIED, S.OFFER),
        (S.APPLIED, S.TRIAL_TASK),
        (S.SCREENING, S.OFFER),
        (S.WITHDRAWN, S.SCREENING),
        (S.HIRED, S.REJECTED),
        (S.REJECTED, S.OFFER),
    ],
)
def test_a_move_that_is_not_allowed_raises_and_changes_nothing(manager, start, target):
    application = ApplicationFactory(stage=start)
    with pytest.raises(TransitionNotAllowed):
        application_move(application=application, to_stage=target, moved_by=manager)
    application.refresh_from_db()
    assert application.stage == start
    assert not StageChange.objects.exists()


def test_hired_is_only_reached_through_the_hire_service(manager):
    application = ApplicationFactory(stage=S.OFFER)
    with pytest.raises(RecruitingError, match="Hire"):
        application_move(application=application, to_stage=S.HIRED, moved_by=manager)
    application.refresh_from_db()
    assert application.stage == S.OFFER


def test_a_rejected_candidate_can_be_reconsidered(manager):
    application = ApplicationFactory(stage=S.REJECTED)
    application_move(application=application, to_stage=S.SCREENING, moved_by=manager)
    application.refresh_from_db()
    assert application.stage == S.SCREENING


def test_board_move_with_htmx_swaps_the_board(manager_client, posting):
    application = ApplicationFactory(posting=posting, full_name="Ana Reyes")
    response = manager_client.post(
        f"/manage/recruiting/applications/{application.pk}/move/",
        {"stage": "screening"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="board">')
    assert "<html" not in body
    application.refresh_from_db()
    assert application.stage == S.SCREENING
    assert StageChange.objects.filter(application=application, to_stage=S.SCREENING).exists()


def test_a_refused_board_move_shows_a_clear_error_and_changes_nothing(manager_client, posting):
    application = ApplicationFactory(posting=posting)
    response = manager_client.post(
        f"/manage/recruiting/applications/{application.pk}/move/", {"stage": "offer"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot move from “Applied” to “Offer”" in body
    assert "Nothing was changed" in body
    application.refresh_from_db()
    assert application.stage == S.APPLIED
    assert not StageChange.objects.exists()


def test_an_unknown_stage_is_refused(manager_client, posting):
    application = ApplicationFactory(posting=posting)
    response = manager_client.post(
        f"/manage/recruiting/applications/{application.pk}/move/",
        {"stage": "promoted"},
        HTTP_HX_REQUEST="true",
    )
    assert "Choose a stage" in response.content.decode()
    application.refresh_from_db()
    assert application.stage == S.APPLIED


def test_a_move_without_htmx_redirects_to_the_application(manager_client, posting):
    application = ApplicationFactory(posting=posting)
    response = manager_client.post(
        f"/manage/recruiting/applications/{application.pk}/move/", {"stage": "rejected"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.stage == S.REJECTED


def test_score_override_needs_a_note_and_ranks_by_the_override(manager):
    low = ApplicationFactory(score="40.00", final_score="40.00")
    high = ApplicationFactory(posting=low.posting, score="70.00", final_score="70.00")
    with pytest.raises(RecruitingError, match="why"):
        application_score_override(application=low, score="90", note="", overridden_by=manager)
    application_score_override(
        application=low, score="90", note="Great references on Upwork", overridden_by=manager
    )
    low.refresh_from_db()
    assert str(low.final_score) == "90.00"
    assert str(low.score) == "40.00"
    assert list(Application.objects.filter(posting=low.posting).order_by("-final_score")) == [low, high]
    application_score_override(application=low, score=None, note="", overridden_by=manager)
    low.refresh_from_db()
    assert str(low.final_score) == "40.00"
    assert low.score_override is None


def test_list_filters_and_sorts(manager_client, posting):
    a = ApplicationFactory(posting=posting, full_name="Alpha", score="80.00", final_score="80.00")
    b = ApplicationFactory(
        posting=posting, full_name="Bravo", score="60.00", final_score="60.00", stage=S.SCREENING
    )
    ApplicationFactory(posting=posting, full_name="Charlie", score="30.00", final_score="30.00")
    url = f"/manage/recruiting/postings/{posting.pk}/applications/"
    ranked = [x.full_name for x in manager_client.get(url).context["applications"]]
    assert ranked == ["Alpha", "Bravo", "Charlie"]
    assert [x.pk for x in manager_client.get(url, {"stage": "screening"}).context["applications"]] == [b.pk]
    assert {x.pk for x in manager_client.get(url, {"min_score": "50"}).context["applications"]} == {
        a.pk,
        b.pk,
    }
    assert [x.full_name for x in manager_client.get(url, {"sort": "name"}).context["applications"]][
        0
    ] == "Alpha"
