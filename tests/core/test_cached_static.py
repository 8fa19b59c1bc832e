"""{% load cached_static %}: Django's {% static %}, with each written path's URL kept for the process (issue #22)."""

from django.template import engines
from django.templatetags.static import static
from django.test import override_settings


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_it_answers_as_djangos_tag_and_follows_a_changed_setting():
    source = "{% load cached_static %}{% static 'css/flexdesk.css' %}|{% static name %}|{% static 'a b.js' as x %}{{ x }}"
    assert _render(source, name="js/flexdesk.js") == (
        f"{static('css/flexdesk.css')}|{static('js/flexdesk.js')}|{static('a b.js')}"
    )
    with override_settings(STATIC_URL="/elsewhere/"):
        assert _render(source, name="js/flexdesk.js").startswith("/elsewhere/css/flexdesk.css|/elsewhere/js/")
    assert _render(source, name="js/flexdesk.js").startswith(static("css/flexdesk.css"))
