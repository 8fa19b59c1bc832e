import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.outbox import email_enqueue
from recruiting.errors import RecruitingError
from recruiting.models import Application, Message, MessageTemplate, TrialTask
from recruiting.placeholders import render_placeholders, unknown_placeholders, used_placeholders

DEFAULT_TEMPLATES = {
    MessageTemplate.Kind.INITIAL: (
        "We received your application: {{ posting_title }}",
        "Hi {{ candidate_first_name }},\n\n"
        "Thank you for applying for “{{ posting_title }}” with {{ program_name }}. We read every application "
        "and will get back to you within a few days.\n\n"
        "Best,\n{{ manager_name }}",
    ),
    MessageTemplate.Kind.FOLLOW_UP: (
        "Next step for {{ posting_title }}: a short video and a paid trial task",
        "Hi {{ candidate_first_name }},\n\n"
        "Thanks again for your application. We'd like to get to know you better:\n\n"
        "1. Record a short intro video (1–2 minutes) about yourself and your support experience, and reply "
        "with the link.\n"
        "2. Complete this trial task, answering a few real support questions: {{ trial_link }}\n"
        "   Please submit it by {{ trial_deadline }}.\n\n"
        "Best,\n{{ manager_name }}",
    ),
    MessageTemplate.Kind.NUDGE: (
        "Checking in: {{ posting_title }}",
        "Hi {{ candidate_first_name }},\n\n"
        "Just checking in: we haven't received your trial task yet. You can still submit it here: "
        "{{ trial_link }}\n\nIf you are no longer interested, a quick reply lets us know.\n\n"
        "Best,\n{{ manager_name }}",
    ),
    MessageTemplate.Kind.REJECTION: (
        "Your application: {{ posting_title }}",
        "Hi {{ candidate_first_name }},\n\n"
        "Thank you for your interest in “{{ posting_title }}”. We have decided to move forward with other "
        "candidates this time. We appreciate the time you took and wish you the best.\n\n"
        "Kind regards,\n{{ manager_name }}",
    ),
    MessageTemplate.Kind.OFFER: (
        "An offer from {{ program_name }}",
        "Hi {{ candidate_first_name }},\n\n"
        "We loved working with you through the trial and interview, and we would like to offer you the role "
        "“{{ posting_title }}” with {{ program_name }}. If you accept, you will receive an invitation to "
        "Flexdesk to review and sign your contract.\n\n"
        "Best,\n{{ manager_name }}",
    ),
}


def template_for(*, program, kind: str) -> tuple[str, str]:
    """The program's template for `kind` (subject, body), or the built-in default."""
    template = MessageTemplate.objects.filter(program=program, kind=kind).first()
    if template is not None:
        return template.subject, template.body
    return DEFAULT_TEMPLATES[kind]


def _latest_open_trial(application: Application) -> TrialTask | None:
    return application.trial_tasks.filter(status=TrialTask.Status.SENT).order_by("-created_at", "-id").first()


def placeholder_values(
    *, application: Application, sender=None, needed: set[str] | None = None
) -> dict[str, str]:
    posting = application.posting
    managers_name = ""
    if sender is not None and getattr(sender, "is_authenticated", False):
        managers_name = sender.get_full_name()
    else:
        first = posting.program.managers.order_by("pk").first()
        managers_name = first.get_full_name() if first else posting.program.name
    values = {
        "candidate_first_name": application.first_name,
        "candidate_name": application.full_name,
        "posting_title": posting.title,
        "program_name": posting.program.name,
        "manager_name": managers_name,
        "apply_link": settings.SITE_URL + reverse("recruiting:apply", kwargs={"slug": posting.slug}),
    }
    if needed is None or needed & {"trial_link", "trial_deadline"}:
        trial = _latest_open_trial(application)
        if trial is not None:
            values["trial_link"] = settings.SITE_URL + reverse(
                "recruiting:trial_public", kwargs={"token": trial.token}
            )
            values["trial_deadline"] = (
                timezone.localtime(trial.deadline, application.zone).strftime("%A %d %B %Y, %H:%M")
                + f" ({application.time_zone})"
            )
    return values


def message_preview(*, application: Application, kind: str, sender=None) -> tuple[str, str]:
    subject, body = template_for(program=application.posting.program, kind=kind)
    values = placeholder_values(application=application, sender=sender)
    return render_placeholders(subject, values), render_placeholders(body, values)


