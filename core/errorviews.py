from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views import defaults

from core.links import LinkState

# Paths a program, not a person, calls: their errors are JSON, as DRF answers inside a view.
API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception, template_name="404.html")


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request, template_name="500.html")


# --- links that lead nowhere ---------------------------------------------------------------------------------
# A survey, trial-task or vault link is a secret in an e-mail. When it no longer leads anywhere, its holder gets
# a page that says what happened and what to do next, in the product's look. The view renders it itself (rather
# than raising Http404) so that it is the same page with DEBUG on, where Django's technical 404 would replace ours.


def link_dead_end(
    request, *, state: LinkState, what: str, next_step: str, detail: str = ""
) -> TemplateResponse:
    """The branded dead-end page for a link. `what` names the link ("survey link"); `next_step` says what its
    holder can do now; `detail` (only for a real link, whose holder has its secret) says more: when it was used.
    An unknown link answers 404, every other dead end 410 Gone."""
    if state == LinkState.OPEN:
        raise ValueError("An open link is not a dead end.")
    context = {
        "state": state.value,
        "what": what,
        "next_step": next_step,
        "detail": "" if state == LinkState.UNKNOWN else detail,
    }
    response = TemplateResponse(
        request, "core/link_dead_end.html", context, status=404 if state == LinkState.UNKNOWN else 410
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
