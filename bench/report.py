"""The results: a table per section on stdout, and one JSON document for machines and for the next run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.figures import Figure, SectionResult


def table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Plain aligned columns: the first left-aligned (names), the rest right-aligned (numbers)."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


def verdict(figure: Figure) -> str:
    """One line per goal: what was reached, what was asked, and whether it was met."""
    sign = "≥" if figure.higher_is_better else "≤"
    if figure.anchor is not None and figure.ratio is not None:
        against = f"{figure.value:,.0f} vs {figure.anchor_value:,.0f} {figure.unit}"
        reached = f"{figure.ratio:.2f}× {figure.anchor} ({against})"
        asked = f"{sign} {figure.goal}×"
    else:
        reached, asked = f"{figure.value:,.0f} {figure.unit}", f"{sign} {figure.goal:,.0f} {figure.unit}"
    return f"{figure.name}: {reached}; goal {asked}: {'met' if figure.met else 'NOT met'}"


def render(results: list[SectionResult]) -> str:
    """Each section's table, then one verdict line per figure that has a goal."""
    parts = []
    for result in results:
        parts += [f"== {result.name} ==", table(result.headers, result.rows), ""]
        parts += [verdict(f) for f in result.figures if f.goal is not None]
        parts.append("")
    return "\n".join(parts)


def document(config: Config, environment: dict[str, Any], results: list[SectionResult]) -> dict[str, Any]:
    """``machine``, ``versions``, ``data`` and ``figures`` as the tracker reads them, plus the raw runs."""
    versions = dict(environment["versions"])
    for result in results:
        versions.update(result.versions)
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": environment["machine"],
        "versions": versions,
        "data": {"quick": config.quick, "database": environment["database"], **{r.name: r.data for r in results}},
        "figures": [f.as_json() for r in results for f in r.figures],
        "runs": [run for r in results for run in r.runs],
    }


def write(path: Path, body: dict[str, Any]) -> None:
    """Write whole or not at all: a reader never sees half a results file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".json.tmp")
    scratch.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    scratch.replace(path)
