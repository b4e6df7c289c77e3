"""Feeds: RSS 0.9x/1.0/2.0, Atom and RDF (read by feedparser) and JSON Feed; each entry one
article.

An entry's text is its full content when the feed carries it (``content:encoded``, Atom
``content``, JSON Feed ``content_html``/``content_text``; HTML converted to text as the HTML
reader does, never stored with tags or tracking pixels), else its summary, marked
``"text_kind": "summary"`` in the metadata. Linked pages are not fetched here (fetching them
is :mod:`corroborate.ingest.fetch`'s, with :func:`feed_items` giving each entry's link). The
URL is the entry's link, the date its published (else updated) date, the author its authors,
and the outlet the entry's source, else the outlet map's name for the link's domain, else the
feed's title, else the link's registered domain (:mod:`corroborate.ingest.outlets`).

Each entry that cannot become an article is a Rejection named ``feed.xml[entry 3]``; the other
entries go in. A feed that is not well-formed XML but that feedparser still reads (its "bozo"
flag) goes in entry by entry, each article carrying the problem as ``feed_warning`` in its
metadata; one that gives no entries is rejected with the parser's reason.
"""

from __future__ import annotations

import email.utils
import io
import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from corroborate.errors import InputError
from corroborate.ingest.base import (
    BuildOptions,
    Fields,
    Rejection,
    build_article,
    read_published,
)
from corroborate.ingest.decode import decode_bytes, detect_and_decode
from corroborate.ingest.html import LOOKS_HTML, html_fragment_text, plain_html_text
from corroborate.ingest.jsonl import author_names, clean_json
from corroborate.model import Article

Result = Article | Rejection

_HTML_TYPES: Final = ("text/html", "application/xhtml+xml", "html", "xhtml")
_JSON_FEED = re.compile(r'"version"\s*:\s*"https?:(?:\\?/){2}jsonfeed\.org/version/',
                        re.IGNORECASE)
