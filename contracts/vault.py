"""Encryption for the credentials vault: Fernet keys from settings.VAULT_KEYS, newest first.

MultiFernet encrypts with the first key and decrypts with any, so a new key is put in
front, `manage.py rotate_vault_key` re-encrypts every credential, then the old key can go.
Without a valid key nothing is stored: encryption raises instead of falling back to plain text.
Secrets never reach a log line or an exception message.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def key_problems(keys) -> list[str]:
    """What is wrong with the configured keys (empty list when they are usable)."""
    if not keys:
        return ["No vault key is set: FLEXDESK_VAULT_KEYS must hold at least one Fernet key."]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            # Never echo the key itself.
            problems.append(
                f"Vault key #{position} in FLEXDESK_VAULT_KEYS is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes; make one with `manage.py rotate_vault_key --generate`)."
            )
    return problems


def multi_fernet() -> MultiFernet:
    keys = list(getattr(settings, "VAULT_KEYS", []) or [])
    problems = key_problems(keys)
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def generate_key() -> str:
    return Fernet.generate_key().decode()


def encrypt_secret(payload: dict) -> str:
    return multi_fernet().encrypt(json.dumps(payload, sort_keys=True).encode("utf-8")).decode("ascii")


class UndecryptableSecret(Exception):
    """The ciphertext does not open with any configured key (a key was dropped too early)."""


def decrypt_secret(ciphertext: str) -> dict:
    try:
        return json.loads(multi_fernet().decrypt(ciphertext.encode("ascii")))
    except InvalidToken:
        raise UndecryptableSecret(
            "This credential cannot be decrypted with the configured vault keys."
        ) from None


def rotate_ciphertext(ciphertext: str) -> str:
    """The same secret encrypted with the newest key."""
    try:
        return multi_fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise UndecryptableSecret(
            "This credential cannot be decrypted with the configured vault keys."
        ) from None
