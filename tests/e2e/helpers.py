"""Steps the ticket, quality, pay and dashboard journeys share (the fixtures are in conftest.py)."""

import json
import urllib.error
import urllib.request

from playwright.sync_api import expect


def nav(page, name: str):
    """Click a link of the main navigation as a person would: on a phone the menu is folded behind its toggle."""
    toggle = page.get_by_role("button", name="Toggle navigation")
    if toggle.is_visible():
        toggle.click()
        expect(page.locator("#mainnav")).to_be_visible()
    page.locator("#mainnav").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def user_menu(page, name: str):
    """An entry of the signed-in user's menu (top right; behind the toggle on a phone)."""
    toggle = page.get_by_role("button", name="Toggle navigation")
    if toggle.is_visible():
        toggle.click()
    page.locator("#user-menu").click()
    page.locator("#user-menu + .dropdown-menu").get_by_role("link", name=name).click()
    page.wait_for_load_state()


def api_post(url: str, *, token: str, data: dict) -> tuple[int, dict]:
    """What a helpdesk or script does: a JSON POST with the token, outside any browser."""
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — the live server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
