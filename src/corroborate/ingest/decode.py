"""Bytes to text: refuse binary data, detect the encoding before giving up."""

from __future__ import annotations

import re

from corroborate.errors import InputError

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_WESTERN = set(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿŒœŠšŸŽžƒ"
    "\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u20ac\u00a3\u00a5\u00a9\u00ae"
    "\u00b0\u00b1\u00b2\u00b3\u00b4\u00b5\u00b7\u00ba\u00aa\u00bd\u00bc\u00be\u00a0\u00ab"
    "\u00bb\u00bf\u00a1\u00a7\u00b6\u2022\u2122\u00d7\u00f7\u00a2\u00a4\u00a6\u00a8\u00af"
    "\u00ac\u00ad\u00b8\u00b9\u2020\u2021\u2030\u02c6\u02dc\u2039\u203a")
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or Office document)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
    b"SQLite format 3": "an SQLite database",
}


def decode_bytes(data: bytes, input_name: str) -> str:
    """Decode ``data`` as text. UTF-8 (with or without BOM) first, then UTF-16 by BOM, then
    charset detection. Raises InputError for binary data or text in no detectable encoding."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(input_name, f"binary file ({what}), not text: convert it first")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(input_name, f"broken UTF-16 text ({exc.reason})") from exc
    head = data[:8192]
    if b"\x00" in head:
        raise InputError(input_name, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few stray bytes: keep UTF-8 and mark the bad bytes, rather than
    # re-reading the whole text in a guessed legacy encoding.
    valid_multibyte = len(_UTF8_MULTIBYTE.findall(data))
    if valid_multibyte:
        replaced = data.decode("utf-8-sig", errors="replace")
        if replaced.count("\ufffd") <= max(3, valid_multibyte // 4):
            return replaced
    else:
        # No UTF-8 at all: Western legacy text (Windows-1252 / Latin-1) is by far the most
        # common; accept it when every non-ASCII character it gives is a Latin letter or
        # common punctuation.
        try:
            legacy = data.decode("cp1252")
        except UnicodeDecodeError:
            legacy = ""
        if legacy and all(ch.isascii() or ch in _WESTERN for ch in legacy):
            return legacy
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(
            input_name,
            "cannot detect the text encoding: convert the file to UTF-8 and ingest it again",
        )
    text = str(best)
    control = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > max(4, len(text[:4096]) // 50):
        raise InputError(input_name, "binary file (mostly control characters), not text")
    return text
