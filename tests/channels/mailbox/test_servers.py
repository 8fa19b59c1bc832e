"""The real mail servers the mailbox tests use: dovecot (tests/imapserver.py) and aiosmtpd (tests/mailserver.py)."""

import smtplib
import socket

import pytest
from imap_tools import MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError

from tests.imapserver import CUSTOMER, SUPPORT

RAW = (
    b"From: Ann <customer@example.test>\r\nTo: support@brightcart.test\r\nSubject: Hello\r\n"
    b"Message-ID: <hello-1@example.test>\r\n\r\nWhere is my parcel?\r\n"
)


def test_a_message_appended_is_read_back_byte_for_byte_and_the_next_test_starts_empty(imap_server):
    uid = imap_server.append(SUPPORT, RAW)
    assert uid >= 1
    assert imap_server.fetch_all(SUPPORT) == [RAW]
    assert imap_server.fetch_all(CUSTOMER) == []
    assert imap_server.flags(SUPPORT) == {uid: set()}  # reading it back did not mark it seen
    imap_server.empty()
    assert imap_server.count(SUPPORT) == 0


def test_a_wrong_password_gets_the_servers_answer(imap_server):
    with pytest.raises(MailboxLoginError, match=r"\[AUTHENTICATIONFAILED\] Authentication failed\."):
        MailBoxUnencrypted(imap_server.host, imap_server.port, timeout=5).login(SUPPORT, "wrong")


def test_stopped_the_port_refuses_connections_and_started_again_it_has_the_same_mail(imap_server):
    imap_server.append(SUPPORT, RAW)
    imap_server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((imap_server.host, imap_server.port), timeout=2)
    imap_server.start()
    assert imap_server.fetch_all(SUPPORT) == [RAW]


def test_renumber_gives_the_folder_a_new_uidvalidity_and_keeps_its_messages(imap_server):
    imap_server.append(SUPPORT, RAW)
    before = imap_server.uid_validity(SUPPORT)
    imap_server.renumber(SUPPORT)
    assert imap_server.uid_validity(SUPPORT) != before
    assert imap_server.fetch_all(SUPPORT) == [RAW]


def test_the_smtp_server_delivers_into_the_recipients_imap_mailbox(smtp_server, imap_server):
    smtp_server.deliver_into(imap_server)
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=5) as client:
        client.sendmail(
            "customer@example.test", ["support+abc@brightcart.test", "nobody@elsewhere.test"], RAW
        )
    [delivered] = imap_server.fetch_all(SUPPORT)
    assert delivered.startswith(
        b"Return-Path: <customer@example.test>\r\nDelivered-To: support+abc@brightcart.test\r\n"
    )
    assert delivered.endswith(RAW)
    assert len(smtp_server.messages) == 1