@transaction.atomic
def message_send(
    *,
    application: Application,
    subject: str,
    body: str,
    sent_by,
    kind: str = "",
    dedupe_key: str | None = None,
) -> Message:
    """E-mail the candidate (after commit) and keep the message on the timeline. Placeholders are filled.

    With `dedupe_key`, the outbox sends one e-mail per key (see core.outbox.outbox_enqueue)."""
    if application.is_anonymised or not application.email:
        raise RecruitingError("This application was anonymised; there is nobody to write to.")
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise RecruitingError("A message needs a subject and a text.", field="body")
    needed = used_placeholders(subject) | used_placeholders(body)
    unknown = unknown_placeholders(subject + body)
    if unknown:
        raise RecruitingError(f"Unknown placeholder(s): {', '.join(unknown)}.", field="body")
    values = placeholder_values(application=application, sender=sent_by, needed=needed)
    if needed & {"trial_link", "trial_deadline"} and "trial_link" not in values:
        raise RecruitingError(
            "This message uses the trial link, but the candidate has no open trial task. "
            "Send a trial task first.",
            field="body",
        )
    message = Message(
        application=application,
        kind=kind,
        direction=Message.Direction.OUTBOUND,
        subject=render_placeholders(subject, values)[:200],
        body=render_placeholders(body, values),
        to_email=application.email,
        sent_by=sent_by if getattr(sent_by, "is_authenticated", False) else None,
    )
    message.full_clean()
    message.save()
    audit_record(actor=sent_by, verb="application.message_sent", target=application, kind=kind)
    recruiter = message.sent_by.email if message.sent_by else ""
    email_enqueue(
        to=[message.to_email],
        subject=message.subject,
        body=message.body,
        # The candidate's answer goes to the person who wrote, not to a no-reply address.
        reply_to=[recruiter] if recruiter else None,
        program_id=application.posting.program_id,
        about=message,
        dedupe_key=dedupe_key,
    )
    return message


def message_send_template(
    *, application: Application, kind: str, sent_by, dedupe_key: str | None = None
) -> Message:
    subject, body = template_for(program=application.posting.program, kind=kind)
    return message_send(
        application=application, subject=subject, body=body, sent_by=sent_by, kind=kind, dedupe_key=dedupe_key
    )


@transaction.atomic
def message_log_reply(*, application: Application, body: str, logged_by, received_at=None) -> Message:
    """Record the candidate's answer (it arrived by e-mail): it stops the nudge and shows on the timeline."""
    body = (body or "").strip()
    if not body:
        raise RecruitingError("Paste the candidate's reply.", field="body")
    received_at = received_at or timezone.now()
    message = Message.objects.create(
        application=application,
        direction=Message.Direction.INBOUND,
        subject="Reply from candidate",
        body=body,
        to_email="",
        sent_by=logged_by,
        sent_at=received_at,
    )
    Application.objects.filter(pk=application.pk).update(candidate_replied_at=received_at)
    application.candidate_replied_at = received_at
    audit_record(actor=logged_by, verb="application.reply_logged", target=application)
    return message


@transaction.atomic
def message_template_save(*, program, kind: str, subject: str, body: str, saved_by) -> MessageTemplate:
    unknown = unknown_placeholders(subject + body)
    if unknown:
        raise RecruitingError(
            f"Unknown placeholder(s): {', '.join('{{ ' + u + ' }}' for u in unknown)}.", field="body"
        )
    template = MessageTemplate.objects.filter(program=program, kind=kind).first() or MessageTemplate(
        program=program, kind=kind
    )
    template.subject, template.body = subject.strip(), body.strip()
    template.full_clean()
    template.save()
    audit_record(actor=saved_by, verb="message_template.saved", target=template)
    return template


def nudges_send(*, now: datetime.datetime | None = None) -> int:
    """The daily job: one 'checking in' message to each candidate silent in the trial-task stage for N days.

    Once only per application (nudged_at is claimed with a conditional update, so two runs never both send);
    candidates who submitted a trial task or whose reply was logged are left alone.
    """
    now = now or timezone.now()
    candidates = (
        Application.objects.filter(
            stage=Application.Stage.TRIAL_TASK,
            nudged_at__isnull=True,
            anonymised_at__isnull=True,
            candidate_replied_at__isnull=True,
            stage_changed_at__lte=now - datetime.timedelta(days=1),
        )
        .exclude(trial_tasks__status__in=[TrialTask.Status.SUBMITTED, TrialTask.Status.GRADED])
        .exclude(email="")
        .select_related("posting__program")
    )
    sent = 0
    for application in candidates:
        if application.stage_changed_at > now - datetime.timedelta(days=application.posting.nudge_after_days):
            continue
        with transaction.atomic():
            claimed = Application.objects.filter(pk=application.pk, nudged_at__isnull=True).update(
                nudged_at=now
            )
            if not claimed:
                continue
            application.nudged_at = now
            try:
                message_send_template(application=application, kind=MessageTemplate.Kind.NUDGE, sent_by=None)
            except RecruitingError:
                # e.g. the trial link was cancelled: nothing sensible to nudge about; keep the claim.
                continue
        sent += 1
    return sent
