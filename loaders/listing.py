"""`gis loads list` and `gis loads show`: the load history as people and scripts read it."""

from __future__ import annotations

from typing import Any

from gis_server.errors import UsageError
from layers.models import Load
from loaders.prune import PRUNED


def _summary(load: Load) -> dict[str, Any]:
    return {
        "id": load.pk,
        "layer": load.layer,
        "mode": load.mode,
        "status": load.status,
        "source": load.source,
        "sha256": load.sha256,
        "user": load.user,
        "started_at": load.started_at.isoformat(),
        "finished_at": load.finished_at.isoformat() if load.finished_at else None,
        "counts": load.counts,
        "changed_extent": list(load.changed_extent.extent) if load.changed_extent else None,
        "archive_pruned_at": load.report.get(PRUNED),  # no rollback any more
    }


def _line(item: dict[str, Any]) -> str:
    counts = " ".join(f"{k}={v}" for k, v in item["counts"].items())
    when = item["started_at"][:19].replace("T", " ")
    status = f"{item['status']}, pruned" if item["archive_pruned_at"] else item["status"]
    return f"{item['id']:>5}  {when}  {item['layer']:16} {item['mode']:8} {status:12} {counts}  {item['source']}"


def list_loads(layer: str | None, limit: int) -> dict[str, Any]:
    query = Load.objects.order_by("-id")
    if layer:
        query = query.filter(layer=layer)
    items = [_summary(load) for load in query[: max(1, limit)]]
    lines = [_line(item) for item in items] or ["no loads yet"]
    return {"status": "done", "loads": items, "message": "\n".join(lines)}


# Findings printed per kind; --json has them all.
SHOWN = 50


def _findings(title: str, found: list[dict[str, Any]]) -> list[str]:
    if not found:
        return []
    lines = [f"{title} ({len(found)}):"]
    lines += [f"  feature {p['fid']}, field {p['field']}: {p['message']}" for p in found[:SHOWN]]
    if len(found) > SHOWN:
        lines.append(f"  … and {len(found) - SHOWN} more (--json shows all)")
    return lines


def show_load(load_id: int) -> dict[str, Any]:
    """One load in full: why it was refused, every rejected feature, every warning, what was repaired."""
    try:
        load = Load.objects.get(pk=load_id)
    except Load.DoesNotExist:
        raise UsageError(f"there is no load {load_id}; 'gis loads list' shows them") from None
    item = {**_summary(load), "options": load.options, "report": load.report}
    report = load.report
    lines = [_line(item), f"options: {load.options}"]
    if load.status == "rejected" and report.get("message"):
        lines.append(f"refused: {report['message']}")
    lines += _findings("rejected", report.get("problems", []))
    lines += _findings("warnings", report.get("warnings", []))
    repaired = report.get("repaired", [])
    if repaired:
        more = f" … and {len(repaired) - SHOWN} more" if len(repaired) > SHOWN else ""
        lines.append(f"repaired (made valid) ({len(repaired)}): features {', '.join(map(str, repaired[:SHOWN]))}{more}")
    return {"status": "done", **item, "message": "\n".join(lines)}
