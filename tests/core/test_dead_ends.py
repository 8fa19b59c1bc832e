"""The branded page for a link that leads nowhere (core.errorviews.link_dead_end), used by surveys, trial tasks
and the vault's one-time links (their own tests: tests/<app>/test_dead_ends.py)."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from core.errorviews import link_dead_end
from core.links import LinkState

# What Django's technical pages (DEBUG on) and a stack trace look like: never on a dead end.
TECHNICAL_MARKERS = (
    "Traceback",
    "You’re seeing this error because you have",
    "DEBUG = True",
    "Using the URLconf",
    "technical_404",
    "Request Method:",
)


def assert_branded_dead_end(response, *, status: int, state: str) -> str:
    """The response is the product's dead-end page in this state, with this status, and no debugging output."""
    html = response.content.decode()
    assert response.status_code == status, html[:500]
    assert response.templates and response.templates[0].name == "core/link_dead_end.html"
    assert f'data-dead-end="{state}"' in html
    assert 'class="navbar-brand fw-semibold"' in html and "css/flexdesk.css" in html  # the product's look
    assert "What you can do" in html
    for marker in TECHNICAL_MARKERS:
        assert marker not in html, marker
    return html


def without_csrf(html: str) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


@pytest.mark.parametrize(
    ("state", "status", "headline"),
    [
        (LinkState.UNKNOWN, 404, "We don’t recognise this link"),
        (LinkState.USED, 410, "This survey link has already been used"),
        (LinkState.EXPIRED, 410, "This survey link has expired"),
        (LinkState.WITHDRAWN, 410, "This survey link was withdrawn"),
    ],
)
def test_each_state_says_what_happened_with_its_status(state, status, headline):
    request = RequestFactory().get("/survey/csat/x/")
    request.user = AnonymousUser()
    response = link_dead_end(
        request,
        state=state,
        what="survey link",
        next_step="Reply to the e-mail.",
        detail="Answered on 1 May.",
    )
    response.render()
    html = response.content.decode()
    assert response.status_code == status
    assert headline in html and "Reply to the e-mail." in html
    assert response["Cache-Control"] == "no-store"
    # An unknown link's holder learns nothing about any real link, even if the caller passed a detail.
    assert ("Answered on 1 May." in html) == (state != LinkState.UNKNOWN)


def test_an_open_link_is_not_a_dead_end():
    with pytest.raises(ValueError, match="not a dead end"):
        link_dead_end(RequestFactory().get("/"), state=LinkState.OPEN, what="survey link", next_step="")
