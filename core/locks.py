from django.db import transaction


def lock_rows(queryset):
    """Lock the rows of `queryset` for the rest of the transaction, in primary-key order.

    Taking every lock in one global order means two transactions that lock
    overlapping sets never wait on each other in a cycle (no deadlock). On SQLite
    select_for_update is a no-op and the database-wide write lock serialises writers.
    """
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_rows() must run inside transaction.atomic()")
    return list(queryset.select_for_update().order_by("pk"))


def lock_one(queryset):
    rows = lock_rows(queryset)
    if not rows:
        raise queryset.model.DoesNotExist
    return rows[0]
