"""Dates and moments as words, in the locale's one format (config/formats/<lang>/formats.py), for code that
writes text outside a template (rendered rows, messages). Templates use |date and the filters in
core/templatetags/flexdesk.py, which call these."""

import datetime

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import dateformat, formats, timezone, translation


def _fmt(name: str, weekday: bool = False) -> str:
    fmt = formats.get_format(name)
    return f"D {fmt}" if weekday else fmt


def date_text(value, *, weekday: bool = False) -> str:
    """03 Mar 2026 (Tue 03 Mar 2026 with weekday)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.template_localtime(value)
    return dateformat.format(value, _fmt("DATE_FORMAT", weekday))


def datetime_text(value, *, zone=None, weekday: bool = False, short: bool = False) -> str:
    """03 Mar 2026, 14:05 in the active (or the given) time zone; short: 03 Mar, 14:05."""
    if not value:
        return ""
    # A moment passed through the |timezone filter keeps its zone (template_localtime respects that).
    value = timezone.localtime(value, zone) if zone is not None else timezone.template_localtime(value)
    return dateformat.format(value, _fmt("SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT", weekday))


def day_short_text(value, *, weekday: bool = True) -> str:
    """Tue 03 Mar (a day of a week the reader is already looking at)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.template_localtime(value)
    return dateformat.format(value, _fmt("MONTH_DAY_FORMAT", weekday))


_STRFTIME = {
    "d": "%d",
    "j": "%-d",
    "M": "%b",
    "F": "%B",
    "Y": "%Y",
    "H": "%H",
    "i": "%M",
    "s": "%S",
    "D": "%a",
    "l": "%A",
    "m": "%m",
    "y": "%y",
}


# strftime_pattern's answers by (language, name, weekday): it runs once per date a page shows (a long thread
# shows a hundred), and the locale's formats change only with the settings (tests override them).
_PATTERNS: dict[tuple[str | None, str, bool], str] = {}


@receiver(setting_changed)
def _formats_changed(**kwargs) -> None:
    _PATTERNS.clear()


def strftime_pattern(name: str = "DATETIME_FORMAT", *, weekday: bool = False) -> str:
    """The locale's named format as a strftime pattern, for code that formats many rows in a loop (strftime is
    several times faster than Django's dateformat). Only the letters our formats use are translated."""
    key = (translation.get_language(), name, weekday)
    pattern = _PATTERNS.get(key)
    if pattern is None:
        pattern = _PATTERNS[key] = _strftime_pattern(name, weekday)
    return pattern


def _strftime_pattern(name: str, weekday: bool) -> str:
    fmt = _fmt(name, weekday)
    out, escaped = [], False
    for char in fmt:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(_STRFTIME.get(char, char.replace("%", "%%")))
    return "".join(out)
