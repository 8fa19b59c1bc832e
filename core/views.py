import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks = {}
    healthy = True
    probes = [("database", _check_database)]
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        probes.append(("broker", _check_broker))
    for name, probe in probes:
        try:
            checks[name] = probe()
        except Exception as exc:  # any failure of a dependency makes us unhealthy, never a 500
            logger.warning("healthz: %s check failed: %s", name, exc)
            checks[name] = "unavailable"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


@require_GET
def ping(request):
    """The floor of every page (issue #22's benchmarks): a constant answer through the whole middleware stack,
    no query of its own and nothing probed, so its time is what the middleware (session, user) costs."""
    return HttpResponse("pong", content_type="text/plain")
