import datetime

from django.http import Http404

from accounts.mixins import ManagerRequiredMixin
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


class ReviewsManagerMixin(ManagerRequiredMixin):
    """Managers and in-house agents of the programs concerned; ?program=<slug> narrows to one they manage."""

    def selected_program(self):
        slug = self.request.GET.get("program") or self.request.POST.get("program") or ""
        if not slug:
            return None
        program = selectors.program_for_reviews(user=self.request.user, slug=slug)
        if program is None:
            raise Http404("No such program.")
        return program

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("programs", selectors.review_programs(user=self.request.user))
        return context


class ManagerOnlyMixin(ReviewsManagerMixin):
    """Decisions about people (disputes, evaluations, settings) are for support managers, not agents."""

    role_check = "is_manager"
    wrong_role_message = "Disputes, evaluations and review settings are for support managers."
