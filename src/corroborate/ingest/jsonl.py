"""JSON Lines: one article per line with ``title``, ``text``, ``source`` (or ``outlet``,
``publisher``), ``url``, ``published`` (or ``date``); every other field is kept as metadata.

What scrapers write is read too: news-please (``maintext``, ``date_publish``,
``source_domain``, ``authors``, ``description``), JSON Feed items (``content_html``,
``content_text``, ``summary``, ``date_published``, ``authors``, ``external_url``) and common
aliases (``content``, ``body``, ``link``, ``byline``). HTML inside the text is converted to
text; a list of authors is joined; epoch seconds (and milliseconds) are dates."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any, Final

from corroborate.errors import InputError
from corroborate.ingest.base import DATE_ORDERS, PUBLISHED_YEARS, Fields, url_host
from corroborate.ingest.html import LOOKS_HTML, html_fragment_text

_SURROGATES = re.compile("[\ud800-\udfff]")
#: Fields that hold the article's text, in order of preference; ``content_html`` is always HTML,
#: the others are when they hold tags.
TEXT_FIELDS: Final = ("text", "maintext", "content_html", "content_text", "content", "body")
#: A summary, read as the text (marked ``"text_kind": "summary"``) when no text field is there.
SUMMARY_FIELDS: Final = ("summary", "description", "excerpt")
TITLE_FIELDS: Final = ("title", "headline", "title_page", "title_rss")
URL_FIELDS: Final = ("url", "link", "external_url")
DATE_FIELDS: Final = ("published", "date", "date_publish", "date_published", "datePublished",
                      "pubDate", "published_at", "publish_date")
AUTHOR_FIELDS: Final = ("author", "authors", "byline")
#: The outlet the record names: trusted over its URL's domain. ``publisher`` may be
#: ``{"name": ...}`` (schema.org).
OUTLET_FIELDS: Final = ("source", "outlet", "publisher")
KNOWN = {"title", "text", "source", "url", "published", "date", "author"}
#: Epoch timestamps read as dates: seconds from 1973-03-03 (1e8) up to 2200, milliseconds
#: from 1973-03-03 (1e11) up to 2200. Smaller numbers are years (2026) or not dates.
_EPOCH_END: Final = int(datetime(PUBLISHED_YEARS.stop, 1, 1, tzinfo=UTC).timestamp())
_EPOCH_DIGITS = re.compile(r"^\d{9,10}(?:\.\d+)?$|^\d{12,13}$")


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
    return record_fields(record, input_name)


def record_fields(record: dict[str, Any], input_name: str) -> Fields:
    """The fields of one JSON article record (see the module's docstring for the names)."""
    used: set[str] = set()
    metadata: dict[str, Any] = {}
    text = _text(record, input_name, used, metadata)
    for key in ("title", "source", "url", "published", "date"):
        value = record.get(key)
        if (value is not None and not isinstance(value, str | int | float)
                and _rendered(value) is None):
            raise InputError(input_name, f"field {key!r} must be a string, "
                                         f"not {type(value).__name__}")
    title = _first_string(record, TITLE_FIELDS, used)
    if title and LOOKS_HTML.search(title):
        title = html_fragment_text(title).replace("\n", " ")
    url = _first_string(record, URL_FIELDS, used)
    source = _outlet(record, used)
    if source and source.startswith(("http://", "https://")):  # trafilatura's JSON: a URL
        url = url or source
        source = None
    domain = record.get("source_domain")
    host = url_host(f"//{domain}") if isinstance(domain, str) and domain.strip() else None
    published, raw_date = _published(record, used)
    if raw_date is not None:
        metadata["published_epoch"] = raw_date
    order = record.get("date_order")
    if order is not None and str(order).upper() not in DATE_ORDERS:
        raise InputError(input_name, f"field 'date_order' must be one of "
                                     f"{', '.join(DATE_ORDERS)}, not {str(order)[:20]!r}")
    author = _authors(record, input_name, used)
    metadata.update({k: v for k, v in record.items() if k not in KNOWN and k not in used})
    return Fields(
        text=text,
        title=title,
        outlet=source,
        header_source=host,
        url=url,
        published=published,
        author=author,
        metadata=metadata,
        date_order=str(order).upper() if order is not None else None,
    )


def _text(record: dict[str, Any], input_name: str, used: set[str],
          metadata: dict[str, Any]) -> str:
    if "text" in record and record["text"] is not None and not isinstance(record["text"], str):
        raise InputError(input_name, "missing or non-string field 'text'")
    for key in TEXT_FIELDS:
        value = _rendered(record.get(key))
        if value and value.strip():
            used.add(key)
            if key == "content_html" or LOOKS_HTML.search(value):
                metadata["text_from"] = "html"
                return html_fragment_text(value)
            return value
    for key in SUMMARY_FIELDS:
        value = _rendered(record.get(key))
        if value and value.strip():
            used.add(key)
            metadata["text_kind"] = "summary"
            return html_fragment_text(value) if LOOKS_HTML.search(value) else value
    if isinstance(record.get("text"), str):
        used.add("text")
        return str(record["text"])  # blank: rejected as an empty article
    names = "', '".join(("text", "maintext", "content_html", "content_text"))
    raise InputError(input_name, f"missing or non-string field 'text' (or '{names}'): "
                                 "each record needs the article's text")


def _outlet(record: dict[str, Any], used: set[str]) -> str | None:
    for key in OUTLET_FIELDS:
        value = record.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str | int | float) and not isinstance(value, bool) \
                and str(value).strip():
            used.add(key)
            return str(value)
    used.add("source")
    return None


