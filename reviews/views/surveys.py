"""Public survey pages behind single-use links. An unknown or guessed token → a branded 404 page and nothing
stored; an answered or expired one → a branded 410 page that says so (core.errorviews.link_dead_end: the same
page with DEBUG on)."""

from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.views import View

from core.errorviews import link_dead_end
from core.forms import add_error_to_form
from core.links import LinkState
from reviews.errors import ReviewError, SurveyLinkExpired, SurveyLinkUsed
from reviews.forms import CsatForm, NpsForm
from reviews.services import SurveyNotFound, csat_answer, csat_survey_open, nps_answer, nps_invitation_open

SURVEY_NEXT_STEP = (
    "If you would still like to tell us something, simply reply to the support e-mail this link came with."
)


def _dead_end(request, error: ReviewError):
    """The page for a survey link that leads nowhere: unknown (404), already answered or expired (410)."""
    detail = ""
    if isinstance(error, SurveyLinkUsed):
        state = LinkState.USED
        if error.answered_at:
            answered = formats.date_format(timezone.localtime(error.answered_at), "DATE_FORMAT")
            detail = f"Your answer was recorded on {answered}. Thank you!"
    elif isinstance(error, SurveyLinkExpired):
        state = LinkState.EXPIRED
    else:
        state = LinkState.UNKNOWN
    return link_dead_end(request, state=state, what="survey link", detail=detail, next_step=SURVEY_NEXT_STEP)


DEAD_ENDS = (SurveyNotFound, SurveyLinkUsed, SurveyLinkExpired)


class SurveyView(View):
    template_name = ""
    form_class = None

    def open(self, token):
        raise NotImplementedError

    def answer(self, token, data):
        raise NotImplementedError

    def context(self, item, form):
        return {"item": item, "form": form}

    def get(self, request, token):
        try:
            item = self.open(token)
        except DEAD_ENDS as error:
            return _dead_end(request, error)
        initial = {key: request.GET[key] for key in ("rating", "score") if key in request.GET}
        return TemplateResponse(
            request, self.template_name, self.context(item, self.form_class(initial=initial))
        )

    def post(self, request, token):
        try:
            item = self.open(token)
        except DEAD_ENDS as error:
            return _dead_end(request, error)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.answer(token, form.cleaned_data)
            except DEAD_ENDS as error:  # answered or expired in between
                return _dead_end(request, error)
            except ReviewError as exc:
                add_error_to_form(form, exc)
            else:
                return TemplateResponse(request, "reviews/survey/thanks.html", {})
        return TemplateResponse(request, self.template_name, self.context(item, form), status=400)


class CsatSurveyView(SurveyView):
    template_name = "reviews/survey/csat.html"
    form_class = CsatForm

    def open(self, token):
        return csat_survey_open(token=token)

    def answer(self, token, data):
        return csat_answer(token=token, rating=data["rating"], comment=data["comment"])

    def context(self, item, form):
        return {"survey": item, "program": item.program, "form": form}


class NpsSurveyView(SurveyView):
    template_name = "reviews/survey/nps.html"
    form_class = NpsForm

    def open(self, token):
        return nps_invitation_open(token=token)

    def answer(self, token, data):
        return nps_answer(token=token, score=data["score"], comment=data["comment"])

    def context(self, item, form):
        return {"invitation": item, "program": item.round.program, "form": form, "scale": range(11)}
