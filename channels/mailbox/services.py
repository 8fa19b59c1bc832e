"""The shared mailbox's settings: the one write behind the managers' mailbox page.

Passwords are sealed with the vault's keys (MailboxConnection's properties) and never rendered back: a blank
password keeps the stored one. Saving the settings makes the shared mailbox the program's channel.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from channels.errors import ChannelError
from channels.models import MailboxConnection, ProgramChannel
from core.audit import audit_record
from programs.models import Program

# Where a connection without TLS may go: a test server on this machine (tests, `make run`), never the network,
# where the password and every customer's mail would cross in the clear.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
Security = MailboxConnection.Security


def mailbox_connection_for(program: Program) -> MailboxConnection:
    """The program's saved mailbox, or an unsaved empty one (reads never write)."""
    try:
        return program.mailbox_connection
    except MailboxConnection.DoesNotExist:
        return MailboxConnection(program=program)


def _host(value: str) -> str:
    return (value or "").strip().lower()


def _check_security(*, host: str, security: str, field: str, side: str) -> None:
    if security not in Security.values:
        raise ChannelError("Pick SSL/TLS, STARTTLS or none.", field=field)
    if host and security == Security.NONE and host not in LOOPBACK_HOSTS:
        raise ChannelError(
            f"{side} without TLS is only for a test server on this machine (localhost or "
            f"127.0.0.1): {host} would receive the password in the clear. Pick SSL/TLS or STARTTLS.",
            field=field,
        )


def _check_port(port, field: str) -> int:
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ChannelError("A port is a number from 1 to 65535.", field=field)
    return port


@transaction.atomic
def mailbox_connection_save(
    *,
    program: Program,
    actor,
    support_address: str,
    display_name: str,
    imap_host: str,
    imap_port: int,
    imap_security: str,
    imap_user: str,
    imap_password: str,
    imap_folder: str,
    send_via: str,
    smtp_host: str,
    smtp_port: int,
    smtp_security: str,
    smtp_user: str,
    smtp_password: str,
) -> MailboxConnection:
    """Save the program's shared mailbox and make it the program's channel.

    Blank passwords keep the stored ones. The support address is stored lower-case and belongs to one program.
    A connection without TLS is refused unless its host is this machine. Sending through the mailbox's own SMTP
    server needs that server's host. A different mailbox (host, user or folder) starts the poller over: it reads
    the new folder from its first message, and Message-IDs keep anything already taken in from being taken twice.
    """
    address = (support_address or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ChannelError(
            "Give the support address customers write to, e.g. support@acme.com.", field="support_address"
        ) from exc
    if "+" in address.partition("@")[0]:
        raise ChannelError(
            "The support address itself has no +tag: Flexdesk adds +<ticket token> to it for the replies.",
            field="support_address",
        )
    if MailboxConnection.objects.filter(support_address=address).exclude(program=program).exists():
        raise ChannelError(
            f"{address} is already the support address of another program: each program needs "
            f"an address of its own.",
            field="support_address",
        )
    imap_host, smtp_host = _host(imap_host), _host(smtp_host)
    _check_security(host=imap_host, security=imap_security, field="imap_security", side="IMAP")
    if send_via not in MailboxConnection.SendVia.values:
        raise ChannelError("Pick how the replies are sent.", field="send_via")
    if send_via == MailboxConnection.SendVia.OWN:
        if not smtp_host:
            raise ChannelError(
                "Give the SMTP server's host to send through the mailbox's own server (or send "
                "through Flexdesk's mail server).",
                field="smtp_host",
            )
        _check_security(host=smtp_host, security=smtp_security, field="smtp_security", side="SMTP")
    elif smtp_host:
        _check_security(host=smtp_host, security=smtp_security, field="smtp_security", side="SMTP")

    connection = mailbox_connection_for(program)
    mailbox_before = (connection.imap_host, connection.imap_user, connection.imap_folder)
    connection.support_address = address
    connection.display_name = (display_name or "").strip()
    connection.imap_host = imap_host
    connection.imap_port = _check_port(imap_port, "imap_port")
    connection.imap_security = imap_security
    connection.imap_user = (imap_user or "").strip()
    connection.imap_folder = (imap_folder or "").strip() or "INBOX"
    connection.send_via = send_via
    connection.smtp_host = smtp_host
    connection.smtp_port = _check_port(smtp_port, "smtp_port")
    connection.smtp_security = smtp_security
    connection.smtp_user = (smtp_user or "").strip()
    # The form hands back the stored password when its field was left blank (core.forms.SecretField).
    imap_password_changed = bool(imap_password) and imap_password != connection.imap_password
    smtp_password_changed = bool(smtp_password) and smtp_password != connection.smtp_password
    if imap_password_changed:
        connection.imap_password = imap_password
    if smtp_password_changed:
        connection.smtp_password = smtp_password
    if connection.imap_host and not connection.imap_user:
        raise ChannelError(
            "Give the IMAP user (usually the mailbox's address) to read it.", field="imap_user"
        )
    if connection.imap_host and not connection.imap_password_encrypted:
        raise ChannelError(
            "Give the IMAP password (or an app password) to read the mailbox.", field="imap_password"
        )
    if (
        connection.smtp_user
        and not connection.smtp_password_encrypted
        and send_via == MailboxConnection.SendVia.OWN
    ):
        raise ChannelError(
            "Give the SMTP password for this user (or leave the user blank for a server that needs "
            "no login).",
            field="smtp_password",
        )

    changed_mailbox = connection.pk and mailbox_before != (
        connection.imap_host,
        connection.imap_user,
        connection.imap_folder,
    )
    if changed_mailbox:
        connection.uid_validity, connection.last_uid = None, 0
    if changed_mailbox or imap_password_changed or smtp_password_changed:
        connection.tested_at, connection.test_result = None, ""  # the last test was of other settings
    # The address's uniqueness is checked above, with a clear message; a ValidationError of the other fields
    # reaches the form as field errors.
    connection.full_clean(exclude=["support_address"])
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError as exc:  # another program took the address between the check and the save
        raise ChannelError(
            f"{address} is already the support address of another program.", field="support_address"
        ) from exc
    ProgramChannel.objects.update_or_create(program=program, defaults={"kind": ProgramChannel.Kind.EMAIL})
    audit_record(
        actor=actor,
        verb="channels.mailbox_saved",
        target=program,
        support_address=address,
        imap_host=connection.imap_host,
        imap_folder=connection.imap_folder,
        send_via=send_via,
        smtp_host=connection.smtp_host,
        imap_password_changed=imap_password_changed,
        smtp_password_changed=smtp_password_changed,
    )  # never the passwords
    return connection
