"""What to measure, as the command line asked for it."""

from __future__ import annotations

from dataclasses import dataclass

QUICK_SIZE = 20_000
DEFAULT_SIZES = (100_000, 1_000_000)
# A million-parcel run of all three contenders takes minutes: fewer repeats there.
REPEATS_SMALL, REPEATS_LARGE, LARGE_FROM = 3, 1, 1_000_000


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    repeat: int | None = None  # None: REPEATS_SMALL below LARGE_FROM features, REPEATS_LARGE from it
    sections: tuple[str, ...] = ("load",)
    quick: bool = False

    def repeats(self, n: int) -> int:
        if self.repeat is not None:
            return self.repeat
        return REPEATS_LARGE if n >= LARGE_FROM else REPEATS_SMALL
