"""Legacy Vietnamese text encodings: detect a file's encoding from all of its text, convert it to NFC Unicode.

Shapefiles made in Vietnam before Unicode carry attribute text in TCVN3 (ABC), VNI-Windows, VISCII or CP1258,
and a ``.cpg`` that cannot be trusted. The loader therefore reads DBF text losslessly as ISO-8859-1 (every byte
becomes the code point of the same number) and hands the strings here. A single short value is often ambiguous
("Sôn" is Sơn in VNI but could be junk in TCVN3), so :func:`detect` decides once per file: it decodes every text
value with each candidate encoding and keeps the one whose result reads most like Vietnamese — well-formed
syllables (initial consonant, vowel nucleus, final consonant, one tone on the right vowel, sane letter case),
bonus for syllables common in Tân Bình data, penalties for symbols, control characters and stray marks.

Conversion is table-driven (tables in :mod:`loaders.vn_tables`, from the TCVN 5712:1993, VNI-Windows and RFC
1456 charts) rather than via ``viparse``: its VNI table lacks ẳ/Ẳ, it returns TCVN3 capitals lowercase and it
cannot encode, which the sample-data generator needs.

TCVN3 capitals: the single-font charset has only Ă Â Ê Ô Ơ Ư Đ (0xA1–0xA7), which :func:`decode` returns as
capitals. Every other capital with a diacritic (Á, Ấ, Ờ, …) has no byte, so :func:`encode` writes its lowercase
form — "Ánh" becomes the bytes of "ánh". That loss is the charset's, and it is what real TCVN3 files contain.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from loaders.vn_tables import (
    ACUTE,
    COMMON_SYLLABLES,
    DOT_BELOW,
    FINALS,
    INITIALS,
    NUCLEI,
    STOP_FINALS,
    TCVN3_DECODE,
    TONES,
    VIETNAMESE_LETTERS,
    VISCII_DECODE,
    VNI_DECODE,
    VNI_ENCODE,
)

ENCODINGS = ("utf-8", "cp1258", "tcvn3", "vni", "viscii")

# Order in which equally good readings win: how common each encoding is in Vietnamese GIS data.
_PRIORITY = ("utf-8", "tcvn3", "vni", "cp1258", "viscii")

_ALIASES = {
    "utf8": "utf-8",
    "abc": "tcvn3",
    "tcvn": "tcvn3",
    "tcvn-3": "tcvn3",
    "vn3": "tcvn3",
    "vni-windows": "vni",
    "windows-1258": "cp1258",
    "win-1258": "cp1258",
}


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` decided for one file, worded for the load report ("converted 1234 values from tcvn3")."""

    encoding: str
    confidence: float
    converted: int
    reason: str


def canonical_encoding(name: str) -> str:
    """The name in :data:`ENCODINGS` for ``name`` or an alias, so callers and the CLI can spell it freely."""
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in ENCODINGS:
        raise ValueError(f"unknown text encoding {name!r}: expected one of {', '.join(ENCODINGS)} (or an alias)")
    return key


# --- decoding --------------------------------------------------------------------------------------------


def _full_table(table: dict[int, str]) -> list[str]:
    """All 256 bytes -> text: the table where it says, latin-1 (the byte itself) elsewhere."""
    return [table.get(b, chr(b)) for b in range(256)]


_TCVN3_FULL = _full_table(TCVN3_DECODE)
_VISCII_FULL = _full_table(VISCII_DECODE)
_TCVN3_TRANS = str.maketrans(dict(enumerate(_TCVN3_FULL)))
_VISCII_TRANS = str.maketrans(dict(enumerate(_VISCII_FULL)))
# Longest sequences first, so "aù" (á) wins over a bare "a".
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(VNI_DECODE, key=len, reverse=True)))


def _decode_utf8(value: str) -> str:
    return value.encode("latin-1").decode("utf-8", errors="replace")


def _decode_cp1258(value: str) -> str:
    return value.encode("latin-1").decode("cp1258", errors="replace")


