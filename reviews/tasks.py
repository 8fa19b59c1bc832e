"""Celery tasks: take ids (or nothing), are idempotent, and call the same services as the commands."""

from celery import shared_task


@shared_task(name="reviews.tasks.review_sampling_run_task", ignore_result=True)
def review_sampling_run_task() -> dict:
    """Weekly: sample last week's solved tickets per freelancer and assign them to reviewers."""
    from reviews.services import review_sampling_run

    return review_sampling_run()


@shared_task(name="reviews.tasks.csat_sweep_task", ignore_result=True)
def csat_sweep_task() -> dict:
    """Every ten minutes: CSAT surveys for newly solved tickets."""
    from reviews.services import csat_sweep

    return csat_sweep()


@shared_task(name="reviews.tasks.csat_zendesk_pull_task", ignore_result=True)
def csat_zendesk_pull_task() -> dict:
    """Hourly: Zendesk's satisfaction ratings of the programs that chose them, as CSAT surveys."""
    from reviews.services import csat_zendesk_pull_all

    return csat_zendesk_pull_all()


@shared_task(name="reviews.tasks.nps_send_weekly_task", ignore_result=True)
def nps_send_weekly_task() -> dict:
    """Weekly: the NPS question to each program's stakeholders."""
    from reviews.services import nps_send_weekly

    return nps_send_weekly()


@shared_task(name="reviews.tasks.silence_check_task", ignore_result=True)
def silence_check_task() -> dict:
    """Daily: check in with quiet freelancers; tell managers after a second miss."""
    from reviews.services import silence_check

    return silence_check()


@shared_task(name="reviews.tasks.announcements_send_task", ignore_result=True)
def announcements_send_task() -> dict:
    """Every five minutes: e-mail newly published announcements to the program's freelancers."""
    from reviews.services import announcements_send

    return announcements_send()


@shared_task(name="reviews.tasks.announcement_send_task", ignore_result=True)
def announcement_send_task(announcement_id: int) -> int | None:
    from reviews.services import announcement_send

    return announcement_send(announcement_id=announcement_id)
