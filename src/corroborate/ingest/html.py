"""HTML pages: main text, title, date, site name, author and canonical URL via trafilatura."""

from __future__ import annotations

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
