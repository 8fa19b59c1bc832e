"""Thin views: selectors for reads, services for writes. Anything outside the user's scope is a 404."""

import datetime
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import AgentAccess, FreelancerRequiredMixin, ManageAccessMixin, user_may_open
from accounts.models import User
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs.knowledge import knowledge_panel_for
from programs.mixins import ProgramAccessMixin
from programs.models import BehindTheScenes
from queues import forms, selectors, services
from queues.destinations import reply_destination
from queues.models import AvailabilityChange, AvailabilitySlot, QueueSettings, Ticket, TicketAttachment
from queues.pagination import CappedPaginator
from queues.reply_selectors import saved_replies_for_ticket
from queues.services.csv_import import decode_upload, ticket_csv_import, ticket_csv_preview
from queues.services.replies import ticket_reply_send
from queues.views.help_panel import help_panel

# --- shared ticket page machinery ---------------------------------------------------------------------------


class TicketPageMixin:
    """Renders a ticket page with its forms; POST dispatches to one action (`action` URL kwarg)."""

    request: HttpRequest  # set by the View it is mixed into
    template_name = ""
    ticket_url_name = ""  # the page's URL name; its attachments are under <that URL>attachments/<id>/
    actions: dict = {}

    def get_ticket(self) -> Ticket:
        raise NotImplementedError

    @cached_property
    def ticket(self) -> Ticket:
        ticket = self.get_ticket()
        if ticket is None:
            raise not_found_in_scope(
                self.request, Ticket, pk=self.kwargs.get("pk"), message="No such ticket."
            )
        return ticket

    def forms(self, bound: dict | None = None) -> dict:
        """The page's forms: bound, all of them (a POST picks its own); unbound, the ones the page shows."""
        raise NotImplementedError

    def thread_notes_by(self) -> int | None:
        """Whose notes the page shows: None for all of them (a user id: only theirs)."""
        return None

    def page_context(self, form_overrides=None, *, whole: bool = False) -> dict:
        """The page's context: the ticket's newest messages and events, the earlier ones behind "Show N earlier"
        (loaded on demand by earlier()); `whole`: all of them (that link opened without htmx)."""
        ticket = self.ticket
        page_url = reverse(self.ticket_url_name, kwargs={"pk": ticket.pk})
        thread: list | selectors.Newest
        timeline: list | selectors.Newest
        if whole:
            thread = selectors.ticket_thread(ticket=ticket, notes_by=self.thread_notes_by())
            timeline = selectors.ticket_timeline(ticket=ticket)
        else:
            thread = selectors.ticket_thread_newest(ticket=ticket, notes_by=self.thread_notes_by())
            timeline = selectors.ticket_timeline_newest(ticket=ticket)
        context = {
            "ticket": ticket,
            "thread": thread,
            "timeline": timeline,
            "page_url": page_url,  # its actions post to page_url + "<action>/" (the _action URL, not reversed again)
            "earlier_messages_url": page_url + "earlier-messages/",
            "earlier_events_url": page_url + "earlier-events/",
            # The program's queue settings name the escalation reason (read only for an escalated ticket).
            "reason_label": QueueSettings.for_program(ticket.program).reason_label(ticket.escalation_reason)
            if ticket.escalation_reason
            else "",
            # Where replies go (the program's channel says it: "Sent to the customer as your public comment in
            # Zendesk"), and where a failed delivery is retried.
            "reply_destination": reply_destination(program=ticket.program, ticket=ticket),
            "delivery_retry_url": self.delivery_retry_url(),
            # The customer's files, downloaded through this page's own access check (attachment_url + id + "/").
            "attachments": selectors.ticket_attachment_list(ticket=ticket),
            "attachment_url": page_url + "attachments/",
            **self.forms(),
        }
        context.update(
            help_panel(ticket=ticket, user=self.request.user)
        )  # help requests (views/help_panel.py)
        if (
            "reply_form" in context
        ):  # the reply box offers the program's saved replies, filled in for this ticket
            context["saved_replies"] = saved_replies_for_ticket(ticket=ticket, user=self.request.user)
        context.update(form_overrides or {})
        return context

    def delivery_retry_url(self) -> str:
        return ""

    def reply_done(self) -> str:
        destination = reply_destination(program=self.ticket.program, ticket=self.ticket)
        if destination.name:
            return f"Reply saved; it is on its way to {destination.name} (its state shows under it)."
        return "Reply recorded."

    def get(self, request, *args, **kwargs):
        from django.template.response import TemplateResponse

        if kwargs.get("action") in ("earlier-messages", "earlier-events"):
            return self.earlier(request, kwargs["action"])
        return TemplateResponse(request, self.template_name, self.page_context())

    def earlier(self, request, part: str):
        """ "Show N earlier messages" (or events): those ahead of ?before=<the oldest the page shows>, as the
        thread's (timeline's) HTML for htmx to put in the link's place; opened without htmx, the whole page with
        every message and event."""
        from django.template.response import TemplateResponse

        from queues.templatetags.queues_tags import ticket_thread, ticket_timeline

        if not getattr(request, "htmx", False):
            page = TemplateResponse(request, self.template_name, self.page_context(whole=True))
            patch_vary_headers(page, ["HX-Request"])  # one URL, two answers: a cache must tell them apart
            return page
        before = request.GET.get("before", "")
        if part == "earlier-events":
            html = ticket_timeline(selectors.ticket_timeline_earlier(ticket=self.ticket, before=before))
        else:
            ticket = self.ticket
            html = ticket_thread(
                selectors.ticket_thread_earlier(
                    ticket=ticket, before=before, notes_by=self.thread_notes_by()
                ),
                reply_destination(program=ticket.program, ticket=ticket),
                self.delivery_retry_url(),
            )
        response = HttpResponse(html)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def post(self, request, *args, **kwargs):
        from django.template.response import TemplateResponse

        action = kwargs.get("action")
        if action not in self.actions:
            raise Http404("No such action.")
        form_name, handler = self.actions[action]
        form = self.forms(bound=request.POST)[form_name] if form_name else None
        if form is None or form.is_valid():
            try:
                done = handler(self, form.cleaned_data if form else {})
            except (DomainError, ValidationError) as exc:
                if form is None:
                    messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
                    return redirect(request.path.rsplit("/", 2)[0] + "/")
                add_error_to_form(form, exc)
            else:
                messages.success(request, done)
                return redirect(self.after_action_url(action))
        return TemplateResponse(request, self.template_name, self.page_context({form_name: form}), status=400)

    def after_action_url(self, action) -> str:
        raise NotImplementedError


