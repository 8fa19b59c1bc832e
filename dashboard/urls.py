from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("manage/", views.ManageHomeView.as_view(), name="manage_home"),
    path("portal/", views.PortalHomeView.as_view(), name="portal_home"),
]
