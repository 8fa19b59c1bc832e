"""No raw codes on screen (issue 17, item 6), on a seeded demo: the main manager, agent and freelancer pages
show no dotted audit verb, no stored enum code ("angry_customer", "Missedshift"), no "PST" for Manila, dates
in the locale's one format, and no half-written tag."""

import html
import io
import re
from collections import deque

import pytest
import respx
from django.apps import apps
from django.core.management import call_command

from core.models import AuditLog

pytestmark = pytest.mark.django_db

TAGS = re.compile(r"<(script|style|select|textarea)\b[^>]*>.*?</\1>|<[^>]+>", re.S)
HELP = re.compile(r'<div[^>]*class="[^"]*form-text[^"]*"[^>]*>.*?</div>', re.S)  # "CSV lines: 2026-03-02,…"
ISO_DATE = re.compile(r"(?<![\w/-])20\d\d-\d\d-\d\d(?![\w/-])")
# What is left on screen of a closing tag missing its "<" ("… too./p>")
BROKEN_TAG = re.compile(r"/(?:p|div|span|li|ul|td|tr|th|a|strong|em|small|h[1-6])>")
SKIP = ("logout", "export", ".csv", "download", "delete", "revoke", "/documents/", "statement")


def visible_text(body: str) -> str:
    """What a reader sees: no tags, scripts, or form pickers (a picker's options may be zone names)."""
    return html.unescape(TAGS.sub(" ", body))


def raw_codes() -> set[str]:
    """Stored enum values a reader would not write ("in_review", "missed_shift"), and their squashed forms."""
    codes = {"missed_shift", "no_login", "too_complex", "angry_customer"}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "choices", None) or []:
                if isinstance(value, str) and "_" in value and value != label and "/" not in value:
                    codes.add(value)
    return codes | {code.replace("_", "").capitalize() for code in codes}


def walk(client, start: str, limit: int) -> dict[str, str]:
    """Pages reachable from `start` by links inside /manage/ and /portal/: {url: visible text}."""
    seen, queue, pages = set(), deque([start]), {}
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        pages[url] = visible_text(HELP.sub(" ", body))
        for href in re.findall(r'href="(/(?:manage|portal)/[^"#?]*)', body):
            if href not in seen and not any(part in href for part in SKIP):
                queue.append(href)
    return pages


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    with respx.mock(assert_all_mocked=True):
        call_command("seed_demo", stdout=io.StringIO())


# (who, where the walk starts, how many pages at most); one seeding for the three walks (it takes a while).
WALKS = [
    ("manager@demo.test", "/manage/", 140),
    ("agent@demo.test", "/manage/", 60),
    ("freelancer1@demo.test", "/portal/", 40),
]


def test_no_page_of_the_demo_shows_a_raw_code(demo, client):
    from accounts.models import User

    verbs = set(AuditLog.objects.values_list("verb", flat=True))
    assert {"contract.rate_changed", "onboarding.step_done"} <= verbs  # the demo has the lines this looks for
    codes = raw_codes()
    found, walked = [], 0
    for email, start, limit in WALKS:
        client.force_login(User.objects.get(email=email))
        pages = walk(client, start, limit)
        assert len(pages) > 10, email
        walked += len(pages)
        for url, text in pages.items():
            found += [(email, url, verb) for verb in verbs if verb in text]
            found += [
                (email, url, code)
                for code in codes
                if re.search(rf"(?<![\w/.-]){re.escape(code)}(?![\w/.-])", text)
            ]
            found += [(email, url, "PST") for _ in re.findall(r"\bPST\b", text)]
            found += [(email, url, f"ISO date {m}") for m in ISO_DATE.findall(text)]
            found += [(email, url, f"broken tag {m}") for m in BROKEN_TAG.findall(text)]
        client.logout()
    assert walked > 100
    assert not found, found
