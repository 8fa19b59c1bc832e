"""The managers' shared-mailbox page: the settings (passwords kept, never shown), the rules, who may open it,
the inbound log, and the way to it from the channel page."""

import pytest
from django.utils import timezone

from accounts.models import User
from channels.models import InboundEmail, MailboxConnection, ProgramChannel
from core.models import AuditLog
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.channels.factories import mailbox_program
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db

URL = "/manage/channels/{slug}/mailbox/"


def settings_data(**overrides) -> dict:
    data = {
        "support_address": "Help@Acme.example",
        "display_name": "Acme Support",
        "imap_host": "imap.acme.example",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_user": "help@acme.example",
        "imap_password": "imap-s3cret-pw",
        "imap_folder": "INBOX",
        "send_via": "own",
        "smtp_host": "smtp.acme.example",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_user": "help@acme.example",
        "smtp_password": "smtp-s3cret-pw",
    }
    data.update(overrides)
    return data


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def program(manager):
    return ProgramFactory(slug="acme", managers=[manager])


def save(client, program, **overrides):
    return client.post(URL.format(slug=program.slug) + "save/", settings_data(**overrides))


def test_a_manager_sets_up_the_mailbox_and_it_becomes_the_channel(client, manager, program):
    client.force_login(manager)
    assert client.get(URL.format(slug="acme")).status_code == 200  # nothing set up yet: an empty form

    answer = save(client, program)

    assert answer.status_code == 302 and answer["Location"] == URL.format(slug="acme")
    connection = MailboxConnection.objects.get(program=program)
    assert connection.support_address == "help@acme.example"  # lower-cased
    assert connection.imap_password == "imap-s3cret-pw" and connection.smtp_password == "smtp-s3cret-pw"
    assert "s3cret" not in connection.imap_password_encrypted + connection.smtp_password_encrypted  # sealed
    assert ProgramChannel.objects.get(program=program).kind == ProgramChannel.Kind.EMAIL
    audit = AuditLog.objects.get(verb="channels.mailbox_saved")
    assert (
        audit.data["support_address"] == "help@acme.example" and audit.data["imap_password_changed"] is True
    )
    assert "s3cret" not in str(audit.data)

    page = client.get(URL.format(slug="acme")).content.decode()
    assert "s3cret" not in page
    assert page.count("Set; leave blank to keep the current value.") == 2
    assert "help+anything@acme.example" in page  # what plus-addressing must deliver
    assert "The shared mailbox is this program's channel" in page


def test_blank_passwords_keep_the_stored_ones_and_a_new_one_replaces_it(client, manager, program):
    client.force_login(manager)
    save(client, program)
    answer = save(client, program, imap_password="", smtp_password="", imap_folder="Support")
    assert answer.status_code == 302
    connection = MailboxConnection.objects.get(program=program)
    assert connection.imap_password == "imap-s3cret-pw" and connection.smtp_password == "smtp-s3cret-pw"
    assert connection.imap_folder == "Support"
    assert (
        AuditLog.objects.filter(verb="channels.mailbox_saved").latest("pk").data["imap_password_changed"]
        is False
    )

    save(client, program, imap_password="", smtp_password="new-smtp-pw")
    connection.refresh_from_db()
    assert connection.imap_password == "imap-s3cret-pw" and connection.smtp_password == "new-smtp-pw"


def test_another_mailbox_starts_the_poller_over(client, manager, program):
    client.force_login(manager)
    save(client, program)
    MailboxConnection.objects.filter(program=program).update(uid_validity=77, last_uid=420)
    save(client, program, imap_password="", smtp_password="")  # the same mailbox: the poller keeps its place
    assert MailboxConnection.objects.filter(program=program, uid_validity=77, last_uid=420).exists()
    save(client, program, imap_password="", smtp_password="", imap_folder="Helpdesk")
    assert MailboxConnection.objects.filter(program=program, uid_validity=None, last_uid=0).exists()


