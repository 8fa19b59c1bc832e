from django.apps import AppConfig


class RecruitingConfig(AppConfig):
    name = "recruiting"
    verbose_name = "Recruiting"

    def ready(self):
        from contracts.connections import register_freelancer_connection
        from recruiting.selectors import hired_freelancer_ids

        # Managers may see and contract the freelancers hired through their programs' postings.
        register_freelancer_connection("recruiting.hired", hired_freelancer_ids)
