"""Sitemaps (https://www.sitemaps.org/protocol.html): a list of page addresses, or an index of
further sitemaps; Google's news sitemaps add each page's publication date and title.

:func:`parse_sitemap` reads one sitemap document (XML, any namespace prefix; gzip is the
caller's) into its entries; fetching the pages and the sitemaps an index names, bounded in depth
and number, is :mod:`corroborate.ingest.fetch`'s. A news sitemap's ``news:publication_date`` is
a publication date the site declares (used for a page that declares none itself); ``lastmod``
is a modification date, kept beside the article but never taken for its publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from corroborate.ingest.base import Rejection

#: Root elements of a list of pages and of an index of sitemaps.
URLSET: Final = "urlset"
INDEX: Final = "sitemapindex"
_ROOT = re.compile(rb"<(?:[\w.-]+:)?(urlset|sitemapindex)[\s>]", re.IGNORECASE)
_WEB = re.compile(r"^https?://\S+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<url>`` (or, in an index, ``<sitemap>``) of a sitemap."""

    url: str
    lastmod: str | None = None
    #: news sitemaps: ``news:publication_date``, ``news:title``, ``news:name`` (the outlet),
    #: ``news:language``
    news_published: str | None = None
    news_title: str | None = None
    news_outlet: str | None = None
    news_language: str | None = None

    @property
    def key(self) -> str:
        """What says the entry was read before: its address and modification date (a page
        modified since is read again)."""
        return self.url if self.lastmod is None else f"{self.url} lastmod={self.lastmod}"


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: ``kind`` is :data:`URLSET` (pages) or :data:`INDEX` (sitemaps);
    ``skipped`` counts entries without an http(s) address."""

    kind: str
    entries: tuple[SitemapEntry, ...]
    skipped: int = 0


def looks_like_sitemap(head: bytes) -> bool:
    """Whether the start of an (uncompressed) XML document is a sitemap's."""
    return bool(_ROOT.search(head[:4096]))


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: Any, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            text = "".join(child.itertext()).strip()
            return text or None
    return None


def _child(element: Any, name: str) -> Any:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def parse_sitemap(data: bytes, name: str) -> Sitemap | Rejection:
    """The entries of one sitemap document, or a Rejection naming ``name`` and why it cannot
    be read. Entities are not expanded and nothing is loaded from the network."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return Rejection(name, f"sitemap could not be read ({str(exc)[:120]}): check that it is "
                               "sitemap XML")
    if root is None or _local(root.tag) not in (URLSET, INDEX):
        return Rejection(name, "not a sitemap: no <urlset> or <sitemapindex> in it")
    kind = _local(root.tag)
    wanted = "url" if kind == URLSET else "sitemap"
    entries: list[SitemapEntry] = []
    skipped = 0
    for element in root:
        if _local(element.tag) != wanted:
            continue
        loc = _child_text(element, "loc")
        if loc is None or not _WEB.match(loc):
            skipped += 1
            continue
        news = _child(element, "news")
        publication = _child(news, "publication") if news is not None else None
        entries.append(SitemapEntry(
            url=loc, lastmod=_child_text(element, "lastmod"),
            news_published=_child_text(news, "publication_date") if news is not None else None,
            news_title=_child_text(news, "title") if news is not None else None,
            news_outlet=(_child_text(publication, "name") if publication is not None
                         else None),
            news_language=(_child_text(publication, "language") if publication is not None
                           else None)))
    if not entries:
        what = "pages" if kind == URLSET else "sitemaps"
        return Rejection(name, f"sitemap lists no {what}" + (
            f" ({skipped} entries without an http(s) address)" if skipped else ""))
    return Sitemap(kind, tuple(entries), skipped)