def _unchanged(program, before):
    after = MailboxConnection.objects.get(program=program)
    return [
        (f.name, getattr(after, f.attname)) for f in MailboxConnection._meta.fields if f.name != "updated_at"
    ] == [
        (f.name, getattr(before, f.attname)) for f in MailboxConnection._meta.fields if f.name != "updated_at"
    ]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"support_address": "support@brightcart.test"}, "is already the support address of another program"),
        ({"support_address": "SUPPORT@BrightCart.test"}, "is already the support address of another program"),
        ({"imap_security": "none"}, "IMAP without TLS is only for a test server on this machine"),
        ({"smtp_security": "none"}, "SMTP without TLS is only for a test server on this machine"),
        ({"smtp_host": ""}, "Give the SMTP server&#x27;s host"),
        ({"support_address": "help+vip@acme.example"}, "has no +tag"),
        ({"support_address": "not an address"}, "Enter a valid email address."),
        ({"imap_port": "70000"}, "Ensure this value is less than or equal to 65535."),
    ],
)
def test_bad_settings_answer_400_with_the_error_and_change_nothing(
    client, manager, program, overrides, error
):
    mailbox_program(
        manager=ManagerFactory(), slug="brightcart"
    )  # another program holds support@brightcart.test
    client.force_login(manager)
    save(client, program)
    before = MailboxConnection.objects.get(program=program)
    audits = AuditLog.objects.count()

    answer = save(client, program, **overrides)

    assert answer.status_code == 400
    page = answer.content.decode()
    assert error in page
    assert "imap-s3cret-pw" not in page and "smtp-s3cret-pw" not in page  # what was typed is not shown back
    assert _unchanged(program, before) and AuditLog.objects.count() == audits


def test_a_first_save_with_bad_settings_creates_nothing(client, manager, program):
    client.force_login(manager)
    assert save(client, program, imap_security="none").status_code == 400
    assert not MailboxConnection.objects.filter(program=program).exists()
    assert not ProgramChannel.objects.filter(program=program).exists()


def test_no_tls_is_allowed_to_a_test_server_on_this_machine(client, manager, program):
    client.force_login(manager)
    answer = save(
        client,
        program,
        imap_host="127.0.0.1",
        imap_security="none",
        smtp_host="localhost",
        smtp_security="none",
    )
    assert answer.status_code == 302
    assert MailboxConnection.objects.get(program=program).imap_security == "none"


def test_an_imap_host_needs_a_user_and_a_password(client, manager, program):
    client.force_login(manager)
    answer = save(client, program, imap_user="")
    assert answer.status_code == 400 and "Give the IMAP user" in answer.content.decode()
    answer = save(client, program, imap_password="")
    assert answer.status_code == 400 and "Give the IMAP password" in answer.content.decode()
    # Without an IMAP host (a drop folder or the provider's webhook brings the mail) nothing else is needed.
    answer = save(
        client,
        program,
        imap_host="",
        imap_user="",
        imap_password="",
        send_via="site",
        smtp_host="",
        smtp_user="",
        smtp_password="",
    )
    assert answer.status_code == 302
    assert not MailboxConnection.objects.get(program=program).can_poll


def test_an_agent_gets_403_and_another_programs_manager_404(client, manager, program):
    mailbox_program(manager=manager, slug="brightcart")
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(URL.format(slug="acme")).status_code == 403
    assert save(client, program).status_code == 403
    assert client.post(URL.format(slug="acme") + "test/").status_code == 403
    assert not MailboxConnection.objects.filter(program=program).exists()

    client.force_login(ManagerFactory())
    assert client.get(URL.format(slug="brightcart")).status_code == 404
    assert client.post(URL.format(slug="brightcart") + "save/", settings_data()).status_code == 404
    assert (
        MailboxConnection.objects.get(program__slug="brightcart").support_address == "support@brightcart.test"
    )


