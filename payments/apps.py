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
        from payments.services.trial_payouts import trial_payout_details_path
        from recruiting.trial_pay import register_trial_payout_details_path

        # Routing (queues) asks contracts how many hours a freelancer worked this week; we answer.
        register_hours_provider(weekly_hours)
        # Contracts compares rates with the program's pay range, and asks whether a rate change reaches
        # into work already paid (then the difference becomes a correction adjustment).
        register_converter(money_convert)
        register_paid_work_provider(corrections)
        # A paid trial's pages (recruiting) send the candidate to our payout-details page.
        register_trial_payout_details_path(trial_payout_details_path)
