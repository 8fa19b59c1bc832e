"""Contractor invoices: issued when a payout is paid, numbered per freelancer without gaps, totals exact, copied
details, PDFs, the freelancer's own upload (refused by content when it is not a PDF), and who may download what."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from payments.errors import PaymentsError
from payments.models import Adjustment, BillingCompany, Invoice, Payout, PayoutDetails
from payments.services import (
    adjustment_create,
    invoice_upload,
    invoices_issue,
    payout_run_execute,
    payout_run_start,
    payouts_approve,
    payouts_mark_paid,
)
from payments.services.invoices import invoice_number
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.payments.factories import PayoutDetailsFactory, TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _pdf_bytes() -> bytes:
    from core.pdf import html_to_pdf

    return html_to_pdf("<p>My own invoice</p>")


@pytest.fixture
def ana(program):
    ana = FreelancerFactory(legal_name="Ana Reyes", country="PH")
    PayoutDetailsFactory(
        freelancer=ana,
        wise_email="ana@example.test",
        billing_address="27 Jupiter St\nMakati",
        tax_id="TIN 214-556-871",
    )
    ContractFactory(
        program=program,
        freelancer=ana,
        hourly_rate=Decimal("20.00"),
        currency="USD",
        start_date=datetime.date(2020, 1, 1),
    )
    return ana


@pytest.fixture
def company(program):
    return BillingCompany.objects.create(
        program=program,
        legal_name="Demo Retail Inc.",
        address="500 Market St\nSan Francisco",
        tax_id="EIN 84-2917365",
    )


def _run_and_pay(program, manager, period_days, people, hours="7.5"):
    for person in people:
        TimeEntryFactory(
            contract=person.contracts.get(program=program), date=period_days[0], hours=Decimal(hours)
        )
    run = payout_run_start(program=program, enqueue=False, today=period_days[-1] + datetime.timedelta(days=1))
    payout_run_execute(run_id=run.pk)
    payouts = list(Payout.objects.filter(run=run).order_by("pk"))
    payouts_approve(payouts=payouts, approved_by=manager)
    payouts_mark_paid(payouts=payouts, paid_on=timezone.now().date(), reference="BATCH-1", marked_by=manager)
    return payouts


def _days(anchor, period_index):
    start = anchor + datetime.timedelta(days=14 * period_index)
    return [start + datetime.timedelta(days=i) for i in range(14)]


# Numbering and totals -------------------------------------------------------------------------------------


def test_invoice_numbers_follow_the_freelancer():
    assert invoice_number(legal_name="Ana Reyes", year=2026, sequence=7) == "ANA-2026-0007"
    assert invoice_number(legal_name="Sofía Martínez", year=2026, sequence=12) == "SOF-2026-0012"
    assert invoice_number(legal_name="Li", year=2026, sequence=1) == "LIX-2026-0001"
    assert invoice_number(legal_name="李", year=2026, sequence=1) == "INV-2026-0001"


def test_each_paid_payout_gets_the_next_number_of_its_freelancer_without_gaps(
    program, manager, anchor, ana, company
):
    tom = FreelancerFactory(legal_name="Tom Becker")
    ContractFactory(program=program, freelancer=tom, start_date=datetime.date(2020, 1, 1))

    _run_and_pay(program, manager, _days(anchor, 0), [ana, tom])
    _run_and_pay(program, manager, _days(anchor, 1), [ana])
    _run_and_pay(program, manager, _days(anchor, 2), [ana, tom])

    year = timezone.now().date().year
    assert list(
        Invoice.objects.filter(freelancer=ana).order_by("sequence").values_list("number", flat=True)
    ) == [f"ANA-{year}-0001", f"ANA-{year}-0002", f"ANA-{year}-0003"]
    assert list(
        Invoice.objects.filter(freelancer=tom).order_by("sequence").values_list("sequence", flat=True)
    ) == [1, 2]
    # Issuing again is a no-op: one invoice per payout.
    assert invoices_issue(payouts=Payout.objects.all()) == []
    assert Invoice.objects.count() == 5


def test_a_batch_that_is_not_paid_uses_no_number(program, manager, anchor, ana, company):
    _run_and_pay(program, manager, _days(anchor, 0), [ana])
    TimeEntryFactory(contract=ana.contracts.get(), date=_days(anchor, 1)[0], hours=Decimal("2"))
    run = payout_run_start(
        program=program, enqueue=False, today=_days(anchor, 1)[-1] + datetime.timedelta(days=1)
    )
    payout_run_execute(run_id=run.pk)
    payout = Payout.objects.get(run=run)
    payouts_approve(payouts=[payout], approved_by=manager)
    PayoutDetails.objects.filter(freelancer=ana).update(changed_at=timezone.now())  # held: the batch stops
    with pytest.raises(PaymentsError, match="not paid"):
        payouts_mark_paid(payouts=[payout], paid_on=timezone.now().date(), reference="B2", marked_by=manager)
    assert not Invoice.objects.filter(payout=payout).exists()
    PayoutDetails.objects.filter(freelancer=ana).update(
        changed_at=timezone.now() - datetime.timedelta(days=30)
    )
    payouts_mark_paid(payouts=[payout], paid_on=timezone.now().date(), reference="B2", marked_by=manager)
    assert Invoice.objects.get(payout=payout).sequence == 2


def test_the_total_is_the_exact_sum_of_the_lines_and_the_details_are_copied(
    program, manager, anchor, ana, company
):
    adjustment_create(
        freelancer=ana,
        program=program,
        kind=Adjustment.Kind.BONUS,
        amount=Decimal("40.01"),
        currency="USD",
        reason="Top CSAT",
        created_by=manager,
    )
    adjustment_create(
        freelancer=ana,
        program=program,
        kind=Adjustment.Kind.DEDUCTION,
        amount=Decimal("15.00"),
        currency="USD",
        reason="Headset",
        created_by=manager,
    )
    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [ana], hours="7.25")
    invoice = Invoice.objects.get(payout=payout)

    assert invoice.total == Decimal("170.01")  # 7.25 h × 20.00 = 145.00, + 40.01 − 15.00
    assert invoice.total == sum(line.amount for line in payout.lines.all()) == payout.total
    assert invoice.currency == "USD"
    assert (invoice.freelancer_legal_name, invoice.freelancer_address, invoice.freelancer_tax_id) == (
        "Ana Reyes",
        "27 Jupiter St\nMakati",
        "TIN 214-556-871",
    )
    assert (invoice.company_legal_name, invoice.company_tax_id) == ("Demo Retail Inc.", "EIN 84-2917365")

    # Later changes never rewrite an issued invoice.
    company.legal_name = "Renamed Corp"
    company.save()
    PayoutDetails.objects.filter(freelancer=ana).update(billing_address="elsewhere", tax_id="")
    invoice.refresh_from_db()
    assert (invoice.company_legal_name, invoice.freelancer_tax_id) == ("Demo Retail Inc.", "TIN 214-556-871")


def test_without_billing_details_the_invoice_is_still_issued(program, manager, anchor):
    bare = FreelancerFactory(legal_name="Bare Person")
    ContractFactory(program=program, freelancer=bare, start_date=datetime.date(2020, 1, 1))
    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [bare])
    invoice = Invoice.objects.get(payout=payout)
    assert (invoice.company_legal_name, invoice.freelancer_address) == (program.name, "")


# PDFs -------------------------------------------------------------------------------------------------------


def test_invoice_and_statement_download_as_pdf(client, program, manager, anchor, ana, company):
    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [ana])
    client.force_login(ana.user)
    for name in ("payments:portal_invoice_pdf", "payments:portal_statement_pdf"):
        response = client.get(reverse(name, args=[payout.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert "no-store" in response["Cache-Control"]
    client.force_login(manager)
    for name in ("payments:invoice_pdf", "payments:statement_pdf"):
        response = client.get(reverse(name, args=[payout.pk]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    page = client.get(reverse("payments:payout_detail", args=[payout.pk])).content.decode()
    assert reverse("payments:invoice_pdf", args=[payout.pk]) in page
    assert reverse("payments:statement_pdf", args=[payout.pk]) in page


def test_the_invoice_carries_both_parties_the_lines_and_the_total(program, manager, anchor, ana, company):
    from django.template.loader import render_to_string

    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [ana])
    invoice = Invoice.objects.get(payout=payout)
    html = render_to_string(
        "payments/invoice_file.html",
        {"invoice": invoice, "payout": payout, "lines": list(payout.lines.all())},
    )
    for text in (
        invoice.number,
        "Ana Reyes",
        "TIN 214-556-871",
        "Demo Retail Inc.",
        "EIN 84-2917365",
        "Support hours",
        "150.00 USD",
        "Total due",
    ):
        assert text in html, text


def test_a_contract_document_downloads_as_pdf(client):
    from contracts.services import contract_send
    from tests.contracts.factories import ContractFactory as Contracts

    contract = Contracts(status="draft")
    manager = contract.program.managers.first()
    contract_send(contract=contract, actor=manager)
    document = contract.documents.first()
    client.force_login(manager)
    response = client.get(reverse("contracts:document", args=[contract.pk, document.pk]) + "?download=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


# The freelancer's own invoice -------------------------------------------------------------------------------


def test_a_png_renamed_pdf_is_refused_and_nothing_changes(client, program, manager, anchor, ana, company):
    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [ana])
    client.force_login(ana.user)
    response = client.post(
        reverse("payments:portal_invoice_upload", args=[payout.pk]),
        {"file": SimpleUploadedFile("invoice.pdf", PNG, content_type="application/pdf"), "number": "X-1"},
        follow=True,
    )
    assert "not one, judged by its content" in response.content.decode()
    invoice = Invoice.objects.get(payout=payout)
    assert (invoice.uploaded_by_freelancer, invoice.uploaded_file.name, invoice.uploaded_number) == (
        False,
        "",
        "",
    )
    with pytest.raises(PaymentsError, match="PDF"):
        invoice_upload(invoice=invoice, freelancer=ana, upload=SimpleUploadedFile("invoice.png", PNG))


def test_an_uploaded_pdf_replaces_the_generated_invoice(client, program, manager, anchor, ana, company):
    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [ana])
    own = _pdf_bytes()
    client.force_login(ana.user)
    response = client.post(
        reverse("payments:portal_invoice_upload", args=[payout.pk]),
        {"file": SimpleUploadedFile("mine.pdf", own, content_type="application/pdf"), "number": "AR-77"},
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get(payout=payout)
    assert (invoice.uploaded_by_freelancer, invoice.uploaded_number) == (True, "AR-77")
    download = client.get(reverse("payments:portal_invoice_pdf", args=[payout.pk]))
    assert b"".join(download.streaming_content) == own
    client.force_login(manager)
    download = client.get(reverse("payments:invoice_pdf", args=[payout.pk]))
    assert b"".join(download.streaming_content) == own


def test_invoice_details_change_neither_holds_payouts_nor_alerts(client, ana, mailoutbox):
    changed_at = PayoutDetails.objects.get(freelancer=ana).changed_at
    client.force_login(ana.user)
    response = client.post(
        reverse("payments:portal_invoice_details"), {"billing_address": "1 New Road\nCebu", "tax_id": "TIN 9"}
    )
    assert response.status_code == 302
    details = PayoutDetails.objects.get(freelancer=ana)
    assert (details.billing_address, details.tax_id, details.changed_at) == (
        "1 New Road\nCebu",
        "TIN 9",
        changed_at,
    )
    assert details.method == "wise" and details.wise_email == "ana@example.test"
    assert mailoutbox == []


# Access -----------------------------------------------------------------------------------------------------


def test_another_freelancers_invoice_and_statement_are_404(client, program, manager, anchor, ana, company):
    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [ana])
    other = FreelancerFactory()
    client.force_login(other.user)
    for name in ("payments:portal_invoice_pdf", "payments:portal_statement_pdf"):
        assert client.get(reverse(name, args=[payout.pk])).status_code == 404
    upload = SimpleUploadedFile("x.pdf", _pdf_bytes(), content_type="application/pdf")
    assert (
        client.post(reverse("payments:portal_invoice_upload", args=[payout.pk]), {"file": upload}).status_code
        == 404
    )
    assert not Invoice.objects.get(payout=payout).uploaded_by_freelancer


def test_managers_of_other_programs_404_and_agents_and_freelancers_403(
    client, program, manager, anchor, ana, company
):
    (payout,) = _run_and_pay(program, manager, _days(anchor, 0), [ana])
    client.force_login(ProgramFactory().managers.first())
    for name in ("payments:invoice_pdf", "payments:statement_pdf"):
        assert client.get(reverse(name, args=[payout.pk])).status_code == 404
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(reverse("payments:invoice_pdf", args=[payout.pk])).status_code == 403
    client.force_login(ana.user)
    assert client.get(reverse("payments:invoice_pdf", args=[payout.pk])).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("payments:portal_invoice_pdf", args=[payout.pk])).status_code == 403


def test_a_draft_payout_has_no_invoice_yet(client, program, anchor, ana):
    TimeEntryFactory(contract=ana.contracts.get(), date=_days(anchor, 0)[0], hours=Decimal("2"))
    run = payout_run_start(
        program=program, enqueue=False, today=_days(anchor, 0)[-1] + datetime.timedelta(days=1)
    )
    payout_run_execute(run_id=run.pk)
    payout = Payout.objects.get()
    client.force_login(ana.user)
    assert client.get(reverse("payments:portal_invoice_pdf", args=[payout.pk])).status_code == 404
    assert client.get(reverse("payments:portal_statement", args=[payout.pk])).status_code == 200


def test_the_portal_payouts_page_lists_invoices_in_constant_queries(
    client, program, manager, anchor, ana, company, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _run_and_pay(program, manager, _days(anchor, 0), [ana])
    client.force_login(ana.user)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("payments:portal_payouts")).status_code == 200
    for index in (1, 2, 3):
        _run_and_pay(program, manager, _days(anchor, index), [ana])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("payments:portal_payouts")).content.decode()
    assert page.count("/invoice.pdf") == 4


def test_a_server_without_pango_answers_503_with_why_not_500(monkeypatch):
    from core import pdf

    def no_pango():
        raise OSError("cannot load library 'libpango-1.0-0'")

    response = pdf.pdf_response(no_pango, filename="x.pdf")
    assert response.status_code == 503 and "pango" in response.content.decode()
    assert pdf.pdf_response(b"%PDF-1.7", filename="x.pdf")["Content-Type"] == "application/pdf"
