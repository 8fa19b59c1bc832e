"""The signed-in user and the two-factor device their session passed, read from the cache on each request.

Every request of a signed-in user needs their row (AuthenticationMiddleware) and, once they passed a second
factor, that device (django-otp's OTPMiddleware): two or three queries before any view runs. Here both come
from the cache (docs/adr/0031-cached-sessions-and-users.md).

A cached copy must never outlive a change: a deactivated user, a new role, a new password or a removed device
takes effect on the next request. So each user has a *version*, a random token in the cache, replaced whenever
their row or one of their devices is written (`user_cache_forget`: post_save and post_delete of User and of
every django-otp device model, and `UserQuerySet.update`), at once and again after the transaction commits.
A copy is used only when it was stored under the current version, and a reader takes the version *before* it
reads the database; so a copy read before a change committed is stored under a version the commit replaces,
and is never used. A missing version (evicted, or never set) is a new token: older copies do not match it.

The cache must be shared by every process that serves requests or writes users (production: Redis, required
by config/settings/production.py); a per-process cache would keep another process's copies after a change.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.apps import apps
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import models, router, transaction

# A copy lives at most this long, however long its version does: the bound on staleness if the cache could not
# be told of a change (unreachable just when the transaction committed).
ENTRY_TIMEOUT = 10 * 60
VERSION_TIMEOUT = 24 * 60 * 60  # longer than any copy: a version that expires makes its copies unusable


def _cache() -> BaseCache:
    return caches[settings.USER_CACHE_ALIAS]


def _version_key(pk: object) -> str:
    return f"accounts:user-version:{pk}"


def _copy_key(pk: object) -> str:
    return f"accounts:user:{pk}"


Frozen = tuple[tuple[str, ...], list[Any]]
M = TypeVar("M", bound=models.Model)


def _frozen(instance: models.Model) -> Frozen:
    """The instance's column values by attribute name (what from_db takes back)."""
    names = tuple(column.attname for column in instance._meta.concrete_fields)
    return names, [getattr(instance, name) for name in names]


def _thawed(model: type[models.Model], frozen: Frozen) -> models.Model | None:
    """The instance again, as the ORM builds one from a row; None if the model's columns changed since."""
    names, values = frozen
    if names != tuple(column.attname for column in model._meta.concrete_fields):
        return None
    return model.from_db(router.db_for_read(model), names, list(values))


@dataclass
class _Copy:
    """What the cache holds for a user: the version it was read under, their row, and the devices sessions
    named so far (persistent id → model label and row). Kept on the user read from it (USER_ATTRIBUTE), so the
    device costs no second round trip to the cache."""

    version: str
    user: Frozen
    devices: dict[str, tuple[str, Frozen]] = field(default_factory=dict)

    def store(self, pk: object) -> None:
        _cache().set(_copy_key(pk), (self.version, self.user, self.devices), ENTRY_TIMEOUT)


USER_ATTRIBUTE = "_user_cache_copy"


def user_cached_get(*, model: type[M], pk: object) -> M | None:
    """The user with this primary key (None: no such user), from the cache when its copy is current."""
    cache = _cache()
    found = cache.get_many([_version_key(pk), _copy_key(pk)])
    version, entry = found.get(_version_key(pk)), found.get(_copy_key(pk))
    if version is not None and entry is not None and entry[0] == version:
        copy = _Copy(*entry)
        thawed = _thawed(model, copy.user)
        if thawed is not None:
            setattr(thawed, USER_ATTRIBUTE, copy)
            return cast(M, thawed)
    if version is None:  # read before the row (the module's docstring says why); a missing one is new
        version = uuid.uuid4().hex
        if not cache.add(_version_key(pk), version, VERSION_TIMEOUT):
            version = cache.get(_version_key(pk))  # another reader made it first
    user = model._default_manager.filter(pk=pk).first()
    if user is not None and version is not None:
        copy = _Copy(version=version, user=_frozen(user))
        copy.store(pk)
        setattr(user, USER_ATTRIBUTE, copy)
    return user


def device_cached_get(
    *, user: models.Model, persistent_id: str, load: Callable[[str], models.Model | None]
) -> models.Model | None:
    """The device a session names (`load(persistent_id)` reads it: django-otp's look-up), from the user's copy
    when it holds it. A user not read through the cache, or a device that does not exist, costs the look-up."""
    copy: _Copy | None = getattr(user, USER_ATTRIBUTE, None)
    if copy is None:
        return load(persistent_id)
    held = copy.devices.get(persistent_id)
    if held is not None:
        device = _thawed(apps.get_model(held[0]), held[1])
        if device is not None:
            return device
    device = load(persistent_id)
    if device is not None:
        # Under the version the user was read with: if the device changed since, that version is gone already.
        copy.devices = {**copy.devices, persistent_id: (device._meta.label, _frozen(device))}
        copy.store(user.pk)
    return device


def user_cache_warm(*, model: type[models.Model], pk: object, persistent_id: str | None = None) -> None:
    """Read the user (and the device `persistent_id` names) into the cache, as their next request would: on
    sign-in (whose last_login save has just made any older copy unusable), and for the test client's logins."""
    from django_otp.models import Device

    user = user_cached_get(model=model, pk=pk)
    if user is not None and persistent_id:
        device_cached_get(user=user, persistent_id=persistent_id, load=Device.from_persistent_id)


def _signed_in(sender: Any, request: Any, user: models.Model, **kwargs: Any) -> None:
    user_cache_warm(model=type(user), pk=user.pk)


def _replace_version(pk: object) -> None:
    _cache().set(_version_key(pk), uuid.uuid4().hex, VERSION_TIMEOUT)


def user_cache_forget(*, pk: object, using: str = "default") -> None:
    """The user's cached copies (their row, their devices) are not to be used again: a new version now, and
    again once the transaction commits (a reader between the two may have cached the row as it was)."""
    if pk is None:
        return
    _replace_version(pk)
    if transaction.get_connection(using).in_atomic_block:
        # robust: the change is committed whatever the cache says; if it cannot be told, ENTRY_TIMEOUT bounds
        # how long a copy may still be served (Django logs the error)
        transaction.on_commit(lambda: _replace_version(pk), using=using, robust=True)


def _user_written(
    sender: type[models.Model], instance: models.Model, using: str = "default", **kwargs: Any
) -> None:
    user_cache_forget(pk=instance.pk, using=using)


def _device_written(
    sender: type[models.Model], instance: models.Model, using: str = "default", **kwargs: Any
) -> None:
    user_cache_forget(pk=getattr(instance, "user_id", None), using=using)


def user_cache_connect() -> None:
    """Forget a user's copies whenever their row or one of their devices is saved or deleted (AppConfig.ready).

    Signals, not save(): admin, services and django-otp's own code all write these rows, and a signal catches
    every save() and delete() of them; UserQuerySet.update() covers the writes that send no signal."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import post_delete, post_save
    from django_otp.models import Device

    user_model = get_user_model()
    post_save.connect(_user_written, sender=user_model, dispatch_uid="user_cache_user_saved")
    post_delete.connect(_user_written, sender=user_model, dispatch_uid="user_cache_user_deleted")
    # after django.contrib.auth's own receiver, which saves last_login (and so replaces the version) first
    user_logged_in.connect(_signed_in, dispatch_uid="user_cache_signed_in")
    for model in apps.get_models():
        if issubclass(model, Device):
            uid = f"user_cache_device_{model._meta.label_lower}"
            post_save.connect(_device_written, sender=model, dispatch_uid=f"{uid}_saved")
            post_delete.connect(_device_written, sender=model, dispatch_uid=f"{uid}_deleted")
