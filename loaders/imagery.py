"""Orthophotos → Cloud-Optimized GeoTIFF in Web Mercator, through the pinned VN-2000 datum shift.

Orthophotos of HCMC arrive in VN-2000 / TM-3 105°45' and are usually tagged
incompletely: the projection on the WGS84 ellipsoid with no datum shift
(read literally, ~225 m off), or EPSG:9210 (PROJ then picks EPSG:5194, 0.8 m
off), or nothing at all. Every such source is warped from
:data:`layers.crs.VN2000_PROJ4` (EPSG:6960 bound in), so the image sits where
the vector layers — transformed by the same definition — sit. An untagged file
is refused rather than guessed (DOMAIN.md §1).

The output is written with GDAL's own ``COG`` driver (GDAL ≥ 3.1): it tiles,
builds the internal overviews and lays the file out as a COG, so no extra
package (rio-cogeo) is needed.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rasterio
import rasterio.shutil
from pyproj import CRS as ProjCRS
from rasterio._err import CPLE_BaseError
from rasterio.crs import CRS
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import RasterioError
from rasterio.io import DatasetReader
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds

from gis_server.errors import DataRejected, UsageError
from layers import crs as vn
from loaders.reproject import parse_crs, pin_vn2000_datum, refuse_incomplete

Bounds = tuple[float, float, float, float]

WEB_MERCATOR = "EPSG:3857"
BLOCK_SIZE = 512
# Overviews go down until the whole image fits one 256-px web tile, so the lowest zooms read a few KB.
SMALLEST_OVERVIEW = 256
JPEG_QUALITY = 90
# The TM-3 105°45' of VN-2000 (EPSG:9210): any source carrying these parameters is VN-2000, whatever its datum says.
_TM3_HCM = {
    "Latitude of natural origin": 0.0,
    "Longitude of natural origin": 105.75,
    "Scale factor at natural origin": 0.9999,
    "False easting": 500_000.0,
    "False northing": 0.0,
}
_WGS84_ELLIPSOID = (6_378_137.0, 298.257223563)
_READ_ERRORS = (RasterioError, CPLE_BaseError)


@dataclass(frozen=True)
class CogInfo:
    """What the loader records about a converted image (``gis_raster`` row and load report)."""

    path: Path
    sha256: str
    width: int
    height: int
    bands: int
    dtype: str
    crs: str
    bounds_3857: Bounds
    bounds_wgs84: Bounds  # lon/lat
    resolution: float  # Web Mercator metres per pixel (what tiles are computed in)
    ground_resolution: float  # true metres per pixel at the image centre (Mercator scale 1/cos φ removed)
    overviews: tuple[int, ...]  # decimation factors, e.g. (2, 4, 8)


def to_cog(src: Path, dst: Path, *, src_crs: str | None = None) -> CogInfo:
    """Convert ``src`` into a COG at ``dst`` (EPSG:3857), warping from the pinned VN-2000 where the source is VN-2000.

    ``src_crs`` (the CLI's ``--crs``: 'vn2000-hcm', 'EPSG:n' or a PROJ string) overrides the file's own CRS.
    The COG is written to a temporary file beside ``dst`` and renamed into place, so a reader (the tile
    server) never sees half a file and a failed conversion leaves nothing behind.
    """
    if not src.is_file():
        raise UsageError(f"{src}: no such file")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with _open_source(src) as dataset:
        crs = _source_crs(dataset, src_crs, src.name)
        with _temporary_beside(dst) as tmp:
            try:
                with _warped(dataset, crs) as vrt:
                    rasterio.shutil.copy(vrt, tmp, driver="COG", **_cog_options(vrt))
            except _READ_ERRORS as exc:
                raise DataRejected(f"{src.name}: cannot be converted ({_one_line(exc)})") from exc
            os.replace(tmp, dst)
    return cog_info(dst)


def cog_info(path: Path) -> CogInfo:
    """Describe an existing COG; the SHA-256 is of the file itself, so a served image can be checked against it."""
    with rasterio.open(path) as ds:
        bounds = (ds.bounds.left, ds.bounds.bottom, ds.bounds.right, ds.bounds.top)
        west, south, east, north = transform_bounds(ds.crs, "EPSG:4326", *bounds) if ds.crs else bounds
        lon_lat = (float(west), float(south), float(east), float(north))
        resolution = float(ds.res[0])
        epsg = ds.crs.to_epsg() if ds.crs else None
        return CogInfo(
            path=path,
            sha256=_sha256(path),
            width=ds.width,
            height=ds.height,
            bands=ds.count,
            dtype=str(ds.dtypes[0]),
            crs=f"EPSG:{epsg}" if epsg else (ds.crs.to_string() if ds.crs else ""),
            bounds_3857=bounds,
            bounds_wgs84=lon_lat,
            resolution=resolution,
            ground_resolution=resolution * math.cos(math.radians((lon_lat[1] + lon_lat[3]) / 2)),
            overviews=tuple(ds.overviews(1)),
        )


def is_cog(path: Path) -> bool:
    """True for a tiled GeoTIFF in COG layout with internal overviews (none needed when it fits one block).

    GDAL ≥ 3.1 reports ``LAYOUT=COG`` in the IMAGE_STRUCTURE domain only when the file starts with the COG
    ghost header and its tiles and overviews are ordered for HTTP range reads.
    """
    try:
        with rasterio.open(path) as ds:
            if ds.driver != "GTiff" or ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") != "COG":
                return False
            if not ds.profile.get("tiled"):
                return False
            block_rows, block_cols = ds.block_shapes[0]
            fits_one_block = ds.width <= block_cols and ds.height <= block_rows
            return fits_one_block or bool(ds.overviews(1))
    except _READ_ERRORS:
        return False


@contextmanager
def _open_source(src: Path) -> Iterator[DatasetReader]:
    """Open the source as a georeferenced raster; anything else is rejected in one line."""
    try:
        dataset = rasterio.open(src)
    except _READ_ERRORS as exc:
        raise DataRejected(f"{src.name}: not a readable raster image ({_one_line(exc)})") from exc
    with dataset:
        if dataset.transform.is_identity and not dataset.gcps[0]:
            raise DataRejected(f"{src.name}: the image has no georeferencing (no geotransform); nothing was loaded")
        yield dataset


def _source_crs(dataset: DatasetReader, override: str | None, filename: str) -> CRS:
    """The CRS to warp from: ``--crs`` wins, then the file's own; VN-2000 TM-3 in any guise becomes the pinned one."""
    if override:
        return _pinned(parse_crs(override))
    if dataset.crs is None:
        raise UsageError(_no_crs_message(dataset, filename))
    declared = ProjCRS.from_user_input(dataset.crs.to_wkt())
    refuse_incomplete(declared, filename)  # the same rule as for vector files: never guess the datum
    return _pinned(declared)


def _no_crs_message(dataset: DatasetReader, filename: str) -> str:
    """One line naming the file and ``--crs vn2000-hcm``, saying so when the bounds look like Tân Bình in VN-2000."""
    left, bottom, right, top = dataset.bounds
    xmin, ymin, xmax, ymax = vn.TAN_BINH_VN2000_BOUNDS
    margin = 5_000.0
    looks = left > xmin - margin and right < xmax + margin and bottom > ymin - margin and top < ymax + margin
    if looks:
        return (
            f"{filename}: no coordinate system, and its bounds look like VN-2000 / TM-3 105°45' in Tân Bình; "
            "if they are, say so with --crs vn2000-hcm"
        )
    return (
        f"{filename}: no coordinate system; give it with --crs vn2000-hcm (VN-2000 / TM-3 105°45') or --crs EPSG:<code>"
    )


def _pinned(source: ProjCRS) -> CRS:
    """Replace any VN-2000 TM-3 105°45' (EPSG:9210, no-shift, wrong-sign shift) by the pinned definition."""
    if _is_tm3_hcm(source):
        return CRS.from_proj4(vn.VN2000_PROJ4)
    return CRS.from_wkt(pin_vn2000_datum(source).to_wkt())


def _is_tm3_hcm(source: ProjCRS) -> bool:
    """Transverse Mercator 105°45' k 0.9999 on the WGS84 ellipsoid — VN-2000's cadastral zone, whatever the datum name.

    A bound CRS is unwrapped too: a TOWGS84 copied with the published (coordinate-frame) signs is 0.55 m off.
    """
    base = source.source_crs if source.is_bound and source.source_crs is not None else source
    operation = base.coordinate_operation
    if not base.is_projected or operation is None or "Transverse Mercator" not in operation.method_name:
        return False
    params = {p.name: float(p.value) for p in operation.params if isinstance(p.value, int | float)}
    if any(not math.isclose(params.get(k, math.nan), v, abs_tol=1e-9) for k, v in _TM3_HCM.items()):
        return False
    ellipsoid = base.ellipsoid
    if ellipsoid is None:
        return False
    return math.isclose(ellipsoid.semi_major_metre, _WGS84_ELLIPSOID[0], abs_tol=1e-3) and math.isclose(
        ellipsoid.inverse_flattening, _WGS84_ELLIPSOID[1], abs_tol=1e-6
    )


def _is_paletted(dataset: DatasetReader) -> bool:
    return dataset.count == 1 and dataset.colorinterp[0] == ColorInterp.palette


def _warped(dataset: DatasetReader, crs: CRS) -> WarpedVRT:
    """The source seen in Web Mercator, with everything outside the image (or its nodata/alpha) transparent.

    Paletted images are resampled by nearest neighbour (indices cannot be averaged); photos bilinearly.
    Transparency is an alpha band, except for non-8-bit rasters that already declare nodata (DEMs), which
    keep it; an 8-bit RGB alpha becomes an internal JPEG-friendly mask in the COG.
    """
    resampling = Resampling.nearest if _is_paletted(dataset) else Resampling.bilinear
    options: dict[str, Any] = {"crs": WEB_MERCATOR, "src_crs": crs, "resampling": resampling}
    alpha = [i for i, ci in enumerate(dataset.colorinterp, start=1) if ci == ColorInterp.alpha]
    if alpha:
        options.update(src_alpha=alpha[0], dst_alpha=alpha[0])
    elif dataset.nodata is None or dataset.dtypes[0] == "uint8":
        options.update(add_alpha=True)
    return WarpedVRT(dataset, **options)


def _cog_options(vrt: WarpedVRT) -> dict[str, Any]:
    """COG creation options: JPEG (YCbCr, alpha → mask) for 8-bit RGB photos, lossless DEFLATE for anything else."""
    colour = [ci for ci in vrt.colorinterp if ci != ColorInterp.alpha]
    photo = vrt.dtypes[0] == "uint8" and colour == [ColorInterp.red, ColorInterp.green, ColorInterp.blue]
    paletted = ColorInterp.palette in colour
    options: dict[str, Any] = {"BLOCKSIZE": BLOCK_SIZE, "NUM_THREADS": "ALL_CPUS", "BIGTIFF": "IF_SAFER"}
    if photo:
        options.update(COMPRESS="JPEG", QUALITY=JPEG_QUALITY, OVERVIEW_RESAMPLING="AVERAGE")
    else:
        options.update(COMPRESS="DEFLATE", PREDICTOR="NO" if paletted else "YES")
        options.update(OVERVIEW_RESAMPLING="NEAREST" if paletted else "AVERAGE")
    count = overview_count(vrt.width, vrt.height)
    if count:
        options["OVERVIEW_COUNT"] = count
    else:
        options["OVERVIEWS"] = "NONE"
    return options


def overview_count(width: int, height: int) -> int:
    """Halvings until the image fits one 256-px web tile (GDAL's default stops at one 512 block, one level short)."""
    size, count = max(width, height), 0
    while size > SMALLEST_OVERVIEW:
        size, count = math.ceil(size / 2), count + 1
    return count


@contextmanager
def _temporary_beside(dst: Path) -> Iterator[Path]:
    """A fresh temporary path in ``dst``'s directory (same filesystem, so the final rename is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{dst.stem}.", suffix=".tmp.tif", dir=dst.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _one_line(exc: BaseException) -> str:
    """GDAL messages can span lines and carry full paths; the CLI prints one short line."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."
