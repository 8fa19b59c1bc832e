"""{% url %} as Django's, with each URL whose name and arguments are written in the template reversed once per
process: a page has 20-30 of them (the navigation bar alone has nine), ~40 µs of reverse() each, and their
answers never change while the URLconf does not. Installed as a template builtin (settings.TEMPLATES), so it
replaces Django's tag in every template; a URL that names a variable is reversed on each render, as before."""

from typing import Any

from django.conf import settings
from django.template import Library, Node, defaulttags
from django.template.base import FilterExpression, Parser, Token
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape

register = Library()

_URLS: dict[tuple, str] = {}


def _literal(expression: FilterExpression) -> bool:
    """A quoted string or a number in the template, with no filter: the same value on every render."""
    return not expression.filters and not hasattr(expression.var, "resolve")


def _current_app(context: Any) -> str | None:
    """The namespace Django's tag reverses in (its own look-up)."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


def _where(context: Any) -> tuple:
    """(URLconf, script prefix, current app): what reverse() also depends on, the same for a whole request (read
    once per request: each is a thread-local look-up)."""
    request = getattr(context, "request", None)
    where = getattr(request, "_cached_url_where", None)
    if where is None:
        where = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), _current_app(context))
        if request is not None:
            request._cached_url_where = where
    return where


class CachedURLNode(defaulttags.URLNode):
    def __init__(self, node: defaulttags.URLNode) -> None:
        super().__init__(node.view_name, node.args, node.kwargs, node.asvar)
        expressions = [node.view_name, *node.args, *node.kwargs.values()]
        # what the URL depends on when every part is written in the template: those parts
        self.written = (
            (
                node.view_name.var,
                tuple(a.var for a in node.args),
                tuple((k, v.var) for k, v in node.kwargs.items()),
            )
            if all(_literal(e) for e in expressions)
            else None
        )

    def render(self, context: Any) -> str:
        if self.written is None:
            return super().render(context)
        where = _where(context)
        key = (self.written, *where)
        url = _URLS.get(key)
        if url is None:
            url = _URLS[key] = self._reverse(where[2])
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url

    def _reverse(self, current_app: str | None) -> str:
        """Django's tag's reverse: "" for a name that does not reverse in `{% url … as var %}`; without `as`,
        NoReverseMatch goes up and nothing is kept."""
        from django.urls import NoReverseMatch, reverse

        view_name, args, kwargs = self.written or ("", (), ())
        try:
            return reverse(view_name, args=list(args), kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
            return ""


@register.tag
def url(parser: Parser, token: Token) -> Node:
    """Django's {% url %} (same syntax, same output), reversed once per process when it names no variable."""
    return CachedURLNode(defaulttags.url(parser, token))


def reverse_once(context: Any, view_name: str) -> str:
    """`{% url view_name as var %}` for Python that builds a page's markup (accounts' {% main_nav %}): the URL of
    a name without arguments, reversed once per process like the tag's (the same cache), "" when it does not
    reverse."""
    where = _where(context)
    key = ((view_name, (), ()), *where)
    found = _URLS.get(key)
    if found is None:
        from django.urls import NoReverseMatch, reverse

        try:
            found = reverse(view_name, current_app=where[2])
        except NoReverseMatch:
            found = ""
        _URLS[key] = found
    return found
