"""Issue 17 (4) and #19 (3): a freelancer's capacity (max open tickets, everywhere) and their tier and channels in
one program, set by the manager on the freelancer's page."""

import pytest
from django.urls import reverse

from accounts.errors import AccountError
from accounts.models import Freelancer, User
from contracts.errors import ContractError
from contracts.models import ProgramStanding
from contracts.selectors import standing_get
from contracts.services import freelancer_standing_update
from core.models import AuditLog
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    program = ProgramFactory(slug="shop", channels=["email", "chat"])
    freelancer = ContractFactory(
        program=program, freelancer=FreelancerFactory(legal_name="Ana Lima")
    ).freelancer
    return program, program.managers.first(), freelancer


def url(program, freelancer):
    return reverse(
        "contracts:freelancer_capacity", kwargs={"program_slug": program.slug, "freelancer_id": freelancer.pk}
    )


def page(program, freelancer):
    return reverse(
        "dashboard:freelancer", kwargs={"program_slug": program.slug, "freelancer_id": freelancer.pk}
    )


def tier(freelancer, program) -> int:
    return standing_get(freelancer_id=freelancer.pk, program_id=program.pk).tier


def test_capacity_and_tier_change_with_an_audit_record_each(team):
    program, manager, freelancer = team
    changed = freelancer_standing_update(
        freelancer=freelancer,
        program=program,
        max_open_tickets=12,
        tier=2,
        actor=manager,
        reason="Handles chargebacks well",
    )
    freelancer.refresh_from_db()
    assert changed == ["tier", "capacity"] and (freelancer.max_open_tickets, tier(freelancer, program)) == (
        12,
        2,
    )
    promoted = AuditLog.objects.get(verb="freelancer.promoted", target_id=str(freelancer.pk))
    assert (
        promoted.actor,
        promoted.data["tier_before"],
        promoted.data["reason"],
        promoted.data["program"],
    ) == (manager, 1, "Handles chargebacks well", "shop")
    assert AuditLog.objects.get(verb="freelancer.capacity_changed").data == {
        "max_open_tickets": 12,
        "before": 5,
        "reason": "Handles chargebacks well",
    }
    assert (
        freelancer_standing_update(
            freelancer=freelancer, program=program, max_open_tickets=12, tier=2, actor=manager
        )
        == []
    )
    freelancer_standing_update(
        freelancer=freelancer, program=program, max_open_tickets=12, tier=1, actor=manager, reason="Back to 1"
    )
    assert AuditLog.objects.filter(verb="freelancer.tier_lowered").count() == 1


def test_the_tier_belongs_to_the_program(team):
    program, manager, freelancer = team
    other = ContractFactory(program=ProgramFactory(slug="other"), freelancer=freelancer).program
    freelancer_standing_update(
        freelancer=freelancer,
        program=program,
        max_open_tickets=5,
        tier=3,
        actor=manager,
        reason="Senior here",
    )
    assert (tier(freelancer, program), tier(freelancer, other)) == (3, 1)


def test_channels_are_the_programs_and_all_of_them_is_stored_as_all(team):
    program, manager, freelancer = team
    assert freelancer_standing_update(
        freelancer=freelancer, program=program, max_open_tickets=5, tier=1, channels=["chat"], actor=manager
    ) == ["channels"]
    assert standing_get(freelancer_id=freelancer.pk, program_id=program.pk).channels == ["chat"]
    freelancer_standing_update(
        freelancer=freelancer,
        program=program,
        max_open_tickets=5,
        tier=1,
        channels=["email", "chat"],
        actor=manager,
    )
    assert standing_get(freelancer_id=freelancer.pk, program_id=program.pk).channels == []  # every channel
    with pytest.raises(ContractError, match="does not take phone") as refused:
        freelancer_standing_update(
            freelancer=freelancer,
            program=program,
            max_open_tickets=9,
            tier=1,
            channels=["phone"],
            actor=manager,
        )
    assert refused.value.field == "channels"
    freelancer.refresh_from_db()
    assert freelancer.max_open_tickets == 5  # a refusal changes nothing


@pytest.mark.parametrize(
    ("capacity", "new_tier", "reason", "error", "field", "message"),
    [
        (0, 1, "", AccountError, "max_open_tickets", "from 1 to 50"),
        (51, 1, "", AccountError, "max_open_tickets", "from 1 to 50"),
        ("many", 1, "", AccountError, "max_open_tickets", "whole number"),
        (5, 4, "why not", ContractError, "tier", "from 1 to 3"),
        (5, 2, "  ", ContractError, "reason", "Say why the tier changes."),
    ],
)
def test_out_of_bounds_is_refused_and_nothing_changes(
    team, capacity, new_tier, reason, error, field, message
):
    program, manager, freelancer = team
    with pytest.raises(error, match=message) as refused:
        freelancer_standing_update(
            freelancer=freelancer,
            program=program,
            max_open_tickets=capacity,
            tier=new_tier,
            actor=manager,
            reason=reason,
        )
    assert refused.value.field == field
    freelancer.refresh_from_db()
    assert (freelancer.max_open_tickets, tier(freelancer, program)) == (5, 1)
    assert not AuditLog.objects.filter(verb__startswith="freelancer.").exists()
    assert not ProgramStanding.objects.filter(tier__gt=1).exists()


def test_the_freelancers_page_has_the_form_and_saving_goes_back_to_it(client, team):
    program, manager, freelancer = team
    client.force_login(manager)
    html = client.get(page(program, freelancer)).content.decode()
    assert f'action="{url(program, freelancer)}"' in html and 'value="5"' in html
    assert 'name="channels" value="chat"' in html and 'value="phone"' not in html
    response = client.post(
        url(program, freelancer),
        {"max_open_tickets": "8", "tier": "2", "reason": "Ready", "channels": ["chat"]},
    )
    assert response.status_code == 302 and response["Location"] == page(program, freelancer)
    freelancer.refresh_from_db()
    assert freelancer.max_open_tickets == 8 and tier(freelancer, program) == 2


def test_bad_input_shows_the_error_and_changes_nothing(client, team):
    program, manager, freelancer = team
    client.force_login(manager)
    response = client.post(url(program, freelancer), {"max_open_tickets": "80", "tier": "1"})
    assert response.status_code == 400 and "less than or equal to 50" in response.content.decode()
    response = client.post(url(program, freelancer), {"max_open_tickets": "5", "tier": "3", "reason": ""})
    assert response.status_code == 400 and "Say why the tier changes." in response.content.decode()
    response = client.post(
        url(program, freelancer), {"max_open_tickets": "5", "tier": "1", "channels": ["phone"]}
    )
    assert response.status_code == 400
    freelancer.refresh_from_db()
    assert (freelancer.max_open_tickets, tier(freelancer, program)) == (5, 1)


def test_an_agent_is_refused_and_another_programs_freelancer_is_not_found(client, team):
    program, manager, freelancer = team
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(url(program, freelancer)).status_code == 403
    assert client.post(url(program, freelancer), {"max_open_tickets": "9", "tier": "1"}).status_code == 403

    elsewhere = ContractFactory(program=ProgramFactory(slug="elsewhere")).freelancer
    client.force_login(manager)
    assert client.post(url(program, elsewhere), {"max_open_tickets": "9", "tier": "1"}).status_code == 404
    assert client.get(url(ProgramFactory(slug="not-mine"), freelancer)).status_code == 404
    assert set(Freelancer.objects.values_list("max_open_tickets", flat=True)) == {5}
