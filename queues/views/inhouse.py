"""The in-house queue's actions: bulk assign / solve / send back, and each person's saved views.

Each is the queue page's own view (GET shows the queue with the filters of the query string); POST acts and
goes back to the queue with the same filters. Tickets are looked up in the user's programs (an id outside them
is refused, never touched); a saved view is looked up among the user's own (another person's is not found)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from queues import forms, selectors
from queues.models import SavedQueueView
from queues.services.inhouse import saved_queue_view_delete, saved_queue_view_save, tickets_bulk_apply
from queues.views import InhouseQueueView


class _QueueActionView(InhouseQueueView):
    def back_to_queue(self, query: str | None = None):
        query = self.request.GET.urlencode() if query is None else query
        return redirect(reverse("queues:inhouse_queue") + (f"?{query}" if query else ""))

    def render_invalid(self, **forms_on_page):
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(**forms_on_page), status=400)


class InhouseBulkView(_QueueActionView):
    """POST manage/queues/bulk/?<filters>: one action on the checked tickets, each through its own service."""

    def post(self, request, *args, **kwargs):
        form = self.bulk_form(request.POST)
        if not form.is_valid():
            return self.render_invalid(bulk_form=form)
        data = form.cleaned_data
        tickets = selectors.ticket_list_for_bulk(user=request.user, ids=data["ticket"])
        try:
            result = tickets_bulk_apply(
                tickets=tickets,
                requested_ids=data["ticket"],
                action=data["action"],
                actor=request.user,
                user=data.get("user"),
                guidance=data.get("guidance", ""),
            )
        except DomainError as exc:
            add_error_to_form(form, exc)
            return self.render_invalid(bulk_form=form)
        level = (
            messages.success if not result.refused else (messages.warning if result.done else messages.error)
        )
        level(request, result.summary)
        return self.back_to_queue()


class SavedQueueViewCreateView(_QueueActionView):
    """POST manage/queues/saved-views/: save the queue's current filters under a name, for this user."""

    def post(self, request, *args, **kwargs):
        form = forms.SavedQueueViewForm(request.POST)
        if form.is_valid():
            try:
                view, created = saved_queue_view_save(
                    user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, f"Saved view “{view.name}” {'saved' if created else 'updated'}.")
                return self.back_to_queue(view.query)
        return self.render_invalid(save_view_form=form)


class SavedQueueViewDeleteView(_QueueActionView):
    """POST manage/queues/saved-views/<pk>/delete/: delete one of the user's own saved views."""

    def post(self, request, *args, **kwargs):
        view = selectors.saved_queue_view_get(user=request.user, pk=kwargs["pk"])
        if view is None:
            raise not_found_in_scope(request, SavedQueueView, pk=kwargs["pk"], message="No such saved view.")
        saved_queue_view_delete(view=view, user=request.user)
        messages.success(request, f"Saved view “{view.name}” deleted.")
        return self.back_to_queue()
