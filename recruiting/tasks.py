from celery import shared_task


@shared_task
def application_nudges_send_task() -> int:
    from recruiting.services import nudges_send

    return nudges_send()


@shared_task
def applications_anonymise_task() -> int:
    from recruiting.services import applications_anonymise

    return applications_anonymise()


@shared_task
def interview_reminders_send_task() -> int:
    from recruiting.services import interview_reminders_send

    return interview_reminders_send()
