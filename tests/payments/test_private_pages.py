"""Statements and payout pages: never cached, and a look outside one's scope leaves an audit row."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from core.scoping import OUT_OF_SCOPE_VERB
from payments.models import Payout
from tests.payments.test_views import make_payouts
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _private_no_store(response) -> bool:
    return {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_statements_and_payout_pages_are_never_stored(client, program, manager, ended_period_days):
    make_payouts(program, ended_period_days, 1)
    payout = Payout.objects.get()

    client.force_login(payout.freelancer.user)
    for url in (reverse("payments:portal_statement", args=[payout.pk]), reverse("payments:portal_payouts")):
        response = client.get(url)
        assert response.status_code == 200 and _private_no_store(response), url

    client.force_login(manager)
    for url in (
        reverse("payments:statement", args=[payout.pk]),
        reverse("payments:payout_detail", args=[payout.pk]),
        reverse("payments:payouts"),
        reverse("payments:run_detail", args=[payout.run_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and _private_no_store(response), url
    assert not AuditLog.objects.filter(verb=OUT_OF_SCOPE_VERB).exists()


def test_someone_elses_statement_is_a_404_with_an_audit_row(client, program, ended_period_days):
    make_payouts(program, ended_period_days, 2)
    mine, theirs = Payout.objects.order_by("pk")
    client.force_login(mine.freelancer.user)

    assert (
        client.get(
            reverse("payments:portal_statement", args=[theirs.pk]), REMOTE_ADDR="192.0.2.4"
        ).status_code
        == 404
    )
    assert client.get(reverse("payments:portal_statement", args=[999999])).status_code == 404

    [miss] = AuditLog.objects.filter(verb=OUT_OF_SCOPE_VERB)
    assert (miss.actor, miss.target_type.model, miss.target_id, miss.ip_address) == (
        mine.freelancer.user,
        "payout",
        str(theirs.pk),
        "192.0.2.4",
    )


def test_another_programs_manager_opening_a_payout_is_audited(client, program, ended_period_days):
    make_payouts(program, ended_period_days, 1)
    payout = Payout.objects.get()
    stranger = ProgramFactory().managers.first()
    client.force_login(stranger)

    assert client.get(reverse("payments:payout_detail", args=[payout.pk])).status_code == 404
    assert client.post(reverse("payments:payout_action", args=[payout.pk, "approve"])).status_code == 404

    assert [(m.actor, m.target_id) for m in AuditLog.objects.filter(verb=OUT_OF_SCOPE_VERB)] == [
        (stranger, str(payout.pk)),
        (stranger, str(payout.pk)),
    ]
    payout.refresh_from_db()
    assert payout.status == Payout.Status.DRAFT
