"""What the layer styles say a feature must look like, for the tests that judge rendered images (QGIS, Chromium)."""

from __future__ import annotations

from tile_cache import styles


def rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as numbers."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def fill(layer_id: str, code: str | None) -> tuple[tuple[int, int, int], float]:
    """The fill colour and opacity of a feature of this class (the "other" colour for a code not in the palette)."""
    style = styles.layer_style(layer_id)
    colour = style.fill
    if style.classes:
        assert style.other is not None
        colour = next((c.color for c in style.classes if c.code == code), style.other.color)
    assert colour is not None
    return rgb(colour), style.opacity
