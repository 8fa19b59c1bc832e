import pytest

from tests.recruiting.factories import PostingFactory


@pytest.fixture
def posting(db):
    return PostingFactory()


@pytest.fixture
def manager(posting):
    return posting.program.managers.first()


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
