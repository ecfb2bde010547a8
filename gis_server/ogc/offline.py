"""Keep the OGC API's HTML pages off the network: pygeoapi's templates load Bootstrap, Leaflet, its marker
clusters and Swagger UI from unpkg.com; we serve the same files (installed from npm at set-up) ourselves.
"""

from __future__ import annotations

import re

from django.templatetags.static import static

# unpkg.com/<package>[@<version>]/<path> for the packages frontend/copy-vendor.mjs copies.
VENDORED = ("bootstrap", "leaflet", "leaflet.markercluster", "swagger-ui-dist")
_UNPKG = re.compile(r"https://unpkg\.com/(?P<pkg>[a-z.\-]+)(?:@[^/\"']+)?/(?P<path>[^\"'\s>]+)")


def _local(match: re.Match[str]) -> str:
    if match["pkg"] not in VENDORED:
        return match.group(0)
    return static(f"ogc/vendor/{match['pkg']}/{match['path']}")


# An Internet Explorer 8 shim inside a conditional comment: no current browser loads it; drop the link.
_IE_SHIM = re.compile(r"<script[^>]+cdnjs\.cloudflare\.com/ajax/libs/html5shiv/[^>]+>\s*</script>")


def localize(html: str) -> str:
    """The page with every vendored unpkg.com link pointing at our static copy."""
    return _UNPKG.sub(_local, _IE_SHIM.sub("", html))
