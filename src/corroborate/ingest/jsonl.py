"""JSON Lines: one article per line with ``title``, ``text``, ``source``, ``url``,
``published`` (or ``date``); every other field is kept as metadata."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from corroborate.errors import InputError
from corroborate.ingest.base import Fields

_SURROGATES = re.compile("[\ud800-\udfff]")
KNOWN = {"title", "text", "source", "url", "published", "date", "author"}


def parse_json_line(line: str, input_name: str) -> Fields:
    try:
        record: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(input_name, f"malformed JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError as exc:
        raise InputError(input_name, "malformed JSON (nested too deeply)") from exc
    record = clean_json(record)
    if not isinstance(record, dict):
        raise InputError(input_name, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise InputError(input_name, "missing or non-string field 'text'")
    for key in ("title", "source", "url", "published", "date", "author"):
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise InputError(input_name, f"field {key!r} must be a string, "
                                         f"not {type(value).__name__}")
    metadata = {k: v for k, v in record.items() if k not in KNOWN}
    return Fields(
        text=text,
        title=_opt_str(record.get("title")),
        site_name=_opt_str(record.get("source")),
        url=_opt_str(record.get("url")),
        published=_opt_str(record.get("published") or record.get("date")),
        author=_opt_str(record.get("author")),
        metadata=metadata,
    )


def clean_json(value: Any) -> Any:
    """Drop what cannot be stored or written back as JSON: lone surrogates in strings, NaN and
    infinities (become null)."""
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_json(str(k)): clean_json(v) for k, v in value.items()}
    return value


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)
