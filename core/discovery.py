"""Walk our own apps in the layering order of settings.LOCAL_APPS and load a module from each.

This lets core run every app's demo seeding and periodic-task registration
without importing any domain app by name.
"""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings


def app_modules(module_name: str):
    for app in settings.LOCAL_APPS:
        dotted = f"{app}.{module_name}"
        if find_spec(dotted) is not None:
            yield app, import_module(dotted)
