"""The help-request panel of both ticket pages (templates/queues/includes/_help_requests.html): its threads and
its forms. Both pages' context gets it through TicketPageMixin.page_context; the help views (views/help.py) post
to it. Kept apart from views/help.py, which builds on the page views, so the pages can import it."""

from queues import forms, selectors
from queues.models import HelpRequest, Ticket


def _holds(ticket: Ticket, user) -> bool:
    """Whether the user is the freelancer who holds the ticket (the portal view has loaded their profile)."""
    if not getattr(user, "is_freelancer", False):
        return False
    freelancer = getattr(user, "freelancer_profile", None)
    return freelancer is not None and ticket.assignee_id == freelancer.pk


def _ask_form(ticket: Ticket, bound=None) -> forms.HelpAskForm:
    """Validated against the program's in-house people; unbound, it lists them (one query)."""
    return forms.HelpAskForm(
        bound,
        prefix="ask",
        users=lambda: selectors.inhouse_users_for_program(program=ticket.program),
        choices=None if bound is not None else selectors.inhouse_user_choices(program=ticket.program),
    )


def help_forms_bound(*, ticket: Ticket, user, data) -> dict:
    """The panel's forms bound to a POST (the help views pick the posted one)."""
    if getattr(user, "is_inhouse", False):
        return {"help_answer_form": forms.HelpMessageForm(data, prefix="help", label="Answer the freelancer")}
    return {
        "help_ask_form": _ask_form(ticket, data),
        "help_reply_form": forms.HelpMessageForm(data, prefix="help", label="Write again"),
        "help_close_form": forms.HelpCloseForm(data, prefix="help-close"),
    }


def help_panel(*, ticket: Ticket, user) -> dict:
    """The context of the panel: `help_requests` (HelpThreads, newest first), `help_current` (the request
    in progress), `help_side` (portal or manage: where the forms post) and the forms the user may use now: the
    ticket's holder asks (nothing in progress, the ticket active) or writes again and closes; the in-house team
    answers the one in progress. A freelancer who escalated the ticket reads the conversation only."""
    threads = selectors.help_request_threads(ticket=ticket)
    current = next((t.request for t in threads if t.request.status != HelpRequest.Status.CLOSED), None)
    inhouse = getattr(user, "is_inhouse", False)
    context: dict = {
        "help_requests": threads,
        "help_current": current,
        "help_side": "manage" if inhouse else "portal",
    }
    if inhouse:
        if current is not None:
            context["help_answer_form"] = forms.HelpMessageForm(prefix="help", label="Answer the freelancer")
    elif _holds(ticket, user):
        if current is not None:
            context["help_reply_form"] = forms.HelpMessageForm(prefix="help", label="Write again")
            context["help_close_form"] = forms.HelpCloseForm(prefix="help-close")
        elif ticket.is_active:
            context["help_ask_form"] = _ask_form(ticket)
    return context
