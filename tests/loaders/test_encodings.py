"""Legacy Vietnamese encodings: letter-by-letter tables, known bytes from the charts, per-file detection."""

from __future__ import annotations

import random
import unicodedata

import pytest

from loaders.encodings import ENCODINGS, Detection, canonical_encoding, decode, decode_columns, detect, encode

TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # unmarked, sắc, huyền, hỏi, ngã, nặng
LOWER = [*(unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in TONES if t or not v.isascii()), "đ"]
UPPER = [ch.upper() for ch in LOWER]
LETTERS = LOWER + UPPER
TCVN3_CAPITALS = "ĂÂÊÔƠƯĐ"
LEGACY = ("cp1258", "tcvn3", "vni", "viscii")


def raw(text: str, encoding: str) -> str:
    """What the loader hands over: the encoded bytes read back as ISO-8859-1."""
    return encode(text, encoding).decode("latin-1")


def tcvn3_expected(text: str) -> str:
    """TCVN3 keeps the 7 capitals Ă Â Ê Ô Ơ Ư Đ; other capitals with diacritics come back lowercase."""
    return "".join(ch.lower() if not ch.isascii() and ch.isupper() and ch not in TCVN3_CAPITALS else ch for ch in text)


def expected(text: str, encoding: str) -> str:
    return tcvn3_expected(text) if encoding == "tcvn3" else text


# --- letter by letter -------------------------------------------------------------------------------------


def test_letter_inventory() -> None:
    assert len(LETTERS) == len(set(LETTERS)) == 134
    assert all(unicodedata.is_normalized("NFC", ch) and len(ch) == 1 for ch in LETTERS)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258", "vni", "viscii"])
def test_every_letter_round_trips(encoding: str) -> None:
    failures = []
    for letter in LETTERS:
        for text in (letter, f"b{letter}n", f"{letter}{letter}"):
            if decode(raw(text, encoding), encoding) != text:
                failures.append(text)
    assert failures == []


def test_tcvn3_lowercase_and_its_seven_capitals_round_trip() -> None:
    for letter in [*LOWER, *TCVN3_CAPITALS]:
        for text in (letter, f"b{letter}n"):
            assert decode(raw(text, "tcvn3"), "tcvn3") == text
    assert [encode(ch, "tcvn3") for ch in TCVN3_CAPITALS] == [bytes([b]) for b in range(0xA1, 0xA8)]


def test_tcvn3_other_capitals_are_written_lowercase() -> None:
    others = [ch for ch in UPPER if ch not in TCVN3_CAPITALS]
    assert len(others) == 60
    for capital in others:
        assert encode(capital, "tcvn3") == encode(capital.lower(), "tcvn3")
        assert decode(raw(capital, "tcvn3"), "tcvn3") == capital.lower()
    assert decode(raw("Ánh Ấp Ơn Ừ", "tcvn3"), "tcvn3") == "ánh ấp Ơn ừ"


def test_every_letter_has_its_own_bytes() -> None:
    for encoding in ("cp1258", "vni", "viscii"):
        assert len({encode(ch, encoding) for ch in LETTERS}) == 134, encoding
    assert len({encode(ch, "tcvn3") for ch in [*LOWER, *TCVN3_CAPITALS]}) == 74


# --- known bytes from the charts ----------------------------------------------------------------------------


def test_tcvn3_chart_samples() -> None:
    assert [encode(ch, "tcvn3") for ch in "ăâêôơưđ"] == [bytes([b]) for b in range(0xA8, 0xAF)]
    assert encode("àáạờ", "tcvn3") == b"\xb5\xb8\xb9\xea"
    assert decode("\xb5\xb8\xb9\xea", "tcvn3") == "àáạờ"
    assert decode("Ph\xadêng", "tcvn3") == "Phường"
    assert decode("§Êt ë t¹i ®« thÞ", "tcvn3") == "Đất ở tại đô thị"


def test_vni_chart_samples() -> None:
    assert decode("Phöôøng", "vni") == "Phường"
    assert decode("ñ", "vni") == "đ"
    assert encode("Phường", "vni") == "Phöôøng".encode("latin-1")
    assert encode("Đường", "vni") == "Ñöôøng".encode("latin-1")
    assert decode("Hoaøng Vaên Thuï", "vni") == "Hoàng Văn Thụ"
    assert decode("PHÖÔØNG", "vni") == "PHƯỜNG"


