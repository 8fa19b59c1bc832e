"""The recruiting funnel of one program: per stage, stage-to-stage conversion, time to hire. Read only.

"Reached a stage" means the application is at that stage or a later one of the pipeline now, or a
stage change ever took it there (a rejected candidate who had an interview reached "interview").
Conversion from one stage to the next = reached(next) / reached(this). Time to hire = from the
application to its move to "hired". The source platform is read from the candidate's profile link
(upwork.com, fiverr.com, toptal.com…), since applications do not record where they came from.
"""

from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from dashboard.metrics import percent
from recruiting.models import Application, Posting, StageChange

PIPELINE = [str(stage) for stage in Application.PIPELINE]
STAGE_LABELS = dict(Application.Stage.choices)
SOURCES = [
    ("upwork", "Upwork", "upwork.com"),
    ("fiverr", "Fiverr", "fiverr.com"),
    ("toptal", "Toptal", "toptal.com"),
    ("linkedin", "LinkedIn", "linkedin.com"),
]
SOURCE_LABELS = {key: label for key, label, _ in SOURCES} | {"direct": "Direct / other"}


def source_expression() -> Case:
    return Case(
        *[When(profile_url__icontains=domain, then=Value(key)) for key, _, domain in SOURCES],
        default=Value("direct"), output_field=CharField(),
    )


def _reached_annotations() -> dict:
    annotations = {}
    for index, stage in enumerate(PIPELINE[1:], start=1):
        annotations[f"went_{stage}"] = Exists(
            StageChange.objects.filter(application=OuterRef("pk"), to_stage__in=PIPELINE[index:])
        )
    return annotations


def _reached_counts() -> dict:
    counts = {"reached_applied": Count("id")}
    for index, stage in enumerate(PIPELINE[1:], start=1):
        counts[f"reached_{stage}"] = Count("id", filter=Q(stage__in=PIPELINE[index:]) | Q(**{f"went_{stage}": True}))
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
        return [(a, b, percent(self.reached.get(b, 0), self.reached.get(a, 0))) for a, b in zip(PIPELINE, PIPELINE[1:], strict=False)]

    @property
    def overall_conversion(self):
        return percent(self.reached.get("hired", 0), self.reached.get("applied", 0))


def _hire_days_expression():
    hired_at = Subquery(
        StageChange.objects.filter(application=OuterRef("pk"), to_stage=Application.Stage.HIRED)
        .order_by("-changed_at").values("changed_at")[:1]
    )
    return ExpressionWrapper(hired_at - F("created_at"), output_field=DurationField())


def _rows(applications, group_field: str | None) -> dict:
    """Group applications (by posting or by source; None: all together) and count reached stages, current
    stages and the average time to hire. Two queries."""
    annotated = applications.annotate(**_reached_annotations())
    current_counts = {f"now_{stage}": Count("id", filter=Q(stage=stage)) for stage in Application.Stage.values}
    hired = applications.filter(stage=Application.Stage.HIRED).annotate(took=_hire_days_expression())
    if group_field is None:
        reached = [annotated.aggregate(**_reached_counts(), **current_counts)]
        hire_by_key = {None: hired.aggregate(average=Avg("took"))["average"]}
    else:
        reached = annotated.values(group_field).annotate(**_reached_counts(), **current_counts).order_by()
        hire_by_key = {row[group_field]: row["average"]
                       for row in hired.values(group_field).annotate(average=Avg("took")).order_by()}
    result = {}
    for row in reached:
        key = row[group_field] if group_field else None
        result[key] = FunnelRow(
            label="", key=key,
            reached={stage: row[f"reached_{stage}"] for stage in PIPELINE},
            now={stage: row[f"now_{stage}"] for stage in Application.Stage.values},
            hired_days=_days(hire_by_key.get(key)), total=row["reached_applied"],
        )
    return result


def _days(duration):
    if duration is None:
        return None
    from decimal import ROUND_HALF_UP, Decimal

    return (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def recruiting_funnel(*, program) -> dict:
    """{"total": FunnelRow, "postings": [FunnelRow], "sources": [FunnelRow], "open_postings": n}. Seven queries."""
    applications = Application.objects.filter(posting__program_id=program.pk).order_by()
    totals = _rows(applications, None).get(None) or FunnelRow(label="All postings",
                                                               reached=dict.fromkeys(PIPELINE, 0))
    totals.label = "All postings"
    postings = list(Posting.objects.filter(program_id=program.pk).order_by("-created_at").values("pk", "title", "status"))
    by_posting = _rows(applications, "posting_id")
    posting_rows = []
    for posting in postings:
        row = by_posting.get(posting["pk"]) or FunnelRow(label="", key=posting["pk"], reached=dict.fromkeys(PIPELINE, 0))
        row.label = f"{posting['title']} ({dict(Posting.Status.choices)[posting['status']].lower()})"
        posting_rows.append(row)
    by_source = _rows(applications.annotate(source=source_expression()), "source")
    source_rows = []
    for key, row in sorted(by_source.items(), key=lambda pair: -pair[1].total):
        row.label = SOURCE_LABELS.get(key, key)
        source_rows.append(row)
    return {
        "total": totals, "postings": posting_rows, "sources": source_rows,
        "open_postings": sum(1 for p in postings if p["status"] == Posting.Status.OPEN),
        "pipeline": [(stage, STAGE_LABELS[stage]) for stage in PIPELINE],
        "stages": list(Application.Stage.choices),
    }


def open_recruiting_by_program(*, program_ids) -> dict[int, dict]:
    """{program_id: {"open_postings", "in_pipeline"}} for the manager's home (two queries)."""
    ids = list(program_ids)
    result = {pk: {"open_postings": 0, "in_pipeline": 0} for pk in ids}
    for row in (Posting.objects.filter(program_id__in=ids, status=Posting.Status.OPEN).order_by()
                .values("program_id").annotate(n=Count("id"))):
        result[row["program_id"]]["open_postings"] = row["n"]
    for row in (Application.objects.filter(posting__program_id__in=ids)
                .exclude(stage__in=Application.CLOSED_STAGES).order_by()
                .values("posting__program_id").annotate(n=Count("id"))):
        result[row["posting__program_id"]]["in_pipeline"] = row["n"]
    return result
