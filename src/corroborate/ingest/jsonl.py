"""JSON Lines: one article per line with ``title``, ``text``, ``source``, ``url``,
``published`` (or ``date``); every other field is kept as metadata."""

from __future__ import annotations

import json
from typing import Any

from corroborate.errors import InputError
from corroborate.ingest.base import Fields

KNOWN = {"title", "text", "source", "url", "published", "date", "author"}


def parse_json_line(line: str, input_name: str) -> Fields:
    try:
        record: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(input_name, f"malformed JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise InputError(input_name, f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise InputError(input_name, "missing or non-string field 'text'")
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


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)
