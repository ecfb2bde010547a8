"""Progress for people at a terminal; silence for scripts, pipes and CI."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


class Progress:
    """Stage notes and a bar for long loops, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        if self.enabled:
            tqdm.write(f"[{time.monotonic() - self.started:6.1f}s] {text}", file=sys.stderr)

    def iterate(self, items: Iterable[T], total: int, label: str) -> Iterator[T]:
        if not self.enabled:
            yield from items
            return
        with tqdm(items, total=total, desc=label, unit="feat", file=sys.stderr, leave=False) as bar:
            yield from bar
