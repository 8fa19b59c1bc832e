"""{% load cached_static %}: Django's static library, with the URL of each file a template names kept per process.

`{% static %}` asks the storage for the file's URL on every render (ManifestStaticFilesStorage: the manifest's
hashed name, a URL join and a quote, ~25 µs); base.html names five files, on every page (issue #22). The answer
never changes while the storage and STATIC_URL do not (a setting changed in a test clears it). The templates
every page renders load it in place of `static` (base.html, the ticket pages' includes); the tag keeps its name
and syntax. A path that is a variable, `{% get_static_prefix %}` and the library's other tags are Django's.
"""

from django.core.signals import setting_changed
from django.template import Library
from django.templatetags import static as django_static

register = Library()
register.tags.update(django_static.register.tags)
register.filters.update(django_static.register.filters)

_URLS: dict[str, str] = {}


class CachedStaticNode(django_static.StaticNode):
    def url(self, context) -> str:
        if self.path.filters or hasattr(
            self.path.var, "resolve"
        ):  # names a variable: resolved on each render
            return super().url(context)
        path = self.path.var
        found = _URLS.get(path)
        if found is None:
            found = _URLS[path] = self.handle_simple(path)
        return found


@register.tag("static")
def do_static(parser, token):
    """Django's {% static %} (same syntax, same output), with a written path's URL kept for the process."""
    node = django_static.StaticNode.handle_token(parser, token)
    return CachedStaticNode(varname=node.varname, path=node.path)


def _clear(*, setting: str, **_kwargs) -> None:
    if setting in ("STATIC_URL", "STORAGES", "STATIC_ROOT", "INSTALLED_APPS"):
        _URLS.clear()


setting_changed.connect(_clear)
