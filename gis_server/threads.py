"""Items handled by a few threads at once, each thread holding one resource (a database connection) throughout.

Used where the work waits on PostgreSQL or releases the GIL: the loader's
index builds (``loaders.parallel``) and vector-tile seeding
(``tile_cache.vector_seed``). Items are taken in order by whichever thread is
free; after the first error no thread takes another, and that error is raised
in the caller's thread once every thread has stopped (and released its
resource), so nothing is left running or open behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

_DONE = object()


def each[T, R](
    items: Iterable[T],
    count: int,
    handle: Callable[[T, R], Any],
    resource: Callable[[], AbstractContextManager[R]],
    name: str,
) -> None:
    """``handle(item, resource)`` for every item, on ``count`` threads that each enter ``resource()`` once."""
    todo = iter(items)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def take() -> object:
        with lock:
            return _DONE if errors else next(todo, _DONE)

    def work() -> None:
        try:
            with resource() as held:
                while (item := take()) is not _DONE:
                    handle(item, held)  # type: ignore[arg-type]
        except BaseException as error:
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=work, name=f"{name}-{n}", daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
