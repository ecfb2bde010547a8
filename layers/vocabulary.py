"""Vocabularies as data: land-use codes (with legacy codes and name variants) and ward names/codes.

Lookups ignore case, spacing and Vietnamese diacritics, because exports spell
"Phường 2", "P.2", "phuong 2" and "2" for the same ward.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"

# Old wards (valid before 2025-07-01) and the 2025 wards (DOMAIN.md §3).
OLD_WARDS: dict[str, str] = {
    "Phường 1": "26977", "Phường 2": "26965", "Phường 3": "26980", "Phường 4": "26968", "Phường 5": "26989",
    "Phường 6": "26995", "Phường 7": "26986", "Phường 8": "26998", "Phường 9": "27001", "Phường 10": "26992",
    "Phường 11": "26983", "Phường 12": "26971", "Phường 13": "26974", "Phường 14": "27004", "Phường 15": "27007",
}  # fmt: skip
WARDS_2025: dict[str, str] = {
    "Tân Sơn Hòa": "26977", "Tân Sơn Nhất": "26968", "Tân Hòa": "26995",
    "Bảy Hiền": "26983", "Tân Bình": "27004", "Tân Sơn": "27007",
}  # fmt: skip


def fold(text: str) -> str:
    """Lower-case, no diacritics, đ→d, single spaces: the key every vocabulary lookup uses."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip().casefold()


@cache
def land_use() -> dict[str, Any]:
    with (DATA / "land_use.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def land_use_name(code: str) -> str | None:
    """Vietnamese name of a current land-use code."""
    return land_use()["codes"].get(code)


def canonical_land_use(value: str) -> tuple[str, list[str]]:
    """'otc + cln' → ('ODT+CLN', []); unknown parts are kept and returned in the second item."""
    data = land_use()
    names = {fold(k): v for k, v in data["names"].items()}
    parts, unknown = [], []
    for raw in re.split(r"\s*[+,;/]\s*", value.strip()):
        if not raw:
            continue
        code = raw.upper()
        code = data["legacy"].get(code, code)
        if code not in data["codes"]:
            code = names.get(fold(raw), code)
        if code not in data["codes"]:
            unknown.append(raw)
        parts.append(code)
    return "+".join(parts), unknown


@cache
def _ward_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, code in OLD_WARDS.items():
        number = name.split()[-1]
        for variant in (name, f"P{number}", f"P.{number}", f"P {number}", f"Phuong {number}", number, code):
            index[fold(variant)] = code
    return index


def old_ward_code(value: str) -> str | None:
    """GSO code of an old ward from a name, a short form or a code."""
    return _ward_index().get(fold(value))


def ward_2025_code(value: str) -> str | None:
    """GSO code of a 2025 ward from its name or code."""
    index = {fold(name): code for name, code in WARDS_2025.items()} | {code: code for code in WARDS_2025.values()}
    return index.get(fold(value))
