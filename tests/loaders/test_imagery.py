"""Orthophoto → COG: layout, transparency, and the datum shift pinned to EPSG:6960 (no database needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rasterio.warp import transform as rio_transform
from shapely.geometry import box

from fixtures.orthophoto import write_orthophoto
from gis_server.errors import DataRejected, UsageError
from layers.crs import transformer
from loaders.imagery import cog_info, is_cog, overview_count, to_cog

# DOMAIN.md §1 reference point: Tân Sơn Nhất, WGS84 ↔ VN-2000 / TM-3 105°45'.
REF_LON, REF_LAT = 106.6519, 10.8188
REF_E, REF_N = 598_424.40, 1_196_560.86
SMALL = (598_100.0, 1_196_200.0, 598_700.0, 1_196_800.0)  # 600 × 600 m
MARKER_WINDOW = (REF_E - 50, REF_N - 50, REF_E + 50, REF_N + 50)  # 100 × 100 m at 0.25 m


def _ref_3857() -> tuple[float, float]:
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(REF_LON, REF_LAT)
    return float(x), float(y)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".tmp" in p.name or p.name.startswith("."))


@pytest.fixture(scope="module")
def small_cog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    tmp = tmp_path_factory.mktemp("small")
    src = write_orthophoto(tmp / "small.tif", bounds_vn2000=SMALL, resolution=1.0)
    return tmp / "small_cog.tif", to_cog(src, tmp / "small_cog.tif", src_crs="vn2000-hcm")


@pytest.fixture(scope="module")
def marker_cogs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same marked window under each tag, converted; 'none' and 'no-datum-shift' need --crs vn2000-hcm."""
    tmp = tmp_path_factory.mktemp("marker")
    marker = box(REF_E - 1.0, REF_N - 1.0, REF_E + 1.0, REF_N + 1.0)
    out = {}
    for tag in ("no-datum-shift", "epsg9210", "none"):
        src = write_orthophoto(
            tmp / f"{tag}.tif", bounds_vn2000=MARKER_WINDOW, resolution=0.25, tag=tag, features=[marker]
        )
        crs = None if tag == "epsg9210" else "vn2000-hcm"
        out[tag] = to_cog(src, tmp / f"{tag}_cog.tif", src_crs=crs).path
    return out


def test_output_is_a_web_mercator_cog(small_cog) -> None:
    path, info = small_cog
    assert is_cog(path)
    assert info.crs == "EPSG:3857" and info.bands == 3 and info.dtype == "uint8"
    assert len(info.overviews) >= 2 and info.overviews[:2] == (2, 4)
    with rasterio.open(path) as ds:
        assert ds.profile["tiled"] and ds.block_shapes[0] == (512, 512)
        assert ds.tags(ns="IMAGE_STRUCTURE")["COMPRESSION"] == "YCbCr JPEG"
    assert 1.0 < info.resolution < 1.03  # 1 m on the ground ≈ 1/cos(10.8°) Web Mercator metres
    assert info.ground_resolution == pytest.approx(1.0, abs=0.01)
    assert cog_info(path) == info


def test_bounds_are_the_district_window(small_cog) -> None:
    _, info = small_cog
    lon0, lat0, lon1, lat1 = info.bounds_wgs84
    assert 106.64 < lon0 < lon1 < 106.66 and 10.81 < lat0 < lat1 < 10.83
    xs, ys = transformer(9210, 3857).transform([SMALL[0], SMALL[2]], [SMALL[1], SMALL[3]])
    assert info.bounds_3857 == pytest.approx((xs[0], ys[0], xs[1], ys[1]), abs=3.0)


def test_outside_the_source_footprint_is_transparent(small_cog) -> None:
    """TM-3 grid north is rotated ~0.17° from Mercator north, so the footprint's corners leave transparent slivers."""
    path, info = small_cog
    xmin, ymin, xmax, ymax = SMALL
    xs, ys = transformer(9210, 3857).transform([xmin, xmax, xmax, xmin], [ymin, ymin, ymax, ymax])
    footprint = shapely.Polygon(zip(xs, ys, strict=True))
    with rasterio.open(path) as ds:
        mask = ds.dataset_mask()
        rows, cols = np.indices(mask.shape)
        cx, cy = rasterio.transform.xy(ds.transform, rows.ravel(), cols.ravel())
    centres = np.column_stack([cx, cy])
    inside = shapely.contains_xy(footprint.buffer(-1.5 * info.resolution), centres[:, 0], centres[:, 1])
    outside = ~shapely.contains_xy(footprint.buffer(1.5 * info.resolution), centres[:, 0], centres[:, 1])
    assert outside.sum() > 10  # the slivers exist (a couple of pixels per corner at 1 m) …
    assert (mask.ravel()[outside] == 0).all()  # … and are transparent
    assert (mask.ravel()[inside] == 255).all()


