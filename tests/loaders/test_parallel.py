"""``loaders.parallel``: jobs on several connections, errors back in the caller's thread as Django's."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DataError

from loaders import parallel
from tests import sessions

pytestmark = pytest.mark.django_db


def test_jobs_run_on_separate_connections_of_the_same_database() -> None:
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def job(cursor: Any) -> None:
        cursor.execute("SELECT pg_backend_pid(), current_database(), pg_sleep(0.2)")
        pid, name, _ = cursor.fetchone()
        with lock:
            seen.append((pid, name))

    from django.db import connection

    parallel.run([job] * 4, workers=2)
    assert len(seen) == 4
    assert len({pid for pid, _ in seen}) == 2, "two connections, each taking the next job when free"
    assert {name for _, name in seen} == {connection.settings_dict["NAME"]}


def test_the_first_error_is_raised_as_djangos_and_later_jobs_do_not_start() -> None:
    started: list[int] = []

    def failing(cursor: Any) -> None:
        started.append(0)
        cursor.execute("SELECT 1 / 0")

    def later(cursor: Any) -> None:
        started.append(1)

    with pytest.raises(DataError):
        parallel.run([failing, *[later] * 5], workers=1)
    assert started == [0]


def test_no_connection_is_left_open_after_the_jobs() -> None:
    """Workers use their own connections only: none of Django's is opened in a worker thread and left behind."""
    began = sessions.now()
    parallel.run([lambda c: c.execute("SELECT 1")] * 4, workers=2)
    assert sessions.opened_since(began) == 0
