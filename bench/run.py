"""`make bench` (issue #22): every page on every data set, the intake benches, one table, docs/benchmarks.md.

    .venv/bin/python bench/run.py                                  # 10k, 100k, 1m; every page; intake; the doc
    .venv/bin/python bench/run.py --sizes 10k --pages floor,inhouse --rounds 1 --requests 10   # a quick look
    make bench SIZES=10k PAGES=floor,inhouse ROUNDS=1 REQUESTS=10                              # the same

1. Builds the data sets that are missing (bench/datasets.py; 1m takes about ten minutes, once) and refreshes
   those that lack a migration of the code (migrate + datasets.REFRESH_STEPS).
2. Collects the static files (production settings read their manifest) and runs bench/pages.py on each size,
   one process per size: gunicorn, 2 sync workers, 10 warm-up then 5 rounds × 40 requests a page.
3. Runs the intake benches (INTAKE_RUNS: queues_bench's throughput with 8 API clients and a real Celery worker,
   and the batch intake once queues_bench offers it) on the largest data set's database.
4. Prints one table, page × size (median / p95, queries a request, ratio to the logged-in floor of the same
   run), and writes it to docs/benchmarks.md as a new dated section under "make bench" (older ones are kept).
   The doc is written on a full run (every page, the default protocol) or with --write yes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import datasets, pages  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
DOC_MARKER = "<!-- make bench: the newest run first, below this line -->"
DEFAULTS = {"warmup": 10, "rounds": 5, "requests": 40}
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7")

# The intake benches: (label, queues_bench arguments, an option queues_bench must offer for the run, the
# patterns whose matches in its output make the result: group v the figure, k an optional label before it).
# A run whose option queues_bench lacks is listed as "not available": a hook that starts counting when the
# option lands. Items 5 and 6 of issue #22: the batch intake and two workers routing two programs.
INTAKE_FIGURE = r"intake\+route: .*?= (?P<v>[\d,.]+ tickets/s)"
INTAKE_RUNS: list[tuple[str, list[str], str | None, list[str]]] = [
    (
        "intake + routing over the API, 8 clients, 1 Celery worker",
        ["--tickets", "3000", "--clients", "8", "--routers", "1", "--page-tickets", "0"],
        None,
        [INTAKE_FIGURE],
    ),
    (
        "batch intake + routing, 500 tickets a request, 8 clients",
        ["--tickets", "8000", "--clients", "8", "--routers", "1", "--batch", "500", "--page-tickets", "0"],
        "--batch",
        [INTAKE_FIGURE],
    ),
    (
        "routing scale-out: 1 program / 1 worker, then 2 programs / 2 workers",
        ["--tickets", "2000", "--scale-out", "--programs", "2", "--routers", "2", "--page-tickets", "0"],
        "--scale-out",
        [r"routing alone, (?P<k>[^:]+): .*?= (?P<v>[\d,.]+ tickets/s)", r"scale-out: total (?P<v>[\d.]+x)"],
    ),
]


# The intake benches' web clients and Celery workers share a Redis cache, as production's processes must
# (config/settings/production.py): the API token's user and the program come from it (docs/adr/0029, 0031).
INTAKE_CACHE = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/6")


def _manage_env(size: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": datasets.database_url(size),
        "DJANGO_DEBUG": "false",
        "CACHE_URL": INTAKE_CACHE,
    }


def intake(size: str) -> list[dict[str, Any]]:
    """Each INTAKE_RUNS bench on the size's database: [{label, result, detail}]."""
    env = _manage_env(size)
    help_text = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "queues_bench", "--help"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    results = []
    for label, arguments, needs, patterns in INTAKE_RUNS:
        if needs and needs not in help_text:
            results.append(
                {"label": label, "result": "not available", "detail": f"queues_bench has no {needs}"}
            )
            print(f"intake: {label}: not available (queues_bench has no {needs})")
            continue
        print(f"intake: {label} …", flush=True)
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "queues_bench", *arguments, "--broker", BROKER],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        figures = [
            " ".join(part for part in (match.groupdict().get("k"), match["v"]) if part)
            for pattern in patterns
            for match in re.finditer(pattern, done.stdout)
        ]
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or not figures:
            output = (done.stdout + done.stderr).strip()
            results.append({"label": label, "result": "failed", "detail": output[-500:]})
            print(f"  failed:\n{output[-2000:]}")
            continue
        results.append({"label": label, "result": "; ".join(figures), "detail": " / ".join(lines)})
        print("  " + "\n  ".join(lines))
    return results


def _cell(page: dict[str, Any] | None, expected: int) -> str:
    if page is None:
        return "—"
    if "median" not in page:
        return "failed"
    queries = "" if page["queries"] is None else f" · {page['queries']} q"
    ratio = "" if page["ratio"] is None else f" · {page['ratio']:.1f}×"
    sample = f" (n={page['requests']})" if page["requests"] < expected else ""
    return f"{page['median']:.1f} / {page['p95']:.1f} ms{queries}{ratio}{sample}"


