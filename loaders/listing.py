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


def show_load(load_id: int) -> dict[str, Any]:
    try:
        load = Load.objects.get(pk=load_id)
    except Load.DoesNotExist:
        raise UsageError(f"there is no load {load_id}; 'gis loads list' shows them") from None
    item = {**_summary(load), "options": load.options, "report": load.report}
    problems = load.report.get("problems", [])
    lines = [_line(item), f"options: {load.options}"]
    lines += [f"  feature {p['fid']}, field {p['field']}: {p['message']}" for p in problems[:50]]
    if len(problems) > 50:
        lines.append(f"  … and {len(problems) - 50} more (--json shows all)")
    return {"status": "done", **item, "message": "\n".join(lines)}
