"""No path can be answered by two apps: the include order in config/urls.py never decides which view answers
(docs/adr/0024-url-prefixes.md).

Each app's patterns are compared, segment by segment, with every other app's. Two patterns compete when they
have as many segments and every pair of segments can match one same text: equal literals, a literal that a
converter accepts ("new" is a <slug:>), or two converters that share a value. A mount such as "admin/" claims
every path below it. Overlaps inside one app are that app's own, visible order and are not checked here.
"""

import re
from itertools import combinations

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import get_converters

import programs.converters  # noqa: F401 — registers <program:…> for the check's own examples

# Texts to try for a converter's part of a segment; the ones its regex accepts stand for it.
SAMPLES = ("1", "a", "new", "00000000-0000-0000-0000-000000000000")
PART = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _segment_regex(segment: str) -> str:
    converters = get_converters()
    out, position = [], 0
    for match in PART.finditer(segment):
        out.append(re.escape(segment[position : match.start()]))
        out.append(f"(?:{converters[match['converter'] or 'str'].regex})")
        position = match.end()
    out.append(re.escape(segment[position:]))
    return "".join(out)


def _segment_samples(segment: str) -> list[str]:
    """Texts the segment matches: its literal, or its literals around each converter's accepted samples."""
    converters = get_converters()
    texts = [""]
    position = 0
    for match in PART.finditer(segment):
        regex = converters[match["converter"] or "str"].regex
        values = [s for s in SAMPLES if re.fullmatch(regex, s)]
        texts = [t + segment[position : match.start()] + v for t in texts for v in values]
        position = match.end()
    return [t + segment[position:] for t in texts]


def _segments_meet(a: str, b: str) -> bool:
    return any(re.fullmatch(_segment_regex(b), text) for text in _segment_samples(a)) or any(
        re.fullmatch(_segment_regex(a), text) for text in _segment_samples(b)
    )


def patterns_meet(a: tuple[str, bool], b: tuple[str, bool]) -> bool:
    """(route, is a mount) pairs: could one path be answered by both?"""
    (route_a, mount_a), (route_b, mount_b) = a, b
    seg_a, seg_b = route_a.split("/"), route_b.split("/")
    if mount_a or mount_b:  # a mount's segments (minus the empty last) must meet the other's first ones
        shorter, longer = (seg_a, seg_b) if len(seg_a) <= len(seg_b) else (seg_b, seg_a)
        shorter = shorter[:-1] if shorter[-1] == "" else shorter
        return len(longer) >= len(shorter) and all(map(_segments_meet, shorter, longer[: len(shorter)]))
    return len(seg_a) == len(seg_b) and all(map(_segments_meet, seg_a, seg_b))


def routes_by_owner() -> dict[str, list[tuple[str, bool]]]:
    """{app name or "config": [(route, is a mount)]} of every pattern the site serves."""
    owners: dict[str, list[tuple[str, bool]]] = {}
    for entry in get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver) and route == "":
            owner = entry.app_name or str(entry.urlconf_name)
            for inner in entry.url_patterns:
                assert isinstance(inner, URLPattern), f"{owner}: nested includes are not compared"
                owners.setdefault(owner, []).append((str(inner.pattern), False))
        else:
            owners.setdefault("config", []).append((route, isinstance(entry, URLResolver)))
    return owners


def test_the_check_sees_a_slug_meet_a_literal_and_keeps_distinct_literals_apart():
    assert patterns_meet(("manage/programs/<slug:program_slug>/", False), ("manage/programs/new/", False))
    assert not patterns_meet(
        ("manage/programs/<program:program_slug>/", False), ("manage/programs/new/", False)
    )
    assert patterns_meet(
        ("manage/programs/<program:program_slug>/", False), ("manage/programs/new-york/", False)
    )
    assert not patterns_meet(("manage/<slug:x>/team/", False), ("manage/<slug:x>/costs/", False))
    assert not patterns_meet(("manage/contracts/<int:pk>/", False), ("manage/contracts/new/", False))
    assert patterns_meet(("export/<slug:table>.csv", False), ("export/team.csv", False))
    assert patterns_meet(("admin/", True), ("admin/<slug:x>/", False))
    assert not patterns_meet(("admin/", True), ("manage/", False))


def test_every_local_app_brings_its_urls():
    owners = set(routes_by_owner())
    assert {app for app in settings.LOCAL_APPS if app != "core"} <= owners


def test_no_two_apps_answer_the_same_path():
    owners = routes_by_owner()
    clashes = []
    for (owner_a, routes_a), (owner_b, routes_b) in combinations(sorted(owners.items()), 2):
        for a in routes_a:
            for b in routes_b:
                if patterns_meet(a, b):
                    clashes.append(f"{owner_a} {a[0]!r} and {owner_b} {b[0]!r}")
    assert not clashes, (
        "These patterns compete for a path; give one its own prefix or converter:\n" + "\n".join(clashes)
    )


def test_a_reserved_word_is_the_programs_page_and_any_other_slug_the_programs_dashboard():
    assert resolve("/manage/programs/new/").view_name == "programs:create"
    assert resolve("/manage/programs/new-york/").view_name == "dashboard:program"
    assert resolve("/manage/programs/newer/team/").view_name == "dashboard:program_team"
