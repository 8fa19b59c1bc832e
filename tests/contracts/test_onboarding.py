import datetime

import pytest

from accounts.models import Freelancer
from contracts.errors import ContractError
from contracts.models import Contract
from contracts.selectors import freelancer_is_queue_ready, onboarding_progress_for, queue_ready_freelancer_ids
from contracts.services import onboarding_step_complete, onboarding_step_confirm, onboarding_step_undo
from tests.contracts.factories import ContractFactory
from tests.programs.factories import OnboardingStepFactory

pytestmark = pytest.mark.django_db


def ready_ids(program):
    return set(queue_ready_freelancer_ids(program_id=program.pk))


@pytest.fixture
def steps(program):
    return {
        "read": OnboardingStepFactory(
            program=program, title="Read", required=True, needs_manager_confirmation=False
        ),
        "shadow": OnboardingStepFactory(
            program=program, title="Shadow", required=True, needs_manager_confirmation=True
        ),
        "optional": OnboardingStepFactory(program=program, title="Optional", required=False),
    }


def test_active_contract_in_a_program_without_steps_is_queue_ready(program):
    contract = ContractFactory(program=program)
    assert ready_ids(program) == {contract.freelancer_id}


def test_queue_ready_only_when_every_required_step_is_done_and_confirmed(program, steps, manager):
    contract = ContractFactory(program=program)
    fid = contract.freelancer_id
    assert not freelancer_is_queue_ready(freelancer_id=fid, program_id=program.pk)

    onboarding_step_complete(contract=contract, step=steps["read"], user=contract.freelancer.user)
    onboarding_step_complete(contract=contract, step=steps["shadow"], user=contract.freelancer.user)
    assert ready_ids(program) == set()  # shadowing waits for a manager

    onboarding_step_confirm(contract=contract, step=steps["shadow"], actor=manager)
    assert ready_ids(program) == {fid}  # the optional step does not hold anyone back
    assert freelancer_is_queue_ready(freelancer_id=fid, program_id=program.pk)


@pytest.mark.parametrize(
    "status",
    [Contract.Status.SIGNED, Contract.Status.SENT, Contract.Status.ENDED, Contract.Status.TERMINATED],
)
def test_only_active_contracts_are_queue_ready(program, status):
    ContractFactory(program=program, status=status)
    assert ready_ids(program) == set()


def test_readiness_is_per_program(program, steps):
    contract = ContractFactory(program=program)
    elsewhere = ContractFactory(freelancer=contract.freelancer)  # another program, no steps
    assert ready_ids(program) == set()
    assert set(queue_ready_freelancer_ids(program_id=elsewhere.program_id)) == {contract.freelancer_id}


def test_a_new_required_step_takes_readiness_away_until_done(program):
    contract = ContractFactory(program=program)
    assert ready_ids(program) == {contract.freelancer_id}
    OnboardingStepFactory(program=program, title="New policy quiz", required=True)
    assert ready_ids(program) == set()


def test_queue_ready_ids_work_as_a_subquery(program):
    contract = ContractFactory(program=program)
    assert list(Freelancer.objects.filter(pk__in=queue_ready_freelancer_ids(program_id=program.pk))) == [
        contract.freelancer
    ]


def test_freelancer_can_undo_until_confirmed(program, steps, manager):
    contract = ContractFactory(program=program)
    user = contract.freelancer.user
    onboarding_step_complete(contract=contract, step=steps["read"], user=user)
    onboarding_step_undo(contract=contract, step=steps["read"], user=user)
    assert not onboarding_progress_for(contract=contract)[0].is_done

    onboarding_step_confirm(contract=contract, step=steps["shadow"], actor=manager)
    with pytest.raises(ContractError, match="already confirmed"):
        onboarding_step_undo(contract=contract, step=steps["shadow"], user=user)


def test_steps_of_another_program_or_before_signing_are_refused(program, steps):
    sent = ContractFactory(program=program, status=Contract.Status.SENT)
    with pytest.raises(ContractError, match="once the contract is signed"):
        onboarding_step_complete(contract=sent, step=steps["read"], user=sent.freelancer.user)
    other = ContractFactory()
    with pytest.raises(ContractError, match="another program"):
        onboarding_step_complete(contract=other, step=steps["read"], user=other.freelancer.user)
    assert not sent.onboarding_progress.exists() and not other.onboarding_progress.exists()


def test_progress_rows_in_step_order(program, steps, manager):
    contract = ContractFactory(program=program, start_date=datetime.date(2026, 1, 1))
    onboarding_step_confirm(contract=contract, step=steps["shadow"], actor=manager)
    rows = onboarding_progress_for(contract=contract)
    assert [r.step.title for r in rows] == ["Read", "Shadow", "Optional"]
    assert [r.is_complete for r in rows] == [False, True, False]
    assert contract.onboarding_counts == (1, 2)
