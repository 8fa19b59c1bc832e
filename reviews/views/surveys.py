"""Public survey pages behind single-use links. Unknown, guessed or used token → 404 and nothing stored;
an expired one → a clear page (410)."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.views import View

from core.forms import add_error_to_form
from reviews.errors import ReviewError, SurveyLinkExpired
from reviews.forms import CsatForm, NpsForm
from reviews.services import SurveyNotFound, csat_answer, csat_survey_open, nps_answer, nps_invitation_open


def _expired(request):
    return TemplateResponse(request, "reviews/survey/expired.html", {}, status=410)


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
        except SurveyNotFound:
            raise Http404("No such survey.")
        except SurveyLinkExpired:
            return _expired(request)
        initial = {key: request.GET[key] for key in ("rating", "score") if key in request.GET}
        return TemplateResponse(request, self.template_name, self.context(item, self.form_class(initial=initial)))

    def post(self, request, token):
        try:
            item = self.open(token)
        except SurveyNotFound:
            raise Http404("No such survey.")
        except SurveyLinkExpired:
            return _expired(request)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.answer(token, form.cleaned_data)
            except SurveyNotFound:
                raise Http404("No such survey.")
            except SurveyLinkExpired:
                return _expired(request)
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
