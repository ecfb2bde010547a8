"""Unicode sources: taken as they are when any value is beyond Latin-1, every value in NFC, checked per column."""

from __future__ import annotations

import unicodedata

import numpy as np

from loaders.decode import decode_text

DECOMPOSED = unicodedata.normalize("NFD", "Nguyễn Thị Bích")


def _decode(**columns: list[object]) -> tuple[dict[str, list[object]], str]:
    decoded = decode_text({k: np.array(v, dtype=object) for k, v in columns.items()}, raw=False, forced=None)
    return {k: list(v) for k, v in decoded.columns.items()}, decoded.encoding


def test_a_decomposed_value_comes_out_composed_and_the_rest_untouched() -> None:
    columns, encoding = _decode(owner=["Lê Văn Tám", None, DECOMPOSED, "An"], ward=["26965", None, "26968", "x"])
    assert encoding == "utf-8"
    assert columns["owner"] == ["Lê Văn Tám", None, "Nguyễn Thị Bích", "An"]
    assert columns["ward"] == ["26965", None, "26968", "x"]


def test_values_each_in_nfc_stay_as_they_are_even_where_their_concatenation_is_not() -> None:
    """A value that starts with a combining mark is NFC on its own; after a value ending in a letter the
    concatenation is not: the column is then checked value by value, and nothing changes."""
    lone_mark = "\u0301 dấu sắc"
    assert unicodedata.is_normalized("NFC", lone_mark)
    assert not unicodedata.is_normalized("NFC", "a" + lone_mark)
    columns, _ = _decode(note=["Hòa a", lone_mark, "Phường 2"])
    assert columns["note"] == ["Hòa a", lone_mark, "Phường 2"]


def test_latin1_only_text_is_not_taken_for_unicode() -> None:
    """Characters up to U+00FF may be legacy bytes read as Latin-1 (TCVN3 and VNI use them): decided as a DBF's."""
    _, encoding = _decode(name=["Ph\u00ad\u00eang 2", None, "abc"])
    assert encoding != "utf-8"
    _, encoding = _decode(name=["Ph\u00ad\u00eang 2", "Phường"])
    assert encoding == "utf-8"
