"""A Shapefile is several files: one missing is told as such before GDAL reads what is left; what a .zip holds.

Without its ``.dbf`` GDAL reads the geometries alone, and the loader then
said a required column was missing; without its ``.shx`` GDAL's error
suggests one of its own configuration options. A ``.zip`` with no Shapefile
in it got GDAL's "not recognized". Each is a file that did not travel with
the others: the message says which, and that copying it fixes the load.

A ``.zip`` is read where its data is: a Shapefile's folder inside it (zipping
a folder puts the files one level down, where GDAL does not look), or the
one File Geodatabase or GeoPackage it holds.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from gis_server.errors import DataRejected

REQUIRED = (".shx", ".dbf")  # the .prj is optional: a missing CRS has its own message


def check_parts(path: Path) -> None:
    """Refuse a ``.shp`` or ``.zip`` whose Shapefile lacks a part; other files pass untouched."""
    suffix = path.suffix.lower()
    if suffix == ".shp":
        _check_members(path.name, path.name, [p.name for p in path.parent.iterdir()])
    elif suffix == ".zip" and zipfile.is_zipfile(path):
        names = members(path)
        shapefiles = _shapefiles(names)
        if not shapefiles and _dataset(names) is None:
            listed = ", ".join(PurePosixPath(name).name for name in names[:10]) or "nothing"
            raise DataRejected(
                f"{path.name}: the .zip holds no Shapefile, File Geodatabase or GeoPackage (it has: {listed}); "
                "zip the .shp with its .shx, .dbf and .prj, or the .gdb folder"
            )
        for shapefile in shapefiles:
            _check_members(path.name, shapefile, names)


def _check_members(label: str, shapefile: str, names: list[str]) -> None:
    """``names``: the files beside the ``.shp`` (or in its ``.zip``); ``label``: the file the person named."""
    stem = shapefile[: -len(".shp")]
    present = {name.lower() for name in names}
    missing = [f"{PurePosixPath(stem).name}{part}" for part in REQUIRED if f"{stem}{part}".lower() not in present]
    if missing:
        what = " and ".join(missing)
        which = "it" if label == shapefile else f"{PurePosixPath(shapefile).name} in the .zip"
        raise DataRejected(
            f"{label}: {what} missing, without which {which} cannot be read (a Shapefile is several files: "
            f".shp, .shx, .dbf, .prj); copy {what} with it"
        )


def members(path: Path) -> list[str]:
    """The files in a ``.zip`` (folders left out); none when it is not a readable zip."""
    if not zipfile.is_zipfile(path):
        return []
    with zipfile.ZipFile(path) as archive:
        return [name for name in archive.namelist() if not name.endswith("/")]


def shapefiles_in(path: Path) -> list[str]:
    """The ``.shp`` members of a ``.zip``, with their folders inside it."""
    return _shapefiles(members(path))


def _shapefiles(names: list[str]) -> list[str]:
    return [name for name in names if name.lower().endswith(".shp")]


ZIPPED_FILES = (".gpkg", ".geojson", ".json")


def zipped_dataset(path: Path) -> str | None:
    """The one File Geodatabase folder or GeoPackage/GeoJSON file a ``.zip`` holds (as ESRI exports a .gdb)."""
    return _dataset(members(path))


def _dataset(names: list[str]) -> str | None:
    databases = {name[: name.lower().index(".gdb/") + 4] for name in names if ".gdb/" in name.lower()}
    files = [name for name in names if name.lower().endswith(ZIPPED_FILES)]
    found = [*databases, *files]
    return found[0] if len(found) == 1 else None
