"""The default tile store: one file per tile under GIS_TILE_CACHE_DIR, shared by every process on the machine.

Keys are built only from validated addresses (registry ids and integers), so
no request can name a path. Writes are atomic (temporary file + rename). The
generation is the identity of one small file that every purge replaces.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tile_cache.grid import TileAddress, TileRange

GENERATION_FILE = ".generation"


@dataclass(frozen=True)
class FileStore:
    root: Path

    def path_of(self, tile: TileAddress) -> Path:
        return self.root / tile.tileset.id / str(tile.z) / str(tile.x) / f"{tile.y}.mvt"

    def get(self, tile: TileAddress) -> bytes | None:
        try:
            return self.path_of(tile).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, tile: TileAddress, data: bytes) -> None:
        target = self.path_of(tile)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, data)

    def delete(self, tile: TileAddress) -> None:
        self.path_of(tile).unlink(missing_ok=True)

    def delete_range(self, tileset_id: str, tiles: TileRange) -> int:
        """Delete the cached tiles of ``tileset_id`` inside ``tiles``; walks only what is cached."""
        return delete_tiles(self.root / tileset_id / str(tiles.z), tiles, ".mvt")

    def clear(self, tileset_id: str) -> int:
        """Delete every cached tile of ``tileset_id``."""
        return clear_folder(self.root / tileset_id, ".mvt")

    def count(self, tileset_id: str) -> tuple[int, int]:
        """How many tiles of ``tileset_id`` are cached, and their bytes."""
        return count_folder(self.root / tileset_id, ".mvt")

    def generation(self) -> object:
        """Changes whenever a purge starts: (inode, mtime) of a file each purge replaces; a stat, no read."""
        try:
            stat = (self.root / GENERATION_FILE).stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def bump_generation(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.root / GENERATION_FILE, os.urandom(8))


def _write_atomically(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, target)


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


def _columns(folder: Path) -> Iterator[Path]:
    """The ``<z>/<x>`` folders of a tile tree."""
    for _, zoom_dir in int_children(folder):
        for _, column in int_children(zoom_dir):
            yield column


def clear_folder(folder: Path, suffix: str) -> int:
    """Delete the tile files (``<z>/<x>/<y><suffix>``) under ``folder`` and the folders left empty; how many."""
    deleted = 0
    for column in _columns(folder):
        for _, file in int_children(column, suffix):
            file.unlink(missing_ok=True)
            deleted += 1
        with contextlib.suppress(OSError):  # a tile written meanwhile keeps its folder
            column.rmdir()
    return deleted


def _tile_files(folder: Path, suffix: str) -> Iterator[Path]:
    for column in _columns(folder):
        for _, file in int_children(column, suffix):
            yield file


def count_folder(folder: Path, suffix: str) -> tuple[int, int]:
    """How many tile files (``<z>/<x>/<y><suffix>``) lie under ``folder``, and their bytes."""
    count = size = 0
    for file in _tile_files(folder, suffix):
        with contextlib.suppress(FileNotFoundError):  # purged meanwhile
            size += file.stat().st_size
            count += 1
    return count, size
