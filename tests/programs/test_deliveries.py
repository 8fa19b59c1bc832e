"""The program's outgoing messages: failed ones listed for its managers, with Retry and Cancel."""

import pytest

from core.models import AuditLog, OutboxMessage
from core.outbox import email_enqueue
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

URL = "/manage/programs/shop/deliveries/"


@pytest.fixture
def shop(client):
    manager = ManagerFactory(display_name="Maya Chen")
    program = ProgramFactory(slug="shop", managers=[manager])
    client.force_login(manager)
    return program, manager


def _failed(smtp_server, program, n=1, to="nobody@example.test", django_capture=None):
    smtp_server.refuse(to)
    messages = []
    for i in range(n):
        with django_capture(execute=True):
            messages.append(
                email_enqueue(to=[to], subject=f"Invitation {i}", body="Hi", program_id=program.pk)
            )
    return messages


def test_failed_messages_are_listed_and_a_retry_sends_them(
    client, shop, smtp_server, django_capture_on_commit_callbacks
):
    program, manager = shop
    [message] = _failed(smtp_server, program, django_capture=django_capture_on_commit_callbacks)
    page = client.get(URL).content.decode()
    assert "E-mail to nobody@example.test: Invitation 0" in page and "550" in page and "Retry" in page

    smtp_server.refused.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}{message.pk}/retry/")
    assert response.status_code == 302 and response["Location"].endswith("?status=failed")
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENT
    assert len(smtp_server.messages) == 1
    assert AuditLog.objects.filter(verb="outbox.retried", actor=manager).exists()
    assert "Nothing failed" in client.get(URL).content.decode()


def test_a_message_cancelled_is_not_sent(client, shop, smtp_server, django_capture_on_commit_callbacks):
    program, _ = shop
    [message] = _failed(smtp_server, program, django_capture=django_capture_on_commit_callbacks)
    assert client.post(f"{URL}{message.pk}/cancel/").status_code == 302
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.CANCELLED
    # Retrying a message that is not failed changes nothing and says why.
    response = client.post(f"{URL}{message.pk}/retry/", follow=True)
    assert "Only a failed message can be retried" in response.content.decode()
    assert smtp_server.messages == []


def test_another_programs_message_is_not_found_and_agents_are_refused(
    client, shop, smtp_server, django_capture_on_commit_callbacks
):
    program, _ = shop
    other = ProgramFactory(slug="other", managers=[ManagerFactory()])
    [theirs] = _failed(smtp_server, other, django_capture=django_capture_on_commit_callbacks)
    assert client.post(f"{URL}{theirs.pk}/retry/").status_code == 404
    assert client.get("/manage/programs/other/deliveries/").status_code == 404
    assert OutboxMessage.objects.get(pk=theirs.pk).status == OutboxMessage.Status.FAILED

    agent = UserFactory(role="agent")
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}{theirs.pk}/retry/").status_code == 403


def test_the_managers_home_says_when_messages_failed(
    client, shop, smtp_server, django_capture_on_commit_callbacks
):
    program, _ = shop
    _failed(smtp_server, program, n=2, django_capture=django_capture_on_commit_callbacks)
    page = client.get("/manage/").content.decode()
    assert "2 messages from" in page and f"{URL}?status=failed" in page


def test_the_list_does_a_constant_number_of_queries(
    client, shop, smtp_server, django_capture_on_commit_callbacks, django_assert_num_queries
):
    program, _ = shop
    _failed(smtp_server, program, n=1, django_capture=django_capture_on_commit_callbacks)
    client.get(URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    _failed(smtp_server, program, n=5, django_capture=django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as six:
        assert client.get(URL).content.decode().count("Retry") == 6
    assert len(one) > 0 and len(six) == len(one)
