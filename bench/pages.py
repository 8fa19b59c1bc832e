"""Page benchmark (issue #22): each page timed over HTTP against gunicorn, on one data set of bench/datasets.py.

    .venv/bin/python bench/pages.py --size 10k                          # every page, 10 warm-up, 5 × 40
    .venv/bin/python bench/pages.py --size 10k --pages floor,inhouse --rounds 2 --requests 10
    .venv/bin/python bench/pages.py --size 100k --json /tmp/100k.json   # the results as JSON too (bench/run.py)

How it measures, as the issue says:
- production settings (config.settings.production, DEBUG off, through bench/settings.py, which only adds two
  reference pages: bench/urls.py) with their required environment filled in for
  this machine (PRODUCTION_ENV: a bench secret key, Redis databases of the bench's own for the cache and the
  broker), collected static files, and gunicorn with 2 sync workers on a free port;
- each user logged in once with a real session (Django's test client logs in through the session engine the
  settings name and the bench takes the cookie; a manager's session is also past two-factor, as after a code);
- 10 warm-up requests per page, then 5 rounds in which every page takes its turn for 40 sequential requests
  (a passing disturbance of this shared machine lands on all pages, not one); each request is a new
  connection (gunicorn's sync workers close it after the response) and reads the whole body;
- median and p95 of the 200 timed requests; for the CSV export also the time to the first byte (the status
  line and headers: a streamed response sends them before its rows);
- the queries of one request, counted in this process with CaptureQueriesContext through Django's test
  client (same URL, same user, same settings), after one warm-up request;
- the ratio of each page's median to the logged-in floor of the same run and the same kind of user (/ping
  through the whole middleware: manager pages against the manager's floor, portal pages against the
  freelancer's; the anonymous floor against the manager's).

PAGES lists the pages; a new page is one line. The paths are formatted with the data set's marker
(bench/datasets.py: program, ticket_2_messages, ticket_50_messages, freelancer_id, …).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import datasets  # noqa: E402

# What config.settings.production requires, for this machine. The cache and the broker are Redis databases of
# the bench's own (BENCH_CACHE_URL / BENCH_BROKER_URL override them); the vault key is local.py's development key.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",  # production's, plus two reference pages
    "DJANGO_SECRET_KEY": "bench-only-not-secret-4c7d1e9a0b2f",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "FLEXDESK_VAULT_KEYS": "b9GFvleSUT9MgUklqTJ6VVIim9d8lleys7Wvd2Fqduw=",
    "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7"),
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/6"),
    "DJANGO_DEBUG": "false",
    "LOG_LEVEL": "WARNING",
}
WORKERS = 2
# A page whose warm-up median is over this (ms) is timed with a quarter of the requests (the table shows n).
SLOW_MS = 1000


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    user: str  # anonymous, manager, agent, freelancer
    path: str  # formatted with the data set's marker
    floor: str = "floor"  # the page whose median its ratio divides by
    htmx: bool = False  # fetched by htmx (HX-Request header)
    first_byte: bool = False  # also report the time to the first byte


PAGES = [
    Page("floor-anon", "floor, anonymous (/ping)", "anonymous", "/ping"),
    Page("floor", "floor, logged-in manager (/ping)", "manager", "/ping"),
    Page(
        "floor-freelancer",
        "floor, logged-in freelancer (/ping)",
        "freelancer",
        "/ping",
        floor="floor-freelancer",
    ),
    Page("bare", "reference: a /manage/ view, no template (bench/urls.py)", "manager", "/bench/bare"),
    Page("layout", "reference: an empty page in the layout", "manager", "/bench/layout"),
    Page("inhouse", "in-house queue", "manager", "/manage/queues/"),
    Page("counts", "in-house headline counts (htmx)", "manager", "/manage/queues/counts/", htmx=True),
    Page(
        "myqueue",
        "freelancer's queue (My tickets)",
        "freelancer",
        "/portal/tickets/",
        floor="floor-freelancer",
    ),
    Page(
        "ticket-manage-2",
        "manager ticket page, 2 messages",
        "manager",
        "/manage/queues/tickets/{ticket_2_messages}/",
    ),
    Page(
        "ticket-manage-50",
        "manager ticket page, 50 messages",
        "manager",
        "/manage/queues/tickets/{ticket_50_messages}/",
    ),
    Page(
        "ticket-portal-2",
        "portal ticket page, 2 messages",
        "freelancer",
        "/portal/tickets/{ticket_2_messages}/",
        floor="floor-freelancer",
    ),
    Page(
        "ticket-portal-50",
        "portal ticket page, 50 messages",
        "freelancer",
        "/portal/tickets/{ticket_50_messages}/",
        floor="floor-freelancer",
    ),
    Page("dashboard", "program dashboard (last 30 days)", "manager", "/manage/programs/{program}/"),
    Page("team", "team table (last 30 days)", "manager", "/manage/programs/{program}/team/"),
    Page("home", "manager home", "manager", "/manage/"),
    Page(
        "export",
        "CSV export, team table (last 30 days)",
        "manager",
        "/manage/programs/{program}/export/team.csv",
        first_byte=True,
    ),
]
PAGE_KEYS = [page.key for page in PAGES]


def select_pages(keys: list[str] | None) -> list[Page]:
    """The pages asked for, plus the floors their ratios need, in PAGES' order."""
    if not keys:
        return list(PAGES)
    unknown = set(keys) - set(PAGE_KEYS)
    if unknown:
        raise SystemExit(f"No such page: {', '.join(sorted(unknown))}. Pages: {', '.join(PAGE_KEYS)}")
    wanted = set(keys)
    by_key = {page.key: page for page in PAGES}
    wanted |= {by_key[key].floor for key in keys}
    return [page for page in PAGES if page.key in wanted]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 200 values: the 190th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def production_env(size: str) -> dict[str, str]:
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": datasets.database_url(size)}
    for name in ("CACHE_URL", "CELERY_BROKER_URL"):
        env[name] = os.environ.get(f"BENCH_{name}", PRODUCTION_ENV[name])
    return env