def _decode_vni(value: str) -> str:
    return _VNI_PATTERN.sub(lambda m: VNI_DECODE[m.group()], value)


_DECODERS: dict[str, Callable[[str], str]] = {
    "utf-8": _decode_utf8,
    "cp1258": _decode_cp1258,
    "tcvn3": lambda v: v.translate(_TCVN3_TRANS),
    "vni": _decode_vni,
    "viscii": lambda v: v.translate(_VISCII_TRANS),
}


def decode(value: str, encoding: str) -> str:
    """Convert one latin-1-decoded value (bytes as code points) from ``encoding`` to NFC Unicode.

    Control characters are kept: VISCII letters live there. Bytes that are invalid UTF-8 or undefined in CP1258
    become U+FFFD rather than failing the whole load. A value that already holds characters above U+00FF cannot
    be raw bytes, so it is taken as Unicode and only normalised.
    """
    decoder = _DECODERS[canonical_encoding(encoding)]
    if any(ord(ch) > 0xFF for ch in value):
        return unicodedata.normalize("NFC", value)
    return unicodedata.normalize("NFC", decoder(value))


# --- encoding --------------------------------------------------------------------------------------------


def _reverse(full: list[str]) -> dict[str, int]:
    return {ch: b for b, ch in enumerate(full)}


# TCVN3: ASCII and the table only. Its unused bytes decode as latin-1, but writing "Á" as 0xC1 would make a
# file no .VnTime font shows as Á.
_TCVN3_ENCODE = {**{chr(b): b for b in range(0x80)}, **{ch: b for b, ch in TCVN3_DECODE.items()}}
_VISCII_ENCODE = _reverse(_VISCII_FULL)
_VNI_MARK_CHARS = frozenset(ch for seq in VNI_ENCODE.values() for ch in seq if not ch.isascii())


def _unencodable(text: str, index: int, encoding: str) -> UnicodeEncodeError:
    return UnicodeEncodeError(encoding, text, index, index + 1, f"no {encoding} byte for {text[index]!r}")


def _encode_single_byte(text: str, table: dict[str, int], encoding: str) -> bytes:
    """One byte per character; TCVN3 falls back to the lowercase letter (see the module docstring)."""
    out = bytearray()
    for i, ch in enumerate(text):
        byte = table.get(ch)
        if byte is None and encoding == "tcvn3":
            byte = table.get(ch.lower())
        if byte is None:
            raise _unencodable(text, i, encoding)
        out.append(byte)
    return bytes(out)


def _encode_vni(text: str) -> bytes:
    """Base letter + mark bytes; latin-1 characters VNI does not use for letters pass through as themselves."""
    parts: list[str] = []
    for i, ch in enumerate(text):
        if ch in VNI_ENCODE:
            parts.append(VNI_ENCODE[ch])
        elif ord(ch) < 0x80 or (ord(ch) <= 0xFF and ch not in _VNI_MARK_CHARS and ch not in VIETNAMESE_LETTERS):
            parts.append(ch)
        else:
            raise _unencodable(text, i, "vni")
    return "".join(parts).encode("latin-1")