# --- portal: the freelancer's work -------------------------------------------------------------------------


class MyQueueView(FreelancerRequiredMixin, ListView):
    template_name = "queues/my_queue.html"
    context_object_name = "tickets"
    paginate_by = 25  # the 25 soonest due first; the rest are counted and on the next pages

    def get_queryset(self):
        return selectors.my_queue_page_rows(freelancer=self.freelancer)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tickets"] = list(context["tickets"])
        if context["is_paginated"]:
            page = context["page_obj"]
            context["more"] = page.paginator.count - page.end_index()
        context["recent"] = selectors.ticket_recent_list(freelancer=self.freelancer)
        context["escalated"] = selectors.ticket_escalated_list(freelancer=self.freelancer)
        # The page shows only the on/off shift badge, not the week ahead that availability_for_freelancer builds.
        context["availability"] = {"on_shift": selectors.freelancer_is_on_shift(freelancer=self.freelancer)}
        context["freelancer"] = self.freelancer
        # Pull as well as push: the tickets waiting in their programs, and whether they may take each.
        return context


class PortalTicketView(FreelancerRequiredMixin, TicketPageMixin, View):
    template_name = "queues/portal_ticket.html"
    ticket_url_name = "queues:portal_ticket"

    def get_ticket(self):
        # A ticket the freelancer escalated is theirs to read (with its outcome), not to write: a POST to it is
        # not found, as before.
        return selectors.ticket_get_for_freelancer(
            freelancer=self.freelancer,
            pk=self.kwargs["pk"],
            escalated_too=self.request.method in ("GET", "HEAD"),
        )

    @cached_property
    def read_only(self) -> bool:
        return selectors.ticket_is_read_only_for(ticket=self.ticket, freelancer=self.freelancer)

    def thread_notes_by(self) -> int | None:
        # The in-house team's internal notes are theirs: the escalator follows the conversation and the outcome.
        return self.freelancer.user_id if self.read_only else None

    def page_context(self, form_overrides=None, *, whole: bool = False) -> dict:
        context = super().page_context(form_overrides, whole=whole)
        context["knowledge"] = knowledge_panel_for(
            program=self.ticket.program
        )  # the playbook beside the ticket
        if self.read_only:
            context["escalated_by_me"] = True
            context["outcome"] = selectors.ticket_escalation_outcome(
                ticket=self.ticket, timeline=context["timeline"]
            )
        return context

    def forms(self, bound=None):
        if self.read_only:
            return {}  # an escalated ticket's page has no forms: the in-house team has it
        shown = {"note_form": forms.NoteForm(bound, prefix="note")}
        if self.ticket.is_active or bound is not None:  # a closed ticket's page has only the note form
            policy = QueueSettings.for_program(self.ticket.program)
            shown["reply_form"] = forms.ReplyForm(bound, prefix="reply")
            shown["escalate_form"] = forms.EscalateForm(
                bound, prefix="escalate", reasons=policy.reason_choices()
            )
        return shown

    def _reply(self, data):
        ticket_reply_send(
            ticket=self.ticket,
            author=self.request.user,
            body=data["body"],
            status_after=data["status_after"],
            freelancer=self.freelancer,
            saved_reply_id=data.get("saved_reply_id"),
            eta_at=data.get("eta_at"),
        )
        return self.reply_done()

    def _note(self, data):
        services.ticket_note_add(
            ticket=self.ticket, author=self.request.user, body=data["body"], freelancer=self.freelancer
        )
        return "Note added."

    def _solve(self, data):
        services.ticket_solve(ticket=self.ticket, actor=self.request.user, freelancer=self.freelancer)
        return "Ticket solved."

    def _escalate(self, data):
        services.ticket_escalate(
            ticket=self.ticket, freelancer=self.freelancer, reason=data["reason"], note=data["note"]
        )
        return "Escalated to the in-house team. Thank you for the hand-off note."

    actions = {
        "reply": ("reply_form", _reply),
        "note": ("note_form", _note),
        "solve": (None, _solve),
        "escalate": ("escalate_form", _escalate),
    }

    def after_action_url(self, action):
        if action in ("solve", "escalate"):
            return reverse("queues:my_queue")
        return reverse("queues:portal_ticket", kwargs={"pk": self.ticket.pk})


