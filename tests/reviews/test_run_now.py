"""A manager runs the scheduled reviews jobs now, for one program, through the jobs' own services."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from programs.models import Program
from reviews.models import CsatSurvey, NpsInvitation, NpsRound, ReviewAssignment, ReviewSettings
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.reviews.factories import (
    answered_ticket,
    contracted_freelancer,
    program_with_scorecard,
    solved_ticket,
    stakeholder,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    program, manager, _ = program_with_scorecard()
    return program, manager


def run_now(client, program, job):
    return client.post(f"/manage/reviews/run-now/{program.slug}/{job}/", follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_send_this_weeks_nps_now_then_again_changes_nothing(
    client, setup, mailoutbox, django_capture_on_commit_callbacks
):
    program, manager = setup
    stakeholder(program, "cfo@client.test")
    stakeholder(program, "coo@client.test")
    stakeholder(program, "intern@client.test", receives_nps=False)
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_now(client, program, "nps")
    assert response.redirect_chain[-1][0] == f"/manage/reviews/nps/?program={program.slug}"
    assert messages_of(response) == [f"This week's NPS question went to 2 stakeholders of {program.name}."]
    assert NpsRound.objects.filter(program=program).count() == 1
    assert sorted(NpsInvitation.objects.values_list("email", flat=True)) == [
        "cfo@client.test",
        "coo@client.test",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["cfo@client.test", "coo@client.test"]

    with django_capture_on_commit_callbacks(execute=True):
        again = run_now(client, program, "nps")
    assert "nothing was changed" in messages_of(again)[0]
    assert NpsInvitation.objects.count() == 2 and len(mailoutbox) == 2
    # The NPS page offers the button to the manager.
    page = client.get(f"/manage/reviews/nps/?program={program.slug}").content.decode()
    assert f'action="/manage/reviews/run-now/{program.slug}/nps/"' in page


def test_nps_now_without_stakeholders_or_when_switched_off_is_refused_with_the_reason(client, setup):
    program, manager = setup
    client.force_login(manager)
    response = run_now(client, program, "nps")
    assert messages_of(response) == [
        "Nothing was changed: No stakeholder of this program receives NPS: add one in "
        "the worksheet's stakeholders first."
    ]
    stakeholder(program, "cfo@client.test")
    ReviewSettings.objects.create(program=program, nps_enabled=False)
    response = run_now(client, program, "nps")
    assert "switched off" in messages_of(response)[0]
    assert not NpsRound.objects.exists() and not NpsInvitation.objects.exists()


def test_a_paused_program_runs_no_job(client, setup):
    program, manager = setup
    stakeholder(program, "cfo@client.test")
    Program.objects.filter(pk=program.pk).update(status=Program.Status.PAUSED)
    client.force_login(manager)
    response = run_now(client, program, "nps")
    assert "active programs only" in messages_of(response)[0]
    assert not NpsInvitation.objects.exists()


def test_send_csat_for_solved_tickets_now_only_in_that_program_and_once(
    client, setup, mailoutbox, django_capture_on_commit_callbacks
):
    program, manager = setup
    other, _, _ = program_with_scorecard()
    freelancer = FreelancerFactory()
    answered_ticket(program, freelancer, requester_email="a@example.test")
    answered_ticket(program, freelancer, requester_email="b@example.test")
    elsewhere = answered_ticket(other, freelancer, requester_email="c@example.test")
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_now(client, program, "csat")
    assert response.redirect_chain[-1][0] == f"/manage/reviews/csat/?program={program.slug}"
    assert messages_of(response) == [f"CSAT surveys sent for 2 solved tickets of {program.name}."]
    assert CsatSurvey.objects.filter(program=program, status="sent").count() == 2
    assert not CsatSurvey.objects.filter(ticket=elsewhere).exists()  # another program waits for its own sweep
    assert len(mailoutbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        again = run_now(client, program, "csat")
    assert messages_of(again) == [
        f"No solved ticket of {program.name} is waiting for a CSAT survey: nothing was changed."
    ]
    assert CsatSurvey.objects.count() == 2 and len(mailoutbox) == 2


def test_run_qa_sampling_now_samples_last_week_once(client, setup):
    program, manager = setup
    ReviewSettings.objects.create(program=program, sample_mode="count", sample_size=2, new_freelancer_weeks=0)
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    last_week = timezone.now() - datetime.timedelta(days=7)
    for n in range(5):
        solved_ticket(program, freelancer, solved_at=last_week + datetime.timedelta(minutes=n))
    client.force_login(manager)

    response = run_now(client, program, "sampling")
    assert response.redirect_chain[-1][0] == f"/manage/reviews/queue/?program={program.slug}"
    assert messages_of(response) == [
        f"Last week's QA sample of {program.name}: 2 tickets assigned for review."
    ]
    assert ReviewAssignment.objects.filter(program=program, freelancer=freelancer).count() == 2

    again = run_now(client, program, "sampling")
    assert "nothing was changed" in messages_of(again)[0]
    assert ReviewAssignment.objects.count() == 2
    home = client.get("/manage/reviews/").content.decode()
    assert f'action="/manage/reviews/run-now/{program.slug}/sampling/"' in home


def test_sampling_now_without_a_scorecard_is_refused(client):
    from tests.programs.factories import ProgramFactory

    program = ProgramFactory()
    manager = program.managers.first()
    client.force_login(manager)
    response = run_now(client, program, "sampling")
    assert "no QA scorecard" in messages_of(response)[0]
    assert not ReviewAssignment.objects.exists()


def test_an_agent_may_not_run_jobs_and_sees_no_button(client, setup):
    program, _ = setup
    stakeholder(program, "cfo@client.test")
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.post(f"/manage/reviews/run-now/{program.slug}/nps/").status_code == 403
    assert not NpsInvitation.objects.exists()
    assert "/run-now/" not in client.get("/manage/reviews/nps/").content.decode()
    assert "/run-now/" not in client.get("/manage/reviews/").content.decode()


def test_another_managers_program_or_an_unknown_job_is_not_found(client, setup):
    program, _ = setup
    stakeholder(program, "cfo@client.test")
    _, stranger, _ = program_with_scorecard()
    client.force_login(stranger)
    assert client.post(f"/manage/reviews/run-now/{program.slug}/nps/").status_code == 404
    assert client.post(f"/manage/reviews/run-now/{program.slug}/everything/").status_code == 404
    assert client.get(f"/manage/reviews/run-now/{program.slug}/nps/").status_code == 405
    assert not NpsInvitation.objects.exists()
