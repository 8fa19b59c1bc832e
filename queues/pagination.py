"""Page links for long lists whose total is not worth counting.

"Page 3 of 812" needs every matching row counted on each request: an index scan that grows with the backlog
(the in-house queue of a program with a million tickets has tens of thousands active). CappedPaginator counts
at most `cap` rows past the start of the page asked for, so each request reads the same few rows whatever the
backlog: the page numbers are exact while the list is short, and say "at least" ("Page 3 of 43+") beyond.
"""

import math
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000  # rows counted past the page's start: 40 pages of 25


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    def __init__(
        self, object_list: Any, per_page: int, *args: Any, cap: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        if cap is not None:
            self.cap = cap
        self.start = 0  # where the page asked for begins (page() sets it before counting)

    def page(self, number: Any) -> Page:
        try:
            self.start = max(int(number) - 1, 0) * self.per_page
        except (TypeError, ValueError):
            self.start = 0  # validate_number() refuses it
        for name in ("counted", "count", "num_pages"):
            self.__dict__.pop(name, None)
        return super().page(number)

    @cached_property
    def counted(self) -> int:
        """The rows from the page's start on, at most cap + 1 (the order does not change how many there are)."""
        rows: Any = self.object_list
        if hasattr(rows, "count_from"):  # core.rawsql.PreparedRows
            return rows.count_from(self.start, self.cap + 1)
        return rows.order_by()[self.start : self.start + self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return self.start + self.counted

    @property
    def capped(self) -> bool:
        """There may be more rows than `count` says (the template writes "of 43+")."""
        return self.counted > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return math.ceil(max(1, self.count - self.orphans) / self.per_page)
