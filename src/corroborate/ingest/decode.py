"""Bytes to text: refuse binary data, detect the encoding before giving up.

The order: magic numbers of binary formats (refused), byte-order marks (UTF-32, UTF-8, UTF-16),
UTF-16 without a BOM (recognised by its NUL bytes all falling on one side of the code units),
UTF-8, UTF-8 with a few stray bytes (kept, the bytes marked U+FFFD), and then legacy single-byte
and CJK encodings: charset-normalizer proposes, and of its candidates (with Windows-1252 and a
few common legacy encodings added, which it misses on short texts) the one whose text reads as
one language wins. Windows-1252 wins only when its letters are those of a Western language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from corroborate.errors import InputError

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or Office document)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
    b"SQLite format 3": "an SQLite database",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"MZ": "a Windows executable",
    b"\x28\xb5\x2f\xfd": "a zstd archive",
    b"OggS": "an Ogg audio file",
    b"ID3": "an MP3 audio file",
    b"RIFF": "a RIFF file (audio, video or image)",
    b"\x00\x00\x00\x18ftyp": "an MP4 video",
    b"\x00\x00\x00\x20ftyp": "an MP4 video",
}
# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
BOMS: Final = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_HEAD = 8192
_SAMPLE = 65536

# Non-ASCII lowercase letters of the languages written in single-byte Latin encodings. A decoded
# text whose accented letters all belong to one of them reads as that language.
_ALPHABETS: Final = {
    "french": "àâæçéèêëîïôœùûüÿ",
    "german": "äöüß",
    "spanish": "áéíñóúü",
    "portuguese": "áâãàçéêíóôõú",
    "italian": "àèéìíîòóùú",
    "catalan": "àçéèíïòóúü",
    "dutch": "áéèëïóöüíú",
    "swedish/finnish": "åäöéšž",
    "danish/norwegian": "æøåéóô",
    "icelandic": "áðéíóúýþæö",
    "polish": "ąćęłńóśźż",
    "czech": "áčďéěíňóřšťúůýž",
    "slovak": "áäčďéíĺľňóôŕšťúýž",
    "hungarian": "áéíóöőúüű",
    "romanian": "ăâîșțşţ",
    "croatian/slovene/bosnian": "čćđšž",
    "turkish": "çğıöşüâî",
    "estonian": "äöõüšž",
    "latvian": "āčēģīķļņšūž",
    "lithuanian": "ąčęėįšųūž",
    "albanian": "çë",
}
# Letters Windows-1252 gives for the bytes that other Latin encodings use for their own letters
# (Turkish ş ğ ı İ, Czech ř ě, ...): in English text with loanwords these do not occur.
_WESTERN_LOANWORD: Final = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüÿœšžß")
# Common legacy encodings tried besides charset-normalizer's candidates (which come after them),
# in order of preference when two read equally well: charset-normalizer's own order ranks
# Western texts poorly (Spanish as Windows-1250, English as Windows-1257).
_COMMON: Final = ("cp1252", "cp1250", "iso8859_2", "cp1251", "koi8_r", "koi8_u", "iso8859_5",
                  "cp1253", "iso8859_7", "cp1254", "iso8859_9", "cp1257", "iso8859_13",
                  "iso8859_15", "iso8859_16", "cp1255", "cp1256", "cp874")
_ALLOWED_SYMBOLS: Final = set(
    "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u2013\u2014\u2026\u20ac\u00a3\u00a5\u00a9"
    "\u00ae\u00b0\u00b7\u00ab\u00bb\u00bf\u00a1\u2022\u2122\u00a0\u00ad\u2039\u203a\u00b4"
    "\u02bc\u02bb\u2032\u2033\u00b2\u00b3\u00bd\u00bc\u00be\u00d7\u00a7\u00ba\u00aa\u00b1"
    "\u0384\u0385\u0387\u00a8\u02c7\u02d8\u02dd\u02db\u02d9\u2116\u05be\u05f3\u05f4\u060c"
    "\u061b\u061f\u066a\u066b\u066c\u3001\u3002\u300c\u300d\u300e\u300f\uff01\uff08\uff09"
    "\uff0c\uff1a\uff1b\uff1f\u30fb\u2010\u2011\u2012\u2015")


def decode_bytes(data: bytes, input_name: str) -> str:
    """Decode ``data`` as text (see the module docstring for the order). Raises InputError for
    binary data or text in no detectable encoding."""
    return detect_and_decode(data, input_name)[0]


def refuse_binary(data: bytes, input_name: str) -> None:
    """Raise InputError when ``data`` begins like a binary format."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(input_name, f"binary file ({what}), not text: convert it first")