def test_vni_has_a_with_breve_and_hook() -> None:
    """viparse's corpus-built VNI table lacks ẳ/Ẳ; the chart has them as a + ú."""
    assert encode("ẳ", "vni") == b"a\xfa"
    assert encode("Ẳ", "vni") == b"A\xda"
    assert decode("a\xfa", "vni") == "ẳ"
    assert decode("A\xda", "vni") == "Ẳ"
    assert decode("Aú", "vni") == "Ẳ"  # mark typed in the other case: the base letter decides


def test_viscii_letters_in_control_positions_survive() -> None:
    c0 = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}
    for byte, letter in c0.items():
        assert decode(chr(byte), "viscii") == letter
        assert encode(letter, "viscii") == bytes([byte])
    assert decode("\x80\x9f\xb4\xbf", "viscii") == "ẠỲƠƯ"  # C1 controls are letters too


def test_cp1258_combining_tones_become_nfc() -> None:
    assert encode("ạ", "cp1258") == b"a\xf2"  # base + combining dot below
    assert encode("á", "cp1258") == b"\xe1"  # precomposed where CP1258 has it
    value = decode("Ph\xfd\xf5\xccng", "cp1258")  # ư ơ + combining grave
    assert value == "Phường"
    assert unicodedata.is_normalized("NFC", value)


def test_utf8_read_as_latin1_is_recognised() -> None:
    value = "Nguyễn Thị Ánh Tuyết".encode().decode("latin-1")
    assert decode(value, "utf-8") == "Nguyễn Thị Ánh Tuyết"
    assert detect([value]).encoding == "utf-8"


def test_output_is_nfc() -> None:
    for encoding in ENCODINGS:
        for text in ("Nguyễn Thị Ánh Tuyết", "Hẻm 125/7 Lê Văn Sỹ", "Đất ở tại đô thị", "khuỷu tay"):
            out = decode(raw(text, encoding), encoding)
            assert unicodedata.is_normalized("NFC", out)
    decomposed = unicodedata.normalize("NFD", "Phường")
    assert decode(decomposed.encode().decode("latin-1"), "utf-8") == "Phường"


def test_control_characters_are_not_stripped() -> None:
    assert decode("a\x01b\tc", "tcvn3") == "a\x01b\tc"
    assert decode("a\x01b\tc", "utf-8") == "a\x01b\tc"


# --- names, aliases, errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("abc", "tcvn3"),
        ("TCVN", "tcvn3"),
        ("tcvn3", "tcvn3"),
        ("VNI-Windows", "vni"),
        ("windows-1258", "cp1258"),
        ("utf8", "utf-8"),
        ("UTF-8", "utf-8"),
        ("viscii", "viscii"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert canonical_encoding(alias) == name
    assert decode("abc", alias) == "abc"


def test_unknown_encoding_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown text encoding 'koi8-r'.*tcvn3"):
        decode("abc", "koi8-r")
    with pytest.raises(ValueError, match="unknown text encoding"):
        encode("abc", "vps")
    with pytest.raises(ValueError, match="unknown text encoding"):
        decode_columns({"name": ["abc"]}, forced="latin-9")


def test_unencodable_characters_raise() -> None:
    for encoding in LEGACY:
        with pytest.raises(UnicodeEncodeError):
            encode("giá 5€ → 漢", encoding)
    with pytest.raises(ValueError, match="no tcvn3 byte"):
        encode("µ", "tcvn3")


def test_already_unicode_values_pass_through() -> None:
    assert decode("Phường", "tcvn3") == "Phường"


# --- realistic files --------------------------------------------------------------------------------------------

STREETS = [
    "Cộng Hòa", "Trường Chinh", "Lạc Long Quân", "Âu Cơ", "Lý Thường Kiệt", "Hoàng Văn Thụ", "Lê Văn Sỹ",
    "Nguyễn Trọng Tuyển", "Phan Đình Giót", "Bạch Đằng", "Hồng Hà", "Cách Mạng Tháng Tám", "Út Tịch", "Ba Vân",
    "Bàu Cát", "Đồng Đen", "Tân Kỳ Tân Quý", "Phổ Quang", "Thăng Long", "Hậu Giang", "Trần Quốc Hoàn",
    "Phạm Văn Hai", "Bảy Hiền", "Nguyễn Hồng Đào", "Võ Thành Trang", "Ni Sư Huỳnh Liên", "Trương Công Định",
    "Đất Thánh", "Nghĩa Phát", "Bùi Thị Xuân", "Phan Huy Ích", "Xuân Diệu", "Xuân Hồng", "Huỳnh Văn Nghệ",
    "Hoàng Hoa Thám", "Sơn Cang", "Ấp Bắc", "Chấn Hưng", "Bành Văn Trân", "Dương Vân Nga", "Đặng Lộ",
    "Thân Nhân Trung", "Yên Thế", "Tự Lập", "Lê Minh Xuân", "Phú Lộc", "Nguyễn Bá Tòng", "Trần Mai Ninh",
]  # fmt: skip
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Kim"]
GIVEN = [
    "Ánh Tuyết", "Hùng", "Dũng", "Tuấn", "Anh", "Hoa", "Lan", "Hương", "Thủy", "Bích", "Quang", "Khánh",
    "Hải", "Sơn", "Tùng", "Cường", "Thắng", "Bảo", "Hưng", "Phú", "Nghĩa", "Tâm", "Lộc", "Phúc", "Đạt",
    "Mai", "Nguyệt", "Hằng", "Hạnh", "Phương", "Trinh", "Yến", "Nhung", "Thảo", "Tú", "Ẩn", "Ẳng",
]  # fmt: skip
LAND_USES = [
    "Đất ở tại đô thị", "Đất thương mại, dịch vụ", "Đất cơ sở sản xuất phi nông nghiệp", "Đất giao thông",
    "Đất thủy lợi", "Đất xây dựng cơ sở giáo dục và đào tạo", "Đất xây dựng cơ sở y tế", "Đất cơ sở tôn giáo",
    "Đất quốc phòng", "Đất an ninh", "Đất sông, ngòi, kênh, rạch, suối", "Đất có mặt nước chuyên dùng",
    "Đất khu vui chơi, giải trí công cộng", "Đất chưa sử dụng", "Đất trồng cây lâu năm", "Đất nghĩa trang, nghĩa địa",
]  # fmt: skip
LAND_CODES = ["ODT", "TMD", "SKC", "DGT", "DTL", "DGD", "DYT", "TON", "CQP", "CAN", "SON", "MNC", "DKV", "CSD"]


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVEN)}"


