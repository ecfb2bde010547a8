"""What pygeoapi's HTML pages need for our data, beyond being offline (``offline``)."""

from __future__ import annotations

import re

from django.http import HttpResponse

# The tiles page ends its script with ``map.fitBounds(bounds, maxZoom=N);`` (``maxZoom=N`` is a JS assignment,
# not an option: the call has no options).
_FIT_BOUNDS = re.compile(r"map\.fitBounds\(bounds, maxZoom=\d+\);")


def open_at_min_zoom(response: HttpResponse, min_zoom: int) -> HttpResponse:
    """Open the tiles page's map no further out than the layer's first zoom.

    The page fits the collection's bounds (zoom 12–13 for the district) and
    sets no minimum, so a layer served from zoom 16 (parcels) opens on an
    empty map asking for tiles outside its limits; centred at its first zoom
    it shows the data at once.
    """
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return response
    start = f"map.fitBounds(bounds); if (map.getZoom() < {min_zoom}) {{ map.setView(bounds.getCenter(), {min_zoom}); }}"
    response.content = _FIT_BOUNDS.sub(start, response.content.decode()).encode()
    return response
