"""Character tables for the legacy Vietnamese encodings and the syllable rules used to score a decoding.

Data only; the logic lives in :mod:`loaders.encodings`. Every table is keyed on the byte value (0–255) that
the loader sees as the code point of a latin-1-decoded DBF string, so a table row reads like the charts:

- **TCVN3** (TCVN 5712:1993 "VN3", the ABC / ``.VnTime`` font charset): one byte per letter. Only the seven
  capitals Ă Â Ê Ô Ơ Ư Đ exist (0xA1–0xA7); accented capitals lived in a separate ``.VnTimeH`` font, so the
  bytes cannot say "capital" for them. Checked against glibc's TCVN5712-1 (VN1), whose lowercase and
  0xA1–0xAE positions VN3 shares.
- **VNI-Windows**: a base letter followed by one mark byte (ASCII ``a`` + ``ù`` = á, ``a`` + ``á`` = ấ); i-family,
  ỵ, ơ, ư and đ are single bytes. Rows follow the VNI font chart (one mark byte carries both the circumflex or
  breve and the tone, e.g. ``aú`` = ẳ — the letter viparse's corpus-built table lacks).
- **VISCII** (RFC 1456): one byte per letter, 134 letters, six of them in C0 control positions. Listed are only
  the bytes whose meaning differs from latin-1; checked against glibc's VISCII charmap.
"""

from __future__ import annotations

import unicodedata

# Combining tone marks in the order the rows below use: sắc, huyền, hỏi, ngã, nặng.
TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
ACUTE, DOT_BELOW = TONES[0], TONES[4]
VOWELS = "aăâeêioôơuưy"


def _toned(vowel: str) -> tuple[str, ...]:
    """The vowel unmarked then with the five tones, NFC: the column order of every row below."""
    return (vowel, *(unicodedata.normalize("NFC", vowel + tone) for tone in TONES))


# The 67 lowercase letters with a diacritic (11 marked vowels x 6 + 5 x 5 toned plain vowels + đ) and capitals.
LOWER_LETTERS: tuple[str, ...] = (*(ch for v in VOWELS for ch in _toned(v) if not ch.isascii()), "đ")
UPPER_LETTERS: tuple[str, ...] = tuple(ch.upper() for ch in LOWER_LETTERS)
VIETNAMESE_LETTERS: frozenset[str] = frozenset(
    LOWER_LETTERS + UPPER_LETTERS + tuple("abcdeghiklmnopqrstuvxyABCDEGHIKLMNOPQRSTUVXY")
)

