import datetime

from django.core.management.base import BaseCommand, CommandError

from dashboard.services import last_full_week, weekly_summaries_due, weekly_summary_send
from programs.selectors import program_list_active, program_list_by_slug


class Command(BaseCommand):
    help = (
        "Send the weekly summary e-mails now (what the Monday job does). Safe to run twice: a program's week "
        "is sent once. --program and --week pick one program and/or another week (its Monday)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", help="Program slug (default: every active program).")
        parser.add_argument(
            "--week", help="Monday of the week to summarise, YYYY-MM-DD (default: last full week)."
        )

    def handle(self, *args, program=None, week=None, **options):
        monday = None
        if week:
            try:
                monday = datetime.date.fromisoformat(week)
            except ValueError:
                raise CommandError("--week must be a date, YYYY-MM-DD.")
            if monday.weekday() != 0:
                raise CommandError("--week must be a Monday.")
        if program or monday:
            programs = program_list_active()
            if program:
                programs = program_list_by_slug(slug=program)
                if not programs.exists():
                    raise CommandError(f"No program with the slug {program!r}.")
            due = [(p.pk, monday or last_full_week(program=p)) for p in programs.order_by("pk")]
        else:
            due = weekly_summaries_due()
        sent = 0
        for program_id, week_start in due:
            summary = weekly_summary_send(program_id=program_id, week_start=week_start)
            if summary is not None:
                sent += 1
                self.stdout.write(f"{summary}: sent to {len(summary.recipients)} manager(s)")
        self.stdout.write(f"{sent} summary(ies) sent or already sent.")
