"""Our provider: values only as parameters, keyset pages, counts only when needed, estimates for big tables."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gis_server.ogc import cql, params, provider
from gis_server.ogc import crs as ogc_crs
from layers import registry
from tests.ogc.conftest import URLCONF

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.django_db]
ITEMS = "/ogc/collections/parcels/items"


def test_values_never_reach_the_sql_text():
    translate = cql.Translator(registry.PARCELS, ogc_crs.lookup(None))
    statement, values = translate(cql.parse("address LIKE '%x); DROP TABLE t; --%' AND area > 5", "cql2-text"))
    text = statement.as_string(connection.connection)
    assert "DROP" not in text and "%s" in text
    assert values == ["%x); DROP TABLE t; --%", 5.0]


def _layer_queries(client: Client, query: dict[str, str]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(ITEMS, query).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "layer_parcels" in q["sql"]]


def test_first_page_counts_later_pages_do_not_and_use_the_keyset(client: Client):
    first = _layer_queries(client, {"limit": "10"})
    assert any("count(*)" in q for q in first)
    later = _layer_queries(client, {"limit": "10", "cursor": "1500"})
    assert not any("count(*)" in q for q in later)
    assert any("t.id > 1500" in q and "OFFSET 0" in q for q in later)


def test_large_unfiltered_collections_answer_with_the_planner_estimate(client: Client, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE layer_parcels")
    monkeypatch.setattr(provider, "EXACT_COUNT_BELOW", 1000)
    queries = _layer_queries(client, {"limit": "1"})
    assert not any("count(*)" in q for q in queries)
    estimated = client.get(ITEMS, {"limit": 1}).json()["numberMatched"]
    assert 1500 <= estimated <= 2500
    filtered = client.get(ITEMS, {"limit": 1, "filter": "area > 0"}).json()["numberMatched"]
    assert filtered == 2000


def test_the_provider_refuses_requests_that_bypass_our_checks():
    from pygeoapi.provider.base import ProviderQueryError

    plugin = provider.PostGISProvider(
        {"name": "x", "type": "feature", "data": "parcels", "storage_crs": ogc_crs.STORAGE_CRS}
    )
    assert "owner_name" not in plugin.fields
    with pytest.raises(ProviderQueryError):
        plugin.query(limit=1)


def test_sortby_tolerates_the_plus_that_urls_decode_to_a_space():
    assert params.sortby(registry.PARCELS, {"sortby": " area,-map_sheet"}) == (("area", False), ("map_sheet", True))
