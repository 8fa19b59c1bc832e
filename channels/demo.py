"""Demo: Acme Weekend Cover works in Zendesk. Its team is mapped to Zendesk users, and three Zendesk tickets
show a delivery history (one reply delivered, one queued, one failed), written as rows: viewing them needs no
network. Zendesk's address is a test domain; nothing in the demo reaches a real Zendesk."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from channels.models import ProgramChannel, ZendeskConnection, ZendeskUserMap
from core.models import OutboxMessage
from queues.models import Ticket, TicketMessage
from queues.services import ticket_intake

TICKETS = [
    ("35001", "Where is my weekend order?", "Ordered Friday, still says processing.", "sent", ""),
    ("35002", "Wrong size delivered", "I got a medium instead of a large.", "queued",
     "Zendesk answered 503: Service Unavailable"),
    ("35003", "Refund not received", "The refund from last week is not on my card.", "failed",
     "Zendesk answered 422: RecordInvalid — Record validation errors — assignee: Assignee is not a member of "
     "the group"),
]


def seed(context):
    acme, freelancer, manager = context["acme"], context["acme_freelancer"], context["manager2"]
    ProgramChannel.objects.update_or_create(program=acme, defaults={"kind": ProgramChannel.Kind.ZENDESK})
    connection, created = ZendeskConnection.objects.get_or_create(
        program=acme, defaults={"subdomain": "acme-demo", "base_url": "https://acme-demo.zendesk.test",
                                "api_email": "flexdesk@acme.test", "in_house_group_id": 360001,
                                "connected_as": "Flexdesk API <flexdesk@acme.test> (admin)"})
    if created:
        connection.api_token = "demo-zendesk-token"
        connection.webhook_signing_secret = "demo-zendesk-secret"
        connection.connected_at = timezone.now()
        connection.save()
    now = timezone.now().replace(second=0, microsecond=0)
    for user, zendesk_id, name in [(freelancer.user, 9001, "Nora Lindqvist"), (manager, 9002, "Oliver Grant")]:
        ZendeskUserMap.objects.get_or_create(program=acme, user=user, defaults={
            "zendesk_user_id": zendesk_id, "zendesk_name": name, "matched_at": now, "checked_at": now})
    reply_type = ContentType.objects.get_for_model(TicketMessage)
    for number, (external_id, subject, body, state, error) in enumerate(TICKETS):
        # Taken in without routing: the rows below are the history, and seeding sends nothing.
        ticket, new = ticket_intake(program=acme, external_id=external_id, subject=subject, body=body,
                                    requester_email=f"customer{number + 1}@example.test", source=Ticket.Source.ZENDESK,
                                    created_at=now - datetime.timedelta(hours=3 - number), route=False)
        if not new:
            continue
        replied_at = ticket.created_at + datetime.timedelta(minutes=20)
        Ticket.objects.filter(pk=ticket.pk).update(
            assignee=freelancer, routed_at=ticket.created_at, last_assigned_at=ticket.created_at, status="open",
            first_response_at=replied_at, first_responder=freelancer.user, first_response_met=True)
        reply = TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.REPLY, author=freelancer.user,
                                             body=f"Hi! Thanks for writing in about “{subject.lower()}”. "
                                                  "I'm looking into it now.", created_at=replied_at)
        OutboxMessage.objects.create(
            kind="zendesk.reply", status=state, program_id=acme.pk, summary=f"Zendesk #{external_id}: public reply",
            ordering_key=f"zendesk-ticket:{ticket.pk}", dedupe_key=f"demo:zendesk-reply:{external_id}",
            subject_type=reply_type, subject_id=str(reply.pk), attempts={"sent": 1, "queued": 3, "failed": 1}[state],
            payload={"program_id": acme.pk, "ticket_id": ticket.pk, "zendesk_ticket_id": int(external_id),
                     "update": {}, "comment": {"body": reply.body, "public": True, "author_id": 9001}},
            sent_at=replied_at + datetime.timedelta(seconds=2) if state == "sent" else None,
            result={"comment_id": 880000 + number} if state == "sent" else {},
            next_attempt_at=now + datetime.timedelta(minutes=30) if state == "queued" else None,
            last_error=error,
        )
    context["logins"].append(("manager2@demo.test", "→ Acme's Zendesk channel: /manage/channels/acme/zendesk/"))
