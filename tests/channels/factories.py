"""A program connected to Zendesk and a freelancer mapped to a Zendesk user, for any test folder."""

from django.utils import timezone

from channels.models import ProgramChannel, ZendeskConnection, ZendeskUserMap
from tests.programs.factories import ProgramFactory
from tests.queues.factories import on_duty_freelancer

BASE = "https://acme.zendesk.test"
FREELANCER_ZD = 501


def zendesk_program(*, manager, signing_secret: str = "", in_house_group_id=None):
    """The "acme" program on the Zendesk channel, its connection pointing at BASE (replaced by respx)."""
    program = ProgramFactory(slug="acme", managers=[manager])
    ProgramChannel.objects.create(program=program, kind=ProgramChannel.Kind.ZENDESK)
    connection = ZendeskConnection(
        program=program,
        subdomain="acme",
        base_url=BASE,
        api_email="api@acme.test",
        in_house_group_id=in_house_group_id,
    )
    connection.api_token = "zd-token"
    if signing_secret:
        connection.webhook_signing_secret = signing_secret
    connection.save()
    return program


def zendesk_mapped_freelancer(program, *, zendesk_user_id: int = FREELANCER_ZD):
    """A queue-ready freelancer on shift in `program`, matched to a Zendesk user."""
    freelancer = on_duty_freelancer(program)
    ZendeskUserMap.objects.create(
        program=program,
        user=freelancer.user,
        zendesk_user_id=zendesk_user_id,
        zendesk_name="Free Lancer",
        matched_at=timezone.now(),
    )
    return freelancer


def mailbox_program(
    *,
    manager,
    slug: str = "brightcart",
    support_address: str = "support@brightcart.test",
    imap: dict | None = None,
    smtp: dict | None = None,
):
    """A program on the shared-mailbox channel. `imap` / `smtp`: host, port, user, password (security "none"),
    for the real servers on loopback (tests/imapserver.py, tests/mailserver.py); without them nothing is polled
    and replies go through the site's EMAIL_URL."""
    from channels.models import MailboxConnection

    program = ProgramFactory(slug=slug, managers=[manager])
    ProgramChannel.objects.create(program=program, kind=ProgramChannel.Kind.EMAIL)
    connection = MailboxConnection(
        program=program, support_address=support_address, display_name="BrightCart Support"
    )
    if imap:
        connection.imap_host, connection.imap_port, connection.imap_user = (
            imap["host"],
            imap["port"],
            imap["user"],
        )
        connection.imap_security = MailboxConnection.Security.NONE
        connection.imap_password = imap["password"]
    if smtp:
        connection.send_via = MailboxConnection.SendVia.OWN
        connection.smtp_host, connection.smtp_port = smtp["host"], smtp["port"]
        connection.smtp_security = MailboxConnection.Security.NONE
        connection.smtp_user = smtp.get("user", "")
        if smtp.get("password"):
            connection.smtp_password = smtp["password"]
    connection.save()
    return program
