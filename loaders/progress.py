"""Progress for people at a terminal; silence for scripts, pipes and CI."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

# Moves a bar on by a number of items.
Advance = Callable[[int], object]


class Progress:
    """Stage notes and a bar for long loops, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        if self.enabled:
            tqdm.write(f"[{time.monotonic() - self.started:6.1f}s] {text}", file=sys.stderr)

    @contextmanager
    def counter(self, total: int, label: str) -> Iterator[Advance]:
        """A bar moved on by hand, from any thread (tqdm's update takes its own lock)."""
        if not self.enabled:
            yield lambda _done: None
            return
        with tqdm(total=total, desc=label, unit="feat", file=sys.stderr, leave=False) as bar:
            yield bar.update
