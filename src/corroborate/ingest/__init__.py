"""Reading inputs into Articles.

``read_inputs`` walks files, directories and ``-`` (stdin) and yields, for each article found,
an :class:`~corroborate.model.Article` or a :class:`Rejection` naming the input and the reason.
It never raises for bad input, so one broken file never stops a batch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from corroborate.config import DEFAULT_MAX_BYTES, DEFAULT_MIN_WORDS
from corroborate.errors import InputError
from corroborate.ingest.base import BuildOptions, Fields, Rejection, build_article
from corroborate.ingest.decode import decode_bytes
from corroborate.ingest.html import parse_html
from corroborate.ingest.jsonl import parse_json_line
from corroborate.ingest.text import parse_text
from corroborate.model import Article

__all__ = [
    "EXTENSIONS", "IngestOptions", "Rejection", "expand_inputs", "read_bytes", "read_inputs",
    "read_one",
]

Result = Article | Rejection


@dataclass(frozen=True, slots=True)
class IngestOptions:
    source: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    min_words: int = DEFAULT_MIN_WORDS

    @property
    def build(self) -> BuildOptions:
        return BuildOptions(source=self.source, min_words=self.min_words)


def _parse_and_build(parse: Callable[[str, str], Fields], content: str, name: str,
                     path: str | None, options: IngestOptions) -> Result:
    try:
        fields = parse(content, name)
    except InputError as exc:
        return Rejection(exc.input, exc.reason)
    return build_article(fields, name, path, options.build)


def _single(parse: Callable[[str, str], Fields]) -> Callable[..., Iterator[Result]]:
    def read(content: str, name: str, path: str | None, options: IngestOptions) -> Iterator[Result]:
        yield _parse_and_build(parse, content, name, path, options)

    return read


def _read_jsonl(content: str, name: str, path: str | None, options: IngestOptions
                ) -> Iterator[Result]:
    seen_any = False
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        seen_any = True
        line_name = f"{name}:{number}"
        if len(line.encode("utf-8")) > options.max_bytes:
            yield Rejection(line_name, f"line over the size limit of {options.max_bytes} bytes")
            continue
        yield _parse_and_build(parse_json_line, line, line_name, path, options)
    if not seen_any:
        yield Rejection(name, "empty file: no JSON lines")


_READERS: dict[str, Callable[..., Iterator[Result]]] = {
    "text": _single(lambda content, _name: parse_text(content)),
    "html": _single(parse_html),
    "jsonl": _read_jsonl,
}

EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def sniff_kind(content: str) -> str:
    """Guess the kind of an input without a telling extension (stdin, odd names)."""
    head = content.lstrip()[:2048].lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<article")):
        return "html"
    lines = [line for line in content.splitlines() if line.strip()][:5]
    if lines and all(line.lstrip().startswith("{") for line in lines):
        try:
            json.loads(lines[0])
        except json.JSONDecodeError:
            return "jsonl"  # reported line by line as malformed JSON
        return "jsonl"
    return "text"


def read_bytes(data: bytes, name: str, options: IngestOptions, *, kind: str | None = None,
               path: str | None = None) -> Iterator[Result]:
    """Articles from an in-memory input (used for stdin, the web form and tests).

    The size limit applies to the whole input, except for JSON Lines, where it applies to each
    line (article): a large archive of small articles is fine."""
    if len(data) > options.max_bytes and kind != "jsonl":
        yield Rejection(name, f"over the size limit of {options.max_bytes} bytes "
                              f"({len(data)} bytes): raise it with --max-bytes")
        return
    try:
        content = decode_bytes(data, name)
    except InputError as exc:
        yield Rejection(exc.input, exc.reason)
        return
    yield from _READERS[kind or sniff_kind(content)](content, name, path, options)


def _read_file(path: Path, options: IngestOptions) -> Iterator[Result]:
    name = str(path)
    kind = EXTENSIONS.get(path.suffix.lower())
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    if size > options.max_bytes and kind != "jsonl":
        yield Rejection(name, f"over the size limit of {options.max_bytes} bytes "
                              f"({size} bytes): raise it with --max-bytes")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    yield from read_bytes(data, name, options, kind=kind, path=name)


_NOT_ARTICLES = re.compile(r"^(?:readme|license|licence|changelog|contributing)(?:\.|$)",
                           re.IGNORECASE)


def _walk(directory: Path) -> Iterator[Path]:
    """Files of known kinds under ``directory``, sorted; hidden files and a folder's own
    README/LICENSE/CHANGELOG are not articles and are skipped."""
    for child in sorted(directory.rglob("*")):
        if any(part.startswith(".") for part in child.relative_to(directory).parts):
            continue
        if _NOT_ARTICLES.match(child.name):
            continue
        if child.is_file() and child.suffix.lower() in EXTENSIONS:
            yield child


def expand_inputs(inputs: Iterable[str]) -> list[str | Rejection]:
    """The files to read: directories searched recursively for known extensions, ``-`` kept for
    stdin, and a Rejection for each path that does not exist or holds nothing readable."""
    expanded: list[str | Rejection] = []
    for item in inputs:
        if item == "-":
            expanded.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            files = [str(f) for f in _walk(path)]
            if not files:
                expanded.append(Rejection(item, "directory holds no .txt, .md, .html or "
                                                ".jsonl files"))
            expanded.extend(files)
        elif path.exists():
            expanded.append(item)
        else:
            expanded.append(Rejection(item, "no such file or directory"))
    return expanded


def read_one(item: str | Rejection, options: IngestOptions, *,
             stdin: BinaryIO | None = None) -> Iterator[Result]:
    """The articles of one expanded input (see :func:`expand_inputs`)."""
    if isinstance(item, Rejection):
        yield item
    elif item == "-":
        if stdin is None:
            yield Rejection("<stdin>", "no standard input available")
            return
        data = stdin.read(options.max_bytes + 1)
        yield from read_bytes(data, "<stdin>", options)
    else:
        yield from _read_file(Path(item), options)


def read_inputs(inputs: Iterable[str], options: IngestOptions | None = None, *,
                stdin: BinaryIO | None = None) -> Iterator[Result]:
    """Yield an Article or a Rejection for every article in ``inputs`` (paths, directories
    searched recursively for known extensions, or ``-`` for ``stdin``)."""
    options = options or IngestOptions()
    for item in expand_inputs(inputs):
        yield from read_one(item, options, stdin=stdin)
