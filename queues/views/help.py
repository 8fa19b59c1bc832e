"""Help requests on a ticket: the freelancer who holds it asks, writes again and closes (portal); the program's
in-house team answers (manage). Each is the ticket page's own view with the help actions, so a refusal shows on
the page's form (status 400) and the scope is the page's: another person's ticket is not found."""

from django.urls import reverse

from queues.errors import QueueError
from queues.models import HelpRequest
from queues.selectors import help_request_current
from queues.services.help import (
    help_request_answer,
    help_request_close,
    help_request_open,
    help_request_reply,
)
from queues.views import ManageTicketView, PortalTicketView
from queues.views.help_panel import help_forms_bound


def _current(ticket) -> HelpRequest:
    found = help_request_current(ticket=ticket)
    if found is None:
        raise QueueError("This ticket has no help request in progress.", code="no_help_request")
    return found


class PortalTicketHelpView(PortalTicketView):
    """POST portal/tickets/<pk>/help/<ask|reply|close>/ (GET shows the ticket page)."""

    def forms(self, bound=None):
        if bound is None:
            return super().forms()
        return help_forms_bound(ticket=self.ticket, user=self.request.user, data=bound)

    def _ask(self, data):
        help_request_open(
            ticket=self.ticket, user=self.request.user, question=data["question"], agent=data.get("agent")
        )
        whom = data.get("agent") or "the in-house team"
        return f"Your question went to {whom}. The ticket stays with you; its SLA keeps running."

    def _reply(self, data):
        help_request_reply(help_request=_current(self.ticket), user=self.request.user, body=data["body"])
        return "Message sent to the in-house team."

    def _close(self, data):
        help_request_close(help_request=_current(self.ticket), user=self.request.user)
        return "Help request closed."

    actions = {
        "ask": ("help_ask_form", _ask),
        "reply": ("help_reply_form", _reply),
        "close": ("help_close_form", _close),
    }

    def after_action_url(self, action):
        return reverse("queues:portal_ticket", kwargs={"pk": self.ticket.pk}) + "#help"


class ManageTicketHelpView(ManageTicketView):
    """POST manage/queues/tickets/<pk>/help/answer/ (GET shows the ticket page). Agents answer like managers."""

    def forms(self, bound=None):
        if bound is None:
            return super().forms()
        return help_forms_bound(ticket=self.ticket, user=self.request.user, data=bound)

    def _answer(self, data):
        help_request_answer(help_request=_current(self.ticket), user=self.request.user, body=data["body"])
        return "Answer sent; the freelancer gets an e-mail. The ticket stays with them."

    actions = {"answer": ("help_answer_form", _answer)}

    def after_action_url(self, action):
        return reverse("queues:manage_ticket", kwargs={"pk": self.ticket.pk}) + "#help"
