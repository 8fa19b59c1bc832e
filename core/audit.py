from django.contrib.contenttypes.models import ContentType

from core.models import AuditLog


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
    return (
        AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk))
        .select_related("actor")[:limit]
    )
