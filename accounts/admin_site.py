"""/admin/ with two-factor sign-in: the default admin site, swapped in through the admin app's config.

INSTALLED_APPS lists `accounts.admin_site.AdminConfig` in place of `django.contrib.admin`, so every
`admin.site.register(...)` in the apps lands on this site. Like django-otp's OTPAdminSite, a staff user
counts only once the session passed the second factor (or needs none, see accounts.two_factor).
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse


class TwoFactorAdminSite(admin.AdminSite):
    def has_permission(self, request):
        from accounts.two_factor import two_factor_verified  # models are not loaded when this module is

        return super().has_permission(request) and two_factor_verified(request.user)

    def login(self, request, extra_context=None):
        """Anonymous visitors use Flexdesk's own login (with its second step and lockout)."""
        if request.user.is_authenticated:
            return super().login(request, extra_context)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.TwoFactorAdminSite"
