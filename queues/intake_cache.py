"""The program an API intake names, with its queue policy, read from the cache (docs/adr/0029).

Every intake request reads the program by its slug and its QueueSettings (queues.selectors.program_for_intake,
one SELECT that also checks the user's scope). Here a copy per (user, slug) answers instead, as long as it is
current: one *version* for all of them, a random token in the shared cache, replaced whenever a program, its
queue settings or its managers are written (post_save, post_delete, m2m_changed), at once and again after the
transaction commits; a reader takes the version before it reads the database (accounts.user_cache's protocol,
docs/adr/0031). So a program paused or renamed, a new SLA policy, a manager removed, is seen by the next
request. Programs change seldom, so one version for all of them costs nothing; the user's own row (superuser
or not) comes from the user cache and is part of the copy's key.
"""

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import models

from accounts.user_cache import ENTRY_TIMEOUT, VERSION_TIMEOUT, model_frozen, model_thawed, version_forget
from programs.models import Program
from queues.models import QueueSettings

_VERSION_KEY = "queues:intake-program-version"


def _cache() -> BaseCache:
    return caches[settings.USER_CACHE_ALIAS]


def _copy_key(*, user: Any, slug: str) -> str:
    digest = hashlib.sha256(slug.encode()).hexdigest()[:32]
    return f"queues:intake-program:{user.pk}:{int(bool(user.is_superuser))}:{digest}"


def program_cached_get(*, user: Any, slug: str, load: Callable[[], Program | None]) -> Program | None:
    """The program `load()` reads (the user's program with this slug, its queue_settings cached on it; None:
    not theirs or none), from the cache when its copy is current. A miss is not remembered."""
    cache = _cache()
    copy_key = _copy_key(user=user, slug=slug)
    found = cache.get_many([_VERSION_KEY, copy_key])
    version, entry = found.get(_VERSION_KEY), found.get(copy_key)
    if version is not None and entry is not None and entry[0] == version:
        program = cast(Program | None, model_thawed(Program, entry[1]))
        policy = model_thawed(QueueSettings, entry[2]) if entry[2] is not None else None
        if program is not None and (policy is not None or entry[2] is None):
            Program.queue_settings.related.set_cached_value(program, policy)
            if policy is not None:
                QueueSettings.program.field.set_cached_value(policy, program)
            return program
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(_VERSION_KEY, version, VERSION_TIMEOUT):
            version = cache.get(_VERSION_KEY)
    program = load()
    if program is not None and version is not None:
        policy = Program.queue_settings.related.get_cached_value(program, None)
        frozen = model_frozen(policy) if policy is not None else None
        cache.set(copy_key, (version, model_frozen(program), frozen), ENTRY_TIMEOUT)
    return program


def program_cache_forget(using: str = "default") -> None:
    """No cached program copy is to be used again (accounts.user_cache.version_forget)."""
    version_forget(_VERSION_KEY, using=using)


def _written(sender: type[models.Model], using: str = "default", **kwargs: Any) -> None:
    program_cache_forget(using=using)


def program_cache_connect() -> None:
    """Forget the copies whenever a program, its queue settings or its managers are written (AppConfig.ready)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in (Program, QueueSettings):
        uid = f"intake_program_cache_{model._meta.label_lower}"
        post_save.connect(_written, sender=model, dispatch_uid=f"{uid}_saved")
        post_delete.connect(_written, sender=model, dispatch_uid=f"{uid}_deleted")
    m2m_changed.connect(
        _written, sender=Program.managers.through, dispatch_uid="intake_program_cache_managers"
    )
