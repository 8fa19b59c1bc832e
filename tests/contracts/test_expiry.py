import datetime
import io

import pytest
from django.core.management import call_command

from contracts.models import Contract, ContractEndReminder, OffboardingItem
from contracts.services import contract_expiry_process
from contracts.tasks import contract_expiry_process_task
from tests.contracts.factories import ContractFactory, ToolAccessGrantFactory

pytestmark = pytest.mark.django_db

NOON = datetime.time(12, tzinfo=datetime.UTC)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, NOON)


@pytest.fixture
def fixed_term(program):
    return ContractFactory(
        program=program, start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 6, 30)
    )


def run(day, mailoutbox_capture):
    with mailoutbox_capture(execute=True):
        return contract_expiry_process(now=at(day))


def test_reminds_the_program_managers_14_and_3_days_before_once_each(
    fixed_term, manager, mailoutbox, django_capture_on_commit_callbacks
):
    assert (
        run(datetime.date(2026, 6, 15), django_capture_on_commit_callbacks)["reminders"] == 0
    )  # 15 days left
    assert run(datetime.date(2026, 6, 16), django_capture_on_commit_callbacks)["reminders"] == 1  # 14 days
    assert (
        run(datetime.date(2026, 6, 16), django_capture_on_commit_callbacks)["reminders"] == 0
    )  # same day again
    assert run(datetime.date(2026, 6, 20), django_capture_on_commit_callbacks)["reminders"] == 0  # 10 days
    assert run(datetime.date(2026, 6, 27), django_capture_on_commit_callbacks)["reminders"] == 1  # 3 days
    assert run(datetime.date(2026, 6, 28), django_capture_on_commit_callbacks)["reminders"] == 0

    assert [m.to for m in mailoutbox] == [[manager.email], [manager.email]]
    assert "ends in 14 days" in mailoutbox[0].subject and "ends in 3 days" in mailoutbox[1].subject
    assert sorted(ContractEndReminder.objects.values_list("days_before", flat=True)) == [3, 14]


def test_a_missed_day_still_reminds(fixed_term, mailoutbox, django_capture_on_commit_callbacks):
    run(datetime.date(2026, 6, 18), django_capture_on_commit_callbacks)  # 12 days left, 14-day reminder late
    assert len(mailoutbox) == 1 and "12 days" in mailoutbox[0].subject


def test_open_ended_contracts_get_no_reminder(program, mailoutbox, django_capture_on_commit_callbacks):
    ContractFactory(program=program, end_date=None)
    assert run(datetime.date(2026, 6, 16), django_capture_on_commit_callbacks) == {
        "activated": 0,
        "reminders": 0,
        "ended": 0,
    }
    assert mailoutbox == []


def test_ends_contracts_whose_end_date_has_passed(fixed_term, django_capture_on_commit_callbacks):
    ToolAccessGrantFactory(contract=fixed_term)
    assert (
        run(datetime.date(2026, 6, 30), django_capture_on_commit_callbacks)["ended"] == 0
    )  # last day: still on
    assert run(datetime.date(2026, 7, 1), django_capture_on_commit_callbacks)["ended"] == 1

    fixed_term.refresh_from_db()
    assert fixed_term.status == Contract.Status.ENDED and fixed_term.ended_on == datetime.date(2026, 6, 30)
    assert OffboardingItem.objects.filter(contract=fixed_term).count() == 3
    assert run(datetime.date(2026, 7, 2), django_capture_on_commit_callbacks)["ended"] == 0


def test_activates_signed_contracts_when_their_start_comes(program, django_capture_on_commit_callbacks):
    contract = ContractFactory(
        program=program, status=Contract.Status.SIGNED, start_date=datetime.date(2026, 3, 2)
    )
    assert run(datetime.date(2026, 3, 1), django_capture_on_commit_callbacks)["activated"] == 0
    assert run(datetime.date(2026, 3, 2), django_capture_on_commit_callbacks)["activated"] == 1
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE


def test_the_task_and_the_command_run_the_same_job(fixed_term):
    assert contract_expiry_process_task.delay().get() == {"activated": 0, "reminders": 0, "ended": 1}
    out = io.StringIO()
    call_command("process_contract_expiry", stdout=out)
    assert "ended: 0" in out.getvalue()
