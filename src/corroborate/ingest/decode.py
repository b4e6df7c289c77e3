"""Bytes to text: refuse binary data, detect the encoding before giving up."""

from __future__ import annotations

from corroborate.errors import InputError

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