# --- TCVN3 (VN3): vowel -> bytes for (unmarked, sắc, huyền, hỏi, ngã, nặng) -------------------------------
_TCVN3_ROWS: dict[str, tuple[int, ...]] = {
    "a": (0x61, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9),
    "ă": (0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6),
    "â": (0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB),
    "e": (0x65, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1),
    "ê": (0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6),
    "i": (0x69, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE),
    "o": (0x6F, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4),
    "ô": (0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9),
    "ơ": (0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE),
    "u": (0x75, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4),
    "ư": (0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9),
    "y": (0x79, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE),
}
TCVN3_CAPITALS: dict[int, str] = {0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ"}
TCVN3_DECODE: dict[int, str] = {
    **{b: ch for v, row in _TCVN3_ROWS.items() for b, ch in zip(row, _toned(v), strict=True) if b >= 0x80},
    0xAE: "đ",
    **TCVN3_CAPITALS,
}

# --- VNI-Windows: vowel -> sequences for (unmarked, sắc, huyền, hỏi, ngã, nặng), lowercase -----------------
# Uppercase is the same sequence upper-cased (``AÙ`` = Á, ``Ö`` = Ư, ``Î`` = Ỵ): latin-1 has every capital.
_VNI_ROWS: dict[str, tuple[str, ...]] = {
    "a": ("a", "aù", "aø", "aû", "aõ", "aï"),
    "ă": ("aê", "aé", "aè", "aú", "aü", "aë"),
    "â": ("aâ", "aá", "aà", "aå", "aã", "aä"),
    "e": ("e", "eù", "eø", "eû", "eõ", "eï"),
    "ê": ("eâ", "eá", "eà", "eå", "eã", "eä"),
    "i": ("i", "í", "ì", "æ", "ó", "ò"),
    "o": ("o", "où", "oø", "oû", "oõ", "oï"),
    "ô": ("oâ", "oá", "oà", "oå", "oã", "oä"),
    "ơ": ("ô", "ôù", "ôø", "ôû", "ôõ", "ôï"),
    "u": ("u", "uù", "uø", "uû", "uõ", "uï"),
    "ư": ("ö", "öù", "öø", "öû", "öõ", "öï"),
    "y": ("y", "yù", "yø", "yû", "yõ", "î"),
}
VNI_ENCODE: dict[str, str] = {
    **{ch: seq for v, row in _VNI_ROWS.items() for seq, ch in zip(row, _toned(v), strict=True) if not ch.isascii()},
    **{
        ch.upper(): seq.upper()
        for v, row in _VNI_ROWS.items()
        for seq, ch in zip(row, _toned(v), strict=True)
        if not ch.isascii()
    },
    "đ": "ñ",
    "Đ": "Ñ",
}
# Decoding also accepts a mark byte in the other case than its base ("Aù", "aÙ"): typists mixing case in VNI
# produce it, and the case of the base letter is the one the reader saw.
VNI_DECODE: dict[str, str] = {
    **{seq[0] + seq[1:].swapcase(): ch for ch, seq in VNI_ENCODE.items() if len(seq) == 2},
    **{seq: ch for ch, seq in VNI_ENCODE.items()},
}

# --- VISCII (RFC 1456): byte -> letter where it differs from latin-1 ---------------------------------------
VISCII_DECODE: dict[int, str] = {
    0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ", 0x80: "Ạ", 0x81: "Ắ",
    0x82: "Ằ", 0x83: "Ặ", 0x84: "Ấ", 0x85: "Ầ", 0x86: "Ẩ", 0x87: "Ậ", 0x88: "Ẽ", 0x89: "Ẹ",
    0x8A: "Ế", 0x8B: "Ề", 0x8C: "Ể", 0x8D: "Ễ", 0x8E: "Ệ", 0x8F: "Ố", 0x90: "Ồ", 0x91: "Ổ",
    0x92: "Ỗ", 0x93: "Ộ", 0x94: "Ợ", 0x95: "Ớ", 0x96: "Ờ", 0x97: "Ở", 0x98: "Ị", 0x99: "Ỏ",
    0x9A: "Ọ", 0x9B: "Ỉ", 0x9C: "Ủ", 0x9D: "Ũ", 0x9E: "Ụ", 0x9F: "Ỳ", 0xA0: "Õ", 0xA1: "ắ",
    0xA2: "ằ", 0xA3: "ặ", 0xA4: "ấ", 0xA5: "ầ", 0xA6: "ẩ", 0xA7: "ậ", 0xA8: "ẽ", 0xA9: "ẹ",
    0xAA: "ế", 0xAB: "ề", 0xAC: "ể", 0xAD: "ễ", 0xAE: "ệ", 0xAF: "ố", 0xB0: "ồ", 0xB1: "ổ",
    0xB2: "ỗ", 0xB3: "Ỡ", 0xB4: "Ơ", 0xB5: "ộ", 0xB6: "ờ", 0xB7: "ở", 0xB8: "ị", 0xB9: "Ự",
    0xBA: "Ứ", 0xBB: "Ừ", 0xBC: "Ử", 0xBD: "ơ", 0xBE: "ớ", 0xBF: "Ư", 0xC4: "Ả", 0xC5: "Ă",
    0xC6: "ẳ", 0xC7: "ẵ", 0xCB: "Ẻ", 0xCE: "Ĩ", 0xCF: "ỳ", 0xD0: "Đ", 0xD1: "ứ", 0xD5: "ạ",
    0xD6: "ỷ", 0xD7: "ừ", 0xD8: "ử", 0xDB: "ỹ", 0xDC: "ỵ", 0xDE: "ỡ", 0xDF: "ư", 0xE4: "ả",
    0xE5: "ă", 0xE6: "ữ", 0xE7: "ẫ", 0xEB: "ẻ", 0xEE: "ĩ", 0xEF: "ỉ", 0xF0: "đ", 0xF1: "ự",
    0xF6: "ỏ", 0xF7: "ọ", 0xF8: "ụ", 0xFB: "ũ", 0xFC: "ủ", 0xFE: "ợ", 0xFF: "Ữ",
}  # fmt: skip

# --- Syllable structure: (initial consonant) + vowel nucleus + (final consonant) ---------------------------
# Longest first, so "ngh" is tried before "ng" and "n"; "" (no initial) last.
INITIALS: tuple[str, ...] = (
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip
FINALS: tuple[str, ...] = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "")
STOP_FINALS = frozenset({"c", "ch", "p", "t"})  # only sắc or nặng may precede these

# Toneless vowel nucleus (with its glides) -> positions in it where the tone mark may sit. Old ("hòa") and new
# ("hoà") placement are both accepted; a tone on an off-glide ("leõ") is not.
_FALLING = (
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa", "ưi", "ưu",
)  # fmt: skip
NUCLEI: dict[str, frozenset[int]] = {
    **{v: frozenset({0}) for v in VOWELS},
    **{n: frozenset({0}) for n in _FALLING},
    **{n: frozenset({0, 1}) for n in ("oa", "oe", "uy")},
    **{n: frozenset({1}) for n in ("iê", "yê", "oă", "oo", "uâ", "uê", "uô", "uơ", "ươ")},
    **{n: frozenset({1}) for n in ("iêu", "yêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uyu")},
    **{n: frozenset({1, 2}) for n in ("uya", "uyê")},
}

# Syllables common in Tân Bình attribute data (streets, wards, people, land-use names). Only letters with a
# diacritic matter for scoring; they break ties between decodings that are all well-formed Vietnamese.
_COMMON = """
    phường quận huyện thành phố hồ chí minh xã ấp khu tổ đường hẻm kiệt ngõ số lô thửa tờ bản đồ
    nguyễn trần lê phạm hoàng huỳnh vũ võ đặng bùi đỗ ngô dương lý văn thị hữu đức thanh hùng dũng tuấn
    ánh tuyết hương hồng thủy thuỷ ngọc bích quang khánh hải sơn tùng kiên cường thắng quốc bảo việt hà
    hưng thịnh phú quý nghĩa tâm tài lộc phúc đạt định bình khang công lực đào trúc cúc nguyệt hằng hạnh
    phương trinh yến nhung liên hiền thảo tú tiến toàn tân tấn thái thiện thọ trọng tín tuệ uyên vân xuân
    cộng hòa hoà trường lạc quân âu cơ thường hoàng thụ sỹ sĩ tuyển đình giót bạch đằng cách mạng tháng
    tám út tịch bàu cát đồng kỳ phổ thăng hậu thép mới phát chiến thắng độc lập tự hạnh phúc nhất
    đất ở tại đô nông thôn trồng lúa cây lâu năm hàng khác rừng sản xuất phòng hộ đặc dụng nuôi thủy
    làm muối sở kinh doanh thương mại dịch vụ giao thông lợi trình năng lượng bưu chính viễn hóa hoá tế
    giáo dục tạo thể khoa học nghệ chợ nghĩa trang địa tín ngưỡng tôn an ninh sông ngòi kênh rạch suối
    mặt nước chuyên dùng chưa sử cụm nghiệp trụ quan chức sự vui chơi giải trí bãi thải xử chất di tích
    lịch danh lam cảnh sinh hoạt đồng trẻ mầm non tiểu trung cao đẳng viện bệnh trạm xá điện cấp thoát
    nhà máy xưởng kho bến bãi đỗ xe công viên quảng trường tượng đài chùa nhà thờ miếu đình đền
    nhân thân dân yên thế đông tây bắc nhơn lễ hiệp hòa phước thạnh mỹ lợi tường đông hồ võ thị sáu
    của và các có được là trong những với không này người một để đã về theo đến khi từ nhiều việc cũng
    sẽ như thì đó phải hiện trên vào lại sau hơn nhưng bị nào mình còn rất đi thực hành động đầu tiếp
    cùng biết cả giữa vì nên đang vẫn bằng điều quá hội quản quyền triển hợp lớn bốn sáu chín mười
    trăm nghìn triệu ủy ban nhân dân văn phòng đăng ký giấy chứng nhận quyền sử dụng đất sở hữu tài sản
    diện tích chiều rộng dài cấp hạng loại mục đích thời hạn nguồn gốc biến động tọa độ ranh giới
"""
COMMON_SYLLABLES: frozenset[str] = frozenset(_COMMON.split())