def unicode_encoding(head: bytes) -> tuple[str, int] | None:
    """``(codec, BOM length)`` when ``head`` is UTF-8 with a BOM, UTF-16 or UTF-32 (with a BOM,
    or UTF-16 without one recognised by where its NUL bytes fall); None for byte-oriented text.
    Only the codecs of the UTF-16/32 family split lines on something other than b"\\n"."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    bare = _utf16_without_bom(head[:_HEAD])
    return (bare, 0) if bare else None


def _utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" for UTF-16 text without a BOM, else None. Recognised by its NUL
    bytes all falling on one side of the 2-byte units (the ASCII characters: spaces, digits,
    punctuation) and decoding to text; text with no ASCII at all (Chinese, say) by decoding to
    letters of one script and nothing odd. Binary data has NULs on both sides, or decodes to
    unassigned code points, controls and a mix of scripts."""
    head = head[: len(head) & ~1]
    units = len(head) // 2
    if units < 2 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    for codec, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        text = _decode_sample(head, codec, whole=False)
        if text is None or _control_share(text) > 0.02 or _odd_characters(text):
            continue
        if zeros >= max(2, units // 20) and others <= zeros // 50:
            return codec
        # no ASCII at all: Chinese, Japanese or Thai written without spaces
        letters = [ch for ch in text if ch.isalpha()]
        spaceless = sum(1 for ch in letters if _family(ch) in {"cjk", "thai"})
        if (len(letters) >= 0.6 * sum(1 for ch in text if not ch.isspace())
                and spaceless >= 0.8 * len(letters) and len(set(letters)) >= min(10, units // 4)
                and _score(text)[0] == 0):
            return codec
    return None


def detect_and_decode(data: bytes, input_name: str) -> tuple[str, str]:
    """``(text, codec)``; see :func:`decode_bytes`."""
    refuse_binary(data, input_name)
    found = unicode_encoding(data)
    if found is not None and found[0] == "utf-8":
        data = data[found[1]:]
    elif found is not None:
        codec, bom = found
        try:
            text = data[bom:].decode(codec)
        except UnicodeDecodeError as exc:
            name = codec.upper().replace("-LE", "").replace("-BE", "")
            raise InputError(input_name, f"broken {name} text ({exc.reason} at byte "
                                         f"{exc.start + bom}): convert it to UTF-8") from exc
        _refuse_control(text, input_name)
        return text, codec
    if b"\x00" in data[:_HEAD]:
        raise InputError(input_name, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few stray bytes: keep UTF-8 and mark the bad bytes, rather than
    # re-reading the whole text in a guessed legacy encoding.
    valid_multibyte = len(_UTF8_MULTIBYTE.findall(data))
    if valid_multibyte:
        replaced = data.decode("utf-8", errors="replace")
        if replaced.count("\ufffd") <= max(3, valid_multibyte // 4):
            return replaced, "utf-8"
    return _legacy(data, input_name)


def decode_with(data: bytes, codec: str) -> str | None:
    """``data`` in ``codec`` when it decodes to readable text (a legacy encoding found for an
    earlier line of the same input), else None."""
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    if _control_share(text) > 0.02 or any(_score(text)):
        return None
    return text


def _legacy(data: bytes, input_name: str) -> tuple[str, str]:
    """A legacy encoding: charset-normalizer's candidates and the common single-byte encodings,
    ranked by how well each reads on a sample (see :func:`_score`); the best one that decodes
    the whole input wins."""
    from charset_normalizer import from_bytes

    proposed = _unique(m.encoding for m in from_bytes(data) if m.encoding)
    sample = data[:_SAMPLE]
    # decoded sample -> (codec, rank, proposed, text): codecs giving the same text are one
    # candidate, proposed when charset-normalizer proposed any of them, ranked by the best
    candidates: dict[int, tuple[str, int, bool, str]] = {}
    for codec in _unique([*_COMMON, *proposed]):
        # charset-normalizer's order among its candidates, then the common encodings
        rank = proposed.index(codec) if codec in proposed else len(proposed) + _COMMON.index(codec)
        text = _decode_sample(sample, codec, whole=len(sample) == len(data))
        if text is None:
            continue
        key = hash(text)
        if key in candidates:
            first, first_rank, was_proposed, first_text = candidates[key]
            if rank < first_rank:
                first, first_rank = codec, rank
            candidates[key] = (first, first_rank, was_proposed or codec in proposed, first_text)
        else:
            candidates[key] = (codec, rank, codec in proposed, text)
    ranked: list[tuple[tuple[int, int, int, int], str]] = []
    for codec, rank, was_proposed, text in candidates.values():
        odd, implausible = _score(text)
        if odd > max(2, sum(1 for ch in text if not ch.isascii()) // 10):
            continue  # box-drawing characters and symbols glued to letters: not this one
        ranked.append(((odd, implausible, 0 if was_proposed else 1, rank), codec))
    for _key, codec in sorted(ranked):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        _refuse_control(text, input_name)
        return text, codec
    raise InputError(
        input_name,
        "cannot detect the text encoding: convert the file to UTF-8 and ingest it again",
    )


def _decode_sample(sample: bytes, codec: str, *, whole: bool) -> str | None:
    """``sample`` decoded, allowing a multi-byte character cut at its end unless it is all."""
    for cut in range(1 if whole else 4):
        try:
            return sample[: len(sample) - cut].decode(codec)
        except UnicodeDecodeError:
            if whole:
                return None
        except LookupError:
            return None
    return None


def _unique(codecs: Iterable[str]) -> list[str]:
    out: list[str] = []
    for codec in codecs:
        if codec not in out:
            out.append(codec)
    return out


def _refuse_control(text: str, input_name: str) -> None:
    if _control_share(text[:4096]) > 0.02 and sum(
            1 for ch in text[:4096] if _is_control(ch)) > 4:
        raise InputError(input_name, "binary file (mostly control characters), not text")


def _is_control(ch: str) -> bool:
    return (ord(ch) < 32 and ch not in "\n\r\t\f") or 0x7f <= ord(ch) < 0xa0


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for ch in text if _is_control(ch)) / len(text)


def _odd_characters(text: str) -> bool:
    """Unassigned or private-use code points: what random bytes decode to in UTF-16."""
    sample = text[:4096]
    odd = sum(1 for ch in sample if unicodedata.category(ch) in {"Cn", "Co", "Cs"})
    return odd > max(2, len(sample) // 100)


_SCRIPT_FAMILIES: Final = {
    "LATIN": "latin", "CYRILLIC": "cyrillic", "GREEK": "greek", "HEBREW": "hebrew",
    "ARABIC": "arabic", "THAI": "thai", "CJK": "cjk", "HIRAGANA": "cjk", "KATAKANA": "cjk",
    "HANGUL": "cjk", "IDEOGRAPHIC": "cjk",
}


def _family(ch: str) -> str:
    if ch.isascii():
        return "latin"
    return _SCRIPT_FAMILIES.get(unicodedata.name(ch, "").split(" ", 1)[0], "other")


def _score(text: str) -> tuple[int, int]:
    """``(odd, implausible)`` for a decoded text, lower is better. ``odd`` counts what mojibake
    gives and real text does not: control characters, symbols glued to letters ("powiedzia³"),
    a capital after a small letter inside a word where one of them is not ASCII ("òÏÓÓÉÉ"),
    half-width katakana, letters of two non-Latin scripts. ``implausible`` is 1 when the
    accented Latin letters belong to no one language and are not a few Western loanwords."""
    odd = 0
    accented: set[str] = set()
    letters = accented_count = 0
    scripts: set[str] = set()
    previous = " "
    for ch in text[:65536]:
        if ch.isalpha():
            letters += 1
            if ch.isascii():
                scripts.add("latin")
            else:
                family = _family(ch)
                scripts.add(family)
                if "HALFWIDTH KATAKANA" in unicodedata.name(ch, ""):
                    odd += 1
                if family == "latin":
                    accented.update(c for c in ch.lower() if c.isalpha() and not c.isascii())
                    accented_count += 1
            if (previous.isalpha() and previous.islower() and ch.isupper()
                    and not (previous.isascii() and ch.isascii())):
                odd += 1
            if previous.isalpha() and _family(previous) != _family(ch):
                odd += 1  # two scripts in one word ("Cumhurbaюkanэ")
        elif not ch.isascii() and not ch.isspace():
            category = unicodedata.category(ch)
            if _is_control(ch) or category in {"Cn", "Co", "Cs"}:
                odd += 2
            elif ch in _ALLOWED_SYMBOLS or category[0] == "N" or (
                    category[0] == "P" and ord(ch) >= 0x2000):
                pass
            elif previous.isalpha() or ord(ch) >= 0x2500:
                odd += 1  # box drawing, blocks, shapes: no article holds them
            if (ch in "\u00b2\u00b3\u00b1\u00bc\u00bd\u00be\u00a8\u02c7\u02d8\u02dd\u02db"
                    and previous.isalpha()):
                odd += 1  # superscripts and fractions do not follow letters in words
        elif (previous not in " \n" and not previous.isascii() and not previous.isalpha()
              and previous not in _ALLOWED_SYMBOLS and ch.isalpha()):
            odd += 1
        previous = ch
    non_latin = scripts - {"latin"}
    if len(non_latin) > 1:
        odd += len(non_latin) - 1
    if non_latin and accented:
        odd += 1  # Cyrillic (or Greek, ...) with accented Latin letters: mojibake
    implausible = 0
    if accented and not any(accented <= set(alphabet) for alphabet in _ALPHABETS.values()):
        western_loanwords = (accented <= _WESTERN_LOANWORD
                             and accented_count <= max(3, letters // 12))
        implausible = 0 if western_loanwords else 1
    return odd, implausible
