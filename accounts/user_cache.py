"""The signed-in user and the two-factor device their session passed, read from the cache on each request.

Every request of a signed-in user needs their row (AuthenticationMiddleware) and, once they passed a second
factor, that device (django-otp's OTPMiddleware): two or three queries before any view runs. Here both come
from the cache (docs/adr/0031-cached-sessions-and-users.md). So does an API request's token and its user
(token_user_cached_get, docs/adr/0029).

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

import hashlib
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


def model_frozen(instance: models.Model) -> Frozen:
    """The instance's column values by attribute name (what from_db takes back)."""
    names = tuple(column.attname for column in instance._meta.concrete_fields)
    return names, [getattr(instance, name) for name in names]


def model_thawed(model: type[models.Model], frozen: Frozen) -> models.Model | None:
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


def user_cached_get(*, model: type[M], pk: object, found: dict[str, Any] | None = None) -> M | None:
    """The user with this primary key (None: no such user), from the cache when its copy is current. `found`:
    the cache's answer for their version and copy keys, when the caller read them already."""
    cache = _cache()
    if found is None:
        found = cache.get_many([_version_key(pk), _copy_key(pk)])
    version, entry = found.get(_version_key(pk)), found.get(_copy_key(pk))
    if version is not None and entry is not None and entry[0] == version:
        copy = _Copy(*entry)
        thawed = model_thawed(model, copy.user)
        if thawed is not None:
            setattr(thawed, USER_ATTRIBUTE, copy)
            return cast(M, thawed)
    if version is None:  # read before the row (the module's docstring says why); a missing one is new
        version = uuid.uuid4().hex
        if not cache.add(_version_key(pk), version, VERSION_TIMEOUT):
            version = cache.get(_version_key(pk))  # another reader made it first
    user = model._default_manager.filter(pk=pk).first()
    if user is not None and version is not None:
        copy = _Copy(version=version, user=model_frozen(user))
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
        device = model_thawed(apps.get_model(held[0]), held[1])
        if device is not None:
            return device
    device = load(persistent_id)
    if device is not None:
        # Under the version the user was read with: if the device changed since, that version is gone already.
        copy.devices = {**copy.devices, persistent_id: (device._meta.label, model_frozen(device))}
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


def _replace(version_key: str) -> None:
    _cache().set(version_key, uuid.uuid4().hex, VERSION_TIMEOUT)


def version_forget(version_key: str, *, using: str = "default") -> None:
    """No copy stored under this version is to be used again: a new version now, and again once the transaction
    commits (a reader between the two may have cached the row as it was). The one way every versioned copy here
    and in queues.intake_cache is invalidated."""
    _replace(version_key)
    if transaction.get_connection(using).in_atomic_block:
        # robust: the change is committed whatever the cache says; if it cannot be told, ENTRY_TIMEOUT bounds
        # how long a copy may still be served (Django logs the error)
        transaction.on_commit(lambda: _replace(version_key), using=using, robust=True)


def user_cache_forget(*, pk: object, using: str = "default") -> None:
    """The user's cached copies (their row, their devices) are not to be used again (version_forget)."""
    if pk is None:
        return
    version_forget(_version_key(pk), using=using)


def _user_written(
    sender: type[models.Model], instance: models.Model, using: str = "default", **kwargs: Any
) -> None:
    user_cache_forget(pk=instance.pk, using=using)


def _device_written(
    sender: type[models.Model], instance: models.Model, using: str = "default", **kwargs: Any
) -> None:
    user_cache_forget(pk=getattr(instance, "user_id", None), using=using)


# --- API tokens ------------------------------------------------------------------------------------------
#
# An API request names its token, not its user: the token's copy maps the key to the user's primary key, and the
# user comes from their own copy (user_cached_get, so a deactivated user stops at once, as for a session). The
# token's copy has a version of its own, by the key, replaced whenever the token row is saved or deleted (a
# revoked or replaced token stops at once): the same protocol as the user's above.


# Whose token a key is, as this process saw it in a current copy (a token's user never changes: the key is the
# token's primary key); only to read the user's copy in the same round trip. At most this many.
_TOKEN_USERS_HELD = 10_000
_token_users: dict[str, object] = {}


def _token_digest(key: str) -> str:
    # the cache never holds the key itself (Redis is as private as the database, but a key is a password)
    return hashlib.sha256(key.encode()).hexdigest()


def _token_version_key(key: str) -> str:
    return f"accounts:token-version:{_token_digest(key)}"


def _token_copy_key(key: str) -> str:
    return f"accounts:token:{_token_digest(key)}"


def token_user_cached_get(
    *, model: type[M], key: str, load: Callable[[str], models.Model | None]
) -> M | None:
    """The user of the API token `key` (None: no such token), from the cache when the token's copy is current;
    `load(key)` reads the token's user from the database on a miss. One cache read, no query, on a hit."""
    cache = _cache()
    digest = _token_digest(key)
    version_key, copy_key = _token_version_key(key), _token_copy_key(key)
    pk = _token_users.get(digest)
    # the token's copy and, when this process knows whose token it is, the user's: one round trip
    keys = [version_key, copy_key] if pk is None else [version_key, copy_key, _version_key(pk), _copy_key(pk)]
    found = cache.get_many(keys)
    version, entry = found.get(version_key), found.get(copy_key)
    if version is not None and entry is not None and entry[0] == version:
        if entry[1] == pk:
            return user_cached_get(model=model, pk=pk, found=found)
        if len(_token_users) >= _TOKEN_USERS_HELD:
            _token_users.clear()
        _token_users[digest] = entry[1]
        return user_cached_get(model=model, pk=entry[1])
    if version is None:  # read before the row, as for a user
        version = uuid.uuid4().hex
        if not cache.add(version_key, version, VERSION_TIMEOUT):
            version = cache.get(version_key)
    user = load(key)
    if user is not None and version is not None:
        cache.set(copy_key, (version, user.pk), ENTRY_TIMEOUT)
    return cast(M | None, user)


def token_cache_forget(*, key: str, using: str = "default") -> None:
    """The token's cached copy is not to be used again (version_forget)."""
    if not key:
        return
    version_forget(_token_version_key(key), using=using)


def _token_written(
    sender: type[models.Model], instance: models.Model, using: str = "default", **kwargs: Any
) -> None:
    token_cache_forget(key=getattr(instance, "key", ""), using=using)


def user_cache_connect() -> None:
    """Forget a user's copies whenever their row or one of their devices is saved or deleted (AppConfig.ready).

    Signals, not save(): admin, services and django-otp's own code all write these rows, and a signal catches
    every save() and delete() of them; UserQuerySet.update() covers the writes that send no signal."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import post_delete, post_save
    from django_otp.models import Device
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    post_save.connect(_token_written, sender=Token, dispatch_uid="user_cache_token_saved")
    post_delete.connect(_token_written, sender=Token, dispatch_uid="user_cache_token_deleted")
    post_save.connect(_user_written, sender=user_model, dispatch_uid="user_cache_user_saved")
    post_delete.connect(_user_written, sender=user_model, dispatch_uid="user_cache_user_deleted")
    # after django.contrib.auth's own receiver, which saves last_login (and so replaces the version) first
    user_logged_in.connect(_signed_in, dispatch_uid="user_cache_signed_in")
    for model in apps.get_models():
        if issubclass(model, Device):
            uid = f"user_cache_device_{model._meta.label_lower}"
            post_save.connect(_device_written, sender=model, dispatch_uid=f"{uid}_saved")
            post_delete.connect(_device_written, sender=model, dispatch_uid=f"{uid}_deleted")
