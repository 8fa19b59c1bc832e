"""No raw codes on screen (issue 17, item 6): audit verbs, enum values and settings are shown as words."""

import ast
import pathlib

import pytest
from django.conf import settings

from core.audit import audit_describe, audit_record, audit_verb_label, audit_verb_labels
from core.models import AuditLog
from queues.models import AvailabilityChange
from recruiting.models import PostingEvent

ROOT = pathlib.Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "tests", "migrations", "node_modules", "bench"}

# Verbs built at run time (verb=f"…{kind}"): the values each placeholder takes, from the enum it comes from.
DYNAMIC_VERBS = {
    "availability.{kind}": [f"availability.{kind}" for kind in AvailabilityChange.Kind.values],
    "posting.{kind}": [f"posting.{kind}" for kind in (PostingEvent.Kind.OPENED, PostingEvent.Kind.REPOSTED)],
}


def _module_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


def _verbs(node: ast.expr, constants: dict[str, str], where: str) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _verbs(node.body, constants, where) + _verbs(node.orelse, constants, where)
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            p.value if isinstance(p, ast.Constant) else "{" + ast.unparse(p.value) + "}" for p in node.values
        )
        assert pattern in DYNAMIC_VERBS, (
            f"{where}: verb {pattern!r} is built at run time; list its values in DYNAMIC_VERBS"
        )
        return DYNAMIC_VERBS[pattern]
    raise AssertionError(f"{where}: cannot read the audit verb {ast.unparse(node)!r}; use a literal")


def recorded_verbs() -> dict[str, str]:
    """Every verb passed to audit_record(...) anywhere in the code: {verb: "file:line"}."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if SKIP_DIRS & set(path.relative_to(ROOT).parts):
            continue
        source = path.read_text()
        if "audit_record(" not in source:
            continue
        tree = ast.parse(source)
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "audit_record"
            ):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                verb = next((k.value for k in node.keywords if k.arg == "verb"), None)
                if verb is None:
                    continue  # the definition's own signature or a pass-through
                for name in _verbs(verb, constants, where):
                    found.setdefault(name, where)
    return found


def test_the_scan_finds_the_verbs_it_should():
    verbs = recorded_verbs()
    # A scan that finds nothing would pass the next test; pin a few known ones from different apps and forms.
    for verb in (
        "contract.rate_changed",
        "onboarding.step_done",
        "access.out_of_scope",
        "feedback.reopened",
        "availability.away",
        "posting.reposted",
        "channels.webhook_deactivated",
    ):
        assert verb in verbs
    assert len(verbs) > 100


def test_every_recorded_verb_has_words():
    labels = audit_verb_labels()
    missing = {verb: where for verb, where in recorded_verbs().items() if verb not in labels}
    assert not missing, f"audit verbs without a label (add them to the app's audit.py): {missing}"


def test_labels_are_words_not_codes():
    for verb, label in audit_verb_labels().items():
        assert "." not in label and "_" not in label and label[:1].isupper(), (verb, label)


def test_an_unregistered_verb_still_reads_as_words():
    assert audit_verb_label("payout_run.exploded_twice") == "Payout run exploded twice"
    assert "." not in audit_verb_label("a.b.c") and audit_verb_label("") == "Recorded"


def test_a_line_shows_its_detail_when_the_app_chose_one():
    line = AuditLog(verb="onboarding.step_done", data={"step": "Read the handbook"})
    assert audit_describe(line) == "Onboarding step done: Read the handbook"
    assert audit_describe(AuditLog(verb="onboarding.step_done", data={})) == "Onboarding step done"
    assert (
        audit_describe(AuditLog(verb="contract.rate_changed", data={"hourly_rate": "13.50"}))
        == "Rate changed"
    )


@pytest.mark.django_db
def test_a_contracts_history_shows_words(client):
    from tests.contracts.factories import ContractFactory

    contract = ContractFactory()
    manager = contract.program.managers.get()

    audit_record(actor=manager, verb="contract.rate_changed", target=contract)
    audit_record(actor=manager, verb="onboarding.step_done", target=contract, step="Read the handbook")
    client.force_login(manager)
    body = client.get(f"/manage/contracts/{contract.pk}/").content.decode()
    assert "Rate changed" in body and "Onboarding step done: Read the handbook" in body
    assert "contract.rate_changed" not in body and "onboarding.step_done" not in body


# --- time zones: named correctly, and "your time" only for the viewer's own ---------------------------------


def test_manila_is_manila_time_never_pst():
    import datetime

    from core.timezones import zone_label, zone_name

    january = datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.UTC)
    assert zone_label("Asia/Manila", january) == "Manila time"  # tzdata's own abbreviation is "PST"
    assert zone_name("Asia/Manila") == "Manila time"
    assert zone_name("America/Argentina/Buenos_Aires") == "Buenos Aires time"
    assert zone_label("America/Sao_Paulo", january) == "Sao Paulo time"  # tzdata says only "-03"
    assert zone_label("Asia/Kolkata", january) == "Kolkata time"  # "IST" is also Ireland's and Israel's
    assert zone_label("UTC", january) == zone_name("UTC") == "UTC"


def test_an_unambiguous_abbreviation_is_the_one_in_force_on_the_date_shown():
    import datetime

    from core.timezones import zone_label

    assert zone_label("America/New_York", datetime.datetime(2026, 1, 15, tzinfo=datetime.UTC)) == "EST"
    assert zone_label("America/New_York", datetime.datetime(2026, 7, 15, tzinfo=datetime.UTC)) == "EDT"
    assert zone_label("Europe/Berlin", datetime.datetime(2026, 7, 15, tzinfo=datetime.UTC)) == "CEST"


def test_your_time_only_for_the_viewers_zone():
    from core.timezones import zone_is_viewers

    class Viewer:
        is_authenticated = True
        time_zone = "Asia/Manila"

    assert zone_is_viewers("Asia/Manila", Viewer())
    assert not zone_is_viewers("America/New_York", Viewer())


@pytest.mark.django_db
def test_a_missed_shift_is_named_by_the_freelancers_zone_not_your_time():
    """The check-in's words are shown to the manager too, for whom "your time" would be wrong."""
    import datetime

    from queues.models import AvailabilitySlot
    from reviews.models import ReviewSettings
    from reviews.services.engagement import silence_findings
    from tests.reviews.factories import contracted_freelancer, program_with_scorecard

    program, _manager, _ = program_with_scorecard()
    freelancer, contract = contracted_freelancer(program, start_date=datetime.date(2026, 1, 5))
    freelancer.time_zone = "Asia/Manila"
    freelancer.save()
    for weekday in range(7):
        AvailabilitySlot.objects.create(
            freelancer=freelancer, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )
    found = silence_findings(
        contract=contract,
        policy=ReviewSettings.for_program(program),
        now=datetime.datetime(2026, 3, 11, 9, tzinfo=datetime.UTC),
    )
    assert found["missed_shift"].endswith("Manila time") and "your time" not in found["missed_shift"]