def test_the_inbound_log_shows_what_became_of_each_message_in_constant_queries(
    client, manager, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    program = mailbox_program(manager=manager)
    ticket = TicketFactory(program=program, subject="Parcel lost")
    now = timezone.now()
    InboundEmail.objects.create(
        program=program,
        source="imap",
        message_id="<a@x>",
        from_address="ann@example.test",
        from_name="Ann",
        subject="Parcel lost",
        outcome="ticket",
        ticket=ticket,
        received_at=now,
    )
    InboundEmail.objects.create(
        program=program,
        source="imap",
        message_id="<b@x>",
        from_address="bob@example.test",
        subject="Out of office: Parcel lost",
        outcome="ignored",
        reason="An auto-reply (Auto-Submitted: auto-replied)",
        received_at=now,
    )
    InboundEmail.objects.create(
        program=program,
        source="drop",
        message_id="<c@x>",
        from_address="",
        subject="<b>no sender</b>",
        outcome="rejected",
        reason="The message has no From.",
        received_at=now,
    )
    client.force_login(manager)
    url = URL.format(slug=program.slug)
    client.get(url)  # warm the session and the per-process caches
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert f'href="/manage/queues/tickets/{ticket.pk}/"' in page
    assert "An auto-reply (Auto-Submitted: auto-replied)" in page and "The message has no From." in page
    assert "&lt;b&gt;no sender&lt;/b&gt;" in page  # escaped

    InboundEmail.objects.bulk_create(
        [
            InboundEmail(
                program=program,
                source="imap",
                message_id=f"<m{n}@x>",
                from_address=f"c{n}@example.test",
                subject=f"Question {n}",
                outcome="ticket",
                ticket=ticket,
                received_at=now,
            )
            for n in range(40)
        ]
    )
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Question ") == 25  # the last 25


def test_choosing_the_shared_mailbox_on_the_channel_page_leads_to_the_mailbox_page(client, manager, program):
    client.force_login(manager)
    channel_page = client.get(f"/manage/channels/{program.slug}/zendesk/").content.decode()
    assert (
        f'href="/manage/channels/{program.slug}/mailbox/"' in channel_page
        and "Set up the shared mailbox" in channel_page
    )
    answer = client.post(
        f"/manage/channels/{program.slug}/zendesk/save/", {"channel_kind": "email", "routing_tag": "flexdesk"}
    )
    assert answer.status_code == 302 and answer["Location"] == URL.format(slug=program.slug)
    assert not ProgramChannel.objects.filter(
        program=program
    ).exists()  # nothing chosen until the mailbox is saved

    save(client, program)  # the mailbox exists: the channel page may switch to it and back
    client.post(f"/manage/channels/{program.slug}/zendesk/save/", {"channel_kind": "api", "routing_tag": "x"})
    assert ProgramChannel.objects.get(program=program).kind == "api"
    answer = client.post(
        f"/manage/channels/{program.slug}/zendesk/save/", {"channel_kind": "email", "routing_tag": "x"}
    )
    assert answer.status_code == 302 and ProgramChannel.objects.get(program=program).kind == "email"
    assert "help@acme.example" in client.get(f"/manage/channels/{program.slug}/zendesk/").content.decode()


def test_the_worksheet_links_the_mailbox_page(client, manager, program):
    from programs.models import BehindTheScenes

    BehindTheScenes.objects.get_or_create(program=program)
    client.force_login(manager)
    page = client.get(f"/manage/programs/{program.slug}/worksheet/").content.decode()
    assert f'href="/manage/channels/{program.slug}/mailbox/"' in page


def test_test_connection_logs_in_to_both_real_servers_and_shows_each_side(
    client, manager, imap_server, smtp_server
):
    smtp_server.require_login("support@brightcart.test", "smtp-secret")
    program = mailbox_program(
        manager=manager,
        imap=imap_server.settings(),
        smtp={
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "user": "support@brightcart.test",
            "password": "smtp-secret",
        },
    )
    client.force_login(manager)

    answer = client.post(URL.format(slug=program.slug) + "test/")

    assert answer.status_code == 200
    page = answer.content.decode()
    result = page[page.index('id="test-result"') : page.index("</ul>", page.index('id="test-result"'))]
    assert "IMAP:</strong> OK" in result and "logged in as support@brightcart.test" in result
    assert "SMTP:</strong> OK" in result and f"127.0.0.1:{smtp_server.port}" in result
    assert "support-imap-secret" not in page and "smtp-secret" not in page
    connection = MailboxConnection.objects.get(program=program)
    assert connection.tested_at is not None and "IMAP: OK" in connection.test_result
    assert (
        "Last test" in client.get(URL.format(slug=program.slug)).content.decode()
    )  # kept for the next visit


def test_test_connection_shows_the_servers_exact_error(client, manager, imap_server, smtp_server):
    smtp_server.require_login("support@brightcart.test", "smtp-secret")
    program = mailbox_program(
        manager=manager,
        imap={**imap_server.settings(), "password": "wrong-imap-password"},
        smtp={
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "user": "support@brightcart.test",
            "password": "wrong-smtp-password",
        },
    )
    client.force_login(manager)

    page = client.post(URL.format(slug=program.slug) + "test/").content.decode()

    result = page[page.index('id="test-result"') : page.index("</ul>", page.index('id="test-result"'))]
    assert "IMAP:</strong> failed" in result and "AUTHENTICATIONFAILED" in result.upper().replace(" ", "")
    assert "SMTP:</strong> failed" in result and "535" in result
    assert "wrong-imap-password" not in page and "wrong-smtp-password" not in page


def test_test_connection_before_anything_is_saved_says_so(client, manager, program):
    client.force_login(manager)
    answer = client.post(URL.format(slug=program.slug) + "test/", follow=True)
    assert "Save the mailbox settings first." in answer.content.decode()
