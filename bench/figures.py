"""What a section hands back: figures with goals, a printable table, and what it ran on.

A figure is judged against its goal either as a ratio to an anchor measured
in the same run (throughput against ``ogr2ogr``, say) or, without an anchor,
as an absolute value (peak memory). Ratios are what carry across machines;
absolute values are recorded so the next run can be compared with this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    anchor: str | None = None
    anchor_value: float | None = None
    goal: float | None = None
    # Throughput: the ratio must reach the goal; memory: the value must stay under it.
    higher_is_better: bool = True

    @property
    def ratio(self) -> float | None:
        return self.value / self.anchor_value if self.anchor_value else None

    @property
    def met(self) -> bool | None:
        """None when there is no goal; otherwise whether the judged quantity is on the right side of it."""
        judged = self.ratio if self.anchor is not None else self.value
        if self.goal is None or judged is None:
            return None
        return judged >= self.goal if self.higher_is_better else judged <= self.goal

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": round(self.value, 3),
            "unit": self.unit,
            "anchor": self.anchor,
            "anchor_value": None if self.anchor_value is None else round(self.anchor_value, 3),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "goal": self.goal,
            "goal_is": None if self.goal is None else ("at least" if self.higher_is_better else "at most"),
            "met": self.met,
        }


@dataclass
class SectionResult:
    """One section's output; the CLI prints ``rows`` under ``headers`` and merges the rest into the results file."""

    name: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
