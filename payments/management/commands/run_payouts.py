import datetime

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from payments.services import payout_run_execute, payout_run_start, payout_runs_due
from programs.models import Program


class Command(BaseCommand):
    help = (
        "Run payouts: close the pay period that ended and create one payout per freelancer and program "
        "(the same code as the daily Celery job). Safe to run twice; resumes an interrupted run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period-end",
            help="Last day of the period to run (YYYY-MM-DD). Default: the period that ended most recently.",
        )
        parser.add_argument("--program", help="Program slug. Default: every active program.")

    def handle(self, *args, period_end=None, program=None, **options):
        end = None
        if period_end:
            try:
                end = datetime.date.fromisoformat(period_end)
            except ValueError:
                raise CommandError(f"--period-end {period_end!r} is not a date (YYYY-MM-DD).")
        if program:
            programs = list(Program.objects.filter(slug=program))
            if not programs:
                raise CommandError(f"No program with slug {program!r}.")
        else:
            programs = list(Program.objects.filter(status=Program.Status.ACTIVE).order_by("pk"))
        if not program and not end:
            runs = payout_runs_due_sync()
        else:
            runs = []
            for item in programs:
                try:
                    runs.append(payout_run_start(program=item, period_end=end, enqueue=False))
                except DomainError as exc:
                    raise CommandError(f"{item}: {exc.message}")
        for run in runs:
            run = payout_run_execute(run_id=run.pk)
            self.stdout.write(
                f"{run.program}: {run.period.start_date}–{run.period.end_date} run #{run.pk} {run.get_status_display()}: "
                f"{run.created_count} payouts created, {run.error_count} errors"
            )
            for error in run.errors:
                self.stdout.write(
                    self.style.WARNING(f"  {error.get('freelancer') or 'run'}: {error['message']}")
                )
        if not runs:
            self.stdout.write("Nothing to run.")


def payout_runs_due_sync():
    """The daily check without the Celery hop: the command does the work in this process."""
    return payout_runs_due(enqueue=False)
