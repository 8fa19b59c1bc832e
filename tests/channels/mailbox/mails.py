"""Raw messages as customers' mail clients, auto-responders and mail servers send them (stdlib email package;
the delivery reports are written out as Postfix writes them, RFC 3464)."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

SUPPORT = "support@brightcart.test"
CUSTOMER = "Ann Customer <ann@example.test>"


def customer_mail(
    *,
    subject: str = "Parcel lost",
    body: str | None = "My parcel never arrived.",
    html: str = "",
    sender: str | None = CUSTOMER,
    to: str = f"BrightCart Support <{SUPPORT}>",
    message_id: str | None = "<CAF=ann1@mail.example.test>",
    in_reply_to: str = "",
    references: str = "",
    headers: dict | None = None,
    charset: str = "utf-8",
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """A person's message; `attachments` are (filename, "maintype/subtype", bytes)."""
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=False)
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body, charset=charset, cte="8bit" if charset != "utf-8" else None)
        if html:
            message.add_alternative(html, subtype="html")
    elif html:
        message.set_content(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def delivery_report(
    *,
    returned_message_id: str,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <ann@example.test>: Recipient address rejected: "
    "User unknown in virtual mailbox table",
    headers_only: bool = False,
    message_id: str = "<20261202120455.7A1B2C3D@mx.brightcart.test>",
) -> bytes:
    """A multipart/report; report-type=delivery-status bounce, as Postfix sends it, of one of our replies."""
    returned_type = "text/rfc822-headers" if headers_only else "message/rfc822"
    returned_body = "" if headers_only else "\nYour parcel is on its way.\n"
    return f"""Return-Path: <>
Delivered-To: {SUPPORT}
Date: Wed,  2 Dec 2026 12:04:55 +0000 (UTC)
From: MAILER-DAEMON@mx.brightcart.test (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {SUPPORT}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="7A1B2C3D.1764677095/mx.brightcart.test"
Content-Transfer-Encoding: 8bit
Message-Id: {message_id}

This is a MIME-encapsulated message.

--7A1B2C3D.1764677095/mx.brightcart.test
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mx.brightcart.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<ann@example.test>: host mail.example.test[192.0.2.10] said: 550 5.1.1
    <ann@example.test>: Recipient address rejected: User unknown

--7A1B2C3D.1764677095/mx.brightcart.test
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.brightcart.test
X-Postfix-Queue-ID: 7A1B2C3D
X-Postfix-Sender: rfc822; {SUPPORT}
Arrival-Date: Wed,  2 Dec 2026 12:04:50 +0000 (UTC)

Final-Recipient: rfc822; ann@example.test
Original-Recipient: rfc822;ann@example.test
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.test
Diagnostic-Code: {diagnostic}

--7A1B2C3D.1764677095/mx.brightcart.test
Content-Description: Undelivered Message
Content-Type: {returned_type}
Content-Transfer-Encoding: 8bit

From: Nora via BrightCart Support <{SUPPORT}>
To: Ann Customer <ann@example.test>
Subject: Re: Parcel lost [#1]
Message-ID: {returned_message_id}
In-Reply-To: <CAF=ann1@mail.example.test>
References: <CAF=ann1@mail.example.test>
X-Flexdesk-Ticket: 1
{returned_body}
--7A1B2C3D.1764677095/mx.brightcart.test--
""".replace("\n", "\r\n").encode()


def plain_bounce(*, returned_message_id: str) -> bytes:
    """A mailer-daemon bounce that is not a delivery report: the returned message's headers quoted in the text
    (as Exim and many hosted services send)."""
    message = EmailMessage()
    message["Return-Path"] = "<>"
    message["From"] = "Mail Delivery System <Mailer-Daemon@mx.example.test>"
    message["To"] = SUPPORT
    message["Subject"] = "Mail delivery failed: returning message to sender"
    message["Message-ID"] = "<E1q2w3e-0001@mx.example.test>"
    message["Auto-Submitted"] = "auto-replied"
    message.set_content(f"""This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ann@example.test
    host mail.example.test [192.0.2.10]
    SMTP error from remote mail server after RCPT TO:<ann@example.test>:
    550 5.2.2 Mailbox full

------ This is a copy of the message, including all the headers. ------

From: Nora via BrightCart Support <{SUPPORT}>
To: Ann Customer <ann@example.test>
Subject: Re: Parcel lost [#1]
Message-ID: {returned_message_id}

Your parcel is on its way.
""")
    return message.as_bytes()
