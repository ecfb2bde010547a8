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
