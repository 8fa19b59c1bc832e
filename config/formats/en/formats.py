"""Flexdesk's one date format for English (issue 17): every page and e-mail shows a date as "03 Mar 2026" and a
moment as "03 Mar 2026, 14:05", through these names ({{ d|date }}, {{ t|date:"DATETIME_FORMAT" }}, and the
weekday forms in core/templatetags/flexdesk.py, which are built from them). Machine values (form inputs,
query strings, file names, CSV) stay ISO 8601."""

DATE_FORMAT = "d M Y"
SHORT_DATE_FORMAT = "d M Y"
DATETIME_FORMAT = "d M Y, H:i"
SHORT_DATETIME_FORMAT = "d M, H:i"
MONTH_DAY_FORMAT = "d M"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, as the schedules and time sheets count weeks
