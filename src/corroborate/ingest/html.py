"""HTML pages: main text, title, date, site name, author and canonical URL via trafilatura."""

from __future__ import annotations

import html
import re
from typing import Any

from corroborate.errors import InputError
from corroborate.ingest.base import Fields


def parse_html(content: str, input_name: str) -> Fields:
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - a broken install
        raise InputError(
            input_name,
            "HTML extraction needs trafilatura and lxml_html_clean: "
            "pip install trafilatura lxml_html_clean",
        ) from exc
    document = trafilatura.bare_extraction(
        content,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    if document is None:
        raise InputError(input_name, "no article text could be extracted from this HTML page")
    data: dict[str, Any] = document if isinstance(document, dict) else document.as_dict()
    text = data.get("text") or ""
    if not text.strip():
        raise InputError(input_name, "no article text could be extracted from this HTML page")
    metadata = {
        key: data[key]
        for key in ("description", "categories", "tags", "language")
        if data.get(key)
    }
    return Fields(
        text=text,
        title=data.get("title"),
        site_name=data.get("sitename"),
        url=data.get("url"),
        published=data.get("date"),
        author=data.get("author"),
        metadata=metadata,
    )


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