def address(rng: random.Random) -> str:
    street = rng.choice(STREETS)
    return rng.choice(
        [
            f"{rng.randint(1, 999)} {street}",
            f"Hẻm {rng.randint(1, 400)}/{rng.randint(1, 40)} {street}",
            f"{rng.randint(1, 300)}/{rng.randint(1, 50)} đường {street}, Phường {rng.randint(1, 15)}, quận Tân Bình",
        ]
    )


def parcel_columns(rng: random.Random, rows: int) -> dict[str, list[str | None]]:
    """A parcel layer's text columns: owner, address, land-use name and code, ward; some values missing."""
    uses = [rng.randrange(len(LAND_USES)) for _ in range(rows)]
    return {
        "CHU_SD": [person(rng) if rng.random() > 0.1 else None for _ in range(rows)],
        "DIA_CHI": [address(rng) for _ in range(rows)],
        "LOAI_DAT": [LAND_USES[u] for u in uses],
        "MA_LD": [LAND_CODES[u % len(LAND_CODES)] for u in uses],
        "PHUONG": [f"Phường {rng.randint(1, 15)}" for _ in range(rows)],
    }


def street_values(rng: random.Random, rows: int) -> list[str]:
    return [rng.choice([rng.choice(STREETS), f"Đường {rng.choice(STREETS)}"]) for _ in range(rows)]


def to_raw(columns: dict[str, list[str | None]], encoding: str) -> dict[str, list[str | None]]:
    return {k: [None if v is None else raw(v, encoding) for v in col] for k, col in columns.items()}


def to_expected(columns: dict[str, list[str | None]], encoding: str) -> dict[str, list[str | None]]:
    return {k: [None if v is None else expected(v, encoding) for v in col] for k, col in columns.items()}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("rows", [20, 60, 200])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parcel_file_is_detected_and_converted(encoding: str, rows: int, seed: int) -> None:
    columns = parcel_columns(random.Random(seed), rows)
    raw_columns = to_raw(columns, encoding)
    decoded, detection = decode_columns(raw_columns)
    assert detection.encoding == encoding, detection
    assert decoded == to_expected(columns, encoding)
    # Values whose bytes already read right as latin-1 ("Hà" in CP1258 or VISCII) are not counted as converted.
    changed = sum(old != new for k in columns for old, new in zip(raw_columns[k], decoded[k], strict=True))
    assert changed > rows
    assert detection.converted == changed
    assert 0.5 < detection.confidence <= 1.0


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("rows", [20, 50, 120])
def test_street_file_is_detected(encoding: str, rows: int) -> None:
    values = street_values(random.Random(rows), rows)
    detection = detect(raw(v, encoding) for v in values)
    assert detection.encoding == encoding, detection
    assert [decode(raw(v, encoding), encoding) for v in values] == [expected(v, encoding) for v in values]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_people_file_is_detected(encoding: str) -> None:
    rng = random.Random(7)
    values = [person(rng) for _ in range(40)]
    assert detect(raw(v, encoding) for v in values).encoding == encoding


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    "few",
    [
        ["Lê Văn Sỹ", "Phường 2", "Hoàng Văn Thụ"],
        ["Đất ở tại đô thị", "Cộng Hòa"],
        ["Nguyễn Thị Ánh Tuyết", "Hẻm 125/7 Lê Văn Sỹ"],
    ],
)
def test_file_with_few_accented_values(encoding: str, few: list[str]) -> None:
    values = [f"TB-{i:04d}" for i in range(150)] + ["Tan Binh", "Truong Chinh", "ODT"] * 10 + few
    columns: dict[str, list[str | None]] = {"MA": [raw(v, encoding) for v in values]}
    decoded, detection = decode_columns(columns)
    assert detection.encoding == encoding, detection
    assert detection.converted == len(few)
    assert decoded["MA"][-len(few) :] == [expected(v, encoding) for v in few]


