import datetime
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db


def _task(name, *, minutes_ago, enabled=True):
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(
        name=name,
        task="core.tasks.outbox_deliver_due_task",
        interval=every_minute,
        enabled=enabled,
        last_run_at=None if minutes_ago is None else timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )


def test_healthy_while_beat_keeps_sending(capsys):
    _task("stale", minutes_ago=60)
    _task("fresh", minutes_ago=2)
    call_command("beat_healthcheck")
    assert re.match(r"ok: last send 1[12]\d s ago", capsys.readouterr().out)


def test_unhealthy_when_nothing_was_sent_recently_or_ever():
    with pytest.raises(CommandError, match="has not sent"):
        call_command("beat_healthcheck")
    _task("never", minutes_ago=None)
    _task("disabled but recent", minutes_ago=0, enabled=False)  # an admin's disabled job proves nothing
    _task("stale", minutes_ago=11)
    with pytest.raises(CommandError, match="limit 600 s"):
        call_command("beat_healthcheck")
    call_command("beat_healthcheck", "--max-age", "900")
