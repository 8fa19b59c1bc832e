"""What a stakeholder's read-only page shows: the program's weekly NPS, oldest week first, and the latest
weekly summary that was sent (the snapshot, as the managers got it). Three queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dashboard.models import WeeklySummary
from reviews.selectors.metrics import NpsStats, nps_weeks

if TYPE_CHECKING:
    from programs.models import Program

STAKEHOLDER_NPS_WEEKS = 12


@dataclass(frozen=True)
class StakeholderPage:
    program: Program
    nps: list[NpsStats]
    summary: WeeklySummary | None

    @property
    def latest_nps(self) -> NpsStats | None:
        answered = [week for week in self.nps if week.responses]
        return answered[-1] if answered else None


def stakeholder_page_data(*, program: Program) -> StakeholderPage:
    weeks = list(reversed(nps_weeks(program=program, weeks=STAKEHOLDER_NPS_WEEKS)))
    summary = (
        WeeklySummary.objects.filter(program=program, sent_at__isnull=False).order_by("-week_start").first()
    )
    return StakeholderPage(program=program, nps=weeks, summary=summary)
