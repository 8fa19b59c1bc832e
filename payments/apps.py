from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from contracts.hours import register_hours_provider
        from payments.services.time_entries import weekly_hours

        # Routing (queues) asks contracts how many hours a freelancer worked this week; we answer.
        register_hours_provider(weekly_hours)
