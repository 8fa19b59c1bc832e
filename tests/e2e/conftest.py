"""Browser journeys: Debian's chromium, driven by pytest-playwright, against pytest-django's live server.

Each journey starts from the first page its person sees and clicks and types as they would; the world it
starts from (programs, postings, contracts…) is built with the factories before the first page opens, and
the database is only read again to assert at the end.

Fixtures (names are stable; other journey files build on them):

``live_url``         the live server's root URL, no trailing slash (SITE_URL points there too, so links in
                     e-mails open the live server).
``make_manager``     ``make_manager(email=…, **factory_kwargs) -> User``: a support manager enrolled in
                     two-factor sign-in (a confirmed authenticator, as after /accounts/two-factor/setup/).
``manager``          one such manager.
``log_in``           ``log_in(user, *, phone=False, password=PASSWORD) -> Page``: a new browser context and
                     page that went through the real login form (and, when the user has an authenticator,
                     the code form with the app's current code). Lands on the user's home page.
``visitor``          ``visitor(*, phone=False) -> Page``: a new anonymous browser context (a candidate, a
                     customer answering a survey, an invitee before they have a password).
``check_page``       ``check_page(page)``: the checks every page of every journey passes, run on the page as
                     it is now: no console error, no uncaught page error, no failed static file, no 5xx (all
                     recorded since the last check, on every page of every context made here), and no serious
                     or critical axe-core violation. Call it after each navigation or htmx swap worth seeing;
                     the recorded failures are checked once more when the test ends, so none slips by.
``mail``             the outgoing mail (Django's locmem outbox: in tests tasks run eagerly, so the outbox's
                     rows are sent before the request returns): ``mail.to(address)`` the messages to someone,
                     ``mail.link(address, contains="/invitations/")`` the link whose URL contains that text, from
                     the latest message to them that has one.
``phone``            ``with phone(page): …`` runs those steps at 375×812 (the freelancer's and candidate's
                     steps), then puts the desktop viewport back. ``log_in(..., phone=True)`` and
                     ``visitor(phone=True)`` start a context at that size instead.

Helpers to import: ``PASSWORD`` (every factory user's password), ``PHONE`` and ``DESKTOP`` (viewports),
``totp_code(user)`` (what the authenticator app shows now), ``authenticator_code(secret)`` (what an app set
up with the key shown on /accounts/two-factor/setup/ shows now), ``tiny_pdf()`` (bytes of a valid one-page PDF),
``field(page_or_locator, "Label")`` (the input whose label is exactly that text, with or without crispy's
required-field asterisk), ``alert(page, "text")`` (the flash message or alert that contains the text),
``nav_to(page, "Contracts")`` (click a link of the main navigation, opening the phone menu first when it is
collapsed).

``FLEXDESK_E2E_AXE_SKIP=rule-id,…`` (developer machines only, while a known violation is being fixed) leaves
those axe rules out.

Failures keep a screenshot of every open page and a Playwright trace (``playwright show-trace trace.zip``) in
test-artifacts/e2e/<test id>/ (pytest-playwright's --output, --tracing retain-on-failure, --screenshot
only-on-failure, set below unless given on the command line).

Without chromium (/usr/bin/chromium, or FLEXDESK_CHROMIUM) the journeys skip, unless FLEXDESK_REQUIRE_BROWSER=1
(set by .ci/run), where they fail.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in the main thread (from the first browser until the end
# of the session); Django refuses database calls while a loop runs unless told it is safe, as it is here: the
# test code and the live server's thread never share a connection.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("FLEXDESK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = "test-artifacts/e2e"
PASSWORD = "pass-1234"  # tests/accounts/factories.py UserFactory
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
# Impacts that fail a page; axe's "moderate" and "minor" ones are left to review.
AXE_FAILING_IMPACTS = ("serious", "critical")
# While someone fixes a known violation, FLEXDESK_E2E_AXE_SKIP=color-contrast,… leaves those rules out on a
# developer machine; .ci/run and `make test` never set it.
AXE_SKIPPED_RULES = {
    rule.strip() for rule in os.environ.get("FLEXDESK_E2E_AXE_SKIP", "").split(",") if rule.strip()
}


def pytest_configure(config):
    """Screenshots and traces of failed journeys, unless the command line asked for something else."""
    option = config.option
    if getattr(option, "output", None) == "test-results":
        option.output = ARTIFACTS
    if getattr(option, "tracing", None) == "off":
        option.tracing = "retain-on-failure"
    if getattr(option, "screenshot", None) == "off":
        option.screenshot = "only-on-failure"


def _browser_missing_reason() -> str | None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return f"no chromium at {CHROMIUM} (apt-get install chromium; never `playwright install`)"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("FLEXDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FLEXDESK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Reduced motion: Bootstrap then has no transitions, so axe never measures a colour half-way through one.
    return {**browser_context_args, "locale": "en-US", "timezone_id": "UTC", "reduced_motion": "reduce"}


@pytest.fixture(autouse=True)
def _e2e_setup(request, settings):
    """Every journey needs the browser and the live server; links in mail must open the live server."""
    if _browser_missing_reason():  # skip (or fail) before the live server and the database are set up
        request.getfixturevalue("browser_type_launch_args")
    live_server = request.getfixturevalue("live_server")
    settings.SITE_URL = live_server.url


@pytest.fixture
def live_url(live_server) -> str:
    return live_server.url.rstrip("/")


# --- people -----------------------------------------------------------------------------------------------


def totp_code(user) -> str:
    """The code the user's authenticator app shows now (the next one if this one was just used)."""
    from django_otp.oath import TOTP, hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    t = clock.t()
    if device.last_t is not None and t <= device.last_t:
        t = device.last_t + 1  # a code works once; the next step's code is within the device's tolerance
    return str(hotp(device.bin_key, t, device.digits)).zfill(device.digits)


