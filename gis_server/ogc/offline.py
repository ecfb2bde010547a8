"""Keep the OGC API's HTML pages off the network: pygeoapi's templates load Bootstrap, Leaflet, its marker
clusters, Leaflet.VectorGrid and Swagger UI from unpkg.com (Leaflet also from cdnjs); we serve the same files
(installed from npm at set-up, versions pinned in frontend/package.json) ourselves.
"""

from __future__ import annotations

import re

from django.templatetags.static import static

# unpkg.com/<package>[@<version>]/<path> for the packages frontend/copy-vendor.mjs copies.
VENDORED = ("bootstrap", "leaflet", "leaflet.markercluster", "leaflet.vectorgrid", "swagger-ui-dist")
_UNPKG = re.compile(r"https://unpkg\.com/(?P<pkg>[a-z.\-]+)(?:@[^/\"']+)?/(?P<path>[^\"'\s>]+)")

# cdnjs.cloudflare.com/ajax/libs/<library>/<version>/<path>: the folder of the npm package holding <path>.
CDNJS = {"leaflet": "leaflet/dist"}
_CDNJS = re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/(?P<lib>[a-z.\-]+)/[^/\"']+/(?P<path>[^\"'\s>]+)")


def _local(match: re.Match[str]) -> str:
    if match["pkg"] not in VENDORED:
        return match.group(0)
    return static(f"ogc/vendor/{match['pkg']}/{match['path']}")


def _local_cdnjs(match: re.Match[str]) -> str:
    folder = CDNJS.get(match["lib"])
    if folder is None:
        return match.group(0)
    return static(f"ogc/vendor/{folder}/{match['path']}")


# An Internet Explorer 8 shim inside a conditional comment: no current browser loads it; drop the link.
_IE_SHIM = re.compile(r"<script[^>]+cdnjs\.cloudflare\.com/ajax/libs/html5shiv/[^>]+>\s*</script>")


# The collection page's plugin for OGC API - Maps (not on npm): it is only called for a collection with a map
# link, and this server publishes no maps; drop the link.
_MAPS_PLUGIN = re.compile(r"<script[^>]+unpkg\.com/leaflet-imageoverlay-ogcapi@[^>]+>\s*</script>")


def localize(html: str) -> str:
    """The page with every vendored unpkg.com and cdnjs link pointing at our static copy."""
    html = _MAPS_PLUGIN.sub("", _IE_SHIM.sub("", html))
    return _CDNJS.sub(_local_cdnjs, _UNPKG.sub(_local, html))
