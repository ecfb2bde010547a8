"""The printable planning sheet: the report's numbers in Vietnamese, a map of the parcel, and the same as PDF."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.lookup.test_api import a_parcel


@pytest.mark.django_db
def test_sheet_shows_the_reports_numbers_and_a_map(client: Client) -> None:
    parcel = a_parcel()
    report = client.get(f"/api/parcels/{parcel['id']}/planning").json()
    page = client.get(f"/parcels/{parcel['id']}/planning").content.decode()
    assert "Thông tin quy hoạch" in page
    assert f"Thửa đất số {parcel['parcel_no']}, tờ bản đồ số {parcel['map_sheet']}" in page
    assert str(report["totals"]["area"]).replace(".", ",") in page  # Vietnamese decimal comma
    for zone in report["zoning"]:
        assert zone["function_name"] in page
    assert len(re.findall(r"<path d=\"M", page)) > 5, "the map draws the parcel and its neighbours"
    assert "owner" not in page.lower() and "chusudung" not in page.lower()


@pytest.mark.django_db
def test_sheet_as_pdf(client: Client) -> None:
    parcel = a_parcel()
    response = client.get(f"/parcels/{parcel['id']}/planning", {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 5_000


@pytest.mark.django_db
def test_unknown_parcel_sheet_is_404(client: Client) -> None:
    assert client.get("/parcels/999999999/planning").status_code == 404


@pytest.mark.django_db
def test_a_format_the_sheet_has_not_is_a_400(client: Client) -> None:
    response = client.get(f"/parcels/{a_parcel()['id']}/planning", {"format": "docx"})
    assert response.status_code == 400 and "'format' must be html or pdf" in response.json()["error"]["message"]
