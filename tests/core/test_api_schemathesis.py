"""The API against its own OpenAPI schema (Schemathesis): generated requests, valid and not, never get a server
error, and every answer (status code, content type, body) is one the schema documents.

Bounded and repeatable: a fixed number of examples per operation, derandomized, no example database.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db
EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The schema as the app serves it, and the app itself (WSGI, in process) to send the requests to. Loaded at
# import: schemathesis.pytest.from_fixture does not run under pytest 9.2 (it sets Function._nodeid).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Django closes the database connection at the end of each request it handles; the test client stops it
    from doing so, and so must we here, or the test's transaction (its data) would go with it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_token():
    """A manager's token, with a program (slug "shop") and tickets, so reads find something."""
    manager = ManagerFactory()
    program = ProgramFactory(slug="shop", managers=[manager])
    TicketFactory.create_batch(2, program=program)
    return Token.objects.create(user=manager).key


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_as_its_schema_says(case, api_token):
    case.call_and_validate(headers={"Authorization": f"Token {api_token}"}, checks=CHECKS)


def test_the_schema_documents_errors_and_only_json_bodies():
    document = schema.raw_schema
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            label = f"{method.upper()} {path}"
            assert "404" in operation["responses"], label
            if {} not in operation.get("security", [{}]):
                assert "401" in operation["responses"], label
            if "requestBody" in operation:
                assert list(operation["requestBody"]["content"]) == ["application/json"], label
                assert "400" in operation["responses"], label
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    assert response["content"]["application/json"]["schema"], label