def collectstatic() -> None:
    """The manifest production's static storage reads ({% static %} fails without it), collected again only
    when a static file (or the installed packages) is newer than it: collecting compresses every file (~1 min)."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    sources = [ROOT / ".venv" / ".installed", *ROOT.glob("static/**/*"), *ROOT.glob("*/static/**/*")]
    newest = max((path.stat().st_mtime for path in sources if path.is_file()), default=0.0)
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    env = production_env("10k")
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with WORKERS sync workers on a free port, production settings, started and stopped by the bench."""

    def __init__(self, size: str) -> None:
        self.port = _free_port()
        self.log = open(f"/tmp/bench-gunicorn-{size}-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi:application",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            env=production_env(size),
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _body, _first, _total = self.get("/ping", cookie=None)
                if status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not start; see {self.log.name}")
            time.sleep(0.3)

    def get(self, path: str, *, cookie: str | None, htmx: bool = False) -> tuple[int, bytes, float, float]:
        """One request on a new connection: (status, body, seconds to the first byte, seconds in all)."""
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept": "text/html,*/*"}
        if cookie:
            headers["Cookie"] = cookie
        if htmx:
            headers["HX-Request"] = "true"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            first = time.perf_counter()
            body = response.read()
            done = time.perf_counter()
        finally:
            connection.close()
        return response.status, body, first - started, done - started

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _users(info: dict[str, Any]) -> dict[str, Any]:
    from accounts.models import User

    return {
        "manager": User.objects.get(pk=info["manager_id"]),
        "agent": User.objects.get(pk=info["agent_id"]),
        "freelancer": User.objects.get(pk=info["freelancer_user_id"]),
    }


def _clients(users: dict[str, Any]) -> dict[str, Any]:
    """A logged-in test client per user (a real session in the settings' engine); anonymous has none."""
    from django.test import Client

    from accounts.two_factor import session_mark_verified, two_factor_required_for

    clients: dict[str, Any] = {"anonymous": Client()}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        if two_factor_required_for(user):
            session_mark_verified(session=client.session, user=user)
        clients[role] = client
    return clients


def _cookie(client: Any) -> str | None:
    from django.conf import settings

    morsel = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return f"{settings.SESSION_COOKIE_NAME}={morsel.value}" if morsel else None


def count_queries(client: Any, page: Page, path: str) -> int:
    """The queries of one request to the page, in this process (after a warm-up request). Raises PageFailed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HX-Request": "true"} if page.htmx else {}

    def fetch() -> int:
        response = client.get(path, secure=True, headers=headers)
        if response.streaming:
            b"".join(response.streaming_content)
        return response.status_code

    try:
        status = fetch()
    except Exception as error:  # the page is broken: say so, measure the others
        raise PageFailed(f"in-process: {type(error).__name__}: {error}") from error
    if status != 200:
        raise PageFailed(f"in-process: answered {status}")
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return len(queries)


class PageFailed(Exception):
    pass


def run(
    *, size: str, keys: list[str] | None, warmup: int, rounds: int, requests: int, queries: bool = True
) -> dict[str, Any]:
    info = datasets.dataset_info(size)
    if info is None:
        raise SystemExit(
            f"{datasets.database_name(size)} is not built: bench/datasets.py build --sizes {size}"
        )
    for name, value in production_env(size).items():
        os.environ[name] = value
    if "BENCH_CACHE_URL" not in os.environ:
        # The bench's own cache database: the sets share user ids (1 is the manager in each), so a user cached
        # from one set must not answer for another.
        import redis

        redis.Redis.from_url(PRODUCTION_ENV["CACHE_URL"]).flushdb()
    import django

    django.setup()
    from django.db import connections

    pages = select_pages(keys)
    paths = {page.key: page.path.format(**info) for page in pages}
    clients = _clients(_users(info))
    cookies = {role: _cookie(client) for role, client in clients.items()}
    failed: dict[str, str] = {}
    counted: dict[str, int] = {}
    for page in pages:
        if queries:
            try:
                counted[page.key] = count_queries(clients[page.user], page, paths[page.key])
            except PageFailed as error:
                failed[page.key] = str(error)
    connections.close_all()

    load_before = os.getloadavg()
    server = Server(size)
    timings: dict[str, list[float]] = {page.key: [] for page in pages}
    first_bytes: dict[str, list[float]] = {page.key: [] for page in pages}
    per_round: dict[str, int] = {}
    try:
        for page in pages:
            warm: list[float] = []
            for _ in range(warmup if page.key not in failed else 0):
                status, body, _first, total = server.get(
                    paths[page.key], cookie=cookies[page.user], htmx=page.htmx
                )
                warm.append(total * 1000)
                if status != 200:
                    failed[page.key] = f"answered {status}: {body[:200]!r}"
                    break
            # a page far over every target would hold the run for most of an hour at 1m: a quarter of the requests
            if warm and statistics.median(warm) > SLOW_MS:
                per_round[page.key] = max(5, requests // 4)
        measured = [page for page in pages if page.key not in failed]
        for _round in range(rounds):
            for page in measured:
                for _ in range(per_round.get(page.key, requests)):
                    status, _body, first, total = server.get(
                        paths[page.key], cookie=cookies[page.user], htmx=page.htmx
                    )
                    if status != 200:
                        failed[page.key] = f"answered {status} in round {_round + 1}"
                    timings[page.key].append(total * 1000)
                    first_bytes[page.key].append(first * 1000)
    finally:
        server.stop()
    load_after = os.getloadavg()

    results: dict[str, Any] = {}
    for page in pages:
        values = timings[page.key]
        if page.key in failed or not values:
            print(f"  {page.key}: FAILED, {failed.get(page.key, 'not measured')}", file=sys.stderr)
            results[page.key] = {"label": page.label, "path": paths[page.key], "failed": failed.get(page.key)}
            continue
        results[page.key] = {
            "label": page.label,
            "path": paths[page.key],
            "user": page.user,
            "floor": page.floor,
            "median": statistics.median(values),
            "p95": percentile(values, 0.95),
            "requests": len(values),
            "queries": counted.get(page.key),
        }
        if page.first_byte:
            results[page.key]["first_byte_median"] = statistics.median(first_bytes[page.key])
            results[page.key]["first_byte_p95"] = percentile(first_bytes[page.key], 0.95)
    for result in results.values():
        floor = results.get(result.get("floor", ""))
        result["ratio"] = (
            result["median"] / floor["median"] if floor and "median" in result and "median" in floor else None
        )
    return {
        "size": size,
        "tickets": info["counts"]["tickets"],
        "active": info["counts"]["active"],
        "protocol": {"warmup": warmup, "rounds": rounds, "requests": requests, "workers": WORKERS},
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "pages": results,
    }


def print_results(result: dict[str, Any]) -> None:
    print(
        f"{datasets.database_name(result['size'])}: {result['tickets']:,} tickets ({result['active']:,} active); "
        f"load average {result['load_average'][0]} → {result['load_average'][1]}"
    )
    for key, page in result["pages"].items():
        if "median" not in page:
            print(f"  {key:18} FAILED: {page.get('failed')}")
            continue
        extra = ""
        if "first_byte_median" in page:
            extra = f"   first byte {page['first_byte_median']:.1f} / {page['first_byte_p95']:.1f} ms"
        queries = "—" if page["queries"] is None else page["queries"]
        print(
            f"  {key:18} median {page['median']:7.1f} ms   p95 {page['p95']:7.1f} ms   {queries!s:>3} queries   "
            f"{page['ratio'] or 0:5.2f}× floor{extra}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", required=True)
    parser.add_argument("--pages", help=f"comma-separated keys (default all): {','.join(PAGE_KEYS)}")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="requests per page per round")
    parser.add_argument("--no-queries", action="store_true", help="skip counting the queries")
    parser.add_argument("--collectstatic", action="store_true", help="collect the static files first")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.collectstatic:
        collectstatic()
    keys = [k.strip() for k in args.pages.split(",") if k.strip()] if args.pages else None
    result = run(
        size=args.size.lower(),
        keys=keys,
        warmup=args.warmup,
        rounds=args.rounds,
        requests=args.requests,
        queries=not args.no_queries,
    )
    print_results(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
