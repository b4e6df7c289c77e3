"""Plain text and Markdown: an optional ``Key: value`` header block, then the title line."""

from __future__ import annotations

import re

from corroborate.ingest.base import Fields

_HEADER = re.compile(r"^(source|date|published|url|author|title)\s*:\s*(.*)$", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def parse_text(content: str) -> Fields:
    """Split a text file into header fields, title (first non-header line) and body."""
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines):
        match = _HEADER.match(lines[i].strip())
        if not match:
            break
        header[match.group(1).lower()] = match.group(2).strip()
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    title = header.get("title")
    if title is None and i < len(lines):
        title = _MD_HEADING.sub("", lines[i].strip())
        i += 1
    body = "\n".join(_MD_HEADING.sub("", line) for line in lines[i:])
    metadata = {k: v for k, v in header.items() if k not in {"source", "date", "published",
                                                             "url", "author", "title"}}
    return Fields(
        text=body,
        title=title,
        site_name=header.get("source"),
        url=header.get("url") or None,
        published=header.get("date") or header.get("published"),
        author=header.get("author"),
        metadata=metadata,
    )
