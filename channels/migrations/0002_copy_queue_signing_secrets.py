"""Zendesk webhooks set up before channels existed were verified with QueueSettings.zendesk_signing_secret;
the secret now lives (encrypted) on the program's Zendesk connection. Copy it, so those webhooks keep working."""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations

logger = logging.getLogger(__name__)


def copy_secrets(apps, schema_editor):
    from contracts.vault import encrypt_secret

    QueueSettings = apps.get_model("queues", "QueueSettings")
    ZendeskConnection = apps.get_model("channels", "ZendeskConnection")
    for row in QueueSettings.objects.exclude(zendesk_signing_secret="").only("program_id", "zendesk_signing_secret"):
        try:
            sealed = encrypt_secret({"value": row.zendesk_signing_secret})
        except ImproperlyConfigured:
            logger.warning("No vault key: the Zendesk signing secret of program %s was not copied; set it again on "
                           "the program's channel page.", row.program_id)
            continue
        ZendeskConnection.objects.get_or_create(program_id=row.program_id,
                                                defaults={"webhook_secret_encrypted": sealed})


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_zendesk_connection"),
        ("queues", "0008_customer_messages"),
    ]
    # The column it reads is dropped by queues 0009 (the secret lives on the connection now).
    run_before = [("queues", "0009_drop_queue_zendesk_signing_secret")]

    operations = [migrations.RunPython(copy_secrets, migrations.RunPython.noop)]
