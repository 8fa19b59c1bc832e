"""Week helpers shared by the dashboard selectors (the database-specific ones are in core.db)."""

import datetime


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weeks_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Mondays of every week touching [first, last]."""
    monday, weeks = week_start(first), []
    while monday <= last:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks
