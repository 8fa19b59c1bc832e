"""The recruiting funnel of one program: per stage, stage-to-stage conversion, time to hire. Read only.

"Reached a stage" means the application is at that stage or a later one of the pipeline now, or a
stage change ever took it there (a rejected candidate who had an interview reached "interview").
Conversion from one stage to the next = reached(next) / reached(this). Time to hire = from the
application to its move to "hired". The source is what the application recorded when it was made
(the posting's tracking link for a platform, a freelancer's referral, or direct).
"""

from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
)

from dashboard.metrics import percent
from recruiting.selectors import (
    APPLICATION_PIPELINE,
    ApplicationStage,
    PostingStatus,
    application_hired_at,
    application_source_labels,
    application_went_to,
    applications_of_program,
    postings_of_program,
)

PIPELINE = APPLICATION_PIPELINE
STAGE_LABELS = dict(ApplicationStage.choices)
SOURCE_LABELS = application_source_labels()


def _reached_annotations() -> dict:
    annotations = {}
    for index, stage in enumerate(PIPELINE[1:], start=1):
        annotations[f"went_{stage}"] = application_went_to(stages=PIPELINE[index:])
    return annotations


def _reached_counts() -> dict:
    counts = {"reached_applied": Count("id")}
    for index, stage in enumerate(PIPELINE[1:], start=1):
        counts[f"reached_{stage}"] = Count(
            "id", filter=Q(stage__in=PIPELINE[index:]) | Q(**{f"went_{stage}": True})
        )
    return counts


@dataclass
class FunnelRow:
    label: str
    key: object = None
    reached: dict = field(default_factory=dict)  # stage -> count
    now: dict = field(default_factory=dict)  # stage (incl. rejected/withdrawn) -> count
    hired_days: object = None
    total: int = 0

    @property
    def conversions(self) -> list:
        """[(from stage, to stage, percent)] between consecutive pipeline stages."""
        return [
            (a, b, percent(self.reached.get(b, 0), self.reached.get(a, 0)))
            for a, b in zip(PIPELINE, PIPELINE[1:], strict=False)
        ]

    @property
    def overall_conversion(self):
        return percent(self.reached.get("hired", 0), self.reached.get("applied", 0))


def _hire_days_expression():
    return ExpressionWrapper(application_hired_at() - F("created_at"), output_field=DurationField())


def _rows(applications, group_field: str | None) -> dict:
    """Group applications (by posting or by source; None: all together) and count reached stages, current
    stages and the average time to hire. Two queries."""
    annotated = applications.annotate(**_reached_annotations())
    current_counts = {f"now_{stage}": Count("id", filter=Q(stage=stage)) for stage in ApplicationStage.values}
    hired = applications.filter(stage=ApplicationStage.HIRED).annotate(took=_hire_days_expression())
    if group_field is None:
        reached = [annotated.aggregate(**_reached_counts(), **current_counts)]
        hire_by_key = {None: hired.aggregate(average=Avg("took"))["average"]}
    else:
        reached = annotated.values(group_field).annotate(**_reached_counts(), **current_counts).order_by()
        hire_by_key = {
            row[group_field]: row["average"]
            for row in hired.values(group_field).annotate(average=Avg("took")).order_by()
        }
    result = {}
    for row in reached:
        key = row[group_field] if group_field else None
        result[key] = FunnelRow(
            label="",
            key=key,
            reached={stage: row[f"reached_{stage}"] for stage in PIPELINE},
            now={stage: row[f"now_{stage}"] for stage in ApplicationStage.values},
            hired_days=_days(hire_by_key.get(key)),
            total=row["reached_applied"],
        )
    return result


def _days(duration):
    if duration is None:
        return None
    from decimal import ROUND_HALF_UP, Decimal

    return (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def recruiting_funnel(*, program) -> dict:
    """{"total": FunnelRow, "postings": [FunnelRow], "sources": [FunnelRow], "open_postings": n}. Seven queries."""
    applications = applications_of_program(program_id=program.pk)
    totals = _rows(applications, None).get(None) or FunnelRow(
        label="All postings", reached=dict.fromkeys(PIPELINE, 0)
    )
    totals.label = "All postings"
    postings = postings_of_program(program_id=program.pk)
    by_posting = _rows(applications, "posting_id")
    posting_rows = []
    for posting in postings:
        row = by_posting.get(posting["pk"]) or FunnelRow(
            label="", key=posting["pk"], reached=dict.fromkeys(PIPELINE, 0)
        )
        row.label = f"{posting['title']} ({dict(PostingStatus.choices)[posting['status']].lower()})"
        posting_rows.append(row)
    by_source = _rows(applications, "source")
    source_rows = []
    for key, row in sorted(by_source.items(), key=lambda pair: -pair[1].total):
        row.label = SOURCE_LABELS.get(key, key)
        source_rows.append(row)
    return {
        "total": totals,
        "postings": posting_rows,
        "sources": source_rows,
        "open_postings": sum(1 for p in postings if p["status"] == PostingStatus.OPEN),
        "pipeline": [(stage, STAGE_LABELS[stage]) for stage in PIPELINE],
        "stages": list(ApplicationStage.choices),
    }
