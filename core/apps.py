from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # Each app's audit.py registers the words for the verbs it records (core.audit.audit_verbs_register).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("audit")
