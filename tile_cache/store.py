"""Where rendered tiles live: a file store under GIS_TILE_CACHE_DIR (shared by every process on the machine).

Keys are built only from validated addresses (registry ids and integers), so
no request can name a path. Writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from tile_cache.grid import TileAddress, TileRange


def root() -> Path:
    return Path(settings.GIS_TILE_CACHE_DIR)


def path_of(tile: TileAddress) -> Path:
    return root() / tile.tileset.id / str(tile.z) / str(tile.x) / f"{tile.y}.mvt"


def get(tile: TileAddress) -> bytes | None:
    try:
        return path_of(tile).read_bytes()
    except FileNotFoundError:
        return None


def put(tile: TileAddress, data: bytes) -> Path:
    target = path_of(tile)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, target)
    return target


def delete(tile: TileAddress) -> None:
    path_of(tile).unlink(missing_ok=True)


def int_children(folder: Path, suffix: str = "") -> Iterator[tuple[int, Path]]:
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        stem = child.name.removesuffix(suffix)
        if stem.isdigit() and child.name.endswith(suffix):
            yield int(stem), child


def delete_tiles(zoom_dir: Path, tiles: TileRange, suffix: str) -> int:
    """Delete the files ``<zoom_dir>/<x>/<y><suffix>`` inside ``tiles``; walks only what is cached."""
    deleted = 0
    for x, column in int_children(zoom_dir):
        if x not in tiles.xs:
            continue
        for y, file in int_children(column, suffix):
            if y in tiles.ys:
                file.unlink(missing_ok=True)
                deleted += 1
    return deleted


def delete_range(tileset_id: str, tiles: TileRange) -> int:
    """Delete the cached vector tiles of ``tileset_id`` inside ``tiles``."""
    return delete_tiles(root() / tileset_id / str(tiles.z), tiles, ".mvt")