_SITEMAP = re.compile(r"<(?:[\w.-]+:)?(?:urlset|sitemapindex)[\s>]", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_FEED_DATES: Final = ("published", "updated", "created")


@dataclass(slots=True)
class Entry:
    """One feed entry, whichever format it came from."""

    title: str | None = None
    link: str | None = None
    #: ``(media type, value)`` of the entry's full content, each one the feed gives.
    content: list[tuple[str, str]] = field(default_factory=list)
    summary: tuple[str, str] | None = None
    #: ``(field name, date as written, feedparser's parsed date or None)``, in preference order.
    dates: list[tuple[str, str | None, time.struct_time | None]] = field(default_factory=list)
    author: str | None = None
    source: str | None = None
    entry_id: str | None = None
    language: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Feed:
    title: str | None = None
    link: str | None = None
    kind: str = "feed"
    warning: str | None = None
    entries: list[Entry] = field(default_factory=list)


def is_json_feed(data: Any) -> bool:
    """A parsed JSON value that is a JSON Feed document (``version`` names jsonfeed.org)."""
    return (isinstance(data, dict) and isinstance(data.get("version"), str)
            and "jsonfeed.org/version/" in data["version"].lower())


def looks_like_json_feed(head: str) -> bool:
    """The start of a text that is a JSON Feed document."""
    return head.lstrip("\ufeff \t\r\n").startswith("{") and bool(_JSON_FEED.search(head[:4096]))


def read_feed(data: bytes, name: str, path: str | None, build: BuildOptions
              ) -> Iterator[Result]:
    """The articles of one feed document (XML or JSON Feed) given as bytes."""
    for item in feed_items(data, name, path, build):
        yield item.result


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed as read: its link and id (for fetching the linked page and for
    knowing it again on the next poll), its date as written, and the Article or Rejection it
    gave. A feed that cannot be read at all is one item with ``number`` 0."""

    number: int
    result: Result
    link: str | None = None
    entry_id: str | None = None
    published: str | None = None
    #: the feed gives only a summary of this entry, or no text at all
    summary_only: bool = False


def feed_items(data: bytes, name: str, path: str | None, build: BuildOptions
               ) -> Iterator[FeedItem]:
    """The entries of one feed document (XML or JSON Feed) given as bytes, each with the
    article it gives (see :func:`read_feed`)."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        try:
            document = json.loads(decode_bytes(data, name))
        except InputError as exc:
            yield FeedItem(0, Rejection(exc.input, exc.reason))
            return
        except (ValueError, RecursionError) as exc:
            yield FeedItem(0, Rejection(name, f"malformed JSON Feed ({str(exc)[:120]})"))
            return
        if not is_json_feed(document):
            yield FeedItem(0, Rejection(name, "JSON but not a JSON Feed (no \"version\": "
                                              "\"https://jsonfeed.org/version/1.1\"): read it "
                                              "as JSON (--input-format json)"))
            return
        yield from _items(_json_feed(clean_json(dict(document))), name, path, build)
        return
    if _SITEMAP.search(data[:4096].decode("latin-1")):
        yield FeedItem(0, Rejection(name, "a sitemap (a list of page addresses, not articles): "
                                          "ingest it with fetching on (`corroborate ingest "
                                          "sitemap.xml`, or its URL) to fetch its pages"))
        return
    feed = _parse_xml_feed(data, name)
    if isinstance(feed, Rejection):
        yield FeedItem(0, feed)
        return
    yield from _items(feed, name, path, build)


def json_feed_articles(document: Mapping[str, Any], name: str, path: str | None,
                       build: BuildOptions) -> Iterator[Result]:
    """The articles of a parsed JSON Feed document."""
    yield from _articles(_json_feed(clean_json(dict(document))), name, path, build)


def _parse_xml_feed(data: bytes, name: str) -> Feed | Rejection:
    try:
        import feedparser
    except ImportError:  # pragma: no cover - a broken install
        return Rejection(name, "reading feeds needs feedparser: pip install feedparser")
    try:
        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True,
                                  resolve_relative_uris=True)
        if type(parsed.get("bozo_exception")).__name__ == "CharacterEncodingOverride":
            # The declared encoding is wrong: feedparser fell back to Windows-1252, which
            # reads any bytes. Our detector (the one of every other reader) tries the legacy
            # encodings that read as one language; the feed is parsed again as UTF-8.
            redone = _redecoded(data, name)
            if redone is not None:
                again = feedparser.parse(io.BytesIO(redone), sanitize_html=True,
                                         resolve_relative_uris=True)
                if again.get("entries") or not parsed.get("entries"):
                    parsed = again
    except Exception as exc:  # feedparser is liberal, but a hostile document can still break it
        return Rejection(name, f"feed could not be read ({type(exc).__name__}: "
                               f"{str(exc)[:120]}): check that it is RSS, Atom or RDF XML")
    meta = parsed.get("feed") or {}
    warning = None
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warning = (f"{type(problem).__name__}: {str(problem)[:160]}" if problem is not None
                   else "ill-formed feed")
    feed = Feed(title=_text_of(meta.get("title"), meta.get("title_detail")),
                link=_string(meta.get("link")), kind=str(parsed.get("version") or "feed"),
                warning=warning)
    inherited = _feed_author(meta)
    language = _string(meta.get("language"))
    for raw in parsed.get("entries") or []:
        feed.entries.append(_xml_entry(raw, inherited, language))
    if not feed.entries:
        if warning is not None and not parsed.get("version"):
            return Rejection(name, f"not a feed that can be read ({warning}): check that it is "
                                   "RSS, Atom or RDF XML")
        if not parsed.get("version"):
            return Rejection(name, "not an RSS, Atom, RDF or JSON feed: no channel or entries "
                                   "in it")
        title = f" {feed.title!r}" if feed.title else ""
        return Rejection(name, f"feed{title} holds no entries" + (
            f" (it is ill-formed: {warning})" if warning else ""))
    return feed


_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


