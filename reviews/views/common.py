import datetime

from accounts.mixins import ManageAccessMixin
from core.scoping import not_found_in_scope
from reviews import selectors
from reviews.forms import ScorecardForm


def scorecard_form(program, data=None) -> ScorecardForm:
    """The program's QA scorecard as a form (reviews and calibration sessions)."""
    criteria = selectors.scorecard_criteria(program=program)
    scale = program.scorecard.scale_max if criteria else 0
    return ScorecardForm(data, criteria=criteria, scale_max=scale)


def parse_date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value or "")
    except (TypeError, ValueError):
        return None


class ReviewsPageMixin(ManageAccessMixin):
    """A /manage/reviews/ page over the user's programs; ?program=<slug> narrows to one of them.

    Each view declares `agent_access`: in-house agents review the tickets given to them and read the reports;
    disputes, evaluations, recognition and review settings are decisions for support managers.
    """

    def selected_program(self):
        slug = self.request.GET.get("program") or self.request.POST.get("program") or ""
        if not slug:
            return None
        program = selectors.program_for_reviews(user=self.request.user, slug=slug)
        if program is None:
            raise not_found_in_scope(self.request, "programs.Program", slug=slug, message="No such program.")
        return program

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("programs", selectors.review_programs(user=self.request.user))
        return context
