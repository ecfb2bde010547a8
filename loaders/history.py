"""Load records: who loaded what, from which file (SHA-256), how it went and what it changed."""

from __future__ import annotations

import getpass
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.utils import timezone

from layers.models import Load


def sha256(path: Path) -> str:
    """Digest of a file, or of a folder source (File Geodatabase) as its files' names and contents."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):  # type: ignore[misc]
                digest.update(block)
    return digest.hexdigest()


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def unchanged_since(layer_id: str, digest: str) -> Load | None:
    """The layer's latest successful load, if it came from a file with this digest."""
    latest = Load.objects.filter(layer=layer_id, status="done").exclude(mode="rollback").order_by("-id").first()
    return latest if latest is not None and latest.sha256 == digest else None


def reserve(cursor: Any) -> tuple[int, datetime]:
    """A load id and start time for a record written only when the load commits (a killed load leaves none)."""
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Load._meta.db_table])
    return int(cursor.fetchone()[0]), timezone.now()


def begin(
    layer_id: str,
    source: str,
    digest: str,
    mode: str,
    options: dict[str, Any],
    pk: int | None = None,
    started_at: datetime | None = None,
) -> Load:
    return Load.objects.create(
        pk=pk,
        layer=layer_id,
        source=source,
        sha256=digest,
        mode=mode,
        options=options,
        user=current_user(),
        started_at=started_at or timezone.now(),
    )


def finish(load: Load, status: str, counts: dict[str, int], report: dict[str, Any], extent: Any) -> None:
    load.status = status
    load.counts = counts
    load.report = report
    load.finished_at = timezone.now()
    load.changed_extent = _as_polygon(extent)
    load.save()


def _as_polygon(extent: Any) -> Polygon | None:
    """ST_Envelope gives a point or a line for degenerate extents; keep only real boxes."""
    if extent is None:
        return None
    geom = extent if isinstance(extent, GEOSGeometry) else GEOSGeometry(extent)
    if not isinstance(geom, Polygon):
        geom = geom.buffer(0.01).envelope
    return geom if isinstance(geom, Polygon) else None