def table(results: list[dict[str, Any]]) -> str:
    """Markdown: a row per page, a column per size: median / p95 ms · queries · ratio to the floor."""
    sizes = [r["size"] for r in results]
    keys: list[str] = []
    labels: dict[str, str] = {}
    for result in results:
        for key, page in result["pages"].items():
            if key not in keys:
                keys.append(key)
                labels[key] = page["label"]
    lines = [
        "| page | "
        + " | ".join(f"{s} ({r['tickets']:,} tickets)" for s, r in zip(sizes, results, strict=True))
        + " |",
        "| --- |" + " --- |" * len(sizes),
    ]
    for key in keys:
        lines.append(
            f"| {labels[key]} | "
            + " | ".join(
                _cell(r["pages"].get(key), r["protocol"]["rounds"] * r["protocol"]["requests"])
                for r in results
            )
            + " |"
        )
        if any("first_byte_median" in r["pages"].get(key, {}) for r in results):
            cells = []
            for result in results:
                page = result["pages"].get(key)
                cells.append(
                    f"{page['first_byte_median']:.1f} / {page['first_byte_p95']:.1f} ms"
                    if page and "first_byte_median" in page
                    else "—"
                )
            lines.append(f"| {labels[key]}: first byte | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def intake_table(size: str, results: list[dict[str, Any]]) -> str:
    lines = [f"| intake bench (on the {size} database) | result |", "| --- | --- |"]
    lines += [f"| {r['label']} | {r['result']} |" for r in results]
    return "\n".join(lines)


HOW_TO_READ = f"""## `make bench` (issue #22)

`make bench` (bench/run.py) builds the benchmark data sets once (bench/datasets.py: one PostgreSQL database
per size, `flexdesk_bench_10k`, `_100k`, `_1m`, one program of that many tickets, 25 % of them active), then
times every page on each (bench/pages.py) and runs the intake benches (queues_bench). `make bench SIZES=10k
PAGES=floor,inhouse ROUNDS=1 REQUESTS=10` is a quick look (printed, not written here).

How it measures: production settings (DEBUG off), gunicorn with 2 sync workers, a real session cookie per
user (a manager's past two-factor), 10 warm-up requests per page, then 5 rounds in which each page takes its
turn for 40 sequential requests, each on a new connection with the whole body read.

How to read a cell: **median / p95** of the 200 timed requests, **q** the queries of one request (counted
in-process with CaptureQueriesContext, same URL and user), and **×** the median over the logged-in floor of
the same run (`/ping` through the whole middleware, for the same kind of user: manager pages over the
manager's floor, portal pages over the freelancer's); (n=…) marks a page slower than a second, timed
with a quarter of the requests. This machine is shared and its speed drifts, so
compare ratios and runs made close together rather than milliseconds across days. The targets (issue #22):
logged-in floor within 1 ms of the anonymous one; queue and ticket pages ≤ 8 ms and ≤ 2× the floor, flat
from 10k to 1m; headline counts ≤ 8 ms at 1m; the dashboard ≤ 100 ms at 1m; a CSV export's first byte
within 200 ms; intake + routing ≥ 500 tickets/s with 8 clients, batch intake ≥ 3,000 tickets/s.

{DOC_MARKER}
"""


def write_doc(section: str) -> None:
    text = DOC.read_text()
    if DOC_MARKER not in text:
        first = text.find("\n## ")
        head, tail = (text, "") if first < 0 else (text[: first + 1], text[first + 1 :])
        text = head + HOW_TO_READ + "\n" + tail
    text = text.replace(DOC_MARKER, DOC_MARKER + "\n\n" + section.rstrip() + "\n", 1)
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", help=f"comma-separated (default {','.join(datasets.DEFAULT_SIZES)})")
    parser.add_argument("--pages", help=f"comma-separated (default all): {','.join(pages.PAGE_KEYS)}")
    parser.add_argument("--warmup", type=int, default=DEFAULTS["warmup"])
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument("--requests", type=int, default=DEFAULTS["requests"], help="per page per round")
    parser.add_argument(
        "--intake", choices=["auto", "yes", "no"], default="auto", help="auto: when every page is measured"
    )
    parser.add_argument(
        "--write", choices=["auto", "yes", "no"], default="auto", help="auto: on a full run with the defaults"
    )
    parser.add_argument("--no-build", action="store_true", help="measure only the sets that exist")
    args = parser.parse_args()
    sizes = datasets.parse_sizes(args.sizes)
    keys = [k.strip() for k in args.pages.split(",") if k.strip()] if args.pages else None
    pages.select_pages(keys)  # fails early on an unknown page
    full = keys is None and all(getattr(args, name) == value for name, value in DEFAULTS.items())

    if not args.no_build:
        datasets.build(sizes)
    sizes = [size for size in sizes if datasets.dataset_info(size) is not None]
    if not sizes:
        raise SystemExit("No data set to measure.")
    datasets.refresh(sizes, only_behind=True)
    pages.collectstatic()

    results = []
    for size in sizes:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, str(ROOT / "bench" / "pages.py"), "--size", size, "--json", out.name]
            command += [
                "--warmup",
                str(args.warmup),
                "--rounds",
                str(args.rounds),
                "--requests",
                str(args.requests),
            ]
            if keys:
                command += ["--pages", ",".join(keys)]
            subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603
            results.append(json.loads(Path(out.name).read_text()))

    intake_results: list[dict[str, Any]] = []
    if args.intake == "yes" or (args.intake == "auto" and keys is None):
        intake_results = intake(sizes[-1])

    loads = [r["load_average"] for r in results]
    protocol = results[0]["protocol"]
    section = "\n\n".join(
        part
        for part in [
            f"### {datetime.date.today().isoformat()}: `make bench`",
            textwrap.fill(
                f"gunicorn {protocol['workers']} sync workers, production settings; {protocol['warmup']} warm-up, "
                f"{protocol['rounds']} × {protocol['requests']} requests a page; load average (1 min) before → "
                "after each size: "
                + ", ".join(f"{r['size']} {a} → {b}" for r, (a, b) in zip(results, loads, strict=True)),
                width=110,
            ),
            table(results),
            intake_table(sizes[-1], intake_results) if intake_results else "",
        ]
        if part
    )
    print("\n" + section + "\n")
    if args.write == "yes" or (args.write == "auto" and full):
        write_doc(section)
        print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
