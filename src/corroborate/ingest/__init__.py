"""Reading inputs into Articles.

``read_inputs`` walks files, directories and ``-`` (stdin) and yields, for each article found,
an :class:`~corroborate.model.Article` or a :class:`Rejection` naming the input and the reason.
It never raises for bad input, so one broken file never stops a batch.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

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


class _LineReader(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def _bounded_lines(stream: _LineReader, limit: int) -> Iterator[bytes | None]:
    """Lines of a binary stream, reading at most ``limit`` bytes of any line; a longer line is
    skipped to its end and given as None."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the oversized line
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _read_jsonl_stream(stream: _LineReader, name: str, path: str | None,
                       options: IngestOptions) -> Iterator[Result]:
    """JSON Lines read line by line: memory stays bounded by the size limit of one line."""
    seen_any = False
    for number, raw in enumerate(_bounded_lines(stream, options.max_bytes), start=1):
        line_name = f"{name}:{number}"
        if raw is None:
            seen_any = True
            yield Rejection(line_name, f"line over the size limit of {options.max_bytes} bytes: "
                                       "raise it with --max-bytes")
            continue
        if not raw.strip():
            continue
        seen_any = True
        try:
            line = decode_bytes(raw, line_name)
        except InputError as exc:
            yield Rejection(exc.input, exc.reason)
            continue
        yield _parse_and_build(parse_json_line, line, line_name, path, options)
    if not seen_any:
        yield Rejection(name, "empty file: no JSON lines")


def _read_jsonl(content: str, name: str, path: str | None, options: IngestOptions
                ) -> Iterator[Result]:
    yield from _read_jsonl_stream(io.BytesIO(content.encode("utf-8")), name, path, options)


def _read_json(content: str, name: str, path: str | None, options: IngestOptions
               ) -> Iterator[Result]:
    """A .json file: one article object, or an array of them (named file[index])."""
    try:
        data = json.loads(content)
    except (json.JSONDecodeError, RecursionError) as exc:
        yield Rejection(name, f"malformed JSON ({exc})")
        return
    items = data if isinstance(data, list) else [data]
    if not items:
        yield Rejection(name, "empty JSON array: no articles")
    for index, item in enumerate(items):
        item_name = f"{name}[{index}]" if isinstance(data, list) else name
        yield _parse_and_build(parse_json_line, json.dumps(item), item_name, path, options)


_READERS: dict[str, Callable[..., Iterator[Result]]] = {
    "text": _single(lambda content, _name: parse_text(content)),
    "html": _single(parse_html),
    "jsonl": _read_jsonl,
    "json": _read_json,
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
    ".json": "json",
}


def sniff_kind(content: str) -> str:
    """Guess the kind of an input without a telling extension (stdin, odd names)."""
    head = content.lstrip("\ufeff \t\r\n")[:2048].lower()
    if head.startswith("<") and re.match(
            r"<(?:!doctype html|html|head|body|article|main|section|div|p|h1|\?xml|!--)", head):
        return "html"
    lines = [line for line in content.splitlines() if line.strip()][:5]
    if lines and all(line.lstrip().startswith("{") for line in lines):
        return "jsonl"  # a bad line is reported line by line as malformed JSON
    if head.startswith(("{", "[")):
        return "json"  # one pretty-printed object or an array of articles
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
        if not path.is_file():
            yield Rejection(name, "not a regular file (a device, pipe or socket): "
                                  "pipe it to `corroborate ingest -` instead")
            return
        size = path.stat().st_size
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    if kind == "jsonl":
        try:
            with path.open("rb") as stream:
                yield from _read_jsonl_stream(stream, name, name, options)
        except OSError as exc:
            yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    if size > options.max_bytes:
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
        yield from _read_stdin(stdin, options)
    else:
        yield from _read_file(Path(item), options)


def _read_stdin(stdin: BinaryIO, options: IngestOptions) -> Iterator[Result]:
    """Standard input: JSON Lines are streamed line by line; anything else is read whole,
    up to the size limit."""
    head = stdin.read(min(65536, options.max_bytes + 1))
    kind = sniff_kind(head.decode("utf-8", errors="ignore"))
    if kind == "jsonl":
        yield from _read_jsonl_stream(_Chained(head, stdin), "<stdin>", None, options)
        return
    data = head + stdin.read(max(0, options.max_bytes + 1 - len(head)))
    yield from read_bytes(data, "<stdin>", options)


class _Chained:
    """Bytes already read, then the rest of a stream, read line by line."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = io.BytesIO(head)
        self._rest = rest

    def readline(self, limit: int = -1, /) -> bytes:
        line = self._head.readline(limit)
        if line.endswith(b"\n") or (limit >= 0 and len(line) >= limit):
            return line
        more = self._rest.readline(-1 if limit < 0 else limit - len(line))
        return line + more


def read_inputs(inputs: Iterable[str], options: IngestOptions | None = None, *,
                stdin: BinaryIO | None = None) -> Iterator[Result]:
    """Yield an Article or a Rejection for every article in ``inputs`` (paths, directories
    searched recursively for known extensions, or ``-`` for ``stdin``)."""
    options = options or IngestOptions()
    for item in expand_inputs(inputs):
        yield from read_one(item, options, stdin=stdin)
