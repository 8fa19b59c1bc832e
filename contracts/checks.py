from django.conf import settings
from django.core.checks import Error, register

from contracts.vault import key_problems


@register()
def vault_keys_check(app_configs=None, **kwargs):
    """Start-up fails clearly when the vault has no usable key: credentials are never stored in plain text."""
    return [
        Error(
            problem,
            hint="Set FLEXDESK_VAULT_KEYS to comma-separated Fernet keys, newest first.",
            id="contracts.E001",
        )
        for problem in key_problems(list(getattr(settings, "VAULT_KEYS", []) or []))
    ]
