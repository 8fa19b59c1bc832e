"""Response headers every page carries: Content-Security-Policy without inline script, and no caching of
pages with pay or personal data. Also: no template carries inline script or style the policy would block."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def _cache_control(response) -> set[str]:
    return {d.strip() for d in response["Cache-Control"].split(",")}


def test_every_page_sends_a_policy_that_runs_only_the_apps_own_files(client):
    program = ProgramFactory()
    anonymous = client.get(reverse("accounts:login"))
    client.force_login(program.managers.first())
    page = client.get(reverse("programs:worksheet", args=[program.slug]))

    for response in (anonymous, page):
        assert response.status_code == 200
        directives = _directives(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
        assert directives["style-src"] == ["'self'"]
        assert directives["img-src"] == ["'self'", "data:"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["form-action"] == ["'self'"]


def test_the_api_docs_load_their_init_script_from_a_file(client):
    client.force_login(ProgramFactory().managers.first())
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and re.search(r"<script>\s*\S", html) is None
    script = re.search(r'<script src="([^"]*\?[^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    init = client.get(script)
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()


def test_pages_with_personal_data_are_private_and_never_stored(client):
    contract = ContractFactory()
    client.force_login(contract.freelancer.user)
    assert {"private", "no-store"} <= _cache_control(client.get(f"/portal/contracts/{contract.pk}/"))

    client.force_login(contract.program.managers.first())
    response = client.get(f"/manage/contracts/{contract.pk}/")
    assert response.status_code == 200 and {"private", "no-store"} <= _cache_control(response)
    # A view's own cache choice never makes a logged-in page cacheable: the rule merges, private wins.
    assert "public" not in _cache_control(response)


def test_anonymous_pages_are_not_stored_either_unless_the_view_says_otherwise(client):
    assert {"private", "no-store"} <= _cache_control(client.get(reverse("accounts:login")))
    # A candidate's page (here: a posting link that is not valid any more) gets exactly the rule's header.
    missing = client.get(reverse("recruiting:apply", args=["no-such-posting"]))
    assert missing.status_code == 404 and _cache_control(missing) == {"private", "no-store"}
    health = client.get(reverse("healthz"))  # never_cache: its own header is kept
    assert "no-store" in _cache_control(health) and "max-age=0" in _cache_control(health)


def test_static_files_keep_their_cache_headers(client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get(settings.STATIC_URL + "js/flexdesk.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" not in response


# Everything the policy blocks, as it would appear in a template. E-mails are not pages (no policy applies
# in a mail client); document_file.html is a download, opened from disk.
INLINE = {
    "inline script": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I
    ),
    "event handler attribute": re.compile(r"[\s\"'%}]on[a-z]+\s*=\s*[\"']", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on attribute": re.compile(r"\bhx-on\b|\bhx-on:", re.I),
    "htmx trigger filter (needs eval)": re.compile(r"hx-trigger=\"[^\"]*\[", re.I),
    "inline style attribute": re.compile(r"\sstyle\s*=", re.I),
    "inline <style>": re.compile(r"<style\b", re.I),
}
NOT_PAGES = (
    "/email/",
    "contracts/document_file.html",
    # rendered to PDF only (payments.services.invoices), never served as a page
    "payments/_document_style.html",
    "payments/invoice_file.html",
    "payments/statement_file.html",
)


def test_no_template_has_inline_script_or_style():
    root = settings.BASE_DIR / "templates"
    found = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if any(part in "/" + name for part in NOT_PAGES):
            continue
        # A style attribute that only e-mails get (dashboard/_summary_body.html) is fine.
        text = re.sub(r"{% if for_email %}.*?{% endif %}", "", path.read_text(), flags=re.S)
        found += [f"{name}: {what}" for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []
