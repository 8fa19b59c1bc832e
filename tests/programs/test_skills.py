"""Issue 17 (4): a program's own skills, managed on /manage/programs/<slug>/skills/ without admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Skill, User
from accounts.selectors import skill_choices
from core.models import AuditLog
from programs.errors import ProgramError
from programs.forms import TicketTypeFormSet
from programs.skills import program_skill_create, program_skill_rename, program_skill_retire
from recruiting.forms import PostingForm
from tests.accounts.factories import FreelancerFactory, SkillFactory, UserFactory
from tests.programs.factories import ProgramFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    program = ProgramFactory(name="Shop", slug="shop")
    return program, program.managers.first()


def url(program, *parts):
    if not parts:
        return reverse("programs:skills", kwargs={"program_slug": program.slug})
    pk, action = parts
    return reverse("programs:skill_action", kwargs={"program_slug": program.slug, "pk": pk, "action": action})


# ---------------------------------------------------------------- the rules


def test_two_programs_may_each_have_a_skill_of_the_same_name(shop):
    program, manager = shop
    other = ProgramFactory(slug="other")
    mine = program_skill_create(program=program, name="  Refunds   and returns ", actor=manager)
    theirs = program_skill_create(program=other, name="Refunds and returns", actor=other.managers.first())
    assert (
        mine.name == theirs.name == "Refunds and returns"
        and mine.slug == theirs.slug == "refunds-and-returns"
    )
    assert (mine.program, theirs.program) == (program, other)
    assert AuditLog.objects.filter(verb="skill.created", target_id=str(mine.pk), actor=manager).exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the skill a name."),
        ("x" * 81, "under 80 characters"),
        ("BILLING", "“Billing” is a shared skill already"),
        ("refunds", "already has the skill “Refunds”"),
    ],
)
def test_a_bad_or_taken_name_is_refused_and_nothing_is_made(shop, name, message):
    program, manager = shop
    SkillFactory(slug="billing", name="Billing")
    program_skill_create(program=program, name="Refunds", actor=manager)
    before = Skill.objects.count()
    with pytest.raises(ProgramError, match=message):
        program_skill_create(program=program, name=name, actor=manager)
    assert Skill.objects.count() == before


def test_a_slug_taken_by_a_shared_skill_gets_a_number(shop):
    program, manager = shop
    SkillFactory(slug="vip", name="Key accounts")
    assert program_skill_create(program=program, name="VIP", actor=manager).slug == "vip-2"


def test_renaming_keeps_the_slug_and_is_audited_and_a_taken_name_changes_nothing(shop):
    program, manager = shop
    refunds = program_skill_create(program=program, name="Refunds", actor=manager)
    program_skill_create(program=program, name="Returns", actor=manager)
    program_skill_rename(program=program, skill=refunds, name="Refunds and chargebacks", actor=manager)
    refunds.refresh_from_db()
    assert (refunds.name, refunds.slug) == ("Refunds and chargebacks", "refunds")
    assert AuditLog.objects.get(verb="skill.renamed").data["before"] == "Refunds"
    with pytest.raises(ProgramError, match="already has the skill “Returns”"):
        program_skill_rename(program=program, skill=refunds, name="returns", actor=manager)
    refunds.refresh_from_db()
    assert refunds.name == "Refunds and chargebacks"


def test_a_skill_a_ticket_type_requires_is_not_retired(shop):
    program, manager = shop
    refunds = program_skill_create(program=program, name="Refunds", actor=manager)
    TicketTypeFactory(program=program, name="Refund request").required_skills.add(refunds)
    with pytest.raises(ProgramError, match="required by the ticket type “Refund request”"):
        program_skill_retire(program=program, skill=refunds, actor=manager)
    refunds.refresh_from_db()
    assert refunds.retired_at is None


def test_a_retired_skill_stays_with_who_has_it_and_is_no_longer_offered(shop):
    program, manager = shop
    refunds = program_skill_create(program=program, name="Refunds", actor=manager)
    freelancer = FreelancerFactory(skills=[refunds])
    program_skill_retire(program=program, skill=refunds, actor=manager)
    assert list(freelancer.skills.all()) == [refunds]
    assert refunds not in skill_choices(program_ids=[program.pk])
    assert refunds in skill_choices(program_ids=[program.pk], keep=[refunds.pk])  # saving a form keeps it


def test_pickers_offer_the_shared_skills_and_the_programs_own_only(shop):
    program, manager = shop
    shared = SkillFactory(slug="billing", name="Billing")
    mine = program_skill_create(program=program, name="Refunds", actor=manager)
    theirs = program_skill_create(program=ProgramFactory(slug="other"), name="Warranty", actor=manager)
    new_row = TicketTypeFormSet(instance=program, prefix="types").forms[
        -1
    ]  # a new row: no instance program yet
    assert set(new_row.fields["required_skills"].queryset) == {shared, mine}
    posting = PostingForm(program=program)
    assert set(posting.fields["skills"].queryset) == {shared, mine}
    assert theirs not in posting.fields["skills"].queryset


# ---------------------------------------------------------------- the page


def test_the_manager_adds_renames_retires_and_restores_on_the_page(client, shop):
    program, manager = shop
    client.force_login(manager)
    assert client.post(url(program), {"name": "Refunds"}).status_code == 302
    skill = Skill.objects.get(program=program)
    page = client.get(url(program)).content.decode()
    assert "Refunds" in page and url(program, skill.pk, "retire") in page
    assert client.post(url(program, skill.pk, "rename"), {"name": "Chargebacks"}).status_code == 302
    assert client.post(url(program, skill.pk, "retire")).status_code == 302
    skill.refresh_from_db()
    assert skill.name == "Chargebacks" and skill.is_retired
    assert url(program, skill.pk, "restore") in client.get(url(program)).content.decode()
    client.post(url(program, skill.pk, "restore"))
    skill.refresh_from_db()
    assert not skill.is_retired


def test_bad_input_on_the_page_shows_the_error_and_changes_nothing(client, shop):
    program, manager = shop
    client.force_login(manager)
    response = client.post(url(program), {"name": "   "})
    assert response.status_code == 400 and "Give the skill a name." in response.content.decode()
    skill = program_skill_create(program=program, name="Refunds", actor=manager)
    TicketTypeFactory(program=program, name="Refund request").required_skills.add(skill)
    response = client.post(url(program, skill.pk, "retire"))
    assert (
        response.status_code == 400
        and "required by the ticket type “Refund request”" in response.content.decode()
    )
    response = client.post(url(program, skill.pk, "rename"), {"name": ""})
    assert response.status_code == 400 and "Give the skill a name." in response.content.decode()
    skill.refresh_from_db()
    assert (skill.name, skill.retired_at, Skill.objects.count()) == ("Refunds", None, 1)


def test_an_agent_is_refused_and_other_programs_and_shared_skills_are_not_found(client, shop):
    program, manager = shop
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(url(program)).status_code == 403
    assert client.post(url(program), {"name": "Refunds"}).status_code == 403

    other = ProgramFactory(slug="other")
    theirs = program_skill_create(program=other, name="Warranty", actor=other.managers.first())
    shared = SkillFactory(slug="billing", name="Billing")
    client.force_login(manager)
    assert client.get(url(other)).status_code == 404
    assert client.post(url(program, theirs.pk, "retire")).status_code == 404
    assert client.post(url(program, shared.pk, "rename"), {"name": "Invoices"}).status_code == 404
    assert client.post(url(program, 0, "explode")).status_code == 404
    theirs.refresh_from_db(), shared.refresh_from_db()
    assert (theirs.retired_at, shared.name) == (None, "Billing")


def test_the_page_does_a_constant_number_of_queries(client, shop):
    program, manager = shop
    client.force_login(manager)
    program_skill_create(program=program, name="Skill 0", actor=manager)
    client.get(url(program))
    with CaptureQueriesContext(connection) as one:
        assert client.get(url(program)).status_code == 200
    for n in range(1, 6):
        skill = program_skill_create(program=program, name=f"Skill {n}", actor=manager)
        TicketTypeFactory(program=program).required_skills.add(skill)
        FreelancerFactory(skills=[skill])
        SkillFactory()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(program)).content.decode().count("Rename") == 6
    assert len(many) == len(one)