def _encode_cp1258(text: str) -> bytes:
    """Precomposed byte where CP1258 has one, else base letter + combining tone byte (how Windows writes it)."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", ch)
            tone = "".join(m for m in marks if m in TONES)
            base = unicodedata.normalize("NFC", "".join(m for m in marks if m not in TONES))
            out += (base + tone).encode("cp1258")
    return bytes(out)


_ENCODERS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "cp1258": _encode_cp1258,
    "tcvn3": lambda t: _encode_single_byte(t, _TCVN3_ENCODE, "tcvn3"),
    "vni": _encode_vni,
    "viscii": lambda t: _encode_single_byte(t, _VISCII_ENCODE, "viscii"),
}


def encode(text: str, encoding: str) -> bytes:
    """Unicode -> legacy bytes, the inverse of :func:`decode`, for writing sample DBF files and for tests.

    Raises ``UnicodeEncodeError`` (a ``ValueError``) for a character the encoding cannot hold, except TCVN3
    capitals with diacritics other than Ă Â Ê Ô Ơ Ư Đ, which are written lowercase (the charset has no byte).
    """
    return _ENCODERS[canonical_encoding(encoding)](unicodedata.normalize("NFC", text))


# --- how Vietnamese is a text? ---------------------------------------------------------------------------

# Runs of anything but ASCII whitespace, digits and ASCII punctuation. Not \s: it would swallow VISCII's
# letters at 0x1E, 0x85 and 0xA0.
_TOKEN = re.compile(r"[^ \t\n\r\f\v0-9\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+")
_FRONT_VOWELS = "ieêy"
_OTHER_LATIN = frozenset("fjwzFJWZ")


def _junk_weight(ch: str) -> float:
    """0 for letters, 2 for control characters, unassigned bytes and stray combining marks, 1 for other symbols."""
    if ch in VIETNAMESE_LETTERS or ch in _OTHER_LATIN:
        return 0.0
    if unicodedata.category(ch)[0] in "CM" or ch == "\ufffd":
        return 2.0
    return 1.0


def _split_tone(word: str) -> tuple[str, str, int] | None:
    """(toneless word, tone mark or "", index of the toned letter or -1); None if it has more than one tone."""
    tones = [(i, m) for i, ch in enumerate(word) for m in unicodedata.normalize("NFD", ch) if m in TONES]
    if len(tones) > 1:
        return None
    base = "".join(
        unicodedata.normalize("NFC", "".join(m for m in unicodedata.normalize("NFD", ch) if m not in TONES))
        for ch in word
    )
    return (base, tones[0][1], tones[0][0]) if tones else (base, "", -1)


def _spelling_ok(initial: str, nucleus: str) -> bool:
    """Orthography: k/gh/ngh only before front vowels, c/ng/q never; "qu" is not followed by another u."""
    front = nucleus[0] in _FRONT_VOWELS
    if initial in ("k", "gh", "ngh"):
        return front
    if initial in ("c", "ng"):
        return not front
    return not (initial == "qu" and nucleus[0] in "uư")


def _fits(rest: str, initial: str, tone: str, pos: int) -> bool:
    """Whether ``rest`` (the word after ``initial``) is a vowel nucleus plus an optional final consonant."""
    for final in FINALS:
        if len(rest) <= len(final) or not rest.endswith(final):
            continue
        nucleus = rest[: len(rest) - len(final)]
        allowed = NUCLEI.get(nucleus)
        if allowed is None or not _spelling_ok(initial, nucleus):
            continue
        if tone and pos - len(initial) not in allowed:
            continue
        if final in STOP_FINALS and tone not in (ACUTE, DOT_BELOW):
            continue
        return True
    return False


def _is_syllable(word: str) -> bool:
    """A well-formed Vietnamese syllable in lower, upper or title case.

    Upper case only needs its ASCII letters upper: TCVN3 has no accented capitals, so "PHƯỜNG" arrives "PHƯờNG".
    """
    tail = word[1:]
    if tail != tail.lower() and not all(ch.isupper() for ch in word if ch.isascii()):
        return False
    split = _split_tone(word.lower())
    if split is None:
        return False
    base, tone, pos = split
    return any(_fits(base[len(i) :], i, tone, pos) for i in INITIALS if base.startswith(i))


@lru_cache(maxsize=65536)
def _token_score(token: str) -> tuple[float, bool]:
    """(score, well-formed) of one word: +1 syllable, +2 common syllable, -1 malformed, -junk for junk."""
    junk = sum(_junk_weight(ch) for ch in token)
    if junk:
        return -junk, False
    if not _is_syllable(token):
        return -1.0, False
    return (2.0 if token.lower() in COMMON_SYLLABLES else 1.0), True


@dataclass
class _Reading:
    """One candidate encoding applied to the file's non-ASCII values."""

    encoding: str
    decoded: tuple[str, ...]
    score: float = 0.0
    words: int = 0
    good: int = 0