def _redecoded(data: bytes, name: str) -> bytes | None:
    """The feed's bytes as UTF-8, decoded as the other readers decode (see decode.py), its
    XML declaration saying so; None when that finds no encoding either or only Windows-1252
    (what feedparser already used)."""
    try:
        text, codec = detect_and_decode(data, name)
    except InputError:
        return None
    if codec in ("cp1252", "windows-1252"):
        return None
    text = _XML_ENCODING.sub(lambda m: f"{m.group(1)}{m.group(2)}utf-8{m.group(2)}", text,
                             count=1)
    return text.encode("utf-8")


def _xml_entry(raw: dict[str, Any], inherited: str | None, language: str | None) -> Entry:
    entry = Entry(title=_text_of(raw.get("title"), raw.get("title_detail")),
                  link=_string(raw.get("link")), entry_id=_string(raw.get("id")))
    for item in raw.get("content") or []:
        if isinstance(item, Mapping) and isinstance(item.get("value"), str):
            entry.content.append((str(item.get("type") or "text/html"), item["value"]))
            entry.language = entry.language or _string(item.get("language"))
    summary = raw.get("summary")
    if isinstance(summary, str) and summary.strip():
        detail = raw.get("summary_detail") or {}
        entry.summary = (str(detail.get("type") or "text/html"), summary)
    for key in _FEED_DATES:  # dict.get: feedparser's own get maps "updated" to "published"
        text, parsed = dict.get(raw, key), dict.get(raw, f"{key}_parsed")
        if text or parsed:
            entry.dates.append((key, _string(text),
                                parsed if isinstance(parsed, time.struct_time) else None))
    names = author_names(raw.get("authors")) if raw.get("authors") else None
    entry.author = names or _string(raw.get("author")) or inherited
    source = raw.get("source")
    if isinstance(source, Mapping):
        entry.source = _string(source.get("title"))
    entry.language = entry.language or language
    entry.tags = [str(t.get("term")) for t in raw.get("tags") or []
                  if isinstance(t, Mapping) and t.get("term")]
    return entry


def _feed_author(meta: Mapping[str, Any]) -> str | None:
    names = author_names(meta.get("authors")) if meta.get("authors") else None
    return names or _string(meta.get("author"))


