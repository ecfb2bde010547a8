"""Counting the database sessions a piece of work opened and left open (for tests of threads and connections)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

# Sessions opened since a moment (a test runs inside a transaction, which would see one cached snapshot of the
# activity view; sessions of other processes, even ones still going away, started before it).
SESSIONS_SINCE = (
    "SELECT pg_stat_clear_snapshot(), count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_start >= %s"
)


def now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def opened_since(moment: datetime) -> int:
    """Sessions opened since ``moment`` still there, after giving closed ones up to 2 s to go."""
    with connection.cursor() as cursor:
        for _ in range(20):  # a closed connection's backend takes a moment to go
            cursor.execute(SESSIONS_SINCE, [moment])
            if (count := int(cursor.fetchone()[1])) == 0:
                break
            cursor.execute("SELECT pg_sleep(0.1)")
        return count
