"""`gis tiles status`: how many tiles each cache holds, vector and raster, per tileset.

For the operations centre and data staff: whether a seed went through, how
much a purge took away, what the caches weigh on disk (or in Redis).
"""

from __future__ import annotations

from typing import Any

from tile_cache import store
from tile_cache.grid import tilesets


def _raster() -> dict[str, tuple[int, int]]:
    from tile_cache.file_store import count_folder
    from tile_cache.mapproxy_config import cache_dir
    from tile_cache.raster_purge import known_tilesets

    return {name: count_folder(cache_dir() / name, ".png") for name in sorted(known_tilesets())}


def status() -> dict[str, dict[str, dict[str, int]]]:
    """Tileset → {"vector": {"tiles", "bytes"}, "raster": {…}}; a kind a tileset does not have is left out."""
    tiles_store = store.backend()
    found: dict[str, dict[str, dict[str, int]]] = {}
    for name in tilesets():
        count, size = tiles_store.count(name)
        found.setdefault(name, {})["vector"] = {"tiles": count, "bytes": size}
    for name, (count, size) in _raster().items():
        found.setdefault(name, {})["raster"] = {"tiles": count, "bytes": size}
    return found


def _cell(kinds: dict[str, dict[str, int]], kind: str) -> str:
    if kind not in kinds:
        return f"{'–':>8} {'–':>10}"
    return f"{kinds[kind]['tiles']:>8} {kinds[kind]['bytes'] / 1e6:>7.1f} MB"


def run_command(args: Any) -> dict[str, Any]:
    found = status()
    lines = [f"{'tileset':16} {'vector':>19}   {'raster':>19}"]
    lines += [f"{name:16} {_cell(kinds, 'vector')}   {_cell(kinds, 'raster')}" for name, kinds in found.items()]
    return {"status": "done", "tilesets": found, "message": "\n".join(lines)}
