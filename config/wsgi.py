import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Import what every request needs now (the URLconf imports every app's views and forms), then take these
# long-lived objects out of the garbage collector's sight: a full collection otherwise walks all of them
# (~200,000 objects, 100+ ms of CPU here) every few hundred requests, a pause some request pays for.
get_resolver().url_patterns  # noqa: B018 (loads the URLconf)
gc.freeze()
