"""{% main_nav %}: the navigation bar's two lists (the side's sections; the presence switch and the user menu),
built in Python for every page (issue #22).

As templates (includes/nav_*.html, the presence header, the user menu in base.html) they cost ~0.3 ms of each
page: nine {% url %} and six {% may %} per manager page, an {% include %} each, a few dozen {% if %}. Here the
same markup is a handful of f-strings; every value interpolated is a literal of this module, a URL, or passes
through escape(). A section is linked only when its view would let the user in ({% may %}'s rule,
accounts.mixins.user_may_open), and is active by the request's path as before.
"""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.mixins import user_may_open
from core.templatetags.cached_url import reverse_once

register = template.Library()

# (label, url name, "may" check (manage side), what the path contains when it is active; None: the page itself)
_MANAGE = (
    ("Home", "dashboard:manage_home", False, None),
    ("Programs", "programs:list", True, ""),  # "": the section's own URL is in the path
    ("Recruiting", "recruiting:posting_list", True, "/manage/recruiting/"),
    ("Contracts", "contracts:contract_list", True, "/manage/contracts/"),
    ("Queues", "queues:inhouse_queue", True, "/manage/queues/"),
    ("Quality", "reviews:home", True, "/manage/reviews/"),
    ("Payments", "payments:home", True, "/manage/payments/"),
)
_PORTAL = (
    ("Home", "dashboard:portal_home", False, None),
    ("My tickets", "queues:my_queue", False, "/portal/tickets/"),
    ("Knowledge", "contracts:portal_knowledge", False, "/portal/knowledge/"),
    ("Availability", "queues:availability", False, "/portal/availability/"),
    ("Time", "payments:timesheet", False, "/portal/time/"),
    ("Payouts", "payments:portal_payouts", False, "/portal/payouts/"),
    ("Reviews", "reviews:portal_reviews", False, "/portal/reviews/"),
    ("Contracts", "contracts:portal_contracts", False, "/portal/contracts/"),
    ("Referrals", "recruiting:portal_referrals", False, "/portal/referrals/"),
)


def _sections(context, request, user, sections) -> str:
    path = request.path if request is not None else ""
    items = []
    for label, name, checked, marker in sections:
        url = reverse_once(context, name)
        if not url or (checked and not user_may_open(user, name)):
            continue
        active = path == url if marker is None else (url if marker == "" else marker) in path
        items.append(
            f'<li class="nav-item"><a class="nav-link{" active" if active else ""}" href="{escape(url)}">'
            f"{label}</a></li>"
        )
    return "\n".join(items)


def _presence(context, request, *, portal: bool, csrf: str) -> str:
    """The header's presence switch (issue #19): online / away / offline. Rendered without a query;
    static/js/presence.js asks the heartbeat for the current state on load and keeps last_seen_at while the
    person is active."""
    side = "portal" if portal else "manage"
    presence_url = reverse_once(context, f"queues:{side}_presence")
    heartbeat_url = reverse_once(context, f"queues:{side}_heartbeat")
    hint = (
        '<p class="dropdown-item-text small text-muted mb-0 presence-hint">New tickets come to you only while you '
        "are online inside your shift.</p>"
        if portal
        else ""
    )
    here = escape(request.get_full_path()) if request is not None else ""
    return (
        f'<li class="nav-item dropdown" data-presence data-heartbeat-url="{escape(heartbeat_url)}">\n'
        '  <a class="nav-link dropdown-toggle" href="#" role="button" data-bs-toggle="dropdown" '
        'aria-expanded="false" id="presence-toggle">\n'
        '    <span class="presence-dot" data-presence-dot aria-hidden="true"></span> '
        "<span data-presence-label>Presence</span>\n"
        "  </a>\n"
        '  <div class="dropdown-menu dropdown-menu-end" aria-labelledby="presence-toggle">\n'
        f'    <form method="post" action="{escape(presence_url)}">{csrf}'
        f'<input type="hidden" name="next" value="{here}">\n'
        '      <button class="dropdown-item" type="submit" name="status" value="online"><span class="presence-dot '
        'presence-online" aria-hidden="true"></span> Online <span class="small text-muted">— take tickets</span>'
        "</button>\n"
        '      <button class="dropdown-item" type="submit" name="status" value="away"><span class="presence-dot '
        'presence-away" aria-hidden="true"></span> Away <span class="small text-muted">— a short break</span>'
        "</button>\n"
        '      <button class="dropdown-item" type="submit" name="status" value="offline"><span class="presence-dot '
        'presence-offline" aria-hidden="true"></span> Offline</button>\n'
        "    </form>\n"
        f"    {hint}\n"
        "  </div>\n"
        "</li>"
    )


@register.simple_tag(takes_context=True)
def main_nav(context) -> SafeString:
    """The navigation bar's lists: the side's sections, then admin, presence and the user's menu (or Log in)."""
    from core.timezones import zone_name

    request = context.get("request")
    user = context.get("user")
    manager_side, portal_side = context.get("is_manager_side"), context.get("is_portal_side")
    sections = ""
    if manager_side:
        sections = _sections(context, request, user, _MANAGE)
    elif portal_side:
        sections = _sections(context, request, user, _PORTAL)
    if user is not None and user.is_authenticated:
        csrf = CsrfTokenNode().render(context)
        parts = []
        if user.is_staff:
            admin_url = escape(reverse_once(context, "admin:index"))
            parts.append(f'<li class="nav-item"><a class="nav-link" href="{admin_url}">Admin</a></li>')
        if portal_side or manager_side:
            parts.append(_presence(context, request, portal=bool(portal_side), csrf=csrf))
        tokens = (
            f'<li><a class="dropdown-item" href="{escape(reverse_once(context, "accounts:api_tokens"))}">'
            "API tokens</a></li>"
            if user.is_manager
            else ""
        )
        parts.append(
            '<li class="nav-item dropdown">\n'
            '  <a class="nav-link dropdown-toggle" href="#" role="button" data-bs-toggle="dropdown" '
            f'aria-expanded="false" id="user-menu">{escape(str(user))}</a>\n'
            '  <ul class="dropdown-menu dropdown-menu-end">\n'
            f'    <li><span class="dropdown-item-text small text-muted">{escape(user.get_role_display())} · '
            f"{escape(zone_name(user.time_zone))}</span></li>\n"
            f'    <li><a class="dropdown-item" href="{escape(reverse_once(context, "accounts:profile"))}">'
            "Profile &amp; time zone</a></li>\n"
            f"    {tokens}\n"
            '    <li><hr class="dropdown-divider"></li>\n'
            f'    <li><form method="post" action="{escape(reverse_once(context, "accounts:logout"))}">{csrf}'
            '<button class="dropdown-item" type="submit">Log out</button></form></li>\n'
            "  </ul>\n"
            "</li>"
        )
        mine = "\n".join(parts)
    else:
        mine = f'<li class="nav-item"><a class="nav-link" href="{escape(reverse_once(context, "accounts:login"))}">Log in</a></li>'
    return mark_safe(  # noqa: S308 (every part is escaped above)
        f'<ul class="navbar-nav me-auto">\n{sections}\n</ul>\n<ul class="navbar-nav">\n{mine}\n</ul>'
    )
