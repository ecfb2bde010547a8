"""Duplicate keys: every feature sharing a complete key is rejected naming the others; incomplete keys are not keys."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from layers import registry
from loaders import validate

KEY = registry.PARCELS.key  # ward_code, map_sheet, parcel_no


@dataclass
class Columns:
    columns: dict[str, list[Any]]


def _rejected(columns: dict[str, list[Any]]) -> list[tuple[int, str]]:
    result = validate.Validated(keep=np.array([], dtype=np.int64), geoms=np.empty(0), centrelines=None)
    fids = np.arange(100, 100 + len(next(iter(columns.values()))))
    validate.check_duplicate_keys(registry.PARCELS, fids, Columns(columns), result)
    return [(p.fid, p.message) for p in result.rejected]


def _sample() -> dict[str, list[Any]]:
    wards = ["26965", "26965", "26968", "26965", "26965", None, None, "26965"]
    sheets = ["12", "12", "12", "7", "12", "3", "3", "7"]
    numbers = ["45", "45", "45", "45", "46", "9", "9", "45"]
    return dict(zip(KEY, (wards, sheets, numbers), strict=True))


@pytest.mark.parametrize("one_integer", [True, False])
def test_each_shared_complete_key_rejects_all_its_features(monkeypatch: pytest.MonkeyPatch, one_integer: bool) -> None:
    if not one_integer:  # keys too many to number in one int64: rows of codes are compared instead
        monkeypatch.setattr(math, "prod", lambda values: 2**63)
    found = _rejected(_sample())
    assert found == [
        (100, "duplicate key (ward_code=26965, map_sheet=12, parcel_no=45) shared by [100, 101]"),
        (101, "duplicate key (ward_code=26965, map_sheet=12, parcel_no=45) shared by [100, 101]"),
        (103, "duplicate key (ward_code=26965, map_sheet=7, parcel_no=45) shared by [103, 107]"),
        (107, "duplicate key (ward_code=26965, map_sheet=7, parcel_no=45) shared by [103, 107]"),
    ]  # the same ward-less key twice (105, 106) is no key at all


def test_a_large_layer_finds_the_same_duplicates() -> None:
    n = 200_000
    sheets = [str(i // 1000) for i in range(n)]
    numbers: list[str | None] = [str(i % 1000) for i in range(n)]
    numbers[n - 1], sheets[n - 1] = "3", "0"  # the last repeats the fourth
    numbers[10] = None
    found = _rejected(dict(zip(KEY, (["26965"] * n, sheets, numbers), strict=True)))
    assert [fid for fid, _ in found] == [103, 100 + n - 1]
