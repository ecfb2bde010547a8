"""Entry points people type by hand answer without redirects (QGIS 3.22 does not follow them)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_ogc_landing_page_answers_without_the_trailing_slash(client: Client) -> None:
    response = client.get("/ogc", {"f": "json"})
    assert response.status_code == 200
    rels = {link["rel"] for link in response.json()["links"]}
    assert {"service-desc", "conformance", "data"} <= rels


@pytest.mark.django_db
def test_head_is_answered_wherever_get_is(client: Client) -> None:
    """RFC 9110: a HEAD gets the GET's status and headers without the body (link checkers, ``curl -I``, clients
    probing a TileJSON or the health check before they poll it)."""
    from tests.lookup.test_api import a_parcel

    parcel = a_parcel()
    paths = ["/healthz", "/tiles/ioc.json", "/api/openapi.json", f"/api/parcels/{parcel['id']}",
             f"/api/parcels/{parcel['id']}/planning", f"/api/search?q={parcel['address']}",
             f"/api/parcels/at?x={parcel['x']}&y={parcel['y']}", f"/parcels/{parcel['id']}/planning",
             "/styles/parcels.qml", "/ogc/collections", "/qgis/vector-tiles.xml"]  # fmt: skip
    for path in paths:
        get, head = client.get(path), client.head(path)
        assert get.status_code == 200, path
        assert (head.status_code, head["Content-Type"], head.content) == (200, get["Content-Type"], b""), path