# Bytes TCVN3 leaves unassigned decode as latin-1 (lossless), but for scoring they are junk: "Thám" written in
# CP1258 or VISCII must not read as TCVN3 just because its "à" byte is unused there.
_TCVN3_STRICT = str.maketrans({b: TCVN3_DECODE.get(b, "\ufffd") for b in range(0x80, 0x100)})


def _tcvn3_strict(value: str) -> str:
    return unicodedata.normalize("NFC", value.translate(_TCVN3_STRICT))


def _read(encoding: str, evidence: list[str]) -> _Reading | None:
    """Decode and score every non-ASCII value; None if the bytes are not valid UTF-8 when that is the candidate."""
    if encoding == "utf-8":
        try:
            for value in evidence:
                if all(ord(ch) <= 0xFF for ch in value):
                    value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
    reading = _Reading(encoding, tuple(decode(v, encoding) for v in evidence))
    scored = reading.decoded if encoding != "tcvn3" else [_tcvn3_strict(v) for v in evidence]
    for text in scored:
        for token in _TOKEN.findall(text):
            if token.isascii() and token.isprintable():
                continue
            score, good = _token_score(token)
            reading.score += score
            reading.words += 1
            reading.good += good
    return reading


def _needs_decoding(value: str) -> bool:
    """True if any character is not plain printable ASCII (tab/newline aside): only those carry evidence."""
    return any(ord(ch) >= 0x7F or (ord(ch) < 0x20 and ch not in "\t\n\r") for ch in value)


def _confidence(best: _Reading, runner_up: _Reading | None) -> float:
    """Share of well-formed words in the winner, times how clearly it beat the next different reading."""
    quality = best.good / best.words if best.words else 1.0
    if runner_up is None:
        return round(quality, 3)
    spread = abs(best.score) + abs(runner_up.score)
    margin = (best.score - runner_up.score) / spread if spread else 0.0
    return round(max(0.0, min(1.0, margin)) * quality, 3)


def detect(values: Iterable[str]) -> Detection:
    """Decide the encoding of one file from all its latin-1-decoded text values at once.

    Per file, not per value: short values are ambiguous alone, but a file's words taken together are not.
    """
    counts = Counter(v for v in values if isinstance(v, str))
    evidence = [v for v in counts if _needs_decoding(v)]
    if not evidence:
        return Detection("utf-8", 1.0, 0, "all text is ASCII: nothing to convert")
    readings = [r for enc in _PRIORITY if (r := _read(enc, evidence)) is not None]
    best = max(readings, key=lambda r: (r.score, -_PRIORITY.index(r.encoding)))
    others = [r for r in readings if r.decoded != best.decoded]
    runner_up = max(others, key=lambda r: r.score) if others else None
    converted = sum(counts[v] for v, text in zip(evidence, best.decoded, strict=True) if text != v)
    versus = f"; next {runner_up.encoding} scored {runner_up.score:g}" if runner_up else ""
    reason = f"{best.good}/{best.words} non-ASCII words are Vietnamese syllables as {best.encoding}{versus}"
    return Detection(best.encoding, _confidence(best, runner_up), converted, reason)


def decode_columns(
    columns: dict[str, list[str | None]], forced: str | None = None
) -> tuple[dict[str, list[str | None]], Detection]:
    """Detect over every text value of every column (unless ``forced``), then decode them all with that encoding."""
    if forced is None:
        detection = detect(v for column in columns.values() for v in column if v is not None)
        encoding = detection.encoding
    else:
        encoding = canonical_encoding(forced)
    memo: dict[str, str] = {}

    def convert(value: str | None) -> str | None:
        if not isinstance(value, str):
            return value
        if value not in memo:
            memo[value] = decode(value, encoding)
        return memo[value]

    result = {name: [convert(v) for v in column] for name, column in columns.items()}
    if forced is None:
        return result, detection
    changed = sum(old != new for name, column in columns.items() for old, new in zip(column, result[name], strict=True))
    return result, Detection(encoding, 1.0, changed, f"encoding forced to {encoding} by the caller")
