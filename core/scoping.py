"""Answering "not found" for an object outside the user's scope, and leaving a trace when it does exist.

Every lookup that serves a request starts from what the user may see; anything else is a 404. A logged-in user
asking for an object that exists but lies outside that scope is worth knowing about (a guessed id, a shared
link sent to the wrong person, a probe), so the miss path makes one extra query and, when the object is real,
writes an `access.out_of_scope` audit row. The hit path costs nothing extra.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from core.audit import audit_record
from core.throttle import client_address

OUT_OF_SCOPE_VERB = "access.out_of_scope"


def not_found_in_scope(
    request, model: type[Model] | str, *, message: str = "Not found.", **lookup
) -> Http404:
    """The Http404 to raise after a scoped lookup missed; audits the miss if `model` has such an object.

    `model` is the class or its "app_label.ModelName" (so a view needs no model import for its miss path);
    `lookup` names the object (usually pk=…) without any scope: the scope is what missed.
    Usage: `raise not_found_in_scope(request, "contracts.Contract", pk=pk, message="No such contract.")`.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and lookup:
        if isinstance(model, str):
            model = apps.get_model(model)
        try:
            target = model._default_manager.filter(**lookup).order_by("pk").first()
        except (ValueError, TypeError, ValidationError):
            target = None
        if target is not None:
            audit_record(
                actor=user,
                verb=OUT_OF_SCOPE_VERB,
                target=target,
                ip_address=client_address(request, default=None),
                path=request.path[:300],
                method=request.method,
            )
    return Http404(message)


def scoped_get_or_404(queryset: QuerySet, *, request, message: str = "Not found.", **lookup):
    """`queryset.get(**lookup)` where queryset is already scoped to request.user; a miss is a 404 (audited)."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise not_found_in_scope(request, queryset.model, message=message, **lookup)