def authenticator_code(secret: str) -> str:
    """The code an authenticator app shows now for the key typed in by hand (base32, spaces allowed)."""
    from base64 import b32decode

    from django_otp.oath import TOTP

    return str(TOTP(b32decode("".join(secret.split()).upper())).token()).zfill(6)


@pytest.fixture
def make_manager(db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import TOTP_DEVICE_NAME
    from tests.accounts.factories import ManagerFactory

    def make(**kwargs):
        user = ManagerFactory(**kwargs)
        TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
        return user

    return make


@pytest.fixture
def manager(make_manager):
    return make_manager(email="manager@example.test", display_name="Maria Manager")


# --- the page checks ---------------------------------------------------------------------------------------


class PageProblems:
    """Everything that went wrong on the pages of one test's contexts, as it happened."""

    def __init__(self, live_url: str):
        self.live_url = live_url
        self.items: list[str] = []

    def watch(self, context):
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page):
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda error: self.items.append(f"uncaught error on {page.url}: {error}"))
        page.on("requestfailed", lambda req: self._request_failed(page, req))
        page.on("response", lambda resp: self._response(page, resp))

    def _console(self, page, msg):
        if msg.type == "error":
            self.items.append(f"console error on {page.url}: {msg.text}")

    def _is_static(self, url: str) -> bool:
        return url.startswith(self.live_url) and "/static/" in url

    def _request_failed(self, page, request):
        failure = request.failure or ""
        # A navigation that replaces the page aborts what the old page was still loading: not a broken file.
        if self._is_static(request.url) and "ERR_ABORTED" not in failure:
            self.items.append(f"static file failed on {page.url}: {request.url} ({failure})")

    def _response(self, page, response):
        if response.status >= 500:
            self.items.append(f"{response.status} from {response.request.method} {response.url}")
        elif response.status >= 400 and self._is_static(response.url):
            self.items.append(f"static file {response.status} on {page.url}: {response.url}")

    def take(self) -> list[str]:
        items, self.items = self.items, []
        return items


_AXE_SCRIPT = None


