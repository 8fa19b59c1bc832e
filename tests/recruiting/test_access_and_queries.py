import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from recruiting.models import Application
from tests.accounts.factories import FreelancerFactory, ManagerFactory, UserFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory, TrialTaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(posting):
    """An application in another program, with a resume and a trial task."""
    application = ApplicationFactory(posting=PostingFactory())
    application.resume.save("cv.pdf", ContentFile(b"%PDF-1.7 secret"), save=True)
    application.resume_content_type = "application/pdf"
    application.save()
    TrialTaskFactory(application=application, status="submitted")
    return application


def test_another_programs_manager_gets_404_everywhere(manager_client, theirs):
    trial = theirs.trial_tasks.get()
    for url in [
        f"/manage/recruiting/applications/{theirs.pk}/",
        f"/manage/recruiting/applications/{theirs.pk}/resume/",
        f"/manage/recruiting/applications/{theirs.pk}/hire/",
        f"/manage/recruiting/applications/{theirs.pk}/message/",
        f"/manage/recruiting/applications/{theirs.pk}/trial/new/",
        f"/manage/recruiting/postings/{theirs.posting.pk}/",
        f"/manage/recruiting/postings/{theirs.posting.pk}/board/",
        f"/manage/recruiting/postings/{theirs.posting.pk}/applications/",
        f"/manage/recruiting/trials/{trial.pk}/grade/",
        f"/manage/recruiting/programs/{theirs.posting.program.slug}/templates/",
    ]:
        assert manager_client.get(url).status_code == 404, url
    response = manager_client.post(
        f"/manage/recruiting/applications/{theirs.pk}/move/", {"stage": "screening"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == Application.Stage.APPLIED


def test_postings_of_other_programs_are_not_listed(manager_client, posting, theirs):
    titles = [p.title for p in manager_client.get("/manage/recruiting/").context["postings"]]
    assert titles == [posting.title]


def test_the_programs_manager_downloads_the_resume_as_an_attachment(client, theirs):
    client.force_login(theirs.posting.program.managers.first())
    response = client.get(f"/manage/recruiting/applications/{theirs.pk}/resume/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"%PDF-1.7 secret"


def test_resumes_are_not_served_to_freelancers_or_anonymous_users(client, theirs):
    url = f"/manage/recruiting/applications/{theirs.pk}/resume/"
    assert client.get(url).status_code == 302  # to login
    client.force_login(FreelancerFactory().user)
    assert client.get(url).status_code == 403


def _fill(posting, count):
    for index in range(count):
        stage = list(Application.Stage.values)[index % len(Application.Stage.values)]
        ApplicationFactory(
            posting=posting, stage=stage, stage_changed_at=timezone.now() - datetime.timedelta(days=index)
        )


@pytest.mark.parametrize("page", ["board/", "applications/", "", "applications/?sort=last_move&min_score=10"])
def test_board_list_and_overview_query_counts_do_not_grow(
    manager_client, posting, django_assert_max_num_queries, page
):
    url = f"/manage/recruiting/postings/{posting.pk}/{page}"
    _fill(posting, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert manager_client.get(url).status_code == 200
    _fill(posting, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(url)
    assert response.status_code == 200


def test_posting_list_query_count_does_not_grow(
    manager_client, posting, manager, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _fill(posting, 2)
    with CaptureQueriesContext(connection) as few:
        manager_client.get("/manage/recruiting/")
    for _ in range(5):
        other = PostingFactory(program=posting.program)
        _fill(other, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get("/manage/recruiting/")
    assert len(response.context["postings"]) == 6


def test_application_detail_query_count_does_not_grow_with_history(
    manager_client, posting, manager, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recruiting.services import message_log_reply

    application = ApplicationFactory(posting=posting)
    url = f"/manage/recruiting/applications/{application.pk}/"
    with CaptureQueriesContext(connection) as few:
        manager_client.get(url)
    for index in range(5):
        message_log_reply(application=application, body=f"reply {index}", logged_by=manager)
        TrialTaskFactory(application=application)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert manager_client.get(url).status_code == 200


def test_candidates_are_for_the_programs_managers_not_its_agents_nor_other_managers(client, posting):
    application = ApplicationFactory(posting=posting)
    agent = UserFactory(agent=True)
    posting.program.managers.add(agent)
    client.force_login(agent)  # recruiting decisions are the support managers' (DESIGN.md, Roles in /manage/)
    assert client.get(f"/manage/recruiting/applications/{application.pk}/").status_code == 403
    outsider = ManagerFactory()
    client.force_login(outsider)
    assert client.get(f"/manage/recruiting/applications/{application.pk}/").status_code == 404
