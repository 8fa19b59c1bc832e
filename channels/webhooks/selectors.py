"""Reads for the webhook pages: a program's endpoints and each endpoint's delivery log (constant queries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count

from channels.models import WebhookEndpoint
from core.models import OutboxMessage
from programs.models import Program

LOG_PAGE_SIZE = 50


def webhook_endpoint_list(*, program: Program) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(program=program).defer("secret_encrypted").order_by("pk"))


def webhook_endpoint_get(*, program: Program, pk: int) -> WebhookEndpoint | None:
    """The endpoint, only inside the program (the view's program is already the user's scope)."""
    return WebhookEndpoint.objects.filter(program=program, pk=pk).select_related("created_by").first()


def webhook_deliveries(*, endpoint: WebhookEndpoint):
    """The outbox messages about the endpoint, newest first (the payload is left out; the log does not show it)."""
    return (
        OutboxMessage.objects.filter(
            subject_type=ContentType.objects.get_for_model(WebhookEndpoint),
            subject_id=str(endpoint.pk),
            program_id=endpoint.program_id,
        )
        .defer("payload")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class EndpointRow:
    endpoint: WebhookEndpoint
    counts: dict[str, int]

    @property
    def failed(self) -> int:
        return self.counts.get(OutboxMessage.Status.FAILED, 0)

    @property
    def pending(self) -> int:
        return self.counts.get(OutboxMessage.Status.QUEUED, 0) + self.counts.get(
            OutboxMessage.Status.SENDING, 0
        )


def webhook_endpoint_rows(*, program: Program) -> list[EndpointRow]:
    """Each endpoint with how many of its deliveries are in each state: two queries."""
    endpoints = webhook_endpoint_list(program=program)
    counts: dict[str, dict[str, int]] = {str(e.pk): {} for e in endpoints}
    if endpoints:
        rows = (
            OutboxMessage.objects.filter(
                subject_type=ContentType.objects.get_for_model(WebhookEndpoint),
                subject_id__in=list(counts),
                program_id=program.pk,
            )
            .values("subject_id", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            counts[row["subject_id"]][row["status"]] = row["n"]
    return [EndpointRow(endpoint=e, counts=counts[str(e.pk)]) for e in endpoints]
