"""Plain text and Markdown: an optional ``Key: value`` header block, then the title line."""

from __future__ import annotations

import re

from corroborate.ingest.base import Fields

_HEADER = re.compile(r"^(source|date|published|url|author|title)\s*:\s*(.*)$", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def unwrap_paragraphs(lines: list[str]) -> str:
    """One paragraph per line. Text hard-wrapped inside blank-line separated paragraphs is
    joined (a line break there is not a sentence or quotation boundary); text that puts one
    paragraph on each line is kept as it is."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if len(blocks) > 1 or (blocks and len(blocks[0]) > 1 and _looks_wrapped(blocks[0])):
        return "\n".join(" ".join(block) for block in blocks)
    return "\n".join(line for block in blocks for line in block)


def _looks_wrapped(block: list[str]) -> bool:
    """Lines of one block that break mid-sentence: most lines end without closing punctuation."""
    open_ends = sum(1 for line in block[:-1] if not re.search(r"[.!?:\"\u201d)]$", line))
    return open_ends > (len(block) - 1) / 2


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
    wrapped_start = (i + 1 < len(lines) and lines[i + 1].strip()
                     and not re.search(r"[.!?:\"\u201d]$", lines[i].strip())
                     and lines[i + 1].strip()[:1].islower())
    if title is None and i < len(lines) and not wrapped_start:
        title = _MD_HEADING.sub("", lines[i].strip())
        i += 1
    body = unwrap_paragraphs([_MD_HEADING.sub("", line) for line in lines[i:]])
    if not body.strip() and title:
        body, title = title, None  # a single paragraph with no title line
    metadata = {k: v for k, v in header.items() if k not in {"source", "date", "published",
                                                             "url", "author", "title"}}
    return Fields(
        text=body,
        title=title,
        outlet=header.get("source"),
        url=header.get("url") or None,
        published=header.get("date") or header.get("published"),
        published_source="header",
        author=header.get("author"),
        metadata=metadata,
    )
