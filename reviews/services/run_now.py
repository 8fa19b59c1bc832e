"""A manager's "run it now" for one program: the weekly and ten-minute jobs, through the jobs' own services.

Each job is already safe to run twice (the NPS round and its invitations exist once per week, a ticket has one
CSAT survey and one review assignment, a freelancer is sampled once per week), so pressing the button again
changes nothing and says so (count 0). A job that cannot apply to the program is refused with the reason.
"""

from dataclasses import dataclass

from core.audit import audit_record
from programs.models import Program, Stakeholder
from reviews.errors import ReviewError
from reviews.models import ReviewSettings
from reviews.services.qa import review_sampling_run
from reviews.services.surveys import csat_sweep, nps_send_weekly, zendesk_rated_programs

JOBS = ("nps", "sampling", "csat")


@dataclass(frozen=True)
class RunNowResult:
    job: str
    count: int  # invitations, assignments or surveys made by this press; 0: nothing was due, nothing changed
    skipped: int = 0  # CSAT: requesters surveyed recently, recorded as skipped


def _refusal(*, program: Program, job: str) -> str:
    """Why the job does not apply to the program now ("" when it does)."""
    if program.status != Program.Status.ACTIVE:
        return f"{program.name} is {program.get_status_display().lower()}: the scheduled jobs run for active programs only."
    policy = ReviewSettings.for_program(program)
    if job == "nps":
        if not policy.nps_enabled:
            return "NPS surveys are switched off in this program's review settings."
        if not Stakeholder.objects.filter(program=program, receives_nps=True).exists():
            return (
                "No stakeholder of this program receives NPS: add one in the worksheet's stakeholders first."
            )
    elif job == "csat":
        if not policy.csat_enabled:
            return "CSAT surveys are switched off in this program's review settings."
        if zendesk_rated_programs().filter(pk=program.pk).exists():
            return "This program's CSAT is Zendesk's own satisfaction ratings; Flexdesk sends no surveys of its own."
    elif job == "sampling" and not hasattr(program, "scorecard"):
        return "This program has no QA scorecard yet, so there is nothing to review against."
    return ""


def reviews_job_run_now(*, program: Program, job: str, actor) -> RunNowResult:
    """Run one scheduled reviews job for one program now: this week's NPS, last week's QA sample, or the CSAT
    surveys of solved tickets. Raises ReviewError (nothing changed) when the job does not apply."""
    if job not in JOBS:
        raise ReviewError("Unknown job.")
    reason = _refusal(program=program, job=job)
    if reason:
        raise ReviewError(reason)
    if job == "nps":
        result = RunNowResult(job=job, count=nps_send_weekly(program_ids=[program.pk])["invitations"])
    elif job == "sampling":
        result = RunNowResult(job=job, count=review_sampling_run(program_ids=[program.pk])["assignments"])
    else:
        summary = csat_sweep(program_ids=[program.pk])
        result = RunNowResult(job=job, count=summary["sent"], skipped=summary["skipped"])
    audit_record(actor=actor, verb="reviews.job_run_now", target=program, job=job, count=result.count)
    return result
