"""Tables and charts as plain data: each chart carries the table behind it; every table exports to CSV."""

import csv
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse

# A spreadsheet treats a cell starting with one of these as a formula; prefix a quote so it stays text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    caption: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.rows


@dataclass
class Chart:
    """A Chart.js chart. Values are Decimals/ints/None; json_script turns Decimals into strings that the
    chart script reads with Number() — Python never makes a float of money."""

    key: str
    title: str
    kind: str  # line, bar
    labels: list
    datasets: list[dict]
    table: Table
    description: str = ""
    stacked: bool = False
    y_title: str = ""
    y2_title: str = ""
    has_data: bool = True

    def spec(self) -> dict:
        return {
            "kind": self.kind,
            "labels": [_label(v) for v in self.labels],
            "datasets": self.datasets,
            "stacked": self.stacked,
            "yTitle": self.y_title,
            "y2Title": self.y2_title,
        }


def _label(value) -> str:
    if isinstance(value, datetime.date):
        return value.strftime("%d %b")
    return str(value)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def csv_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_response(table: Table, *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([csv_safe(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return response


def _csv_cell(value) -> str:
    text = cell_text(value)
    # Negative numbers are numbers, not formulas: only text cells get the quote.
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return text
    return csv_safe(text)
