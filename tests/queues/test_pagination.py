"""CappedPaginator: exact page numbers while the list is short, "of N+" past its cap, flat cost whatever the size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from queues.models import Ticket
from queues.pagination import CappedPaginator
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets():
    first = TicketFactory()
    for _ in range(11):
        TicketFactory(program=first.program)
    return Ticket.objects.filter(program=first.program).order_by("id")


def test_a_short_list_has_its_exact_pages(tickets):
    paginator = CappedPaginator(tickets, 5, cap=20)
    page = paginator.page(1)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (12, 3, False)
    assert len(page.object_list) == 5 and page.has_next()
    assert len(paginator.page(3).object_list) == 2


def test_past_the_cap_it_counts_only_from_the_page_on(tickets):
    paginator = CappedPaginator(tickets, 2, cap=3)
    paginator.page(1)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (4, True, 2)  # "Page 1 of 2+"
    page = paginator.page(6)  # rows 11-12 of 12: fewer than the cap left after its start
    assert (paginator.count, paginator.capped, paginator.num_pages) == (12, False, 6)
    assert [t.pk for t in page.object_list] == list(tickets.values_list("pk", flat=True)[10:12])


def test_the_count_reads_at_most_cap_rows_unordered(tickets):
    paginator = CappedPaginator(tickets, 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        paginator.page(2)
    (count,) = [q["sql"] for q in queries if "COUNT" in q["sql"]]
    assert "LIMIT 4" in count and "ORDER BY" not in count


def test_the_in_house_queue_says_when_there_are_more_pages_than_counted(client, monkeypatch):
    from accounts.models import User
    from tests.accounts.factories import ManagerFactory

    manager = ManagerFactory()
    first = TicketFactory(queue="inhouse", status="open")
    first.program.managers.add(manager)
    Ticket.objects.bulk_create(
        Ticket(program=first.program, external_id=f"x{n}", subject=f"s{n}", queue="inhouse", status="open")
        for n in range(60)
    )
    client.force_login(User.objects.get(pk=manager.pk))
    monkeypatch.setattr(CappedPaginator, "cap", 30)
    assert "Page 1 of 2+" in client.get("/manage/queues/").content.decode()  # 31 counted: more than the cap
    # 61 tickets: 11 from the third page's start, so the last page is known
    assert "Page 3 of 3<" in client.get("/manage/queues/", {"page": 3}).content.decode()
    assert "Page 1 of 2+" in client.get("/manage/queues/", {"q": "s"}).content.decode()  # filtered: the ORM
