from django.urls import path

from recruiting import views

app_name = "recruiting"

urlpatterns = [
    path("manage/recruiting/", views.PostingListView.as_view(), name="posting_list"),
    path(
        "manage/recruiting/programs/<slug:program_slug>/postings/new/",
        views.PostingCreateView.as_view(),
        name="posting_create",
    ),
    path(
        "manage/recruiting/programs/<slug:program_slug>/templates/",
        views.MessageTemplateListView.as_view(),
        name="template_list",
    ),
    path(
        "manage/recruiting/programs/<slug:program_slug>/templates/<slug:kind>/",
        views.MessageTemplateEditView.as_view(),
        name="template_edit",
    ),
    path(
        "manage/recruiting/programs/<slug:program_slug>/referrals/",
        views.ReferralBonusView.as_view(),
        name="referral_bonus",
    ),
    path("manage/recruiting/postings/<int:pk>/", views.PostingDetailView.as_view(), name="posting_detail"),
    path(
        "manage/recruiting/postings/<int:pk>/edit/", views.PostingUpdateView.as_view(), name="posting_update"
    ),
    path(
        "manage/recruiting/postings/<int:pk>/status/",
        views.PostingStatusView.as_view(),
        name="posting_status",
    ),
    path("manage/recruiting/postings/<int:pk>/board/", views.BoardView.as_view(), name="board"),
    path(
        "manage/recruiting/postings/<int:pk>/applications/",
        views.ApplicationListView.as_view(),
        name="application_list",
    ),
    path(
        "manage/recruiting/applications/<int:pk>/",
        views.ApplicationDetailView.as_view(),
        name="application_detail",
    ),
    path(
        "manage/recruiting/applications/<int:pk>/move/",
        views.ApplicationMoveView.as_view(),
        name="application_move",
    ),
    path("manage/recruiting/applications/<int:pk>/resume/", views.ResumeView.as_view(), name="resume"),
    path(
        "manage/recruiting/applications/<int:pk>/score/",
        views.ScoreOverrideView.as_view(),
        name="score_override",
    ),
    path("manage/recruiting/applications/<int:pk>/reply/", views.ReplyLogView.as_view(), name="reply_log"),
    path(
        "manage/recruiting/applications/<int:pk>/message/",
        views.MessageSendView.as_view(),
        name="message_send",
    ),
    path(
        "manage/recruiting/applications/<int:pk>/trial/new/",
        views.TrialTaskCreateView.as_view(),
        name="trial_create",
    ),
    path(
        "manage/recruiting/applications/<int:pk>/interviews/new/",
        views.InterviewCreateView.as_view(),
        name="interview_create",
    ),
    path(
        "manage/recruiting/applications/<int:pk>/interviews/offer/",
        views.InterviewSlotsOfferView.as_view(),
        name="interview_slots_offer",
    ),
    path(
        "manage/recruiting/interviews/<int:pk>/reschedule/",
        views.InterviewRescheduleView.as_view(),
        name="interview_reschedule",
    ),
    path(
        "manage/recruiting/interviews/<int:pk>/cancel/",
        views.InterviewCancelView.as_view(),
        name="interview_cancel",
    ),
    path(
        "manage/recruiting/interview-offers/<int:pk>/withdraw/",
        views.InterviewSlotsWithdrawView.as_view(),
        name="interview_slots_withdraw",
    ),
    path("manage/recruiting/applications/<int:pk>/hire/", views.HireView.as_view(), name="hire"),
    path("manage/recruiting/trials/<int:pk>/grade/", views.TrialTaskGradeView.as_view(), name="trial_grade"),
    path(
        "manage/recruiting/trials/<int:pk>/cancel/", views.TrialTaskCancelView.as_view(), name="trial_cancel"
    ),
    path(
        "manage/recruiting/interviews/<int:pk>/scorecard/",
        views.InterviewRecordView.as_view(),
        name="interview_record",
    ),
    # Freelancer portal: referrals.
    path("portal/referrals/", views.PortalReferralListView.as_view(), name="portal_referrals"),
    path("portal/referrals/<int:pk>/", views.PortalReferralDetailView.as_view(), name="portal_referral"),
    path(
        "portal/referrals/postings/<int:pk>/refer/",
        views.PortalReferralCreateView.as_view(),
        name="portal_refer",
    ),
    # Public: no login.
    path("apply/<slug:slug>/", views.ApplyView.as_view(), name="apply"),
    path("apply/<slug:slug>/thanks/", views.ApplyThanksView.as_view(), name="apply_thanks"),
    path("trial/<str:token>/", views.TrialPublicView.as_view(), name="trial_public"),
    path("interview/<str:token>/", views.InterviewPickView.as_view(), name="interview_pick"),
]
