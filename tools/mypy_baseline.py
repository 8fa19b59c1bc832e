"""mypy against a committed baseline that may only shrink.

    python tools/mypy_baseline.py              # whole project: fail on any error not in the baseline
    python tools/mypy_baseline.py a.py b.py    # the same check, reported for these files only (pre-commit)
    python tools/mypy_baseline.py --prune      # delete the baseline's entries that no longer occur

mypy always checks the whole project (the files in pyproject's [tool.mypy]; its cache makes a second run quick):
a file checked alone would miss what its callers and the Django plugin know. The baseline,
tools/mypy-baseline.txt, lists the errors the code had when types were first checked, one per line as
`path: [code] message`, without line numbers, so editing a file above an old error does not turn it into a new one.

It fails when
- an error is not in the baseline: fix it (new and changed code is fully typed), and
- a baseline entry no longer occurs: it was fixed, so delete its line (or run --prune), and it cannot come back.
Nothing here adds to the baseline: a line added by hand shows in the diff and needs a reviewer's consent.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tools" / "mypy-baseline.txt"
ERROR = re.compile(
    r"^(?P<path>[^:\s][^:]*):(?P<line>\d+)(?::\d+)?: error: (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


def _key(path: str, code: str | None, message: str) -> str:
    # Messages that quote a line number ("already defined on line 12") would change with every edit above them.
    message = re.sub(r"\bline \d+\b", "line N", message)
    return f"{path}: [{code or 'misc'}] {message}"


def mypy_errors() -> list[tuple[str, str]]:
    """(key, the line as mypy printed it) for every error of a whole-project run."""
    result = subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [sys.executable, "-m", "mypy", "--no-color-output", "--no-error-summary", "--hide-error-context"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash), nothing to compare
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(result.returncode)
    errors = []
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            errors.append((_key(match["path"], match["code"], match["message"]), line))
    return errors


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = BASELINE.read_text().splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def write_baseline(entries: Counter[str]) -> None:
    header = (
        "# mypy errors present when types were first checked; may only shrink (tools/mypy_baseline.py).\n"
    )
    BASELINE.write_text(header + "".join(f"{key}\n" for key in sorted(entries.elements())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "files", nargs="*", help="report only these files (pre-commit passes the staged ones)"
    )
    parser.add_argument("--prune", action="store_true", help="delete baseline entries that no longer occur")
    parser.add_argument(
        "--write-all",
        action="store_true",
        help="rewrite the baseline from the current errors (the first baseline only: review its diff)",
    )
    args = parser.parse_args(argv)

    errors = mypy_errors()
    current = Counter(key for key, _ in errors)
    if args.write_all:
        write_baseline(current)
        print(f"{BASELINE.relative_to(ROOT)}: {sum(current.values())} entries")
        return 0

    baseline = read_baseline()
    wanted = {Path(f).as_posix() for f in args.files}

    def concerned(key: str) -> bool:
        return not wanted or key.split(": ", 1)[0] in wanted

    new = Counter({key: n for key, n in (current - baseline).items() if concerned(key)})
    fixed = Counter({key: n for key, n in (baseline - current).items() if concerned(key)})

    if args.prune:
        write_baseline(baseline - (baseline - current))
        print(f"removed {sum((baseline - current).values())} fixed entries from {BASELINE.relative_to(ROOT)}")
        fixed = Counter()

    if new:
        print(f"mypy: {sum(new.values())} error(s) not in the baseline — fix them:")
        remaining = Counter(new)
        for key, line in errors:
            if remaining[key] > 0 and baseline[key] < current[key]:
                print(f"  {line}")
                remaining[key] -= 1
    if fixed:
        print(
            f"mypy: {sum(fixed.values())} baseline entr(y/ies) fixed — delete these lines from "
            f"{BASELINE.relative_to(ROOT)} (or run `python tools/mypy_baseline.py --prune`):"
        )
        for key in sorted(fixed.elements()):
            print(f"  {key}")
    if not new and not fixed:
        scope = f"{len(wanted)} file(s)" if wanted else "the project"
        print(
            f"mypy: no errors beyond the baseline in {scope} ({sum(baseline.values())} known, may only shrink)"
        )
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
