"""The audit log: who did what, when. Services write a line with `audit_record`; pages show it with
`audit_describe`, never the dotted verb itself.

Every app declares the words for the verbs it records in its own `audit.py` (`AUDIT_VERBS = {verb: label}` or
`{verb: (label, data_key)}`, where the line then shows `label: data[data_key]` when the line carries it) and
registers them with `audit_verbs_register`. Core imports every app's `audit` module when Django starts
(`CoreConfig.ready`), so the registry is complete before the first page is drawn.
tests/core/test_labels.py fails on a verb recorded anywhere in the code without a label here."""

from django.contrib.contenttypes.models import ContentType

from core.models import AuditLog

_VERB_LABELS: dict[str, tuple[str, str]] = {}


def audit_verbs_register(verbs: dict[str, str | tuple[str, str]]) -> None:
    """Declare the words for an app's verbs ({"contract.rate_changed": "Rate changed"})."""
    for verb, label in verbs.items():
        _VERB_LABELS[verb] = (label, "") if isinstance(label, str) else (label[0], label[1])


def audit_verb_labels() -> dict[str, str]:
    """Every registered verb and its words (for tests and admin)."""
    return {verb: label for verb, (label, _) in _VERB_LABELS.items()}


def audit_verb_label(verb: str) -> str:
    """The verb in words. An unregistered verb still reads as words ("payout_run.started" → "Payout run
    started"), never as the dotted code."""
    if verb in _VERB_LABELS:
        return _VERB_LABELS[verb][0]
    words = " ".join(part for part in (verb or "").replace(".", " ").replace("_", " ").split())
    return words.capitalize() or "Recorded"


def audit_describe(entry: AuditLog) -> str:
    """One audit line in words: the verb's label, and the detail its app chose ("Onboarding step done: Read the
    handbook")."""
    label, key = _VERB_LABELS.get(entry.verb, (audit_verb_label(entry.verb), ""))
    detail = (entry.data or {}).get(key) if key and isinstance(entry.data, dict) else None
    return f"{label}: {detail}" if detail not in (None, "") else label


def audit_record(*, actor=None, verb: str, target=None, ip_address: str | None = None, **data) -> AuditLog:
    """Write one audit line. Call it inside the service that performs the action."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditLog.objects.create(
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        ip_address=ip_address,
        data=data,
    )


def audit_for(target, *, limit: int = 50):
    return AuditLog.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")[:limit]


audit_verbs_register(
    {
        "access.out_of_scope": "Tried to open a page outside their programs",
        "outbox.retried": "Message delivery retried",
        "outbox.cancelled": "Message delivery cancelled",
    }
)
