from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self):
        from accounts.name_lock import register_legal_name_lock
        from accounts.selectors import register_freelancer_programs
        from contracts import checks  # noqa: F401 — registers the vault key system check
        from contracts.selectors import freelancer_program_ids, legal_name_locked_by_signed_contract
        from contracts.services.welcome import freelancer_welcome_send
        from core.events import register_listener
        from programs.services import PROGRAM_STARTED

        register_listener(PROGRAM_STARTED, freelancer_welcome_send)
        register_legal_name_lock(legal_name_locked_by_signed_contract)
        register_freelancer_programs(
            lambda freelancer: freelancer_program_ids(freelancer_id=freelancer.pk) if freelancer.pk else []
        )