@pytest.mark.django_db
def test_a_signature_in_manila_is_labelled_manila_time(client):
    """The signed document shows the freelancer's zone by name; tzdata would have said "PST"."""
    import datetime

    from django.template.loader import render_to_string
    from django.utils import timezone

    from tests.contracts.factories import ContractFactory

    contract = ContractFactory()

    class Document:  # the fields _document_body.html reads
        get_kind_display, version, superseded_at, text = "Contract", 1, None, "Terms."
        is_signed, signer_typed_name, signer_ip, signer_user_agent = (
            True,
            "Ana Reyes",
            "203.0.113.1",
            "Browser",
        )
        signer_name_mismatch_confirmed, signed_by = False, None
        signed_at = datetime.datetime(2026, 1, 15, 1, 50, tzinfo=datetime.UTC)

    with timezone.override("Asia/Manila"):
        text = render_to_string(
            "contracts/_document_body.html", {"document": Document(), "contract": contract}
        )
    assert "15 Jan 2026, 09:50:00 Manila time" in text and "PST" not in text


# --- one date format per locale -------------------------------------------------------------------------------


def test_one_date_format_everywhere():
    import datetime

    from django.template import Context, Template
    from django.utils import timezone

    from core.dates import strftime_pattern

    moment = datetime.datetime(2026, 3, 3, 14, 5, tzinfo=datetime.UTC)
    rendered = Template(
        '{% load flexdesk tz %}{{ d|date }}|{{ t|date:"DATETIME_FORMAT" }}|{{ d|day }}|{{ t|day_time }}|'
        '{{ t|timezone:"Asia/Manila"|day_time }}|{{ d|date:"MONTH_DAY_FORMAT" }}'
    ).render(Context({"d": moment.date(), "t": moment}))
    assert rendered == (
        "03 Mar 2026|03 Mar 2026, 14:05|Tue 03 Mar 2026|Tue 03 Mar 2026, 14:05|Tue 03 Mar 2026, 22:05|03 Mar"
    )
    # The fast path of the ticket pages (strftime) is derived from the same format, so it says the same.
    assert timezone.localtime(moment, datetime.UTC).strftime(strftime_pattern()) == "03 Mar 2026, 14:05"


def test_templates_use_the_named_formats_not_their_own():
    """Dates on screen go through the locale's formats (config/formats/en/formats.py); only machine values
    (ISO in form inputs, query strings, hidden fields) and times of day keep a literal format."""
    import re

    allowed = {"Y-m-d", "Y-m", "H:i", "D", "D j", "D d", "D H:i", "d M Y, H:i:s", "d M, H:i:s"}
    literal = re.compile(r"""\|date:(["'])([^"']*)\1""")
    offenders = []
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix not in (".html", ".txt"):
            continue
        for match in literal.finditer(path.read_text()):
            fmt = match.group(2)
            if fmt.endswith("_FORMAT") or fmt in allowed:
                continue
            offenders.append((str(path.relative_to(ROOT)), fmt))
    assert not offenders, offenders
