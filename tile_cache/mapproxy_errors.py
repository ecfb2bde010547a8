"""Status codes for MapProxy's OGC exception reports: the client's mistakes are 4xx, not 500.

MapProxy answers an OGC exception report (WMS ServiceExceptionReport, OWS
ExceptionReport) with HTTP 500 unless the service maps its code to another
status — so an unknown layer, an unsupported CRS, a GetFeatureInfo on a layer
that is not queryable (QGIS's Identify tool on a WMS layer) or a WMTS GetTile
missing a parameter all came back as server errors, logged by Django as
"Internal Server Error" and counted by any monitor as the server failing.

MapProxy itself tells the two apart: a ``RequestError`` raised because a
source failed carries ``internal=True``. The others are the request's fault,
and get the status OWS Common 2.0 (Table 28) gives their code: 501 for an
operation or option the service does not offer, 400 for the rest — what
GeoServer's and MapServer's status modes answer too. Where MapProxy already
chose a status (an image exception's 200, a tile out of range), it stands.
"""

from __future__ import annotations

from typing import Any

from mapproxy.exception import RequestError

NOT_IMPLEMENTED = frozenset({"OperationNotSupported", "OptionNotSupported"})
_original_render = RequestError.render


def _status(error: Any) -> int | None:
    """The status this error should have, or None to leave MapProxy's choice alone."""
    if error.status is not None or error.internal or error.request is None:
        return None
    handler = error.request.exception_handler
    if handler.status_codes.get(error.code, handler.status_code) != 500:
        return None
    return 501 if error.code in NOT_IMPLEMENTED else 400


def _render(self: Any) -> Any:
    status = _status(self)
    if status is not None:
        self.status = status
    return _original_render(self)


def install() -> None:
    """Idempotent; before MapProxy serves its first request."""
    RequestError.render = _render
