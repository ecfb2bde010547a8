"""`gis load imagery FILE.tif`: convert to a Cloud-Optimized GeoTIFF and make it the layer's served image.

The COG is written under ``GIS_DATA_DIR/rasters/<layer>/``; the switch from
the previous image to the new one is one database transaction, and earlier
files are kept so `gis loads rollback` can switch back.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import transaction

from gis_server.errors import UsageError
from layers.crs import transformer
from layers.models import Load, RasterDataset
from loaders import history
from tile_cache.purge import purge_on_commit

if TYPE_CHECKING:
    from loaders.pipeline import Checked, LoadOptions, LoadResult


def raster_dir(layer_id: str) -> Path:
    return Path(settings.GIS_DATA_DIR) / "rasters" / layer_id


def load_raster(layer_id: str, path: Path, options: LoadOptions) -> LoadResult:
    return check_raster(layer_id, path, options).finish()


def check_raster(layer_id: str, path: Path, options: LoadOptions) -> Checked:
    """Convert the image to its COG (the part that can fail on the data); registering it is the write."""
    from loaders.imagery import to_cog
    from loaders.pipeline import Checked, LoadResult, unchanged

    if not path.exists():
        raise UsageError(f"{path}: no such file")
    digest = history.sha256(path)
    previous = None if options.force else history.unchanged_since(layer_id, digest)
    if previous is not None:
        return Checked(unchanged(layer_id, path, previous))
    target = raster_dir(layer_id) / f"{digest[:16]}.tif"
    target.parent.mkdir(parents=True, exist_ok=True)
    info = to_cog(path, target, src_crs=options.crs)
    counts = _counts(info)
    if options.dry_run:
        target.unlink(missing_ok=True)
        return Checked(
            LoadResult(layer_id, str(path), None, "dry-run", counts, message=f"{layer_id}: {path.name} converts")
        )
    placeholder = LoadResult(layer_id, str(path), None, "checked", counts)
    return Checked(placeholder, partial(_register, layer_id, path, digest, target, info, options))


def _register(layer_id: str, path: Path, digest: str, target: Path, info: Any, options: LoadOptions) -> LoadResult:
    """Make the converted image the layer's served one, in one transaction with its load record."""
    from loaders.pipeline import LoadResult

    counts = _counts(info)
    notes: dict[str, Any] = {}
    bounds = Polygon.from_bbox(info.bounds_3857)
    bounds.srid = 3857
    with transaction.atomic():
        load = history.begin(layer_id, str(path), digest, "replace", options.recorded())
        RasterDataset.objects.filter(layer=layer_id, active=True).update(active=False)
        RasterDataset.objects.create(
            layer=layer_id, path=str(target), source_sha256=digest, width=info.width, height=info.height,
            bands=info.bands, resolution=info.resolution, bounds=bounds, load_id=load.pk, active=True,
        )  # fmt: skip
        history.finish(load, "done", counts, {"cog": str(target), "overviews": list(info.overviews)}, None)
        extent = _vn2000_box(info.bounds_3857)
        Load.objects.filter(pk=load.pk).update(changed_extent=extent)
        purge_on_commit(layer_id, extent, notes)
    message = f"{layer_id}: {path.name} → {target.name} ({info.width}×{info.height}, load {load.pk})"
    if "tile_purge" in notes:
        message += f"; but {notes['tile_purge']}"
    return LoadResult(layer_id, str(path), load.pk, "done", counts, notes=notes, message=message)


def _counts(info: Any) -> dict[str, int]:
    return {"width": info.width, "height": info.height, "bands": info.bands, "overviews": len(info.overviews)}


def _vn2000_box(bounds_3857: tuple[float, float, float, float]) -> Polygon:
    """The image's extent in VN-2000 (the pinned transformation), for the load record and tile purges."""
    xmin, ymin, xmax, ymax = bounds_3857
    xs, ys = transformer(3857, 9210).transform([xmin, xmax, xmax, xmin], [ymin, ymin, ymax, ymax])
    box = Polygon.from_bbox((min(xs), min(ys), max(xs), max(ys)))
    box.srid = 9210
    return box


def rollback_raster(load: Load) -> dict[str, int]:
    """Switch the layer back to the image that was active before ``load``."""
    current = RasterDataset.objects.filter(layer=load.layer, load_id=load.pk).first()
    if current is None:
        return {"removed": 0, "restored": 0}
    if RasterDataset.objects.filter(layer=load.layer, load_id__gt=load.pk).exists():
        later = RasterDataset.objects.filter(layer=load.layer, load_id__gt=load.pk).values_list("load_id", flat=True)
        names = ", ".join(map(str, later))
        raise UsageError(f"load(s) {names} replaced the image of load {load.pk} later; roll back {names} first")
    earlier = RasterDataset.objects.filter(layer=load.layer, load_id__lt=load.pk).order_by("-load_id").first()
    current.delete()
    if earlier is not None:
        earlier.active = True
        earlier.save(update_fields=["active"])
    return {"removed": 1, "restored": int(earlier is not None)}
