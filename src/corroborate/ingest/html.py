"""HTML pages: main text, title, date, site name, author and canonical URL via trafilatura.

The publication date is the one the page declares (:mod:`corroborate.ingest.pagedate`: JSON-LD,
OpenGraph/``article:published_time``, ``<meta name="date">``, ``<time>`` in the article, a
dated URL path), never one found in the body text; trafilatura's own date search (htmldate,
which falls back to dates in the text) is not used. The title loses a trailing (or leading)
site name or date ("... | DW | 19.01.2020", "... - The Guardian"); the title as given is kept as
``title_raw`` in the metadata. A page with under :data:`STUB_CHARS` characters of text is
flagged (``stub`` in the metadata, with the reason): a teaser, paywall stub or caption-only
page, or a short news item."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any, Final

from corroborate.errors import InputError
from corroborate.ingest.base import Fields, read_published, url_host
from corroborate.ingest.pagedate import page_date

#: Pages with less main text than this (in characters) are flagged as stubs.
STUB_CHARS: Final = 400


def parse_html(content: str, input_name: str, *, url: str | None = None) -> Fields:
    """``url``: where the page was fetched from (a WARC record's target URI), for a dated URL
    path when the page names no canonical URL of its own."""
    try:
        import trafilatura
        from trafilatura.utils import load_html
    except ImportError as exc:  # pragma: no cover - a broken install
        raise InputError(
            input_name,
            "HTML extraction needs trafilatura and lxml_html_clean: "
            "pip install trafilatura lxml_html_clean",
        ) from exc
    tree = load_html(content)
    if tree is None:
        raise InputError(input_name, "no article text could be extracted from this HTML page")
    try:
        canonical = tree.xpath("//link[@rel='canonical']/@href|//meta[@property='og:url']/@content")
    except ValueError:  # pragma: no cover - lxml on hostile markup
        canonical = []
    published, published_source, published_field = page_date(
        tree, (*(str(c) for c in canonical[:2]), url))
    document = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        # htmldate's date is not used (see above): its cheapest search
        date_extraction_params={"extensive_search": False, "original_date": False},
    )
    if document is None:
        raise InputError(input_name, "no article text could be extracted from this HTML page")
    data: dict[str, Any] = document if isinstance(document, dict) else document.as_dict()
    text = data.get("text") or ""
    if not text.strip():
        raise InputError(input_name, "no article text could be extracted from this HTML page")
    metadata: dict[str, Any] = {
        key: data[key]
        for key in ("description", "categories", "tags", "language")
        if data.get(key)
    }
    if published_field:
        metadata["published_field"] = published_field
    raw_title = data.get("title")
    title = clean_title(raw_title, (data.get("sitename"), url_host(data.get("url")),
                                    url_host(url)))
    if raw_title and title != raw_title:
        metadata["title_raw"] = raw_title
    chars = len(" ".join(text.split()))
    if chars < STUB_CHARS:
        kind = stub_kind(text)
        if kind is not None:
            raise InputError(input_name, f"stub page: only {chars} characters of text (under "
                                         f"{STUB_CHARS}), {kind}")
        metadata["stub"] = (f"only {chars} characters of text (under {STUB_CHARS}): a teaser, "
                            "paywall stub or caption-only page, or a short item")
    return Fields(
        text=text,
        title=title,
        site_name=data.get("sitename"),
        url=data.get("url"),
        published=published,
        published_source=published_source,
        author=data.get("author"),
        metadata=metadata,
    )


#: What a short page's text says when it is a paywall or sign-in stub (several languages).
_PAYWALL = re.compile(
    r"\b(?:subscribe|subscribers? only|subscription|sign in to|log in to|register to|"
    r"continue reading|read the full|to read more|premium content|abonnieren|abonnenten|"
    r"abo\b|weiterlesen|jetzt lesen|registrieren|abonnez|réservé aux abonnés|"
    r"suscríbete|suscriptores|abbonati)", re.IGNORECASE)
#: A photo credit ending a line: "... Photo: AP", "Foto: dpa", "(Image: Reuters)".
_CREDIT = re.compile(r"(?:photo|foto|image|bild|picture|credit|crédit|©)\s*:?\s*[^.!?]{0,60}"
                     r"\)?\s*$", re.IGNORECASE)


def stub_kind(text: str) -> str | None:
    """Why a short page's text is a stub rather than a short article: "a paywall or sign-in
    stub" (it asks to subscribe or log in) or "captions only" (every line ends in a photo
    credit); None when nothing says so."""
    if _PAYWALL.search(text):
        return "a paywall or sign-in stub"
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(_CREDIT.search(line) for line in lines):
        return "captions only"
    return None


#: Separators between a headline and a site name or date in a page title: " | ", " - ",
#: " – ", " — ", " · ", " :: ", " // ", " » ", " « ".
_TITLE_SEPARATOR = re.compile(r"\s+(?:\||-{1,2}|–|—|·|•|::|//|»|«)\s+")
_SECOND_LEVEL: Final = frozenset({"co", "com", "org", "net", "ac", "gov", "or", "ne", "gv"})


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _site_keys(names: tuple[str | None, ...]) -> tuple[set[str], set[str]]:
    """``(whole names, host labels)``: keys a site-name segment may equal, and the registered
    labels of the hosts ("theguardian" for www.theguardian.com) a segment may hold."""
    whole: set[str] = set()
    labels: set[str] = set()
    for name in names:
        if not name or not name.strip():
            continue
        whole.add(_key(name))
        whole.add(_key(name).removeprefix("the"))
        if "." in name and " " not in name.strip():
            parts = name.strip().lower().removeprefix("www.").split(".")
            if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL:
                parts = parts[:-1]
            if len(parts) >= 2 and len(parts[-2]) >= 2:
                label = _key(parts[-2])
                labels.add(label)
                whole.add(label)
    whole.discard("")
    return whole, {label for label in labels if len(label) >= 4}


def _is_site(segment: str, whole: set[str], labels: set[str]) -> bool:
    key = _key(segment)
    if not key:
        return False
    if key in whole or key.removeprefix("the") in whole:
        return True
    # "SPIEGEL ONLINE" on spiegel.de, "Reuters.com": a short segment holding the host's name
    return len(segment.split()) <= 3 and any(label in key for label in labels)


def _is_date(segment: str) -> bool:
    if not re.search(r"\d", segment) or len(segment.split()) > 5 or len(segment) > 40:
        return False
    if not re.fullmatch(r"[\w\s.,/:-]+", segment):
        return False
    found, _ = read_published(segment)
    return found is not None and len(found) >= 7  # a month or a day, not a year alone


def clean_title(title: str | None, names: tuple[str | None, ...]) -> str | None:
    """The title without a trailing site name or date ("Title | DW | 19.01.2020" -> "Title",
    "Title - The Guardian" -> "Title") or a leading site name ("DW | Title"). Only a segment
    after a spaced separator that is the site's name (its declared name, or its host's name)
    or a date goes; the headline itself, which may hold the same separators, is kept."""
    if not title or not title.strip():
        return title
    whole, labels = _site_keys(names)
    parts = _TITLE_SEPARATOR.split(title.strip())
    seps = _TITLE_SEPARATOR.findall(title.strip())
    while len(parts) > 1 and (_is_date(parts[-1]) or _is_site(parts[-1], whole, labels)):
        parts.pop()
        seps.pop()
    if len(parts) > 1 and _is_site(parts[0], whole, labels):
        parts.pop(0)
        seps.pop(0)
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    return out.strip() or title


#: A tag that marks a string as HTML rather than text with a stray "<" (JSON ``text`` fields,
#: feed summaries declared as plain text).
LOOKS_HTML = re.compile(
    r"<(?:p|br|div|span|a|h[1-6]|ul|ol|li|img|strong|em|b|i|u|blockquote|figure|figcaption|"
    r"table|tr|td|section|article|header|footer|iframe|script|style|font|center)(?:\s[^>]*)?/?>",
    re.IGNORECASE)
_BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                     "section", "article", "tr", "table", "ul", "ol", "figure", "pre", "hr",
                     "header", "footer", "dd", "dt"})
_DROPPED = frozenset({"script", "style", "img", "iframe", "object", "embed", "noscript",
                      "svg", "figcaption", "video", "audio", "form", "button"})


def html_fragment_text(fragment: str) -> str:
    """Text of an HTML fragment (a feed entry's content, HTML inside a JSON ``text`` field):
    the extraction the HTML reader uses (trafilatura, without its fallback extractors, which
    cost ten times as much and judge whole pages) over the fragment as a page's article;
    when that finds nothing (a fragment too short for it to trust), the fragment's text with
    scripts, styles, images (tracking pixels) and embeds dropped. Never tags."""
    if not fragment.strip():
        return ""
    page = f"<html><body><article>{fragment}</article></body></html>"
    try:
        import trafilatura

        document = trafilatura.bare_extraction(
            page, with_metadata=False, include_comments=False, include_tables=False,
            favor_precision=True, fast=True)
    except ImportError:  # pragma: no cover - a broken install
        document = None
    except (ValueError, TypeError, RecursionError):  # lxml on hostile markup
        document = None
    if document is not None:
        data: dict[str, Any] = document if isinstance(document, dict) else document.as_dict()
        text = str(data.get("text") or "")
        if text.strip():
            return text
    return plain_html_text(fragment)


def plain_html_text(fragment: str) -> str:
    """Tags dropped, blocks on lines of their own, entities decoded (lxml, else a regex)."""
    try:
        import lxml.html

        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml's ParserError and friends on broken markup, or no lxml
        text = html.unescape(re.sub(r"<[^>]*>", " ", fragment))
        return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.lower() in _DROPPED:
            if element.tail:
                parts.append(element.tail)
            return
        block = tag.lower() in _BLOCKS
        if block:
            parts.append("\n")
        if element.text and tag:
            parts.append(element.text)
        for child in element:
            walk(child)
        if block:
            parts.append("\n")
        if element.tail:
            parts.append(element.tail)

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
