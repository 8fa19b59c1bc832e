from django.core.management.base import BaseCommand, CommandError

from programs.models import Program
from queues.counters import counters_compact, counters_repair


class Command(BaseCommand):
    help = (
        "Recount the in-house queue's headline counters from the tickets and fix any drift (the hourly job; "
        "also after a bulk load of tickets), then fold them (the every-minute job)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", action="append", default=[], help="A program's slug (repeatable).")

    def handle(self, *args, program=(), **options):
        program_ids = None
        if program:
            found = dict(Program.objects.filter(slug__in=program).values_list("slug", "pk"))
            missing = sorted(set(program) - set(found))
            if missing:
                raise CommandError(f"No program with the slug {', '.join(missing)}.")
            program_ids = list(found.values())
        result = counters_repair(program_ids=program_ids)
        compacted = counters_compact()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in {**result, **compacted}.items()))
