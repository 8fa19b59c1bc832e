"""Mailgun's inbound route forward(): both of its forms (the raw "mime" one and the parsed fields), posted as
Mailgun's documentation shows and signed as Mailgun signs (HMAC-SHA256 of timestamp + token with the webhook
signing key), become tickets through mail_receive; a bad signature answers 400 and stores nothing."""

import hashlib
import hmac
import json
import time
from io import BytesIO

import pytest

from channels.models import InboundEmail
from queues.models import Ticket, TicketAttachment, TicketMessage
from tests.accounts.factories import ManagerFactory
from tests.channels.factories import mailbox_program
from tests.channels.mailbox.mails import SUPPORT

pytestmark = pytest.mark.django_db
URL = "/api/v1/channels/mail/mailgun/inbound/"
SIGNING_KEY = "key-7e55c2ffbde9f7bb7f7d1c9a0f8e3a1d"
TOKEN = "06c96bafc3f42a66b9edd546347a2fe18dc23461fe80dc52f0"

BODY_MIME = f"""Received: by luna.mailgun.net with SMTP mgrt 8734663311733; Fri, 03 May 2013 18:26:27 +0000
Mime-Version: 1.0
Content-Type: multipart/alternative; boundary="94eb2c05e174adb140055b6339c5"
From: Ann Customer <ann@example.test>
To: BrightCart Support <{SUPPORT}>
Subject: Parcel lost
Date: Fri, 3 May 2013 11:26:27 -0700
Message-Id: <CAEPk3RKEx@mail.example.test>

--94eb2c05e174adb140055b6339c5
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

My parcel never arrived=E2=80=A6

--94eb2c05e174adb140055b6339c5
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">My parcel never arrived=E2=80=A6</div>

--94eb2c05e174adb140055b6339c5--
"""


@pytest.fixture
def program(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": ""}
    return mailbox_program(manager=ManagerFactory())


def signed(fields: dict, *, key: str = SIGNING_KEY, timestamp: str | None = None) -> dict:
    """Mailgun's signature fields beside the payload: hex HMAC-SHA256 of timestamp + token."""
    timestamp = timestamp or str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{TOKEN}".encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": timestamp, "token": TOKEN, "signature": signature}


def mime_payload() -> dict:
    """The route's "mime" form (a forward() URL ending in mime): the message whole in body-mime."""
    return {
        "recipient": SUPPORT,
        "sender": "ann@example.test",
        "from": "Ann Customer <ann@example.test>",
        "subject": "Parcel lost",
        "body-mime": BODY_MIME,
    }


def parsed_payload(*, attachment: tuple[str, bytes] | None = None) -> dict:
    """The parsed-fields form, as Mailgun's documentation lists its parameters."""
    headers = [
        ["X-Mailgun-Spf", "Pass"],
        ["X-Mailgun-Sscore", "0.1"],
        ["X-Mailgun-Sflag", "No"],
        ["Received", "by luna.mailgun.net with SMTP mgrt 8734663311733; Fri, 03 May 2013 18:26:27 +0000"],
        ["Mime-Version", "1.0"],
        ["From", "Ann Customer <ann@example.test>"],
        ["Date", "Fri, 3 May 2013 11:26:27 -0700"],
        ["Message-Id", "<517ACC75.5010709@mail.example.test>"],
        ["Subject", "Damaged box"],
        ["To", f"BrightCart Support <{SUPPORT}>"],
        ["Content-Type", 'multipart/mixed; boundary="------------020601070403020003080006"'],
    ]
    payload = {
        "recipient": SUPPORT,
        "sender": "ann@example.test",
        "from": "Ann Customer <ann@example.test>",
        "subject": "Damaged box",
        "body-plain": "The box arrived crushed.\n\n-- \nAnn",
        "stripped-text": "The box arrived crushed.",
        "stripped-signature": "Ann",
        "body-html": "<p>The box arrived crushed.</p><p>-- <br>Ann</p>",
        "stripped-html": "<p>The box arrived crushed.</p>",
        "message-headers": json.dumps(headers),
        "content-id-map": "{}",
        "attachment-count": "0",
    }
    if attachment:
        name, data = attachment
        upload = BytesIO(data)
        upload.name = name
        payload.update({"attachment-count": "1", "attachment-1": upload})
    return payload


def test_the_mime_form_becomes_a_ticket(client, program):
    response = client.post(URL, data=signed(mime_payload()))

    assert response.status_code == 200
    inbound = InboundEmail.objects.get()
    assert (inbound.source, inbound.outcome, inbound.program) == ("webhook", "ticket", program)
    assert inbound.message_id == "<CAEPk3RKEx@mail.example.test>"
    assert inbound.raw.read() == BODY_MIME.encode()
    ticket = inbound.ticket
    assert (ticket.subject, ticket.body, ticket.requester_email) == (
        "Parcel lost",
        "My parcel never arrived…",
        "ann@example.test",
    )
    assert ticket.source == Ticket.Source.EMAIL


def test_the_parsed_form_becomes_a_ticket_with_its_attachment(client, program):
    pdf = b"%PDF-1.4\n" + b"1" * 2000

    response = client.post(URL, data=signed(parsed_payload(attachment=("receipt.pdf", pdf))))

    assert response.status_code == 200
    ticket = Ticket.objects.get(program=program)
    assert ticket.subject == "Damaged box" and ticket.body.startswith("The box arrived crushed.")
    assert ticket.requester_name == "Ann Customer"
    [attachment] = TicketAttachment.objects.filter(ticket=ticket)
    assert attachment.filename == "receipt.pdf" and attachment.file.read() == pdf


def test_the_envelope_recipient_finds_the_program(client, program):
    payload = {
        **mime_payload(),
        "recipient": "support+tag@brightcart.test",
        "body-mime": BODY_MIME.replace(f"To: BrightCart Support <{SUPPORT}>", "To: undisclosed-recipients:;"),
    }

    assert client.post(URL, data=signed(payload)).status_code == 200
    assert InboundEmail.objects.get().program == program


def test_a_repeated_delivery_is_stored_once(client, program):
    client.post(URL, data=signed(mime_payload()))
    response = client.post(URL, data=signed(mime_payload()))

    assert response.status_code == 200
    assert InboundEmail.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda fields: {**fields, "signature": "0" * 64},
        lambda fields: {
            **fields,
            "timestamp": str(int(fields["timestamp"]) + 1),
        },  # the signature no longer fits
        lambda fields: {k: v for k, v in fields.items() if k != "signature"},
    ],
)
def test_a_bad_signature_answers_400_and_stores_nothing(client, program, tamper):
    response = client.post(URL, data=tamper(signed(mime_payload())))

    assert response.status_code == 400
    assert not InboundEmail.objects.exists() and not Ticket.objects.exists()


def test_a_payload_signed_with_another_key_is_refused(client, program):
    response = client.post(URL, data=signed(mime_payload(), key="key-somebody-else"))

    assert response.status_code == 400 and not InboundEmail.objects.exists()


def test_without_a_signing_key_every_request_is_refused(client, program, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": "", "WEBHOOK_SECRET": ""}

    response = client.post(URL, data=signed(mime_payload(), key=""))  # "signed" with the empty key

    assert response.status_code == 400 and not InboundEmail.objects.exists()


def test_an_auto_reply_through_the_webhook_is_ignored(client, program):
    payload = {**mime_payload(), "body-mime": "Auto-Submitted: auto-replied\n" + BODY_MIME}

    assert client.post(URL, data=signed(payload)).status_code == 200
    assert InboundEmail.objects.get().outcome == "ignored"
    assert not Ticket.objects.exists() and not TicketMessage.objects.exists()
