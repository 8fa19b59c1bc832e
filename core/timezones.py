"""Time zones named so a reader knows which one is meant.

tzdata's abbreviations are not all safe to show: Asia/Manila's is "PST" (Philippine Standard Time), which every
reader takes for California's, and many zones have only "+08". So a zone is named by its city ("Manila time")
unless its abbreviation is one of the few that mean one thing everywhere (EST, CET, JST…), and then the
abbreviation is the one in force on the date shown (EST in January, EDT in July)."""

import datetime
import zoneinfo

from django.utils import timezone

# Abbreviations that name one zone family unambiguously, per IANA area ("America/…", "Europe/…"). Anything
# else (PST in Asia, IST in Asia and Europe, CST in China and the Americas, "+08") falls back to the city.
TRUSTED_ABBREVIATIONS = {
    "America": {
        "EST",
        "EDT",
        "CST",
        "CDT",
        "MST",
        "MDT",
        "PST",
        "PDT",
        "AKST",
        "AKDT",
        "AST",
        "ADT",
        "NST",
        "NDT",
    },
    "US": {"EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST"},
    "Canada": {"EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AST", "ADT", "NST", "NDT"},
    "Pacific": {"HST"},
    "Europe": {"GMT", "BST", "WET", "WEST", "CET", "CEST", "EET", "EEST", "MSK"},
    "Africa": {"SAST", "WAT", "CAT", "EAT"},
    "Asia": {"JST", "KST", "HKT", "PKT", "WIB", "WITA", "WIT"},
    "Australia": {"AEST", "AEDT", "ACST", "ACDT", "AWST"},
}
UNIVERSAL = {"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"}


def _zone(zone) -> zoneinfo.ZoneInfo | None:
    if zone is None or zone == "":
        return None
    if isinstance(zone, datetime.tzinfo):
        return zone  # type: ignore[return-value]
    try:
        return zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _key(zone) -> str:
    return getattr(zone, "key", None) or str(zone)


def zone_city(zone) -> str:
    """The zone's place in words: "Asia/Manila" → "Manila", "America/Argentina/Buenos_Aires" → "Buenos Aires"."""
    key = _key(zone)
    if key in UNIVERSAL:
        return "UTC"
    return key.rsplit("/", 1)[-1].replace("_", " ")


def zone_name(zone) -> str:
    """The zone for a sentence ("times shown in Manila time"): the city, or UTC."""
    if zone is None or zone == "":
        return ""
    city = zone_city(zone)
    return city if city == "UTC" else f"{city} time"


def zone_label(zone, at: datetime.datetime | None = None) -> str:
    """The zone beside a time: its abbreviation on that date when it is unambiguous ("EDT", "CET"), else the
    city ("Manila time") — never tzdata's "PST" for Manila."""
    tz = _zone(zone)
    if tz is None:
        return zone_name(zone) if zone else ""
    key = _key(tz)
    if key in UNIVERSAL:
        return "UTC"
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    abbreviation = moment.astimezone(tz).tzname() or ""
    if abbreviation in TRUSTED_ABBREVIATIONS.get(key.split("/", 1)[0], set()):
        return abbreviation
    return zone_name(tz)


def zone_is_viewers(zone, user) -> bool:
    """Whether the zone is the viewer's own (then, and only then, a page may say "your time")."""
    own = getattr(user, "time_zone", "") if getattr(user, "is_authenticated", False) else ""
    return bool(own) and _key(_zone(zone) or zone) == _key(_zone(own) or own)
