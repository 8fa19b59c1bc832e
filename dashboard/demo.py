"""Demo: the daily rollups of the last 45 finished days and the open tickets and shifts, as the five-minute job would
have written them."""

import datetime

from django.utils import timezone

from dashboard.services import dashboard_rollups_refresh, dashboard_snapshot_refresh, dashboard_today_refresh


def seed(context):
    for program in (context["program"], context["acme"]):
        today = timezone.now().astimezone(program.zone).date()
        dashboard_rollups_refresh(
            program_id=program.pk,
            start_day=today - datetime.timedelta(days=45),
            end_day=today - datetime.timedelta(days=1),
        )
        dashboard_snapshot_refresh(program_id=program.pk)
        dashboard_today_refresh(program_id=program.pk)