def axe_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one readable line per rule and element.

    axe.min.js comes with axe-playwright-python; it is injected once per document (an htmx swap keeps it)."""
    global _AXE_SCRIPT
    if _AXE_SCRIPT is None:
        from axe_playwright_python.sync_playwright import Axe

        _AXE_SCRIPT = Axe().axe_script
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", {"resultTypes": ["violations"]})
    lines = []
    for violation in results.get("violations", []):
        if violation.get("impact") not in AXE_FAILING_IMPACTS or violation.get("id") in AXE_SKIPPED_RULES:
            continue
        targets = [", ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])]
        shown = "; ".join(targets[:5]) + (f" (+{len(targets) - 5} more)" if len(targets) > 5 else "")
        lines.append(
            f"axe {violation['impact']} {violation['id']} on {page.url}: {violation['help']} — {shown}"
        )
    return lines


@pytest.fixture
def _page_problems(live_url):
    problems = PageProblems(live_url)
    yield problems
    left = problems.take()
    assert not left, "Problems on the journey's pages:\n" + "\n".join(left)


@pytest.fixture
def check_page(_page_problems):
    def check(page):
        page.wait_for_load_state("load")
        found = _page_problems.take() + axe_problems(page)
        assert not found, f"Problems on {page.url}:\n" + "\n".join(found)

    return check


# --- contexts ----------------------------------------------------------------------------------------------


@pytest.fixture
def visitor(new_context, _page_problems, live_url):
    def open_page(*, phone=False):
        context = new_context(viewport=PHONE if phone else DESKTOP, base_url=live_url)
        context.set_default_timeout(10_000)
        _page_problems.watch(context)
        return context.new_page()

    return open_page


@pytest.fixture
def log_in(visitor, check_page):
    def log_in_as(user, *, phone=False, password=PASSWORD):
        from playwright.sync_api import expect

        page = visitor(phone=phone)
        page.goto("/accounts/login/")
        check_page(page)
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        if "/accounts/login/code/" in page.url:
            check_page(page)
            page.get_by_label("Code").fill(totp_code(user))
            page.get_by_role("button", name="Continue").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        check_page(page)
        return page

    return log_in_as


@pytest.fixture
def phone():
    @contextlib.contextmanager
    def at_phone_size(page):
        before = page.viewport_size or DESKTOP
        page.set_viewport_size(PHONE)
        try:
            yield page
        finally:
            page.set_viewport_size(before)

    return at_phone_size


# --- mail --------------------------------------------------------------------------------------------------


class Mail:
    def __init__(self, outbox, live_url):
        self.outbox = outbox
        self.live_url = live_url

    def to(self, address: str) -> list:
        return [m for m in self.outbox if address.lower() in [a.lower() for a in m.to]]

    def link(self, address: str, *, contains: str) -> str:
        """The link (on the live server) whose URL contains `contains`, in the latest message to address that has
        one."""
        messages = self.to(address)
        assert messages, f"no mail to {address}; sent: {[(m.to, m.subject) for m in self.outbox]}"
        for message in reversed(messages):
            bodies = [message.body] + [content for content, _ in getattr(message, "alternatives", [])]
            for body in bodies:
                for url in re.findall(r"https?://[^\s\"'<>]+", body):
                    if contains in url and url.startswith(self.live_url):
                        return url.rstrip(".,)")
        raise AssertionError(
            f"no link containing {contains!r} in the mail to {address}: {[m.subject for m in messages]}"
        )


@pytest.fixture
def mail(mailoutbox, live_url):
    return Mail(mailoutbox, live_url)


def field(scope, label: str):
    """The form control labelled exactly `label` (crispy adds "*" to required fields' labels)."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def alert(page, text: str):
    """The message (role=alert: Django's flash messages, form errors) that contains `text`."""
    return page.get_by_role("alert").filter(has_text=text)


def nav_to(page, name: str):
    """Follow a link of the main navigation as a person would: on a phone, open the menu first."""
    nav = page.get_by_role("navigation", name="Main navigation")
    toggler = nav.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    link = nav.get_by_role("link", name=name, exact=True)
    link.click()
    return link


# --- files -------------------------------------------------------------------------------------------------


def tiny_pdf(text: str = "Alex Candidate - CV") -> bytes:
    """A valid one-page PDF (header, catalog, page, font, content stream, xref table, trailer)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
