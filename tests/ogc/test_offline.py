"""The OGC API's HTML pages load nothing from another host (the server must work offline)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

PAGES = [
    "/ogc/?f=html",
    "/ogc/collections?f=html",
    "/ogc/collections/parcels/items?f=html&limit=5",
    "/ogc/openapi?f=html",
]
# What a browser fetches: scripts, images, and stylesheet/icon links (not rel=license/author/alternate links).
RESOURCE = re.compile(
    r"<(?:script|img)[^>]+src=\"([^\"]+)\""
    r"|<link(?=[^>]+rel=\"(?:stylesheet|icon|shortcut icon|preload)\")[^>]+href=\"([^\"]+)\""
)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_html_pages_use_only_local_resources(client: Client, page: str) -> None:
    html = client.get(page).content.decode()
    resources = [a or b for a, b in RESOURCE.findall(html)]
    assert resources
    outside = [r for r in resources if r.startswith("http") and not r.startswith("http://testserver")]
    assert outside == [], outside
