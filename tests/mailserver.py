"""A real SMTP server on loopback for the e-mail tests (aiosmtpd), which a test can stop and start again.

`smtp_server` points Django's SMTP backend at it. `smtp_server.stop()` leaves the port closed (a mail
server that is down: connection refused), `smtp_server.start()` brings it back on the same port;
`smtp_server.messages` are the messages it accepted, parsed; `smtp_server.refuse(address)` makes it answer
550 for that recipient; `smtp_server.deliver_into(imap_server)` also delivers each accepted message into the
IMAP mailbox (tests/imapserver.py) of each recipient it has, as a mail server's local delivery does
(Return-Path and Delivered-To on top), for a round trip through real mailboxes; `smtp_server.require_login(user,
password)` makes it offer AUTH (without TLS) and answer 535 to any other login.
"""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.server.mailboxes is not None:
            self.server.deliver(envelope)
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()
        self.mailboxes = None  # an ImapServer that receives what is accepted (deliver_into)
        self.logins: dict[str, str] = {}  # user → password, when the server asks for a login (require_login)
        self.lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = None

    def start(self):
        if self._controller is None:
            auth = {"authenticator": self._authenticate, "auth_require_tls": False} if self.logins else {}
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **auth)
            self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str):
        self.refused.add(address.lower())

    def require_login(self, user: str, password: str):
        self.logins[user] = password
        self.stop()
        self.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.logins.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535 itself

    def deliver_into(self, imap_server):
        self.mailboxes = imap_server

    def deliver(self, envelope):
        for recipient in envelope.rcpt_tos:
            user = self.mailboxes.user_for(recipient)
            if user is not None:
                trace = f"Return-Path: <{envelope.mail_from or ''}>\r\nDelivered-To: {recipient}\r\n".encode()
                self.mailboxes.append(user, trace + envelope.original_content)

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.messages]


@pytest.fixture
def smtp_server(settings):
    server = MailServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
