"""/ping, the floor the page benchmarks measure every page against (issue #22, bench/pages.py)."""

import pytest

from tests.accounts.factories import FreelancerFactory


@pytest.mark.django_db
def test_ping_answers_through_the_middleware_without_a_query_of_its_own(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200
    assert response.content == b"pong"
    assert response["Content-Type"] == "text/plain"
    assert response["Cache-Control"] == "private, no-store"  # the app's default for every response


@pytest.mark.django_db
def test_ping_answers_a_logged_in_user_too_and_only_reads(client):
    client.force_login(FreelancerFactory().user)
    response = client.get("/ping")
    assert response.status_code == 200
    assert response.content == b"pong"
    assert client.post("/ping").status_code == 405
