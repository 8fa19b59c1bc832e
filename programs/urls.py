from django.urls import path

from programs import (
    assessment_views,
    converters,  # noqa: F401 — registers <program:…>, a slug that is never "new"
    knowledge_views,
    skill_views,
    views,
)

app_name = "programs"

# /manage/programs/<slug>/ itself belongs to the dashboard app (the program's dashboard). Its <program:…>
# converter never matches a reserved slug, so /manage/programs/new/ is the create page whatever the include order.
urlpatterns = [
    path("manage/programs/", views.ProgramListView.as_view(), name="list"),
    path("manage/programs/new/", views.ProgramCreateView.as_view(), name="create"),
    # “Is it time to outsource?” ("assessments" is a reserved slug, so no program's pages compete with these)
    path(
        "manage/programs/assessments/", assessment_views.AssessmentListView.as_view(), name="assessment_list"
    ),
    path(
        "manage/programs/assessments/new/",
        assessment_views.AssessmentFormView.as_view(),
        name="assessment_create",
    ),
    path(
        "manage/programs/assessments/<int:pk>/",
        assessment_views.AssessmentDetailView.as_view(),
        name="assessment_detail",
    ),
    path(
        "manage/programs/assessments/<int:pk>/edit/",
        assessment_views.AssessmentFormView.as_view(),
        name="assessment_edit",
    ),
    path(
        "manage/programs/assessments/<int:pk>/tasks/new/",
        assessment_views.AssessmentTaskFormView.as_view(),
        name="assessment_task_create",
    ),
    path(
        "manage/programs/assessments/<int:pk>/tasks/<int:task_pk>/edit/",
        assessment_views.AssessmentTaskFormView.as_view(),
        name="assessment_task_edit",
    ),
    path(
        "manage/programs/assessments/<int:pk>/tasks/<int:task_pk>/delete/",
        assessment_views.AssessmentTaskDeleteView.as_view(),
        name="assessment_task_delete",
    ),
    path(
        "manage/programs/assessments/<int:pk>/choose/",
        assessment_views.AssessmentChooseView.as_view(),
        name="assessment_choose",
    ),
    path(
        "manage/programs/assessments/<int:pk>/program/",
        assessment_views.AssessmentProgramCreateView.as_view(),
        name="assessment_program",
    ),
    path(
        "manage/programs/<program:program_slug>/worksheet/", views.WorksheetView.as_view(), name="worksheet"
    ),
    path("manage/programs/<program:program_slug>/status/", views.ProgramStatusView.as_view(), name="status"),
    path(
        "manage/programs/<program:program_slug>/worksheet/<slug:section>/",
        views.section_edit,
        name="section_edit",
    ),
    path(
        "manage/programs/<program:program_slug>/inhouse-team/",
        views.ProgramTeamView.as_view(),
        name="inhouse_team",
    ),
    path(
        "manage/programs/<program:program_slug>/inhouse-team/<slug:action>/<int:user_id>/",
        views.ProgramTeamView.as_view(),
        name="inhouse_team_action",
    ),
    path(
        "manage/programs/<program:program_slug>/skills/",
        skill_views.ProgramSkillsView.as_view(),
        name="skills",
    ),
    path(
        "manage/programs/<program:program_slug>/skills/<int:pk>/<slug:action>/",
        skill_views.ProgramSkillActionView.as_view(),
        name="skill_action",
    ),
    path(
        "manage/programs/<program:program_slug>/deliveries/",
        views.DeliveryListView.as_view(),
        name="deliveries",
    ),
    path(
        "manage/programs/<program:program_slug>/deliveries/<int:pk>/<slug:action>/",
        views.DeliveryListView.as_view(),
        name="delivery_action",
    ),
    path(
        "manage/programs/<program:program_slug>/announcements/",
        views.AnnouncementListView.as_view(),
        name="announcement_list",
    ),
    path(
        "manage/programs/<program:program_slug>/announcements/new/",
        views.AnnouncementCreateView.as_view(),
        name="announcement_create",
    ),
    path(
        "manage/programs/<program:program_slug>/announcements/<int:pk>/edit/",
        views.AnnouncementUpdateView.as_view(),
        name="announcement_edit",
    ),
    path(
        "manage/programs/<program:program_slug>/announcements/<int:pk>/<slug:action>/",
        views.AnnouncementActionView.as_view(),
        name="announcement_action",
    ),
    path(
        "manage/programs/<program:program_slug>/knowledge/",
        knowledge_views.KnowledgeListView.as_view(),
        name="knowledge",
    ),
    path(
        "manage/programs/<program:program_slug>/knowledge/new/",
        knowledge_views.ArticleFormView.as_view(),
        name="knowledge_create",
    ),
    path(
        "manage/programs/<program:program_slug>/knowledge/<int:pk>/",
        knowledge_views.ArticleDetailView.as_view(),
        name="knowledge_article",
    ),
    path(
        "manage/programs/<program:program_slug>/knowledge/<int:pk>/edit/",
        knowledge_views.ArticleFormView.as_view(),
        name="knowledge_edit",
    ),
    path(
        "manage/programs/<program:program_slug>/knowledge/<int:pk>/delete/",
        knowledge_views.ArticleDeleteView.as_view(),
        name="knowledge_delete",
    ),
    path(
        "manage/programs/<program:program_slug>/onboarding/<int:pk>/quiz/",
        knowledge_views.QuizQuestionsView.as_view(),
        name="quiz_questions",
    ),
]
