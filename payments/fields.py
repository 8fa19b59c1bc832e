"""Model fields of the payments app."""

from django.db import models

from contracts.vault import decrypt_secret, encrypt_secret


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with the vault's keys (contracts.vault: MultiFernet, newest key first).

    Python code sees the plain value; the column holds the Fernet token. A blank value is stored blank
    (there is nothing to hide, and "is it set?" needs no key). Lookups cannot match an encrypted value
    (every encryption differs), so never filter on anything but blank. `payout_details_rotate` re-encrypts
    the rows with the newest key when the keys are rotated.
    """

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return decrypt_secret(value)["v"]

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt_secret({"v": value})
