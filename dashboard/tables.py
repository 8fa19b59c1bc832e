"""Tables and charts as plain data: each chart carries the table behind it; every table exports to CSV."""

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import StreamingHttpResponse

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


class _Line:
    """A file-like object that hands back what csv.writer writes: one CSV line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text line by line: the header, then each row as it comes (rows may be a lazy iterator, e.g. a
    queryset's .iterator(chunk_size=…) over a server-side cursor, so a long export never sits in memory)."""
    yield _header_line(headers)
    yield from csv_lines_rows(rows)


def _header_line(headers: list[str]) -> str:
    return csv.writer(_Line()).writerow([csv_safe(h) for h in headers])


def csv_stream(
    *, headers: list[str], rows: Callable[[], Iterable[Iterable]], filename: str
) -> StreamingHttpResponse:
    """A streamed CSV download whose header line leaves before its rows are read: `rows` is called only once the
    header is on its way, so a long table starts answering at once."""

    def lines() -> Iterator[str]:
        yield _header_line(headers)
        yield from csv_lines_rows(rows())

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_lines_rows(rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV lines of rows, without a header."""
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def csv_response(table: Table, *, filename: str) -> StreamingHttpResponse:
    """The table as a streamed CSV download: the first line leaves as soon as the response starts, the rest as
    they are written (the dashboard's tables are aggregates of the rollups, so the table itself is ready fast)."""
    response = StreamingHttpResponse(
        csv_lines(table.headers, table.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_cell(value) -> str:
    text = cell_text(value)
    # Negative numbers are numbers, not formulas: only text cells get the quote.
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return text
    return csv_safe(text)
