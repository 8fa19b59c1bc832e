from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self):
        from core.events import register_listener
        from programs.services import PROGRAM_STARTED
        from reviews.services.stakeholders import stakeholder_welcome_send

        register_listener(PROGRAM_STARTED, stakeholder_welcome_send)
