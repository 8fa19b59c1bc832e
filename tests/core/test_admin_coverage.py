"""Every model of Flexdesk's apps is usable in Django admin: registered (or an inline of a registered model),
and its list answers for a superuser."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

OUR_APPS = set(settings.LOCAL_APPS)


def _our_models():
    return [model for model in apps.get_models() if model._meta.app_label in OUR_APPS]


def test_every_model_is_in_admin():
    inline_models = {
        inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines
    }
    missing = [
        model._meta.label
        for model in _our_models()
        if model not in admin.site._registry and model not in inline_models
    ]
    assert missing == []


@pytest.mark.django_db
def test_every_admin_list_answers(admin_client):
    failed = []
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        status = admin_client.get(url).status_code
        if status != 200:
            failed.append((model._meta.label, status))
    assert failed == []