def attachment_response(attachment) -> FileResponse:
    """A customer's file, always as a download with the type it was stored with, never rendered inline nor
    sniffed into something else (it came from outside: an e-mail attachment)."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename or f"attachment-{attachment.pk}",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


class TicketAttachmentMixin:
    """GET one attachment of the ticket the page's own scope finds (get_ticket); anything else is a 404."""

    def get(self, request, *args, **kwargs):
        attachment = selectors.ticket_attachment_get(ticket=self.ticket, pk=kwargs["attachment_pk"])
        if attachment is None:
            raise not_found_in_scope(
                request, TicketAttachment, pk=kwargs["attachment_pk"], message="No such attachment."
            )
        return attachment_response(attachment)

    def post(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["GET", "HEAD"])


class PortalTicketAttachmentView(TicketAttachmentMixin, PortalTicketView):
    """The freelancer who holds the ticket downloads its files; anyone else: 404."""


class AvailabilityView(FreelancerRequiredMixin, TemplateView):
    template_name = "queues/availability.html"

    def get_context_data(self, slot_form=None, change_form=None, away_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.availability_for_freelancer(freelancer=self.freelancer))
        context["freelancer"] = self.freelancer
        context["slot_form"] = slot_form or forms.SlotForm(prefix="slot")
        context["change_form"] = change_form or forms.ChangeForm(prefix="change", zone=self.freelancer.zone)
        context["away_form"] = away_form or forms.AwayNowForm(prefix="away")
        return context

    def post(self, request, *args, **kwargs):
        action = kwargs.get("action")
        freelancer = self.freelancer
        try:
            if action == "slot":
                form = forms.SlotForm(request.POST, prefix="slot")
                if form.is_valid():
                    services.availability_slot_add(
                        freelancer=freelancer, actor=request.user, **form.cleaned_data
                    )
                    messages.success(request, "Weekly hours added.")
                    return redirect("queues:availability")
                return self.render_to_response(self.get_context_data(slot_form=form), status=400)
            if action == "change":
                form = forms.ChangeForm(request.POST, prefix="change", zone=freelancer.zone)
                if form.is_valid():
                    services.availability_change_add(
                        freelancer=freelancer, actor=request.user, **form.cleaned_data
                    )
                    messages.success(request, "Change saved.")
                    return redirect("queues:availability")
                return self.render_to_response(self.get_context_data(change_form=form), status=400)
            if action == "away":
                form = forms.AwayNowForm(request.POST, prefix="away")
                if form.is_valid():
                    until = timezone.now() + datetime.timedelta(hours=form.cleaned_data["hours"])
                    services.freelancer_go_away(
                        freelancer=freelancer, until=until, note=form.cleaned_data["note"], actor=request.user
                    )
                    messages.success(
                        request, "You are away. Tickets due before you are back were handed over."
                    )
                    return redirect("queues:availability")
                return self.render_to_response(self.get_context_data(away_form=form), status=400)
            if action == "delete-slot":
                slot = AvailabilitySlot.objects.filter(freelancer=freelancer, pk=kwargs.get("pk")).first()
                if slot is None:
                    raise not_found_in_scope(request, AvailabilitySlot, pk=kwargs.get("pk"))
                services.availability_slot_delete(slot=slot, actor=request.user)
                messages.success(request, "Weekly hours removed.")
                return redirect("queues:availability")
            if action == "delete-change":
                change = AvailabilityChange.objects.filter(freelancer=freelancer, pk=kwargs.get("pk")).first()
                if change is None:
                    raise not_found_in_scope(request, AvailabilityChange, pk=kwargs.get("pk"))
                services.availability_change_delete(change=change, actor=request.user)
                messages.success(request, "Change removed.")
                return redirect("queues:availability")
        except (DomainError, ValidationError) as exc:
            bad = {"slot": "slot_form", "change": "change_form", "away": "away_form"}.get(action)
            if bad:
                add_error_to_form(form, exc)
                return self.render_to_response(self.get_context_data(**{bad: form}), status=400)
            messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
            return redirect("queues:availability")
        raise Http404("No such action.")


