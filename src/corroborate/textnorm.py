"""Text clean-up and normalisation shared by ingestion and analysis (pure functions)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_WS = re.compile(r"\s+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2032": "'",
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)


def clean_text(text: str) -> str:
    """The stored form of an article text: NFC, unified newlines, no control characters,
    runs of spaces collapsed, lines stripped, one paragraph per line (no blank lines), so the
    same story gives the same text whether it came from a text file or an HTML page."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def normalise_for_identity(text: str) -> str:
    """A canonical form used for identity: NFKC, casefolded, unified quotes and dashes,
    whitespace collapsed. Idempotent."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = _ZERO_WIDTH.sub("", text)
    text = _WS.sub(" ", text.casefold()).strip()
    return unicodedata.normalize("NFKC", text)


def article_id(text: str, source: str) -> str:
    """Stable id of an article: a hash of its normalised text and its normalised outlet.

    The same text from the same outlet is the same article; the same wire text republished by a
    second outlet is a second article (the comparison later folds both into one source lineage).
    """
    payload = normalise_for_identity(source) + "\x00" + normalise_for_identity(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))
