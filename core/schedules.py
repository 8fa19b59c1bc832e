"""Default Celery beat schedules, versioned in code and editable in admin afterwards.

Each app that has scheduled jobs has a `schedules.py` with a SCHEDULES list of dicts:
    {"name": "...", "task": "app.tasks.x_task", "crontab": {"minute": "0", "hour": "3"}}
or  {"name": "...", "task": "...", "every_seconds": 60}
Registration uses update_or_create by name, so it is safe to run again; an admin's
change to enabled/disabled is kept.
"""

from django.db import transaction

from core.discovery import app_modules


def default_schedules() -> list[dict]:
    items = []
    for _app, module in app_modules("schedules"):
        items.extend(getattr(module, "SCHEDULES", []))
    return items


def retired_schedules() -> list[str]:
    """Names of jobs an app no longer has (each app's schedules.RETIRED): registration removes them."""
    return [name for _app, module in app_modules("schedules") for name in getattr(module, "RETIRED", [])]


@transaction.atomic
def periodic_tasks_setup() -> list[str]:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    lines = []
    for item in default_schedules():
        defaults = {"task": item["task"], "description": item.get("description", "")}
        if "every_seconds" in item:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=item["every_seconds"], period=IntervalSchedule.SECONDS
            )
            defaults.update(interval=interval, crontab=None)
        else:
            cron = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
            cron.update(item["crontab"])
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **cron)
            defaults.update(crontab=crontab, interval=None)
        _task, created = PeriodicTask.objects.update_or_create(name=item["name"], defaults=defaults)
        lines.append(f"{'created' if created else 'updated'}: {item['name']} → {item['task']}")
    for name in retired_schedules():
        if PeriodicTask.objects.filter(name=name).delete()[0]:
            lines.append(f"removed: {name}")
    return lines


SCHEDULES = [
    {
        "name": "core: retry due outbox deliveries",
        "task": "core.tasks.outbox_deliver_due_task",
        "every_seconds": 60,
        "description": "Send outbox messages whose retry is due or whose delivery task never reached a worker "
        "(the broker was down). Same code: manage.py outbox_deliver_due.",
    },
]
