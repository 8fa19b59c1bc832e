"""Which database `make test` runs on: prints the DATABASE_URL to use (nothing for SQLite) and, on stderr, a line
saying which one it is and why.

- DATABASE_URL set: that database, as given.
- Otherwise, a PostgreSQL answering at TEST_PG_HOST:TEST_PG_PORT (127.0.0.1:5432) as TEST_PG_USER (postgres), as
  in CI: a database name of this run's own, so two runs on one machine never share one (pytest-django creates
  `test_<name>` and drops it at the end; the name itself is never created).
- Otherwise SQLite, where the tests marked `postgres` (row locks, concurrency) are skipped.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit


def describe(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        return f"Tests on PostgreSQL ({parts.hostname}:{parts.port or 5432}, database test_{parts.path.lstrip('/')})"
    if parts.scheme.startswith("sqlite"):
        return f"Tests on SQLite ({url})"
    return f"Tests on {parts.scheme} ({url})"


def choose() -> tuple[str, str]:
    """(the DATABASE_URL to export, or "" for SQLite; the line to print)."""
    given = os.environ.get("DATABASE_URL", "")
    if given:
        return given, describe(given) + " — DATABASE_URL"
    host = os.environ.get("TEST_PG_HOST", "127.0.0.1")
    port = int(os.environ.get("TEST_PG_PORT", "5432"))
    user = os.environ.get("TEST_PG_USER", "postgres")
    try:
        import psycopg

        with psycopg.connect(host=host, port=port, user=user, dbname="postgres", connect_timeout=2):
            pass
    except Exception as error:  # noqa: BLE001 — any failure means "no PostgreSQL to use"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "connection refused" in first_line.lower() or "timeout" in first_line.lower():
            return "", f"Tests on SQLite (no PostgreSQL at {host}:{port})"
        return "", f"Tests on SQLite (PostgreSQL at {host}:{port} refused user {user}: {first_line})"
    # The parent is the shell running the recipe: unique while this run lasts.
    url = f"postgres://{user}@{host}:{port}/flexdesk_maketest_{os.getppid()}"
    return url, describe(url)


def main() -> int:
    url, line = choose()
    print(line, file=sys.stderr)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