def _rendered(value: Any) -> str | None:
    """A string, or WordPress's ``{"rendered": "..."}``."""
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else None


def _first_string(record: dict[str, Any], keys: tuple[str, ...], used: set[str]) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, dict):
            value = _rendered(value)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            continue  # absent, or an alias of another type: stays metadata
        if str(value).strip():
            used.add(key)
            return str(value)
    return None


def _published(record: dict[str, Any], used: set[str]) -> tuple[str | None, Any]:
    """``(date as a string for read_published, the epoch number when one was converted)``."""
    for key in DATE_FIELDS:
        value = record.get(key)
        if value is None or isinstance(value, bool) or value == "":
            continue
        if not isinstance(value, str | int | float):
            continue
        used.add(key)
        epoch = epoch_date(value)
        if epoch is not None:
            return epoch, value
        return str(value), None
    return None, None


def epoch_date(value: str | int | float) -> str | None:
    """ISO 8601 (UTC) for a Unix timestamp in seconds or milliseconds within the years a
    publication date may have (see the bounds above); None for anything else (years such as
    2026 stay years)."""
    if isinstance(value, str):
        if not _EPOCH_DIGITS.match(value.strip()):
            return None
        number = float(value)
    else:
        number = float(value)
    if not math.isfinite(number):
        return None
    if 1e8 <= number < _EPOCH_END:
        seconds = number
    elif 1e11 <= number < _EPOCH_END * 1000:
        seconds = number / 1000
    else:
        return None
    return datetime.fromtimestamp(int(seconds), tz=UTC).isoformat(timespec="seconds")


def _authors(record: dict[str, Any], input_name: str, used: set[str]) -> str | None:
    for key in AUTHOR_FIELDS:
        value = record.get(key)
        if value is None:
            continue
        names = author_names(value)
        if names is None:
            raise InputError(input_name, f"field {key!r} must be a name, a list of names or "
                                         f"of objects with a 'name', not "
                                         f"{type(value).__name__}")
        used.add(key)
        if names:
            return names
    return None


def author_names(value: Any) -> str | None:
    """One author field: a name, ``{"name": ...}``, or a list of those, joined with ", ";
    "" for an empty list; None when the value is none of these."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    if isinstance(value, dict):
        name = value.get("name")
        return str(name).strip() if isinstance(name, str | int | float) else ""
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            name = author_names(item) if isinstance(item, str | dict) else None
            if name and name not in names:
                names.append(name)
        return ", ".join(names)
    return None


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
