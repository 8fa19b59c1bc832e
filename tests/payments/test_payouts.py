import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import TransitionNotAllowed
from payments.errors import PaymentsError
from payments.exports import GENERIC, payouts_export
from payments.models import Payout, PayPeriod
from payments.services import (
    payout_mark_failed,
    payout_retry,
    payout_run_execute,
    payout_run_start,
    payouts_approve,
    payouts_mark_paid,
)
from tests.accounts.factories import FreelancerFactory
from tests.contracts.factories import ContractFactory
from tests.payments.factories import PayoutDetailsFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payouts(program, ended_period_days):
    people = [
        FreelancerFactory(legal_name="Ana Reyes"),
        FreelancerFactory(legal_name='=HYPERLINK("http://evil")'),
    ]
    PayoutDetailsFactory(freelancer=people[0], wise_email="ana@example.test")
    PayoutDetailsFactory(
        freelancer=people[1],
        method="bank_transfer",
        wise_email="",
        account_holder_name="+cmd|x",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        bank_country="DE",
    )
    for person in people:
        contract = ContractFactory(program=program, freelancer=person, start_date=datetime.date(2020, 1, 1))
        TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("7.5"))
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)
    return list(Payout.objects.order_by("freelancer__legal_name"))


def test_draft_to_approved_to_paid_emails_the_statement_and_settles_the_period(
    payouts, manager, mailoutbox, django_capture_on_commit_callbacks
):
    payouts_approve(payouts=payouts, approved_by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            payouts_mark_paid(
                payouts=payouts, paid_on=timezone.now().date(), reference="BATCH-42", marked_by=manager
            )
            == 2
        )

    paid = Payout.objects.get(freelancer__legal_name="Ana Reyes")
    assert (paid.status, paid.payment_reference, paid.approved_by) == (
        Payout.Status.PAID,
        "BATCH-42",
        manager,
    )
    assert paid.statement_sent_at is not None
    assert len(mailoutbox) == 2
    mail = next(m for m in mailoutbox if "Ana" in m.body)
    assert "150.00 USD" in mail.body  # 7.5 h × 20.00
    assert f"/portal/payouts/{paid.pk}/" in mail.body
    assert mail.alternatives and "Paid to you" in mail.alternatives[0][0]
    assert PayPeriod.objects.get(pk=paid.period_id).status == PayPeriod.Status.PAID


def test_a_draft_cannot_be_paid_and_a_batch_is_all_or_nothing(payouts, manager):
    payouts_approve(payouts=payouts[:1], approved_by=manager)
    with pytest.raises(TransitionNotAllowed):
        payouts_mark_paid(payouts=payouts, paid_on=timezone.now().date(), reference="X", marked_by=manager)
    assert not Payout.objects.filter(status=Payout.Status.PAID).exists()
    with pytest.raises(PaymentsError, match="reference"):
        payouts_mark_paid(
            payouts=payouts[:1], paid_on=timezone.now().date(), reference=" ", marked_by=manager
        )
    with pytest.raises(PaymentsError, match="future"):
        payouts_mark_paid(
            payouts=payouts[:1],
            paid_on=timezone.now().date() + datetime.timedelta(days=9),
            reference="X",
            marked_by=manager,
        )


def test_failed_needs_a_reason_and_can_be_retried(payouts, manager):
    payout = payouts[0]
    payouts_approve(payouts=[payout], approved_by=manager)
    with pytest.raises(PaymentsError, match="why"):
        payout_mark_failed(payout=payout, reason="", marked_by=manager)
    payout_mark_failed(payout=payout, reason="IBAN rejected", marked_by=manager)
    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (Payout.Status.FAILED, "IBAN rejected")
    with pytest.raises(TransitionNotAllowed):
        payouts_mark_paid(payouts=[payout], paid_on=timezone.now().date(), reference="X", marked_by=manager)
    payout_retry(payout=payout, retried_by=manager)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.APPROVED


def _generic_rows(payouts, manager) -> list[list[str]]:
    export = payouts_export(payouts=payouts, export_format=GENERIC, exported_by=manager)
    return list(csv.reader(io.StringIO("".join(export.lines))))


def test_csv_export_of_an_approved_batch_neutralises_formulas(payouts, manager):
    with pytest.raises(PaymentsError, match="No approved payout"):
        _generic_rows(payouts, manager)
    payouts_approve(payouts=payouts, approved_by=manager)
    rows = _generic_rows(Payout.objects.order_by("freelancer__legal_name"), manager)
    assert rows[0] == [
        "name",
        "method",
        "account_holder_name",
        "iban",
        "account_number",
        "bic",
        "bank_country",
        "email",
        "payoneer_id",
        "amount",
        "currency",
        "reference",
    ]
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][1:7] == ["bank_transfer", "'+cmd|x", "DE89370400440532013000", "", "COBADEFFXXX", "DE"]
    assert rows[2][:11] == [
        "Ana Reyes",
        "wise",
        "Ana Reyes",
        "",
        "",
        "",
        "",
        "ana@example.test",
        "",
        "150.00",
        "USD",
    ]
    assert rows[2][11] == Payout.objects.get(freelancer__legal_name="Ana Reyes").reference


def test_with_the_mail_server_down_statements_wait_and_go_out_once(
    payouts, manager, smtp_server, django_capture_on_commit_callbacks
):
    from core.models import OutboxMessage
    from core.outbox import outbox_deliver_due

    payouts_approve(payouts=payouts, approved_by=manager)
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            payouts_mark_paid(
                payouts=payouts, paid_on=timezone.now().date(), reference="BATCH-42", marked_by=manager
            )
            == 2
        )
    # Paid, and the statements are kept, but not counted as e-mailed until the server takes them.
    assert not Payout.objects.filter(statement_sent_at__isnull=False).exists()
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED).count() == 2

    smtp_server.start()
    later = timezone.now() + datetime.timedelta(hours=1)
    assert outbox_deliver_due(now=later) == 2 and outbox_deliver_due(now=later) == 0
    assert len(smtp_server.messages) == 2
    assert not Payout.objects.filter(statement_sent_at__isnull=True).exists()
