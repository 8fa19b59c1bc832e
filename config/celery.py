import logging
import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

logger = logging.getLogger(__name__)

app = Celery("flexdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _embedded_broker_folders(sender, **kwargs):
    """The filesystem transport (the embedded broker, no CELERY_BROKER_URL) needs its folders to exist.

    Created by whichever process reads the configuration first: the web server, the worker or beat. A folder
    that cannot be made is logged, not raised: publishing then fails fast and the sweeps catch up later.
    """
    if not str(sender.conf.broker_url or "").startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            try:
                Path(options[key]).mkdir(parents=True, exist_ok=True)
            except OSError:
                logger.warning(
                    "celery: cannot create the embedded broker's folder %s", options[key], exc_info=True
                )
