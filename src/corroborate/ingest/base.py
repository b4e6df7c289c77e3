"""What every reader produces: an Article, or a typed Rejection naming the input and the reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

from corroborate.model import Article
from corroborate.textnorm import article_id, clean_text, word_count


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that could not become an article. ``input`` names the file (and line), ``reason``
    says why in words a user can act on."""

    input: str
    reason: str

    def __str__(self) -> str:
        return f"{self.input}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Fields:
    """What a reader extracted from one input, before the outlet is chosen and the id computed."""

    text: str
    title: str | None = None
    site_name: str | None = None
    header_source: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    metadata: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class BuildOptions:
    source: str | None = None
    min_words: int = 8
    max_chars: int = 1_000_000


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise_published(value: str | None) -> str | None:
    """ISO 8601 for a publication date given in any common form; None when it cannot be read.

    A date alone stays a date ("2026-09-21"); a date with a time keeps the time and its offset.
    """
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    if _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        if not re.search(r"\b(?:1[89]|2[01])\d\d\b", value):
            return None  # relative ("yesterday", "Monday") or yearless: never the clock's
        import dateparser  # heavy import, only for free-form dates

        parsed_or_none = dateparser.parse(
            value, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"}
        )
        if parsed_or_none is None:
            return None
        parsed = parsed_or_none
        if not re.search(r"\d{1,2}:\d{2}", value):
            return str(parsed.date().isoformat())
    if (parsed.hour == parsed.minute == parsed.second == 0 and parsed.tzinfo is None
            and not re.search(r"\d{1,2}:\d{2}", value)):
        return parsed.date().isoformat()
    return str(parsed.isoformat(timespec="seconds"))


def url_host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlparse(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def choose_outlet(fields: Fields, override: str | None) -> str:
    """Outlet precedence: --source, then the site name the input declares (HTML og:site_name,
    JSONL ``source``), then the host of its URL, then a text file's ``Source:`` header."""
    for candidate in (override, fields.site_name, url_host(fields.url), fields.header_source):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return "unknown"


def build_article(
    fields: Fields, input_name: str, path: str | None, options: BuildOptions
) -> Article | Rejection:
    text = clean_text(fields.text or "")
    title = clean_text(fields.title or "")
    if title and "\n" in title:
        title = " ".join(title.split())
    # Readers put the title on the first line sometimes (HTML <h1>); the title is kept apart.
    first_line, _, rest = text.partition("\n")
    if title and first_line.strip() == title and rest.strip():
        text = rest.strip()
    if len(text) > options.max_chars:
        return Rejection(input_name, f"article text of {len(text)} characters is over the "
                                     f"analysis limit of {options.max_chars}: split it")
    words = word_count(text)
    if words == 0:
        return Rejection(input_name, "empty article: no text after extraction")
    if words < options.min_words:
        return Rejection(
            input_name,
            f"near-empty article: {words} words (at least {options.min_words} needed)",
        )
    if not title:
        title = _title_from_text(text)
    outlet = choose_outlet(fields, options.source)
    metadata = dict(fields.metadata or {})
    published = normalise_published(fields.published)
    if fields.published and published is None:
        metadata["published_raw"] = fields.published
    return Article(
        id=article_id(text, outlet),
        text=text,
        title=title,
        source=outlet,
        published=published,
        url=fields.url or None,
        path=path,
        author=fields.author or None,
        metadata=metadata,
    )


def _title_from_text(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= 200 else first[:197].rstrip() + "..."
