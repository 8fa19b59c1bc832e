"""core.rawsql.PreparedQuery with moments (datetimes) among its parameters, as routing's candidate query has."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from core.rawsql import PreparedQuery
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_moment_is_bound_anew_at_each_run(django_assert_num_queries):
    # Given two users who joined a day apart, and a query compiled once for "joined by `now`"
    now = timezone.now()
    old = UserFactory(date_joined=now - datetime.timedelta(days=2))
    new = UserFactory(date_joined=now - datetime.timedelta(hours=1))
    query = PreparedQuery(
        lambda user_id, now: (
            User.objects.filter(pk__gte=user_id, date_joined__lte=now).order_by("pk").values_list("pk")
        ),
        "user_id",
        moments=("now",),
    )
    # When it runs at two moments, then each run answers for its own moment (one query each, no recompiling)
    assert query.rows(user_id=old.pk, now=now - datetime.timedelta(days=1)) == [(old.pk,)]
    with django_assert_num_queries(1):
        assert query.rows(user_id=old.pk, now=now) == [(old.pk,), (new.pk,)]


def test_a_moment_that_is_not_a_parameter_is_refused():
    query = PreparedQuery(lambda now: User.objects.filter(is_active=True).values_list("pk"), moments=("now",))
    with pytest.raises(ValueError):
        query.rows(now=timezone.now())
