"""Escalation reasons are edited as words (issue 17, item 6): no `code | label` lines; the stored code of an
existing reason never changes, a new one gets a code made from its words."""

import pytest

from queues.forms import QueueSettingsForm, reason_code_for
from queues.models import DEFAULT_ESCALATION_REASONS, QueueSettings
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

BASE = {
    "first_response_minutes": 60,
    "resolution_minutes": 1440,
    "inhouse_response_minutes": 240,
    "warning_minutes": 15,
    "business_hours": "",
    "away_after_minutes": 10,
    "no_show_minutes": 15,
}


def _post(settings, **reasons):
    form = QueueSettingsForm({**BASE, **reasons}, instance=settings)
    return form


def test_the_form_shows_words_and_no_codes(client):
    program = ProgramFactory()
    client.force_login(program.managers.get())
    body = client.get(f"/manage/queues/{program.slug}/settings/").content.decode()
    assert 'value="Angry customer"' in body and 'value="Too complex"' in body
    assert "angry_customer" not in body and "too_complex" not in body and "value | Label" not in body


def test_renaming_keeps_the_code_and_a_new_reason_gets_one_from_its_words():
    settings = QueueSettings.objects.create(program=ProgramFactory())
    labels = {f"reason_{i}": label for i, (_code, label) in enumerate(DEFAULT_ESCALATION_REASONS)}
    form = _post(
        settings,
        **{
            **labels,
            "reason_2": "Upset customer",
            "reason_3": "",
            "new_reason_0": "Refund request",
            "new_reason_1": "refund  request",
        },
    )
    assert form.is_valid(), form.errors
    saved = form.save()
    saved.refresh_from_db()
    assert ["angry_customer", "Upset customer"] in saved.escalation_reasons  # renamed, code kept
    assert not any(code == "bug" for code, _ in saved.escalation_reasons)  # emptied: removed
    assert saved.escalation_reasons[-1] == ["refund_request", "Refund request"]  # new; the duplicate ignored
    assert len(saved.escalation_reasons) == len(DEFAULT_ESCALATION_REASONS)


def test_a_removed_reason_still_reads_as_words_on_old_tickets():
    settings = QueueSettings(program=ProgramFactory(), escalation_reasons=[["billing", "Billing"]])
    assert settings.reason_label("angry_customer") == "Angry customer"


def test_at_least_one_reason_stays():
    settings = QueueSettings.objects.create(program=ProgramFactory())
    form = _post(settings)
    assert not form.is_valid() and "Keep at least one escalation reason." in form.non_field_errors()


def test_new_codes_are_unique_and_never_collide_with_the_built_in_ones():
    assert reason_code_for("Billing", taken={"billing"}) == "billing_2"
    assert reason_code_for("SLA breach", taken={"sla_breach"}) == "sla_breach_2"
    assert reason_code_for("¿¿", taken=set()) == "reason"
