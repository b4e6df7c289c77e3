"""A web page's publication date from what the page declares about itself, never from its text.

In order, the first value that reads as a date (:func:`corroborate.ingest.base.read_published`)
wins:

1. JSON-LD ``datePublished`` (an Article-like object first: ``NewsArticle``, ``BlogPosting``,
   ``Report``, ...; then any object), then JSON-LD ``dateCreated`` of an Article-like object;
2. ``<meta>`` publication tags: ``article:published_time``, ``og:published_time``,
   ``itemprop="datePublished"``, ``pubdate``, ``publishdate``, ``date``, Dublin Core
   ``DC.date.issued`` / ``DC.date`` / ``dcterms.created``, ``parsely-pub-date``,
   ``sailthru.date``, ``citation_publication_date``, ...;
3. an element marked ``itemprop="datePublished"`` (its ``datetime``/``content``), a
   ``<time pubdate>``, else the first ``<time datetime>`` of the page's ``<article>`` (outside
   comments, related links, asides and footers, and not one marked as a modification);
4. the URL path (the page's canonical URL, ``og:url``, else the URL it was fetched from):
   ``/2024/03/05/``, ``/2024-03-05/``, ``/20240305/`` give the day, ``/2024/03/`` the month.

Sources 1-3 are ``published_source`` "metadata", 4 is "url"; nothing found is "none": the
page's body text (a year mentioned, a date in a sidebar) is never read for the date, and a
modification date (``dateModified``, ``article:modified_time``, ``og:updated_time``) is never
taken for the publication date. A time of day and its offset are kept as written.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Iterator
from typing import Any, Final

from corroborate.ingest.base import read_published

#: Meta tags (``property``, ``name`` or ``itemprop``, lower-cased) that give the publication date,
#: most specific first.
META_KEYS: Final = (
    "article:published_time", "og:published_time", "og:article:published_time",
    "article:published", "datepublished", "article.published", "parsely-pub-date",
    "sailthru.date", "publishdate", "publish-date", "publish_date", "pubdate",
    "dc.date.issued", "dcterms.issued", "citation_publication_date", "citation_date",
    "originalpublicationdate", "cxenseparse:recs:publishtime", "date", "dc.date",
    "dcterms.date", "dc.date.created", "dcterms.created", "bepress_citation_date",
)
_ARTICLE_TYPES = re.compile(r"article|posting|report|news|blog", re.IGNORECASE)
_OUTSIDE = re.compile(r"comment|related|recommend|teaser|sidebar|aside|footer|modif|updat",
                      re.IGNORECASE)
_URL_DAY = re.compile(
    r"/(?P<y>(?:19|20)\d{2})(?P<s>[/_-])(?P<m>0?[1-9]|1[0-2])(?P=s)(?P<d>0?[1-9]|[12]\d|3[01])"
    r"(?=[/_.-]|$)"
    r"|/(?P<y2>(?:19|20)\d{2})(?P<m2>0[1-9]|1[0-2])(?P<d2>0[1-9]|[12]\d|3[01])(?=/|$)")
_URL_MONTH = re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0?[1-9]|1[0-2])(?=/)")
_RFC2822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
#: Epoch zero and other "no date" placeholders some sites write.
_PLACEHOLDERS: Final = ("1970-01-01", "1900-01-01")


def page_date(tree: Any, urls: tuple[str | None, ...]) -> tuple[str | None, str, str | None]:
    """``(date as written, published_source, the field it came from)`` for a parsed page
    (an lxml tree, before any cleaning); ``urls`` are tried in order for a dated path."""
    for value, where in _declared(tree):
        value = _rfc2822(value) or value
        if _readable(value):
            return value.strip(), "metadata", where
    for url in urls:
        found = url_date(url)
        if found is not None:
            return found, "url", "url"
    return None, "none", None


def url_date(url: str | None) -> str | None:
    """``YYYY-MM-DD`` (or ``YYYY-MM``) from a dated URL path, else None."""
    if not url:
        return None
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", url.split("?", 1)[0].split("#", 1)[0],
                  flags=re.IGNORECASE)
    match = _URL_DAY.search(path)
    if match:
        if match.group("y"):
            y, m, d = match.group("y"), match.group("m"), match.group("d")
        else:
            y, m, d = match.group("y2"), match.group("m2"), match.group("d2")
        value = f"{y}-{int(m):02d}-{int(d):02d}"
        return value if _readable(value) else None
    match = _URL_MONTH.search(path)
    if match:
        return f"{match.group('y')}-{int(match.group('m')):02d}"
    return None


def _rfc2822(value: str | None) -> str | None:
    """ISO 8601 for an e-mail style date ("Tue, 4 May 2021 19:18:00 +0200"), else None."""
    if not value or not _RFC2822.match(value.strip()):
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # "-0000": the zone is unknown
        return moment.replace(tzinfo=None).isoformat(timespec="seconds")
    return moment.isoformat(timespec="seconds")


def _readable(value: str | None) -> bool:
    if not value or not value.strip() or value.strip()[:10] in _PLACEHOLDERS:
        return False
    found, problem = read_published(value)
    return found is not None and problem is None


def _declared(tree: Any) -> Iterator[tuple[str, str]]:
    objects = list(_jsonld(tree))
    articles = [o for o in objects if _ARTICLE_TYPES.search(_types(o))]
    for group in (articles, objects):
        for obj in group:
            value = obj.get("datePublished")
            if isinstance(value, str):
                yield value, "json-ld datePublished"
    for obj in articles:
        value = obj.get("dateCreated")
        if isinstance(value, str):
            yield value, "json-ld dateCreated"
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (meta.get(attr) or "").strip().lower()
            if key.startswith(("dc:", "dcterms:")):  # "DC:date" as "DC.date"
                key = key.replace(":", ".", 1)
            if key:
                metas.setdefault(key, content)
    for key in META_KEYS:
        if key in metas:
            yield metas[key], f"meta {key}"
    for element in tree.xpath("//*[@itemprop='datePublished']"):
        value = element.get("datetime") or element.get("content") or element.text_content()
        if value:
            yield value, "itemprop datePublished"
    for element in tree.xpath("//time[@pubdate][@datetime]"):
        yield element.get("datetime"), "time pubdate"
    for scope in tree.xpath("//article")[:1]:
        for element in scope.iter("time"):
            if element.get("datetime") and not _outside(element):
                yield element.get("datetime"), "article time"
                break


def _outside(element: Any) -> bool:
    """A ``<time>`` in comments, related links, an aside or a footer, or marked as an update."""
    node = element
    while node is not None and node.tag != "article":
        if node.tag in ("aside", "footer") or _OUTSIDE.search(
                f"{node.get('class') or ''} {node.get('id') or ''} {node.get('itemprop') or ''}"):
            return True
        node = node.getparent()
    return False


def _jsonld(tree: Any) -> Iterator[dict[str, Any]]:
    def walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
        if depth > 6:
            return
        if isinstance(node, list):
            for item in node:
                yield from walk(item, depth + 1)
        elif isinstance(node, dict):
            yield node
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                if key in node:
                    yield from walk(node[key], depth + 1)

    for script in tree.xpath("//script[@type]"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        yield from walk(data)


def _types(obj: dict[str, Any]) -> str:
    kind = obj.get("@type", "")
    return " ".join(map(str, kind)) if isinstance(kind, list) else str(kind)