def test_short_value_is_settled_by_its_file() -> None:
    """VNI "Tö" (Tư) alone reads as TCVN3 "Tử" too; the file it sits in decides."""
    alone = detect(["Tö"])
    assert alone.encoding == "tcvn3"  # a single short value is genuinely ambiguous
    values = [raw(v, "vni") for v in [*STREETS[:20], "Tư", "Hồ"]]
    decoded, detection = decode_columns({"TEN": list(values)})
    assert detection.encoding == "vni"
    assert decoded["TEN"][-2:] == ["Tư", "Hồ"]


def test_pure_ascii_is_utf8_with_nothing_converted() -> None:
    values = ["Phuong 2", "Tan Binh", "ODT", "125/7 Le Van Sy", "", "a\tb"]
    assert detect(values) == Detection("utf-8", 1.0, 0, "all text is ASCII: nothing to convert")
    decoded, detection = decode_columns({"A": [*values, None]})
    assert decoded == {"A": [*values, None]}
    assert detection.converted == 0


def test_empty_file() -> None:
    assert detect([]).encoding == "utf-8"
    assert decode_columns({}) == ({}, Detection("utf-8", 1.0, 0, "all text is ASCII: nothing to convert"))


def test_viscii_file_with_control_position_letters() -> None:
    values = ["Nguyễn Văn Ẩn", "Hồ Thị Ỷ", "Lê Ỹ", "Trần Văn Ẳng", "Phạm Ỵ", "Võ Ẵng", *STREETS[:14]]
    raw_values = [raw(v, "viscii") for v in values]
    assert any(ord(ch) < 0x20 for v in raw_values for ch in v)
    decoded, detection = decode_columns({"TEN": list(raw_values)})
    assert detection.encoding == "viscii"
    assert decoded["TEN"] == values


def test_forced_encoding_skips_detection() -> None:
    columns: dict[str, list[str | None]] = {"TEN": ["Tö", "Hoà", None, "ABC"]}
    decoded, detection = decode_columns(columns, forced="VNI-Windows")
    assert decoded == {"TEN": ["Tư", "Hồ", None, "ABC"]}
    assert detection.encoding == "vni"
    assert detection.converted == 2
    assert detection.confidence == 1.0
    assert "forced" in detection.reason


def test_detection_counts_every_occurrence_and_explains_itself() -> None:
    values = [raw("Phường 2", "tcvn3")] * 30 + [raw("Hoàng Văn Thụ", "tcvn3")] * 5 + ["ODT"] * 10
    detection = detect(values)
    assert detection.encoding == "tcvn3"
    assert detection.converted == 35
    assert "tcvn3" in detection.reason


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_upper_case_file_is_detected(encoding: str) -> None:
    """Headings typed in capitals; TCVN3 can only give "PHƯờNG" (no accented capitals) and must still win."""
    rng = random.Random(11)
    values = [v.upper() for v in street_values(rng, 40)] + [address(rng).upper() for _ in range(20)]
    detection = detect(raw(v, encoding) for v in values)
    assert detection.encoding == encoding, detection
    assert [decode(raw(v, encoding), encoding) for v in values] == [expected(v, encoding) for v in values]


def test_tcvn3_unassigned_bytes_count_against_it() -> None:
    """0xE0 ("à" in latin-1, CP1258 and VISCII) is no TCVN3 letter: a file using it is not TCVN3."""
    values = [raw(v, "cp1258") for v in ["Hoàng Văn Thụ", "Thám", "Bàu Cát", "Trường Chinh"]]
    assert detect(values).encoding == "cp1258"
    assert decode("\xe0", "tcvn3") == "\xe0"  # decoding itself stays lossless
