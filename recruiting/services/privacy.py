import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core.audit import audit_record
from recruiting.models import Application, Message, Referral, TrialTask

ANONYMISED_NAME = "Anonymised candidate"


def applications_anonymise(
    *, now: datetime.datetime | None = None, older_than_days: int | None = None
) -> int:
    """The monthly job: rejected or withdrawn applications untouched for N days lose their personal data.

    Removed: name, e-mail, profile link, resume, screening and trial answers, message texts.
    Kept for statistics: stage history, dates, country, rate asked, every score.
    """
    now = now or timezone.now()
    days = older_than_days if older_than_days is not None else settings.RECRUITING_ANONYMISE_AFTER_DAYS
    cutoff = now - datetime.timedelta(days=days)
    ids = list(
        Application.objects.filter(
            stage__in=[Application.Stage.REJECTED, Application.Stage.WITHDRAWN],
            stage_changed_at__lte=cutoff,
            anonymised_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        _anonymise_one(pk, now)
    return len(ids)


@transaction.atomic
def _anonymise_one(pk: int, now: datetime.datetime) -> None:
    application = Application.objects.select_for_update().filter(pk=pk, anonymised_at__isnull=True).first()
    if application is None:
        return
    resume_name = application.resume.name if application.resume else ""
    application.full_name = ANONYMISED_NAME
    application.email = ""
    application.profile_url = ""
    application.answers = [{"question": a.get("question", ""), "answer": ""} for a in application.answers]
    application.resume = ""
    application.resume_content_type = ""
    application.score_override_note = ""
    application.anonymised_at = now
    application.save()
    TrialTask.objects.filter(application=application).update(answers=[], grading_notes="")
    # The referral that brought them named them too. Its address must stay unique per posting: a placeholder in
    # the reserved .invalid domain, which no mail server will ever accept.
    Referral.objects.filter(application=application).update(
        full_name=ANONYMISED_NAME,
        note="",
        email=Concat(Value("anonymised-"), Cast("pk", CharField()), Value("@referral.invalid")),
    )
    Message.objects.filter(application=application).update(body="(removed)", to_email="", subject="(removed)")
    for interview in application.interviews.all():
        interview.notes = ""
        interview.ratings = [{**r, "notes": ""} for r in interview.ratings]
        interview.save(update_fields=["notes", "ratings", "updated_at"])
    if resume_name:
        # Delete the file after commit, so a rollback never leaves a row pointing at a missing file.
        storage = Application._meta.get_field("resume").storage
        transaction.on_commit(lambda: storage.delete(resume_name))
    audit_record(verb="application.anonymised", target=application)
