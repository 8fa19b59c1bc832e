"""The dashboard reads other apps only through their selectors (DESIGN.md: "everything (read only, through
selectors)"): no module of dashboard/ imports another app's models. The owning app's selectors decide what a
query means (which tickets are open, which reviews count, who may see what); the dashboard aggregates.

Imports under `if TYPE_CHECKING:` are allowed: a type annotation reads no data.
"""

import ast
from pathlib import Path

from django.conf import settings

DASHBOARD = Path(settings.BASE_DIR) / "dashboard"
# core holds building blocks with no domain (TimeStampedModel, the outbox): every app may use them.
OTHER_APPS = {app for app in settings.LOCAL_APPS if app not in ("core", "dashboard")}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def models_imports(source: str) -> list[tuple[int, str]]:
    """[(line, module)] of the imports of another app's models module (or a name inside it) in the source."""
    tree = ast.parse(source)
    typing_only = _type_checking_lines(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in typing_only:
            continue
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            parts = module.split(".")
            if parts[0] in OTHER_APPS and len(parts) > 1 and parts[1] == "models":
                found.append((node.lineno, ".".join(parts[:2])))
                break
    return found


def test_the_check_finds_every_form_of_models_import():
    source = (
        "import queues.models\n"
        "from payments.models import Payout\n"
        "from reviews import models\n"
        "from accounts.models.base import X\n"
        "from queues.selectors import tickets_of_program\n"
        "from dashboard.models import DailyRollup\n"
        "from django.db import models as m\n"
        "def f():\n"
        "    from contracts.models import Contract\n"
        "if TYPE_CHECKING:\n"
        "    from programs.models import Program\n"
    )
    assert models_imports(source) == [
        (1, "queues.models"),
        (2, "payments.models"),
        (3, "reviews.models"),
        (4, "accounts.models"),
        (9, "contracts.models"),
    ]


def test_the_dashboard_imports_no_other_apps_models():
    offenders = []
    for path in sorted(DASHBOARD.rglob("*.py")):
        relative = path.relative_to(DASHBOARD).as_posix()
        if relative.startswith("migrations/"):
            continue
        for line, module in models_imports(path.read_text()):
            offenders.append(f"dashboard/{relative}:{line} imports {module}")
    assert not offenders, "Read through the owning app's selectors instead:\n" + "\n".join(offenders)
