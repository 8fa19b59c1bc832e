"""The stakeholder's read-only page behind their personal link (reviews.models.StakeholderPageLink): no login,
never indexed, never cached. An unknown link is a 404 dead end, a revoked one a 410."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from core.errorviews import link_dead_end
from core.links import LinkState
from dashboard.selectors.stakeholder import stakeholder_page_data
from reviews.selectors.stakeholders import stakeholder_page_link_for_token, stakeholder_page_link_state
from reviews.services.stakeholders import stakeholder_page_opened

NEXT_STEP = "Ask your contact in the support team for a new link; they can send one in a minute."


@method_decorator(never_cache, name="dispatch")
class StakeholderPageView(View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        link = stakeholder_page_link_for_token(token=kwargs["token"])
        state = stakeholder_page_link_state(link=link)
        if link is None or state != LinkState.OPEN:
            detail = (
                "The support team replaced or withdrew this link." if state == LinkState.WITHDRAWN else ""
            )
            return link_dead_end(
                request, state=state, what="stakeholder page link", next_step=NEXT_STEP, detail=detail
            )
        stakeholder_page_opened(link=link)
        page = stakeholder_page_data(program=link.program)
        response = TemplateResponse(
            request,
            "dashboard/stakeholder_page.html",
            {
                "page": page,
                "stakeholder": link.stakeholder,
                "program": link.program,
                "summary": page.summary,
                "data": page.summary.data if page.summary else None,
            },
        )
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response