def test_source_nodata_becomes_transparent(tmp_path: Path) -> None:
    """An orthophoto mosaic's nodata (here 0 over its north-west 200 × 200 m) must not turn into black tiles."""
    src = write_orthophoto(tmp_path / "o.tif", bounds_vn2000=SMALL, resolution=1.0)
    with rasterio.open(src, "r+") as ds:
        ds.nodata = 0
        ds.write(np.zeros((3, 200, 200), dtype=np.uint8), window=rasterio.windows.Window(0, 0, 200, 200))
    info = to_cog(src, tmp_path / "cog.tif", src_crs="vn2000-hcm")
    with rasterio.open(info.path) as ds:
        mask = ds.dataset_mask()
        assert ds.nodata is None and ds.count == 3
        xs, ys = transformer(9210, 3857).transform([SMALL[0] + 100, SMALL[0] + 400], [SMALL[3] - 100, SMALL[3] - 400])
        (r0, r1), (c0, c1) = rasterio.transform.rowcol(ds.transform, xs, ys)
        assert mask[r0 - 20 : r0 + 20, c0 - 20 : c0 + 20].max() == 0  # inside the nodata block
        assert mask[r1 - 20 : r1 + 20, c1 - 20 : c1 + 20].min() == 255  # image


def _marker_centre(path: Path) -> tuple[float, float, float]:
    """3857 centre of the burned white block (bright and opaque pixels), and the pixel size."""
    with rasterio.open(path) as ds:
        rgb = ds.read().astype(int)
        bright = (rgb.min(axis=0) > 240) & (ds.dataset_mask() == 255)
        rows, cols = np.nonzero(bright)
        assert 40 < len(rows) < 100  # ~ (2 m / 0.255 m)² pixels
        x, y = rasterio.transform.xy(ds.transform, rows.mean(), cols.mean())
        return float(x), float(y), float(ds.res[0])


def test_marker_lands_on_the_wgs84_reference_point(marker_cogs) -> None:
    ex, ey = _ref_3857()
    x, y, res = _marker_centre(marker_cogs["no-datum-shift"])
    assert np.hypot(x - ex, y - ey) < res  # within one output pixel (0.25 m on the ground)


def test_marker_is_not_where_unpinned_transformations_put_it(marker_cogs) -> None:
    """PROJ's own choice for EPSG:9210 (EPSG:5194) is ~0.8 m off; reading TM-3 as WGS84 is ~225 m off."""
    x, y, res = _marker_centre(marker_cogs["epsg9210"])
    (px,), (py,) = rio_transform("EPSG:9210", "EPSG:3857", [REF_E], [REF_N])
    no_shift = "+proj=tmerc +lon_0=105.75 +k=0.9999 +x_0=500000 +datum=WGS84 +units=m"
    (nx,), (ny,) = rio_transform(no_shift, "EPSG:3857", [REF_E], [REF_N])
    assert 0.6 < np.hypot(px - x, py - y) < 1.0 and np.hypot(px - x, py - y) > 2 * res
    assert 200 < np.hypot(nx - x, ny - y) < 250


def test_tags_give_identical_output(marker_cogs) -> None:
    arrays = {}
    for tag, path in marker_cogs.items():
        with rasterio.open(path) as ds:
            arrays[tag] = (ds.transform, ds.read(), ds.dataset_mask())
    reference = arrays["no-datum-shift"]
    for tag in ("epsg9210", "none"):
        assert arrays[tag][0] == reference[0]
        assert np.array_equal(arrays[tag][1], reference[1]) and np.array_equal(arrays[tag][2], reference[2])


def test_no_crs_is_refused_with_the_flag(tmp_path: Path) -> None:
    src = write_orthophoto(tmp_path / "untagged.tif", bounds_vn2000=SMALL, resolution=4.0, tag="none")
    with pytest.raises(UsageError) as exc:
        to_cog(src, tmp_path / "out" / "cog.tif")
    message = exc.value.user_message
    assert "untagged.tif" in message and "--crs vn2000-hcm" in message and "look like VN-2000" in message
    assert "\n" not in message
    assert not (tmp_path / "out" / "cog.tif").exists() and _leftovers(tmp_path / "out") == []


def test_explicit_epsg_9210_is_pinned_too(tmp_path: Path, marker_cogs) -> None:
    src = write_orthophoto(tmp_path / "untagged.tif", bounds_vn2000=MARKER_WINDOW, resolution=0.25, tag="none")
    info = to_cog(src, tmp_path / "cog.tif", src_crs="EPSG:9210")
    with rasterio.open(info.path) as ds, rasterio.open(marker_cogs["no-datum-shift"]) as ref:
        assert ds.transform == ref.transform


