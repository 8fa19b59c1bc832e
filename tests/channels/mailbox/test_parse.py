"""mail_parse: what a raw message says (addresses, subject, text, attachments) and what it is (a person's mail, a
robot's, a bounce), for the messages mail clients, auto-responders and mail servers really send."""

import email.utils
from email.message import EmailMessage

import pytest

from channels.mailbox.parse import mail_parse, message_id_normalise
from tests.channels.mailbox.mails import CUSTOMER, SUPPORT, customer_mail, delivery_report, plain_bounce


def test_a_persons_mail_is_read_whole():
    raw = customer_mail(
        subject="Parcel   lost\t again",
        sender="=?utf-8?q?Zo=C3=AB_Customer?= <Zoe@Example.test>",
        to=f"BrightCart <{SUPPORT.upper()}>",
        headers={
            "Cc": "boss@example.test",
            "Delivered-To": "support+abc@brightcart.test",
            "Reply-To": "Zoë Home <zoe@home.test>",
        },
        in_reply_to="<prev@mail.example.test>",
        references="<first@x.test> <prev@mail.example.test>",
    )

    parsed = mail_parse(raw)

    assert parsed.message_id == "<CAF=ann1@mail.example.test>"
    assert parsed.has_message_id
    assert parsed.from_address == "Zoe@Example.test" and parsed.from_name == "Zoë Customer"
    assert (parsed.reply_to_address, parsed.reply_to_name) == ("zoe@home.test", "Zoë Home")
    assert parsed.recipients == [SUPPORT, "boss@example.test", "support+abc@brightcart.test"]
    assert parsed.subject == "Parcel lost again"
    assert parsed.text == "My parcel never arrived."
    assert parsed.in_reply_to == "<prev@mail.example.test>"
    assert parsed.references == ["<first@x.test>", "<prev@mail.example.test>"]
    assert parsed.auto_reason == "" and not parsed.is_bounce


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<abc@host>", "<abc@host>"),
        ("  <abc@host> (a comment)", "<abc@host>"),
        ("abc@host", "<abc@host>"),
        ("", ""),
    ],
)
def test_message_ids_are_normalised(header, expected):
    assert message_id_normalise(header) == expected


def test_a_message_without_message_id_gets_a_digest_of_itself():
    raw = customer_mail(message_id=None)

    first, again = mail_parse(raw), mail_parse(raw)

    assert first.message_id.endswith("@flexdesk.invalid>") and first.message_id == again.message_id
    assert not first.has_message_id
    assert mail_parse(customer_mail(message_id=None, body="Other")).message_id != first.message_id


def test_a_message_id_longer_than_we_store_becomes_the_same_digest_everywhere():
    long_id = "<" + "x" * 300 + "@host>"
    parsed = mail_parse(customer_mail(message_id=long_id, references=long_id))

    assert len(parsed.message_id) <= 255 and parsed.references == [parsed.message_id]


def test_html_only_mail_becomes_readable_text_and_the_html_is_kept():
    html = (
        "<html><head><style>p {color: red}</style><script>steal()</script></head><body><h1>Order 1234</h1>"
        "<p>It arrived <b>broken</b> &amp; late.</p><p><a href='https://evil.test'>see</a></p></body></html>"
    )

    parsed = mail_parse(customer_mail(body=None, html=html))

    assert "Order 1234" in parsed.text and "It arrived broken & late." in parsed.text
    assert "<" not in parsed.text and "steal()" not in parsed.text and "color: red" not in parsed.text
    assert parsed.html.startswith("<html>")


def test_text_plain_is_preferred_over_html():
    parsed = mail_parse(customer_mail(body="Plain words", html="<p>HTML words</p>"))

    assert parsed.text == "Plain words" and "HTML words" in parsed.html


def test_iso_8859_1_body_and_encoded_headers_decode_right():
    raw = customer_mail(
        subject="Grüße aus Köln",
        sender="Jörg Müller <joerg@example.de>",
        body="Die Lieferung ist beschädigt. Grüße",
        charset="iso-8859-1",
    )
    assert b"besch\xe4digt" in raw  # really Latin-1 on the wire

    parsed = mail_parse(raw)

    assert parsed.text == "Die Lieferung ist beschädigt. Grüße"
    assert parsed.subject == "Grüße aus Köln" and parsed.from_name == "Jörg Müller"


def test_raw_8bit_headers_and_unknown_charsets_do_not_break_the_parse():
    raw = (
        "From: Jörg <joerg@example.de>\r\nTo: support@brightcart.test\r\nSubject: =?x-unknown?q?Gr=FC=DFe?= "
        "und Köln\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\nHallo Köln\r\n"
    ).encode()

    parsed = mail_parse(raw)

    assert parsed.from_address == "joerg@example.de" and "Köln" in parsed.subject
    assert "Hallo K" in parsed.text


