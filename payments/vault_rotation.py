"""Found by `manage.py rotate_vault_key` (through core.discovery): what payments encrypts with the vault keys."""

from payments.services.payout_details import payout_details_rotate


def rotate() -> tuple[str, int]:
    return "payout details", payout_details_rotate()
