"""`make run`'s background half: the Procfile's worker and beat, started by honcho, on the embedded broker.

Real processes on the test database (hence PostgreSQL: they cannot see an in-memory SQLite one), a real
SMTP server, the real outbox sweep task. Only the schedule is the test's own: every second, not every minute.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.models import OutboxMessage
from core.outbox import email_enqueue

BIN = Path(sys.executable).parent
TIMEOUT = 45  # seconds for worker and beat to start, beat to send and the worker to deliver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _celery_can_start():
    try:
        subprocess.run([BIN / "celery", "--version"], check=True, capture_output=True, timeout=30)
        subprocess.run([BIN / "honcho", "version"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"celery or honcho cannot start here: {exc}")


def _start(tmp_path, *, smtp_port, broker_url=None):
    """honcho running the Procfile's worker and beat as `make run` does, in the `make run` settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DJANGO_", "PYTEST_"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_FOLDER=str(tmp_path / "broker"),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        HOST="127.0.0.1",
        PORT="8099",
        FLEXDESK_PORT="8099",
        SITE_URL="http://127.0.0.1:8099",
    )
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    log = (tmp_path / "honcho.log").open("wb")
    process = subprocess.Popen(
        [BIN / "honcho", "--procfile", "Procfile", "--env", os.devnull, "start", "worker", "beat"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def _stop(process, log, tmp_path) -> str:
    """Ctrl-C, as in `make run`: honcho stops both. Should honcho itself hang, it and its two are killed."""
    hung = False
    try:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                hung = True
                process.kill()
                process.wait(timeout=5)
    finally:
        log.close()
    output = (tmp_path / "honcho.log").read_text(errors="replace")
    if hung:
        for pid in re.findall(r"\b(?:worker|beat)\.1 started \(pid=(\d+)\)", output):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(pid), signal.SIGKILL)  # honcho starts each in its own process group
    return output


def _due_email_the_site_could_not_send(smtp_server) -> OutboxMessage:
    """An e-mail whose first try found the mail server down, and whose retry is now due."""
    smtp_server.stop()
    message = email_enqueue(to=["probe@example.test"], subject="Sent by the worker", body="Hello from beat.")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.QUEUED and message.attempts == 1
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    smtp_server.start()
    return message


@pytest.mark.parametrize(
    "broker",
    [
        pytest.param("embedded", id="embedded-filesystem-broker"),
        pytest.param("redis", id="redis", marks=pytest.mark.redis),
    ],
)
def test_beat_sends_a_schedule_and_the_worker_runs_it(broker, tmp_path, smtp_server):
    _celery_can_start()
    broker_url = None
    if broker == "redis":
        from config.celery import app

        broker_url = os.environ["CELERY_BROKER_URL"]
        with app.connection_for_write(broker_url) as conn:
            app.control.purge(connection=conn)  # nothing left over from other runs on this Redis database

    # given an e-mail due for its retry, and the outbox sweep scheduled every second
    message = _due_email_the_site_could_not_send(smtp_server)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    schedule = PeriodicTask.objects.create(
        name="test: outbox sweep every second",
        interval=every_second,
        task="core.tasks.outbox_deliver_due_task",
    )

    # when the Procfile's worker and beat run, as `make run` starts them
    process, log = _start(tmp_path, smtp_port=smtp_server.port, broker_url=broker_url)
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            message.refresh_from_db()
            if message.status == OutboxMessage.Status.SENT:
                break
            time.sleep(0.25)
    finally:
        output = _stop(process, log, tmp_path)

    # then beat sent the schedule, the worker ran the sweep, and the e-mail reached the mail server
    assert message.status == OutboxMessage.Status.SENT, output[-4000:]
    assert re.search(r"beat\.1 +\| .*Sending due task test: outbox sweep every second", output), output[
        -4000:
    ]
    assert re.search(r"worker\.1 +\| .*core\.tasks\.outbox_deliver_due_task\[[^]]+\] succeeded", output), (
        output[-4000:]
    )
    assert smtp_server.subjects() == ["Sent by the worker"]
    schedule.refresh_from_db()
    assert schedule.last_run_at is not None
    # and Ctrl-C stopped both (a warm shutdown; honcho kills what is still running after 5 s)
    assert process.returncode is not None
    assert re.search(r"system +\| worker\.1 stopped", output), output[-2000:]
    assert re.search(r"system +\| beat\.1 stopped", output), output[-2000:]
    if broker == "embedded":
        assert (tmp_path / "broker" / "queue").is_dir()  # the broker's messages lived in the given folder
