"""Managers send or revoke each stakeholder's personal link to the read-only stakeholder page."""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import ListView

from accounts.mixins import AgentAccess
from core.errors import DomainError
from core.scoping import not_found_in_scope
from programs.models import Stakeholder
from reviews import services
from reviews.selectors.stakeholders import stakeholder_get_for_manager, stakeholder_list_for_manager
from reviews.views.common import ReviewsPageMixin


class StakeholderLinkListView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.NONE  # links that open a program's numbers to people outside the team
    template_name = "reviews/manage/stakeholders.html"
    context_object_name = "stakeholders"

    def get_queryset(self) -> QuerySet[Stakeholder]:
        return stakeholder_list_for_manager(user=self.request.user)


class StakeholderLinkActionView(ReviewsPageMixin, View):
    agent_access = AgentAccess.NONE

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if action not in ("send", "revoke"):
            raise Http404("No such action.")
        stakeholder = stakeholder_get_for_manager(user=request.user, pk=pk)
        if stakeholder is None:
            raise not_found_in_scope(request, "programs.Stakeholder", pk=pk, message="No such stakeholder.")
        try:
            if action == "send":
                services.stakeholder_page_link_send(stakeholder=stakeholder, actor=request.user)
                messages.success(
                    request, f"A new link went to {stakeholder.email}; the one before stopped working."
                )
            else:
                services.stakeholder_page_link_revoke(stakeholder=stakeholder, actor=request.user)
                messages.success(request, f"{stakeholder.name}'s link no longer opens the page.")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("reviews:stakeholders")
