"""CSV import of tickets: a preview with per-row errors, then all rows or none."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.datetimes import parse_aware_datetime
from core.errors import DomainError
from programs.models import Channel, Program, TicketType
from queues.errors import IntakeError
from queues.models import Ticket
from queues.services.intake import (
    MAX_BATCH,
    IntakeBatchError,
    TicketIn,
    intake_error_fields,
    ticket_type_resolve,
    tickets_intake,
)

COLUMNS = [
    "external_id",
    "subject",
    "body",
    "requester_email",
    "requester_name",
    "channel",
    "ticket_type",
    "language",
    "priority",
    "created_at",
]
REQUIRED = ["external_id", "subject", "body", "requester_email"]
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


@dataclass
class ImportRow:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)
    duplicate: bool = False  # already in Flexdesk: skipped, not an error
    ticket_type: TicketType | None = None
    created_at: datetime.datetime | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    errors: list[str]

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for row in self.rows if row.errors)

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if not row.errors and not row.duplicate)

    @property
    def duplicate_count(self) -> int:
        return sum(1 for row in self.rows if row.duplicate)


def decode_upload(raw: bytes) -> str:
    """Check the upload by its content: size, text (no NUL bytes), UTF-8."""
    if len(raw) > MAX_BYTES:
        raise IntakeError("The file is larger than 2 MB; split it.", field="file")
    if b"\x00" in raw:
        raise IntakeError("This is not a CSV text file.", field="file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IntakeError("The file is not UTF-8 text. Save it as “CSV UTF-8”.", field="file")


def ticket_csv_preview(*, program: Program, text: str) -> ImportPreview:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return ImportPreview(
            rows=[], errors=[f"Missing column(s): {', '.join(missing)}. Columns: {', '.join(COLUMNS)}."]
        )
    reader.fieldnames = header
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    types: dict[str, TicketType | IntakeError | None] = {}
    for index, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            return ImportPreview(rows=rows, errors=[f"At most {MAX_ROWS} rows per file."])
        values = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(values.values()):
            continue
        row = ImportRow(line=index, values=values)
        for column in REQUIRED:
            if not values[column]:
                row.errors.append(f"{column} is required")
        if values["requester_email"]:
            try:
                validate_email(values["requester_email"])
            except ValidationError:
                row.errors.append("requester_email is not an email address")
        if len(values["subject"]) > 255:
            row.errors.append("subject is longer than 255 characters")
        if len(values["external_id"]) > 100:
            row.errors.append("external_id is longer than 100 characters")
        if values["channel"] and values["channel"].lower() not in Channel.values:
            row.errors.append(f"channel must be one of {', '.join(Channel.values)}")
        if values["priority"] and values["priority"].lower() not in Ticket.Priority.values:
            row.errors.append(f"priority must be one of {', '.join(Ticket.Priority.values)}")
        if values["ticket_type"]:
            key = values["ticket_type"].lower()
            if key not in types:
                try:
                    types[key] = ticket_type_resolve(program=program, value=values["ticket_type"])
                except IntakeError as exc:
                    types[key] = exc
            found = types[key]
            if isinstance(found, IntakeError):
                row.errors.append(found.message)
            else:
                row.ticket_type = found
        if values["created_at"]:
            try:
                row.created_at = parse_aware_datetime(
                    values["created_at"], field="created_at", default_zone=program.zone
                )
            except DomainError as exc:
                row.errors.append(exc.message)
            else:
                if row.created_at > timezone.now():
                    row.errors.append("created_at is in the future")
        if values["external_id"]:
            if values["external_id"] in seen:
                row.errors.append(f"external_id repeats line {seen[values['external_id']]}")
            else:
                seen[values["external_id"]] = index
        rows.append(row)
    existing = set(
        Ticket.objects.filter(program=program, external_id__in=list(seen)).values_list(
            "external_id", flat=True
        )
    )
    for row in rows:
        row.duplicate = row.values["external_id"] in existing and not row.errors
    errors = [] if rows else ["The file has no rows."]
    return ImportPreview(rows=rows, errors=errors)


@transaction.atomic
def ticket_csv_import(*, program: Program, text: str, actor) -> int:
    """Import every row, or none when any row has an error. Rows already in Flexdesk are skipped.

    The rows go through intake's batch (tickets_intake, MAX_BATCH rows an INSERT) in this one transaction;
    routing is enqueued once it commits. Returns the number of tickets created.
    """
    preview = ticket_csv_preview(program=program, text=text)
    if preview.error_count:
        raise IntakeError(f"The file has {preview.error_count} error(s); nothing was imported.", field="file")
    rows = [row for row in preview.rows if not row.duplicate]
    items = [
        TicketIn(
            external_id=row.values["external_id"],
            subject=row.values["subject"],
            body=row.values["body"],
            requester_email=row.values["requester_email"],
            requester_name=row.values["requester_name"],
            channel=(row.values["channel"] or "email").lower(),
            ticket_type=row.ticket_type,
            language=row.values["language"] or "en",
            priority=(row.values["priority"] or "normal").lower(),
            created_at=row.created_at,
        )
        for row in rows
    ]
    created = 0
    for start in range(0, len(items), MAX_BATCH):
        try:
            answered = tickets_intake(
                program=program,
                tickets=items[start : start + MAX_BATCH],
                source=Ticket.Source.CSV,
                actor=actor,
            )
        except IntakeBatchError as exc:  # a rule the preview does not check: say which line broke it
            index, error = min(exc.errors.items())
            detail = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in intake_error_fields(error).items()
            )
            raise IntakeError(
                f"Line {rows[start + index].line}: {detail}. Nothing was imported.", field="file"
            ) from None
        created += sum(1 for _ticket, made in answered if made)
    return created