# --- manage: the in-house queue and tickets ----------------------------------------------------------------


class ManagerTicketListView(ManageAccessMixin, ListView):
    """A filtered, paginated list of the user's programs' tickets (filter_form: a GET form)."""

    agent_access = AgentAccess.WORK

    context_object_name = "tickets"
    paginate_by = 25
    paginator_class = (
        CappedPaginator  # a program's tickets may be a million: count a page's neighbourhood only
    )

    @cached_property
    def programs(self):
        return selectors.user_programs_with_settings(user=self.request.user)

    @cached_property
    def filter_form(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["programs"] = self.programs
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


class InhouseQueueView(ManagerTicketListView):
    template_name = "queues/inhouse_queue.html"
    paginate_by = 25  # the 25 most urgent; filters and page links reach the rest

    @cached_property
    def filter_form(self):
        reasons = {}
        for program in self.programs:
            for value, label in QueueSettings.for_program(program).reason_choices():
                reasons.setdefault(value, label)
        reasons.setdefault("sla_breach", "SLA breached (automatic)")
        form = forms.InhouseFilterForm(
            self.request.GET or None,
            programs=self.programs,
            reasons=reasons.items(),
            ages=selectors.AGES,
            sla_states=selectors.SLA_STATES,
        )
        form.is_valid()
        return form

    @cached_property
    def filters(self) -> dict:
        data = getattr(self.filter_form, "cleaned_data", {}) or {}
        return {
            "program_id": data.get("program"),
            "reason": data.get("reason") or None,
            "age": data.get("age") or None,
            "sla_state": data.get("sla") or None,
            "assigned": data.get("assigned") or None,
            "search": data.get("q") or "",
            "language": data.get("lang") or "",
        }

    def get_queryset(self):
        return selectors.inhouse_queue_page_rows(user=self.inhouse_user, **self.filters)

    @property
    def inhouse_user(self) -> User:
        return cast(User, self.request.user)  # ManageAccessMixin let only a signed-in in-house user in

    def bulk_form(self, data=None) -> forms.InhouseBulkForm:
        user = self.inhouse_user
        return forms.InhouseBulkForm(
            data,
            users=lambda: selectors.inhouse_team_for_user(user=user),
            choices=None if data is not None else selectors.inhouse_team_choices(user=user),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Open help requests of the user's programs (theirs first), their saved views, the bulk and save forms.
        context["help_open"], context["help_open_total"] = selectors.help_request_open_list(
            user=self.inhouse_user
        )
        context["saved_views"] = selectors.saved_queue_view_list(user=self.inhouse_user)
        if "bulk_form" not in context:  # an action's page with errors passes its bound form
            context["bulk_form"] = self.bulk_form()
        if "save_view_form" not in context:
            context["save_view_form"] = forms.SavedQueueViewForm(initial={"query": context["querystring"]})
        return context


class InhouseCountsView(ManageAccessMixin, TemplateView):
    """The in-house page's headline numbers, fetched by the page right after it loads (and every 30 s).

    They count every active ticket of the user's programs (tens of thousands in a big backlog), so they are
    kept out of the page's own request: the list an agent works from shows at once.
    """

    agent_access = AgentAccess.WORK
    template_name = "queues/includes/queue_counts.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "counts": selectors.queue_counts(user=self.request.user),
        }


class TicketSearchView(ManagerTicketListView):
    template_name = "queues/ticket_list.html"

    @cached_property
    def filter_form(self):
        form = forms.TicketSearchForm(
            self.request.GET or None, programs=self.programs, sla_states=selectors.SLA_STATES
        )
        form.is_valid()
        return form

    def get_queryset(self):
        data = getattr(self.filter_form, "cleaned_data", {}) or {}
        return selectors.program_ticket_list(
            user=self.request.user,
            program_id=data.get("program"),
            status=data.get("status") or None,
            queue=data.get("queue") or None,
            search=data.get("q") or "",
            sla_state=data.get("sla") or None,
        )


class ManageTicketView(ManageAccessMixin, TicketPageMixin, View):
    agent_access = AgentAccess.WORK  # in-house agents work tickets like managers: reply, assign, send back
    template_name = "queues/manage_ticket.html"
    ticket_url_name = "queues:manage_ticket"

    def get_ticket(self):
        return selectors.ticket_get_for_manager(user=self.request.user, pk=self.kwargs["pk"])

    def delivery_retry_url(self) -> str:
        if not user_may_open(self.request.user, "programs:delivery_action", "POST"):
            return ""
        return (
            reverse("programs:deliveries", kwargs={"program_slug": self.ticket.program.slug})
            + "?status=failed"
        )

    def forms(self, bound=None):
        ticket = self.ticket
        shown = {"note_form": forms.NoteForm(bound, prefix="note")}
        if not ticket.is_active and bound is None:
            # A solved or closed ticket's page has only the note form: no team or freelancer choices to read.
            return shown
        shown["reply_form"] = forms.ReplyForm(bound, prefix="reply")
        shown["assign_form"] = forms.InhouseAssignForm(
            bound,
            prefix="assign",
            users=lambda: selectors.inhouse_users_for_program(program=ticket.program),
            choices=selectors.inhouse_user_choices(program=ticket.program),
            initial={"user": self.request.user.pk},
        )
        shown["reassign_form"] = forms.ReassignForm(
            bound,
            prefix="reassign",
            freelancers=lambda: selectors.queue_ready_freelancers(program_id=ticket.program_id),
            choices=selectors.queue_ready_freelancer_choices(program_id=ticket.program_id),
        )
        if (
            ticket.queue == Ticket.Queue.INHOUSE or bound is not None
        ):  # sending back is offered from the in-house queue
            shown["send_back_form"] = forms.SendBackForm(bound, prefix="back", initial={"tier": ticket.tier})
        return shown

    def _reply(self, data):
        ticket_reply_send(
            ticket=self.ticket,
            author=self.request.user,
            body=data["body"],
            status_after=data["status_after"],
            saved_reply_id=data.get("saved_reply_id"),
            eta_at=data.get("eta_at"),
        )
        return self.reply_done()

    def _note(self, data):
        services.ticket_note_add(ticket=self.ticket, author=self.request.user, body=data["body"])
        return "Note added."

    def _solve(self, data):
        services.ticket_solve(ticket=self.ticket, actor=self.request.user)
        return "Ticket solved."

    def _reopen(self, data):
        services.ticket_reopen(ticket=self.ticket, actor=self.request.user)
        return "Ticket reopened."

    def _assign(self, data):
        services.ticket_inhouse_assign(ticket=self.ticket, user=data["user"], actor=self.request.user)
        return f"Assigned to {data['user']}."

    def _send_back(self, data):
        services.ticket_send_back(
            ticket=self.ticket, actor=self.request.user, guidance=data["guidance"], tier=data["tier"]
        )
        return "Sent back to the freelancers; routing runs now."

    def _reassign(self, data):
        freelancer = data.get("freelancer")
        services.ticket_reassign(
            ticket=self.ticket,
            actor=self.request.user,
            freelancer=freelancer,
            to_queue=freelancer is None,
            note=data.get("note", ""),
        )
        return (
            f"Reassigned to {freelancer}." if freelancer else "Back to the program queue; routing runs now."
        )

    actions = {
        "reply": ("reply_form", _reply),
        "note": ("note_form", _note),
        "solve": (None, _solve),
        "reopen": (None, _reopen),
        "assign": ("assign_form", _assign),
        "send-back": ("send_back_form", _send_back),
        "reassign": ("reassign_form", _reassign),
    }

    def after_action_url(self, action):
        return reverse("queues:manage_ticket", kwargs={"pk": self.ticket.pk})


class ManageTicketAttachmentView(TicketAttachmentMixin, ManageTicketView):
    """The program's team downloads a ticket's files (agents too: they read and work its tickets)."""

    agent_access = AgentAccess.READ


# --- manage: per program -------------------------------------------------------------------------------------


class CoverageView(ProgramAccessMixin, TemplateView):
    agent_access = AgentAccess.READ  # agents see who covers when; scheduling is for support managers
    template_name = "queues/coverage.html"

    @cached_property
    def scheduled(self) -> bool:
        bts = BehindTheScenes.objects.filter(program=self.program).first()
        return bts is None or bts.working_hours == BehindTheScenes.WorkingHours.SCHEDULED

    def get_context_data(self, schedule_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["coverage"] = selectors.program_coverage(program=self.program)
        context["scheduled"] = self.scheduled
        context["hours"] = range(24)
        context["slots"] = selectors.slots_with_program_hours(
            program=self.program, slots=selectors.freelancer_slots_for_program(program=self.program)
        )
        context["schedule_form"] = schedule_form or self.schedule_form()
        return context

    def schedule_form(self, data=None):
        return forms.ScheduleSlotForm(
            data,
            prefix="schedule",
            zone_name=self.program.time_zone,
            freelancers=selectors.queue_ready_freelancers(program_id=self.program.pk).order_by("legal_name"),
        )

    def post(self, request, *args, **kwargs):
        if not self.scheduled:
            messages.error(request, "This program's worksheet says freelancers choose their own hours.")
            return redirect("queues:coverage", program_slug=self.program.slug)
        if kwargs.get("action") == "delete":
            slot = (
                selectors.freelancer_slots_for_program(program=self.program)
                .filter(pk=kwargs.get("pk"), program=self.program)
                .first()
            )
            if slot is None:
                raise not_found_in_scope(request, AvailabilitySlot, pk=kwargs.get("pk"))
            services.availability_slot_delete(slot=slot, actor=request.user)
            messages.success(request, "Scheduled hours removed.")
            return redirect("queues:coverage", program_slug=self.program.slug)
        form = self.schedule_form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            freelancer = data.pop("freelancer")
            try:
                slots = services.availability_schedule(
                    freelancer=freelancer, program=self.program, actor=request.user, **data
                )
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                theirs = ", ".join(str(slot) for slot in slots)
                messages.success(
                    request, f"Scheduled {freelancer}: {theirs} in their time ({freelancer.time_zone})."
                )
                return redirect("queues:coverage", program_slug=self.program.slug)
        return self.render_to_response(self.get_context_data(schedule_form=form), status=400)


class TicketImportView(ProgramAccessMixin, TemplateView):
    agent_access = AgentAccess.NONE
    template_name = "queues/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("upload_form", forms.ImportUploadForm())
        return context

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            form = forms.ImportConfirmForm(request.POST)
            if not form.is_valid():
                messages.error(request, "The preview expired; upload the file again.")
                return redirect("queues:ticket_import", program_slug=self.program.slug)
            text = form.cleaned_data["csv_text"]
            try:
                created = ticket_csv_import(program=self.program, text=text, actor=request.user)
            except DomainError as exc:
                preview = ticket_csv_preview(program=self.program, text=text)
                messages.error(request, exc.message)
                return self.render_to_response(
                    self.get_context_data(preview=preview, confirm_form=form), status=400
                )
            messages.success(request, f"Imported {created} ticket(s); routing runs now.")
            return redirect(reverse("queues:ticket_list") + f"?program={self.program.pk}")
        upload = forms.ImportUploadForm(request.POST, request.FILES)
        if not upload.is_valid():
            return self.render_to_response(self.get_context_data(upload_form=upload), status=400)
        try:
            text = decode_upload(upload.cleaned_data["file"].read())
        except DomainError as exc:
            add_error_to_form(upload, exc)
            return self.render_to_response(self.get_context_data(upload_form=upload), status=400)
        preview = ticket_csv_preview(program=self.program, text=text)
        return self.render_to_response(
            self.get_context_data(
                preview=preview, confirm_form=forms.ImportConfirmForm(initial={"csv_text": text})
            )
        )


class QueueSettingsView(ProgramAccessMixin, TemplateView):
    agent_access = AgentAccess.NONE  # SLA targets are the managers'
    template_name = "queues/settings.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form or forms.QueueSettingsForm(instance=QueueSettings.for_program(self.program))
        # The Zendesk webhook, its signing secret and the API token are on the program's channel page (channels).
        context["channel_url"] = reverse("channels:zendesk", kwargs={"program_slug": self.program.slug})
        return context

    def post(self, request, *args, **kwargs):
        form = forms.QueueSettingsForm(request.POST, instance=QueueSettings.for_program(self.program))
        if form.is_valid():
            services.queue_settings_save(settings=form.save(commit=False), actor=request.user)
            messages.success(request, "Queue settings saved. New tickets use them.")
            return redirect("queues:queue_settings", program_slug=self.program.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)
