"""Merge a run into the results file it is written to, so ``--only tiles`` keeps the load figures already there.

Figures and raw runs are keyed by name: this run's replace the file's, the
others stay. ``data`` is merged per section and ``versions`` per key; the
machine and the date are this run's. A file that cannot be read is replaced,
with a warning, rather than stopping a finished run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import say


def _by_name(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fresh = {entry.get("name") for entry in new}
    return [entry for entry in old if entry.get("name") not in fresh] + new


def previous(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        say(f"warning: {path} is unreadable ({error}); it is replaced, not merged")
        return {}
    return body if isinstance(body, dict) else {}


def merged(path: Path, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with what ``path`` holds from other sections (or other sizes) kept."""
    old = previous(path)
    if not old:
        return body
    return {
        **body,
        "versions": {**old.get("versions", {}), **body["versions"]},
        "data": {**old.get("data", {}), **body["data"]},
        "figures": _by_name(old.get("figures", []), body["figures"]),
        "runs": _by_name(old.get("runs", []), body["runs"]),
    }
