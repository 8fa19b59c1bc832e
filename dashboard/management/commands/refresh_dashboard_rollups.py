import datetime

from django.core.management.base import BaseCommand, CommandError

from dashboard.services import (
    ROLLUP_WINDOW_DAYS,
    dashboard_rollups_backfill,
    dashboard_snapshot_refresh,
    dashboard_today_refresh,
    rollup_recent_range,
)
from programs.selectors import program_list_active, program_list_by_slug


class Command(BaseCommand):
    help = (
        f"Rewrite the dashboard's daily rollups (what the 5-minute job does: the last {ROLLUP_WINDOW_DAYS} finished "
        "days of every active program, and the snapshot of open tickets and shifts). --program picks one program (any status); --start/--end (YYYY-MM-DD) "
        "or --days backfill another range. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", help="Program slug (default: every active program).")
        parser.add_argument("--start", help="First day, YYYY-MM-DD (program time zone).")
        parser.add_argument(
            "--end", help="Last day, YYYY-MM-DD (default: yesterday; later days are never written)."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=ROLLUP_WINDOW_DAYS,
            help=f"Without --start: how many days up to yesterday (default {ROLLUP_WINDOW_DAYS}).",
        )

    @staticmethod
    def _date(value, name):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--{name} must be a date, YYYY-MM-DD.")

    def handle(self, *args, program=None, start=None, end=None, days=ROLLUP_WINDOW_DAYS, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        programs = program_list_active()
        if program:
            programs = program_list_by_slug(slug=program)
            if not programs.exists():
                raise CommandError(f"No program with the slug {program!r}.")
        total = 0
        for item in programs.order_by("pk"):
            first, last = rollup_recent_range(program=item, days=days)
            if start:
                first = self._date(start, "start")
            if end:
                last = min(last, self._date(end, "end"))
            if last < first:
                raise CommandError("The end of the range is before its start.")
            written = dashboard_rollups_backfill(program_id=item.pk, start_day=first, end_day=last)
            dashboard_snapshot_refresh(program_id=item.pk)
            dashboard_today_refresh(program_id=item.pk)
            total += written
            self.stdout.write(f"{item}: {written} day(s) rolled up ({first} – {last})")
        self.stdout.write(f"{total} rollup row(s) written.")
