"""System check: the MapLibre GL files the page loads are in place (copied from npm at set-up, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.checks import CheckMessage, Error, register


@register()
def vendor_files(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    # Imported here: the page's configuration pulls in the tile and style modules, which every `gis` command
    # would otherwise load at start-up without running a single check.
    from gis_server.webmap.config import VENDOR_DIR, VENDOR_FILES

    missing = [name for name in VENDOR_FILES if not (VENDOR_DIR / name).is_file()]
    if not missing:
        return []
    return [
        Error(
            f"The web map's MapLibre GL files are missing from {VENDOR_DIR}: {', '.join(missing)}",
            hint="Run: npm ci --prefix frontend && npm run --prefix frontend vendor",
            id="webmap.E001",
        )
    ]
