"""Vector tiles straight from WSGI: the busiest request skips Django's request and response machinery.

A z18 parcel tile is about five milliseconds of SQL on the reference
machine; Django's handler, middleware and URL resolution added another 0.6
(measured beside this path, same tiles, same run). Only a plain GET (or HEAD) of
a tile takes this path and only when the answer is a tile (200, 204, 304):
other methods, anything the pattern does not match and every error go to
Django, which answers exactly as before. ``tile_reply`` decides status,
headers and body for both, so the two paths cannot drift apart.

What Django does around every request is kept: its ``request_started`` and
``request_finished`` signals are sent (they close connections past
``CONN_MAX_AGE`` or left unusable by an error), and a freshly rendered tile
is stored only after the response has been sent (by ``keeper``'s thread).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any

from django.core.signals import request_finished, request_started

from gis_server.errors import GisError
from tile_cache import keeper
from tile_cache.replies import TileReply, tile_reply

# The URL conf's ``tiles/<str:tileset>/<int:z>/<int:x>/<int:y>.mvt``; longer numbers are left to Django.
TILE_PATH = re.compile(r"/tiles/(?P<tileset>[^/]+)/(?P<z>[0-9]{1,9})/(?P<x>[0-9]{1,9})/(?P<y>[0-9]{1,9})\.mvt")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _SentTile:
    """The response body; WSGI servers call ``close`` after sending it, which is when the tile is handed to the
    keeper (stored from its thread, so the connection is free at once)."""

    def __init__(self, reply: TileReply, head: bool = False) -> None:
        self.reply, self.head = reply, head

    def __iter__(self) -> Iterator[bytes]:
        if self.reply.body and not self.head:  # HEAD: the GET's headers, Content-Length included, no body
            yield self.reply.body

    def close(self) -> None:
        try:
            keeper.keep_soon(self.reply.found)
        finally:
            request_finished.send(sender=self.__class__)


def with_tile_fast_path(django_app: WSGIApp) -> WSGIApp:
    """``django_app`` with plain tile GETs answered before Django sees them."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = TILE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD")
        if match is None or method not in ("GET", "HEAD"):
            return django_app(environ, start_response)
        request_started.send(sender=with_tile_fast_path, environ=environ)
        try:
            address = (match["tileset"], int(match["z"]), int(match["x"]), int(match["y"]))
            reply = tile_reply(*address, environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_ACCEPT_ENCODING"))
        except GisError:
            request_finished.send(sender=with_tile_fast_path)
            return django_app(environ, start_response)  # Django renders the error, as for every endpoint
        headers = list(reply.headers.items())
        if reply.status == HTTPStatus.OK:  # a 204 or 304 has no body and says no length (RFC 9110)
            headers.append(("Content-Length", str(len(reply.body))))
        start_response(f"{reply.status} {HTTPStatus(reply.status).phrase}", headers)
        return _SentTile(reply, head=method == "HEAD")

    return application
