from django.urls import path

from reviews.views import manage, portal, surveys

app_name = "reviews"

urlpatterns = [
    # Manage
    path("manage/reviews/", manage.HomeView.as_view(), name="home"),
    path("manage/reviews/queue/", manage.AssignmentListView.as_view(), name="queue"),
    path("manage/reviews/all/", manage.ReviewListView.as_view(), name="review_list"),
    path("manage/reviews/pick/", manage.PickTicketView.as_view(), name="pick"),
    path("manage/reviews/tickets/<int:ticket_pk>/", manage.ReviewTicketView.as_view(), name="review_ticket"),
    path("manage/reviews/<int:pk>/", manage.ReviewDetailView.as_view(), name="review_detail"),
    path("manage/reviews/disputes/", manage.DisputeListView.as_view(), name="disputes"),
    path("manage/reviews/disputes/<int:pk>/", manage.DisputeResolveView.as_view(), name="dispute_resolve"),
    path("manage/reviews/calibration/", manage.CalibrationListView.as_view(), name="calibration"),
    path(
        "manage/reviews/calibration/<int:pk>/",
        manage.CalibrationDetailView.as_view(),
        name="calibration_detail",
    ),
    path(
        "manage/reviews/calibration/<int:pk>/<slug:action>/",
        manage.CalibrationCloseView.as_view(),
        name="calibration_action",
    ),
    path("manage/reviews/csat/", manage.CsatReportView.as_view(), name="csat"),
    path("manage/reviews/nps/", manage.NpsReportView.as_view(), name="nps"),
    path("manage/reviews/stakeholders/", manage.StakeholderLinkListView.as_view(), name="stakeholders"),
    path(
        "manage/reviews/stakeholders/<int:pk>/<slug:action>/",
        manage.StakeholderLinkActionView.as_view(),
        name="stakeholder_link_action",
    ),
    path(
        "manage/reviews/run-now/<slug:program_slug>/<slug:action>/",
        manage.RunNowView.as_view(),
        name="run_now",
    ),
    path("manage/reviews/evaluations/", manage.EvaluationListView.as_view(), name="evaluations"),
    path(
        "manage/reviews/evaluations/<int:pk>/",
        manage.EvaluationDetailView.as_view(),
        name="evaluation_detail",
    ),
    path(
        "manage/reviews/evaluations/<slug:program_slug>/<int:freelancer_pk>/new/",
        manage.EvaluationCreateView.as_view(),
        name="evaluation_create",
    ),
    path("manage/reviews/leaderboard/", manage.LeaderboardView.as_view(), name="leaderboard"),
    path("manage/reviews/feedback/", manage.FeedbackListView.as_view(), name="feedback"),
    path(
        "manage/reviews/feedback/<int:pk>/<slug:action>/",
        manage.FeedbackMarkView.as_view(),
        name="feedback_mark",
    ),
    path("manage/reviews/check-ins/", manage.CheckInListView.as_view(), name="check_ins"),
    path("manage/reviews/settings/<slug:program_slug>/", manage.SettingsView.as_view(), name="settings"),
    # Portal
    path("portal/reviews/", portal.PortalReviewListView.as_view(), name="portal_reviews"),
    path("portal/reviews/<int:pk>/", portal.PortalReviewDetailView.as_view(), name="portal_review"),
    path("portal/evaluations/", portal.PortalEvaluationListView.as_view(), name="portal_evaluations"),
    path(
        "portal/evaluations/<int:pk>/", portal.PortalEvaluationDetailView.as_view(), name="portal_evaluation"
    ),
    path("portal/feedback/", portal.PortalFeedbackView.as_view(), name="portal_feedback"),
    path(
        "portal/feedback/<slug:action>/", portal.PortalFeedbackView.as_view(), name="portal_feedback_action"
    ),
    path("portal/announcements/", portal.PortalAnnouncementListView.as_view(), name="portal_announcements"),
    # Public survey links
    path("survey/csat/<str:token>/", surveys.CsatSurveyView.as_view(), name="csat_survey"),
    path("survey/nps/<str:token>/", surveys.NpsSurveyView.as_view(), name="nps_survey"),
]
