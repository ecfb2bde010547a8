"""/healthz: versions and rows per layer; a clear 503 when the database is down."""

from __future__ import annotations

import json
import socket

import pytest
from django.db import connection
from django.test import Client

from layers import registry


@pytest.mark.django_db
def test_healthz_reports_every_layer_non_empty(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["layers"]) == set(registry.ids())
    assert all(count > 0 for count in body["layers"].values()), body["layers"]
    assert body["database"]["postgis"].startswith("3.")
    assert {"geos", "proj", "postgresql"} <= set(body["database"])
    assert {"gdal_geodjango", "gdal_pyogrio", "proj_pyproj"} <= set(body["libraries"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db
def test_healthz_is_503_with_a_clear_body_when_the_database_is_down(client: Client) -> None:
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = str(_free_port())  # nothing listens there: a real refused connection
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["error"]["code"] == "database_unavailable"
    assert "127.0.0.1" not in response.content.decode(), "database details must not reach users"


def test_healthz_refuses_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