def test_bad_crs_override_is_a_usage_error(tmp_path: Path) -> None:
    src = write_orthophoto(tmp_path / "o.tif", bounds_vn2000=SMALL, resolution=4.0)
    with pytest.raises(UsageError, match="--crs"):
        to_cog(src, tmp_path / "cog.tif", src_crs="not-a-crs")


@pytest.mark.parametrize("content", [b"this is not an image\n" * 50, b"II*\x00" + bytes(range(256)) * 8, b""])
def test_garbage_is_rejected_in_one_line(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "garbage.tif"
    src.write_bytes(content)
    with pytest.raises(DataRejected) as exc:
        to_cog(src, tmp_path / "cog.tif")
    assert "garbage.tif" in exc.value.user_message and "\n" not in exc.value.user_message
    assert not (tmp_path / "cog.tif").exists() and _leftovers(tmp_path) == []


def test_truncated_geotiff_is_rejected(tmp_path: Path) -> None:
    src = write_orthophoto(tmp_path / "cut.tif", bounds_vn2000=SMALL, resolution=1.0)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataRejected) as exc:
        to_cog(src, tmp_path / "cog.tif", src_crs="vn2000-hcm")
    assert "cut.tif" in exc.value.user_message and "\n" not in exc.value.user_message
    assert not (tmp_path / "cog.tif").exists() and _leftovers(tmp_path) == []


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        to_cog(tmp_path / "nope.tif", tmp_path / "cog.tif")


def test_rewrite_replaces_the_destination(tmp_path: Path, small_cog) -> None:
    dst = tmp_path / "cog.tif"
    dst.write_bytes(b"old")
    src = write_orthophoto(tmp_path / "o.tif", bounds_vn2000=SMALL, resolution=4.0)
    info = to_cog(src, dst, src_crs="vn2000-hcm")
    assert is_cog(dst) and info.sha256 != small_cog[1].sha256 and _leftovers(tmp_path) == []


def test_plain_geotiff_is_not_a_cog(tmp_path: Path) -> None:
    src = write_orthophoto(tmp_path / "o.tif", bounds_vn2000=SMALL, resolution=1.0)
    assert not is_cog(src)
    assert not is_cog(tmp_path / "missing.tif")


def test_overview_count_reaches_one_web_tile() -> None:
    assert overview_count(256, 100) == 0
    assert overview_count(600, 611) == 2
    assert overview_count(40_000, 30_000) == 8


def test_fixture_is_deterministic(tmp_path: Path) -> None:
    def pixels(name: str, seed: int) -> bytes:
        path = write_orthophoto(tmp_path / name, seed=seed, bounds_vn2000=SMALL, resolution=2.0)
        with rasterio.open(path) as ds:
            return ds.read().tobytes()

    assert pixels("a.tif", 7) == pixels("b.tif", 7)
    assert pixels("a.tif", 7) != pixels("c.tif", 8)


def test_fixture_default_window_is_small(tmp_path: Path) -> None:
    path = write_orthophoto(tmp_path / "default.tif")
    with rasterio.open(path) as ds:
        assert (ds.width, ds.height, ds.count, ds.res) == (1000, 1000, 3, (2.0, 2.0))
        assert ds.crs is not None and "towgs84" not in ds.crs.to_proj4()
        left, bottom, right, top = ds.bounds
        assert left < 598_400 < right and bottom < 1_196_500 < top
        assert ds.read().std() > 20  # textured, not flat
    assert path.stat().st_size < 5_000_000


def test_fixture_burns_outlines(tmp_path: Path) -> None:
    parcel = box(598_300, 1_196_300, 598_320, 1_196_340)
    path = write_orthophoto(
        tmp_path / "o.tif", bounds_vn2000=SMALL, resolution=1.0, features=[(parcel.boundary, (255, 0, 255))]
    )
    with rasterio.open(path) as ds:
        rgb = ds.read()
        magenta = (rgb[0] == 255) & (rgb[1] == 0) & (rgb[2] == 255)
        row, col = ds.index(598_310, 1_196_320)
    assert 100 < magenta.sum() < 140  # the 120 m perimeter at 1 m, not the filled 800 m²
    assert not magenta[row, col]


def test_tm3_tag_without_datum_shift_is_refused_with_the_flag(tmp_path: Path) -> None:
    """The vector loader's rule holds for imagery too: a .prj-style TM-3 without the shift is never guessed."""
    src = write_orthophoto(tmp_path / "o.tif", bounds_vn2000=SMALL, resolution=4.0, tag="no-datum-shift")
    with pytest.raises(UsageError, match="--crs vn2000-hcm"):
        to_cog(src, tmp_path / "cog.tif")
