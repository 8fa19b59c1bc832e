"""Tokens for links that grant access without a login (surveys, vault submission links, shared summaries).

The link carries an unguessable token; the database keeps only its SHA-256, so a leaked table opens nothing.
"""

import hashlib
import secrets


def token_digest(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def token_new() -> tuple[str, str]:
    """(token for the link, digest to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)
