from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from contracts.conversion import register_converter
        from contracts.hours import register_hours_provider
        from contracts.paid_work import register_paid_work_provider
        from payments.services import corrections
        from payments.services.rates import money_convert
        from payments.services.time_entries import weekly_hours

        # Routing (queues) asks contracts how many hours a freelancer worked this week; we answer.
        register_hours_provider(weekly_hours)
        # Contracts compares rates with the program's pay range, and asks whether a rate change reaches
        # into work already paid (then the difference becomes a correction adjustment).
        register_converter(money_convert)
        register_paid_work_provider(corrections)
