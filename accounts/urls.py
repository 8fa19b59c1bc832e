from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import api_token_views, views
from accounts.forms import OutboxPasswordResetForm

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/login/code/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("accounts/two-factor/setup/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("accounts/two-factor/setup/qr.svg", views.TwoFactorQRCodeView.as_view(), name="two_factor_qr"),
    path(
        "accounts/two-factor/recovery-codes/",
        views.TwoFactorRecoveryCodesView.as_view(),
        name="two_factor_recovery_codes",
    ),
    path("accounts/two-factor/disable/", views.TwoFactorDisableView.as_view(), name="two_factor_disable"),
    path("accounts/home/", views.LandingView.as_view(), name="landing"),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path("manage/api-tokens/", api_token_views.ApiTokenListView.as_view(), name="api_tokens"),
    path(
        "manage/api-tokens/<int:user_id>/<slug:action>/",
        api_token_views.ApiTokenActionView.as_view(),
        name="api_token_action",
    ),
    path("portal/profile/legal-name/", views.LegalNameRequestView.as_view(), name="legal_name_request"),
    path("accounts/invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite_accept"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=OutboxPasswordResetForm,
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