def test_attachments_come_with_their_name_type_and_bytes():
    pdf = b"%PDF-1.7\n" + b"0" * 100
    parsed = mail_parse(customer_mail(attachments=(("invoice.pdf", "application/pdf", pdf),)))

    assert parsed.attachments == [("invoice.pdf", "application/pdf", pdf)]
    assert parsed.text == "My parcel never arrived."


def test_a_5000_character_subject_is_read_whole():
    parsed = mail_parse(customer_mail(subject="Help " * 1000))

    assert len(parsed.subject) == 4999 and parsed.subject.startswith("Help Help")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage that is not a message",
        b"From: ann@example.test\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all\r\n",
        b'From: ann@example.test\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n'
        b'Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n--b\r\nContent-Type: application/pdf; name="x.pdf"\r\n'
        b'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="x.pdf"\r\n\r\nJVBER',
        b"From: =?utf-8?b?broken?= <ann@example.test>\r\nSubject: =?utf-8?q?=FF=FE?=\r\nMessage-ID: <<>>\r\n\r\nx",
    ],
)
def test_malformed_mime_is_tolerated(raw):
    parsed = mail_parse(raw)

    assert parsed.message_id.startswith("<")


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, CUSTOMER, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated; owner-email=x@y"}, CUSTOMER, "Auto-Submitted: auto-generated"),
        ({"Precedence": "bulk"}, CUSTOMER, "Precedence: bulk"),
        ({"Precedence": "auto_reply"}, CUSTOMER, "Precedence: auto_reply"),
        ({"List-Id": "<news.example.test>"}, CUSTOMER, "List-Id"),
        ({"List-Unsubscribe": "<mailto:leave@example.test>"}, CUSTOMER, "List-Unsubscribe"),
        ({"X-Autoreply": "yes"}, CUSTOMER, "X-Autoreply"),
        ({"X-Autorespond": "Out of office"}, CUSTOMER, "X-Autorespond"),
        ({"Return-Path": "<>"}, CUSTOMER, "empty Return-Path"),
        ({}, "Mail Delivery System <MAILER-DAEMON@mx.example.test>", "mailer-daemon@"),
        ({}, "postmaster@example.test", "postmaster@"),
    ],
)
def test_robots_are_recognised(headers, sender, reason):
    parsed = mail_parse(customer_mail(headers=headers, sender=sender))

    assert reason in parsed.auto_reason


def test_auto_submitted_no_is_a_person():
    assert (
        mail_parse(customer_mail(headers={"Auto-Submitted": "no", "Precedence": "first-class"})).auto_reason
        == ""
    )


def test_our_own_reply_is_marked():
    assert mail_parse(customer_mail(headers={"X-Flexdesk-Ticket": "42"})).loop_ticket == "42"


@pytest.mark.parametrize("headers_only", [False, True])
def test_a_delivery_status_report_is_a_bounce_of_the_returned_message(headers_only):
    parsed = mail_parse(
        delivery_report(returned_message_id="<reply-1@brightcart.test>", headers_only=headers_only)
    )

    assert parsed.is_bounce
    assert parsed.bounced_message_id == "<reply-1@brightcart.test>"
    assert parsed.bounce_reason.startswith("5.1.1 — 550 5.1.1 <ann@example.test>: Recipient address rejected")
    assert parsed.loop_ticket == ""  # the returned message's header is not the report's


def test_a_delay_report_is_no_bounce_but_still_a_robots_mail():
    parsed = mail_parse(
        delivery_report(
            returned_message_id="<reply-1@brightcart.test>",
            action="delayed",
            status="4.4.1",
            diagnostic="smtp; 451 4.4.1 try again later",
        )
    )

    assert not parsed.is_bounce and parsed.auto_reason


def test_a_plain_mailer_daemon_bounce_quoting_the_headers_is_a_bounce():
    parsed = mail_parse(plain_bounce(returned_message_id="<reply-2@brightcart.test>"))

    assert parsed.is_bounce
    assert parsed.bounced_message_id == "<reply-2@brightcart.test>"
    assert "550 5.2.2 Mailbox full" in parsed.bounce_reason


def test_a_mailer_daemon_notice_that_is_no_bounce_is_only_a_robots_mail():
    message = EmailMessage()
    message["From"] = "MAILER-DAEMON@mx.example.test"
    message["Subject"] = "Your mailbox is almost full"
    message["Date"] = email.utils.formatdate()
    message.set_content("Please clean up.")

    parsed = mail_parse(message.as_bytes())

    assert not parsed.is_bounce and "mailer-daemon" in parsed.auto_reason
