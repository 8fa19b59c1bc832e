from django.urls import path

from dashboard import stakeholder_views, views
from programs import converters  # noqa: F401 — registers <program:…>, a slug that is never "new"

app_name = "dashboard"

urlpatterns = [
    path("manage/", views.ManageHomeView.as_view(), name="manage_home"),
    path("portal/", views.PortalHomeView.as_view(), name="portal_home"),
    # The program's own page is its dashboard (programs leaves /manage/programs/<slug>/ to this app).
    path("manage/programs/<program:program_slug>/", views.ProgramDashboardView.as_view(), name="program"),
    path(
        "manage/programs/<program:program_slug>/team/", views.ProgramTeamView.as_view(), name="program_team"
    ),
    path(
        "manage/programs/<program:program_slug>/costs/",
        views.ProgramCostsView.as_view(),
        name="program_costs",
    ),
    path(
        "manage/programs/<program:program_slug>/recruiting-funnel/",
        views.ProgramFunnelView.as_view(),
        name="program_funnel",
    ),
    path(
        "manage/programs/<program:program_slug>/freelancers/<int:freelancer_id>/",
        views.FreelancerView.as_view(),
        name="freelancer",
    ),
    path(
        "manage/programs/<program:program_slug>/freelancers/<int:freelancer_id>/export.csv",
        views.FreelancerExportView.as_view(),
        name="freelancer_export",
    ),
    path(
        "manage/programs/<program:program_slug>/export/<slug:table>.csv",
        views.ExportView.as_view(),
        name="export",
    ),
    path("summary/<str:token>/", views.WeeklySummaryView.as_view(), name="weekly_summary"),
    path(
        "stakeholders/<str:token>/", stakeholder_views.StakeholderPageView.as_view(), name="stakeholder_page"
    ),
]