def _json_feed(document: Mapping[str, Any]) -> Feed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) as a Feed."""
    feed = Feed(title=_string(document.get("title")),
                link=_string(document.get("home_page_url")), kind="json-feed")
    inherited = _json_authors(document)
    language = _string(document.get("language"))
    items = document.get("items")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            feed.entries.append(Entry())  # rejected as empty, named by its number
            continue
        entry = Entry(title=_string(item.get("title")),
                      link=_string(item.get("url")) or _string(item.get("external_url")),
                      entry_id=_string(item.get("id")),
                      author=_json_authors(item) or inherited,
                      language=_string(item.get("language")) or language)
        if isinstance(item.get("content_html"), str):
            entry.content.append(("text/html", item["content_html"]))
        if isinstance(item.get("content_text"), str):
            entry.content.append(("text/plain", item["content_text"]))
        if isinstance(item.get("summary"), str) and item["summary"].strip():
            entry.summary = ("text/plain", item["summary"])
        for key, name in (("date_published", "published"), ("date_modified", "updated")):
            if isinstance(item.get(key), str):
                entry.dates.append((name, item[key], None))
        tags = item.get("tags")
        entry.tags = [str(t) for t in tags if isinstance(t, str)] if isinstance(tags, list) \
            else []
        feed.entries.append(entry)
    return feed


def _json_authors(obj: Mapping[str, Any]) -> str | None:
    for key in ("authors", "author"):
        value = obj.get(key)
        if value:
            names = author_names(value)
            if names:
                return names
    return None


def _articles(feed: Feed, name: str, path: str | None, build: BuildOptions
              ) -> Iterator[Result]:
    for item in _items(feed, name, path, build):
        yield item.result


def _items(feed: Feed, name: str, path: str | None, build: BuildOptions
           ) -> Iterator[FeedItem]:
    if not feed.entries:
        title = f" {feed.title!r}" if feed.title else ""
        yield FeedItem(0, Rejection(name, f"feed{title} holds no entries"))
        return
    for number, entry in enumerate(feed.entries, start=1):
        entry_name = f"{name}[entry {number}]"
        published = _entry_date(entry.dates)[0]
        try:
            fields = _fields(entry, feed)
        except (ValueError, TypeError, RecursionError) as exc:  # hostile markup in an entry
            yield FeedItem(number, Rejection(entry_name, f"entry could not be read "
                                                         f"({type(exc).__name__}): the other "
                                                         "entries were read"),
                           entry.link, entry.entry_id, published)
            continue
        summary_only = (fields.metadata or {}).get("text_kind") != "content"
        result = build_article(fields, entry_name, path, build)
        if (isinstance(result, Rejection) and fields.metadata
                and fields.metadata.get("text_kind") == "summary"
                and "empty article" in result.reason):
            result = Rejection(entry_name, f"{result.reason}: the feed gives only a summary "
                                           "of this entry, and linked pages are not fetched")
        elif isinstance(result, Rejection) and not entry.content and entry.summary is None:
            result = Rejection(entry_name, "entry without content or summary: the feed gives "
                                           "no text for it (linked pages are not fetched)")
        yield FeedItem(number, result, entry.link, entry.entry_id, published, summary_only)


def _fields(entry: Entry, feed: Feed) -> Fields:
    metadata: dict[str, Any] = {}
    text = ""
    for media_type, value in sorted(entry.content, key=lambda c: -len(c[1])):
        text = _as_text(media_type, value)
        if text.strip():
            metadata["text_kind"] = "content"
            break
    if not text.strip() and entry.summary is not None:
        text = _as_text(*entry.summary)
        metadata["text_kind"] = "summary"
    published, date_field = _entry_date(entry.dates)
    if date_field not in (None, "published"):
        metadata["date_field"] = date_field
    extras: list[tuple[str, str | None]] = [
        ("feed_title", feed.title), ("feed_link", feed.link), ("feed_kind", feed.kind),
        ("feed_entry_id", entry.entry_id), ("language", entry.language),
        ("feed_warning", feed.warning)]
    for key, extra in extras:
        if extra:
            metadata[key] = extra
    if entry.tags:
        metadata["tags"] = entry.tags
    return Fields(text=text, title=entry.title, outlet=entry.source, site_name=feed.title,
                  url=entry.link, published=published, published_source="feed",
                  author=entry.author, metadata=metadata)


def _as_text(media_type: str, value: str) -> str:
    media_type = media_type.lower()
    if media_type in _HTML_TYPES or media_type.endswith(("+xml", "/xml")) \
            or LOOKS_HTML.search(value):
        return html_fragment_text(value)
    return value


def _entry_date(dates: list[tuple[str, str | None, time.struct_time | None]]
                ) -> tuple[str | None, str | None]:
    """``(date for read_published, the field it came from)``: the date as written when it
    reads (it keeps its precision and offset: "2026" stays a year); an RFC 822 date with a
    time read with its offset; else feedparser's parsed date (UTC); else the text as written
    (kept as published_raw). A date with an out-of-range year is given as written, so the
    article is rejected with the reason."""
    for key, text, parsed in dates:
        if text:
            if _CLOCK.search(text):
                rfc822 = _rfc822(text)
                if rfc822 is not None:
                    return rfc822, key
            value, problem = read_published(text)
            if value is not None or problem is not None:
                return text, key
        if parsed is not None:
            try:
                moment = datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError, TypeError):
                continue
            return moment.isoformat(timespec="seconds"), key
    for key, text, _ in dates:
        if text:
            return text, key
    return None, None


def _rfc822(text: str) -> str | None:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None or str(moment.year) not in re.findall(r"(?<!\d)\d{4}(?!\d)", text):
        return None  # a two-digit year, or "0001" read as 2001: read_published says
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _text_of(value: Any, detail: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    media_type = str(detail.get("type") or "") if isinstance(detail, Mapping) else ""
    if media_type.lower() in _HTML_TYPES or LOOKS_HTML.search(value):
        value = plain_html_text(value)
    return " ".join(value.split()) or None


def _string(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
