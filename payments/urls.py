from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    # Managers
    path("manage/payments/", views.PaymentsHomeView.as_view(), name="home"),
    path("manage/payments/approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("manage/payments/approvals/week/", views.WeekApproveView.as_view(), name="week_approve"),
    path(
        "manage/payments/entries/<int:pk>/<slug:action>/",
        views.EntryReviewView.as_view(),
        name="entry_review",
    ),
    path("manage/payments/periods/", views.PeriodListView.as_view(), name="periods"),
    path("manage/payments/runs/", views.RunListView.as_view(), name="runs"),
    path("manage/payments/runs/start/", views.RunStartView.as_view(), name="run_start"),
    path("manage/payments/runs/off-cycle/", views.OffCyclePayoutView.as_view(), name="off_cycle_payout"),
    path("manage/payments/runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("manage/payments/runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run_progress"),
    path("manage/payments/payouts/", views.PayoutListView.as_view(), name="payouts"),
    path("manage/payments/payouts/bulk/", views.PayoutBulkView.as_view(), name="payouts_bulk"),
    path("manage/payments/payouts/export.csv", views.PayoutExportView.as_view(), name="payouts_export"),
    path(
        "manage/payments/payouts/export/<slug:export_format>/",
        views.PayoutExportView.as_view(),
        name="payouts_export_file",
    ),
    path("manage/payments/payouts/<int:pk>/", views.PayoutDetailView.as_view(), name="payout_detail"),
    path(
        "manage/payments/payouts/<int:pk>/statement/", views.PayoutStatementView.as_view(), name="statement"
    ),
    path(
        "manage/payments/payouts/<int:pk>/statement.pdf",
        views.PayoutStatementPdfView.as_view(),
        name="statement_pdf",
    ),
    path(
        "manage/payments/payouts/<int:pk>/invoice.pdf",
        views.PayoutInvoicePdfView.as_view(),
        name="invoice_pdf",
    ),
    path(
        "manage/payments/payouts/<int:pk>/<slug:action>/",
        views.PayoutActionView.as_view(),
        name="payout_action",
    ),
    path(
        "manage/payments/trial-payouts/<int:pk>/paid/",
        views.TrialPayoutPaidView.as_view(),
        name="trial_payout_paid",
    ),
    path("manage/payments/exchange-rates/", views.ExchangeRateListView.as_view(), name="exchange_rates"),
    path(
        "manage/payments/exchange-rates/import/",
        views.ExchangeRateImportView.as_view(),
        name="exchange_rates_import",
    ),
    path("manage/payments/adjustments/", views.AdjustmentListView.as_view(), name="adjustments"),
    path("manage/payments/requests/", views.RequestListView.as_view(), name="requests"),
    path(
        "manage/payments/requests/<int:pk>/<slug:action>/",
        views.RequestDecideView.as_view(),
        name="request_decide",
    ),
    # Candidates (no account): a paid trial's payout details, behind the trial's private link
    path("trial/<str:token>/payout/", views.TrialPayoutDetailsView.as_view(), name="trial_payout_details"),
    # Freelancer portal
    path("portal/time/", views.TimesheetView.as_view(), name="timesheet"),
    path("portal/time/submit/", views.WeekSubmitView.as_view(), name="week_submit"),
    path("portal/time/timer/<slug:action>/", views.TimerView.as_view(), name="timer"),
    path("portal/time/entries/<int:pk>/", views.EntryEditView.as_view(), name="entry_edit"),
    path("portal/time/entries/<int:pk>/delete/", views.EntryDeleteView.as_view(), name="entry_delete"),
    path("portal/payouts/", views.PortalPayoutsView.as_view(), name="portal_payouts"),
    path("portal/payouts/details/", views.PortalPayoutDetailsView.as_view(), name="portal_payout_details"),
    path(
        "portal/payouts/invoice-details/",
        views.PortalInvoiceDetailsView.as_view(),
        name="portal_invoice_details",
    ),
    path("portal/payouts/<int:pk>/", views.PortalStatementView.as_view(), name="portal_statement"),
    path(
        "portal/payouts/<int:pk>/statement.pdf",
        views.PortalStatementPdfView.as_view(),
        name="portal_statement_pdf",
    ),
    path(
        "portal/payouts/<int:pk>/invoice.pdf", views.PortalInvoicePdfView.as_view(), name="portal_invoice_pdf"
    ),
    path(
        "portal/payouts/<int:pk>/invoice/upload/",
        views.PortalInvoiceUploadView.as_view(),
        name="portal_invoice_upload",
    ),
    path(
        "portal/payouts/requests/<int:pk>/cancel/", views.RequestCancelView.as_view(), name="request_cancel"
    ),
]
