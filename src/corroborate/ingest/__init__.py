"""Reading inputs into Articles.

``read_inputs`` walks files, directories and ``-`` (stdin) and yields, for each article found,
an :class:`~corroborate.model.Article` or a :class:`Rejection` naming the input and the reason.
It never raises for bad input, so one broken file never stops a batch.

Files and standard input go through one reader (:func:`read_stream`): the kind is the one forced
with ``IngestOptions(input_format=...)``, else the file's extension, else recognised from the
content (:func:`sniff_kind`); JSON Lines are read line by line in any encoding, so memory stays
bounded by one line, and WARC/ARC archives record by record (:mod:`corroborate.ingest.warc`).
Feeds (RSS, Atom, RDF, JSON Feed) give one article per entry (:mod:`corroborate.ingest.feed`).
Gzipped inputs (``.gz``, or gzip data under any name) are decompressed as they are read.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, Final, Literal, Protocol, cast

from corroborate.config import DEFAULT_MAX_BYTES, DEFAULT_MIN_WORDS
from corroborate.errors import InputError, UsageError
from corroborate.ingest.base import BuildOptions, Fields, Rejection, Skipped, build_article
from corroborate.ingest.decode import (
    decode_bytes,
    decode_with,
    detect_and_decode,
    refuse_binary,
    unicode_encoding,
)
from corroborate.ingest.feed import (
    is_json_feed,
    json_feed_articles,
    looks_like_json_feed,
    read_feed,
)
from corroborate.ingest.html import parse_html
from corroborate.ingest.jsonl import parse_json_line
from corroborate.ingest.outlets import (
    ARCHIVE_HOSTS,
    OutletNames,
    archived_site,
    load_outlet_names,
    unwrap_archive,
    url_host,
)
from corroborate.ingest.sitemap import looks_like_sitemap
from corroborate.ingest.text import parse_text
from corroborate.ingest.warc import GzipGuard, read_archive
from corroborate.model import Article

__all__ = [
    "EXTENSIONS", "INPUT_FORMATS", "PLANNED_FORMATS", "SKIP_KINDS", "FetchURL", "IngestOptions",
    "Inputs", "OutletNames", "Rejection", "Skipped", "check_input_format", "count_skipped",
    "expand_inputs", "is_url", "list_inputs", "load_outlet_names", "read_bytes", "read_inputs",
    "read_one", "read_stream", "sniff_kind",
]

Result = Article | Rejection

#: The kinds an input can be read as, for ``IngestOptions(input_format=...)`` and the CLI's
#: ``--input-format``: ``feed`` is RSS/Atom/RDF or JSON Feed, ``warc`` a WARC or ARC archive.
INPUT_FORMATS: Final = ("text", "html", "jsonl", "json", "feed", "warc")
#: Kinds that are planned but not read yet: refused with a "not supported yet" UsageError
#: rather than read as something else. None at present (feeds and WARC are read).
PLANNED_FORMATS: Final[tuple[str, ...]] = ()
#: Comment lines in JSON Lines (and before the first line when recognising it): a line whose
#: first non-blank characters are one of these is skipped.
COMMENT_PREFIXES: Final = ("#", "//")


def check_input_format(value: str | None) -> None:
    """Raise UsageError unless ``value`` is None (recognise the kind) or one of INPUT_FORMATS."""
    if value is None or value in INPUT_FORMATS:
        return
    choices = ", ".join(INPUT_FORMATS)
    if value in PLANNED_FORMATS:
        raise UsageError(f"input format {value!r} is not supported yet: use one of {choices}, "
                         "or leave the format out to recognise it")
    raise UsageError(f"unknown input format {value!r}: use one of {choices}")


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How inputs are read. ``input_format`` forces the kind of every input (one of
    :data:`INPUT_FORMATS`); None reads it from the extension, else from the content."""

    source: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    min_words: int = DEFAULT_MIN_WORDS
    input_format: str | None = None
    #: Domains and names of outlets -> canonical outlet names (:class:`OutletNames`: the
    #: shipped mapping, or :func:`load_outlet_names` for a user's file over it); None: the
    #: shipped mapping.
    outlets: OutletNames | None = None

    def __post_init__(self) -> None:
        check_input_format(self.input_format)

    @property
    def build(self) -> BuildOptions:
        return BuildOptions(source=self.source, min_words=self.min_words, outlets=self.outlets)


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


class _TextLineReader(Protocol):
    def readline(self, size: int = -1, /) -> str: ...


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


def _bounded_text_lines(stream: _TextLineReader, limit: int) -> Iterator[str | None]:
    """Like :func:`_bounded_lines` for a text stream (UTF-16 and UTF-32, decoded as read)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith("\n"):
            while True:
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith("\n"):
                    break
            yield None
            continue
        yield line


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith(COMMENT_PREFIXES)


class _LineDecoder:
    """Bytes of one JSON line to text: UTF-8, else the legacy encoding found for an earlier line
    of the same input, else detected for this line."""

    def __init__(self) -> None:
        self.legacy: str | None = None

    def __call__(self, raw: bytes, name: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if self.legacy is not None:
            text = decode_with(raw, self.legacy)
            if text is not None:
                return text
        text, codec = detect_and_decode(raw, name)
        if codec != "utf-8":
            self.legacy = codec
        return text


def _jsonl_lines(stream: io.BufferedIOBase, name: str, options: IngestOptions,
                 codec: str | None) -> Iterator[tuple[int, str | Rejection]]:
    """``(line number, text or Rejection)`` for each line of a JSON Lines stream. ``codec`` is
    the UTF-16/UTF-32 codec of the stream (lines are split after decoding), or None for
    byte-oriented encodings (split on b"\\n", each line decoded)."""
    too_long = (f"line over the size limit of {options.max_bytes} bytes: "
                "raise it with --max-bytes")
    if codec is not None and not codec.startswith("utf-8"):
        width = 4 if codec.startswith("utf-32") else 2
        text_stream = io.TextIOWrapper(cast(io.BufferedReader, stream), encoding=codec,
                                       errors="strict", newline="\n")
        number = 0
        try:
            for number, line in enumerate(
                    _bounded_text_lines(text_stream, max(1, options.max_bytes // width)),
                    start=1):
                yield number, (line if line is not None else Rejection(f"{name}:{number}",
                                                                       too_long))
        except UnicodeDecodeError as exc:
            label = codec.upper().removesuffix("-LE").removesuffix("-BE")
            yield number + 1, Rejection(
                f"{name}:{number + 1}", f"broken {label} text ({exc.reason}); the rest of the "
                                        "input was not read: convert it to UTF-8")
        return
    decode = _LineDecoder()
    for number, raw in enumerate(_bounded_lines(stream, options.max_bytes), start=1):
        line_name = f"{name}:{number}"
        if raw is None:
            yield number, Rejection(line_name, too_long)
            continue
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            yield number, ""
            continue
        try:
            yield number, decode(raw, line_name)
        except InputError as exc:
            yield number, Rejection(exc.input, exc.reason)


def _read_jsonl_stream(stream: io.BufferedIOBase, name: str, path: str | None,
                       options: IngestOptions, codec: str | None = None) -> Iterator[Result]:
    """JSON Lines read line by line: memory stays bounded by the size limit of one line. Blank
    lines and comment lines (``#`` or ``//`` first) are skipped; each bad line is a Rejection
    named ``name:N``."""
    seen_any = False
    for number, line in _jsonl_lines(stream, name, options, codec):
        if isinstance(line, Rejection):
            seen_any = True
            yield line
            continue
        if not line.strip() or _is_comment(line):
            continue
        seen_any = True
        yield _parse_and_build(parse_json_line, line, f"{name}:{number}", path, options)
    if not seen_any:
        yield Rejection(name, "empty file: no JSON lines")


def _read_jsonl(content: str, name: str, path: str | None, options: IngestOptions
                ) -> Iterator[Result]:
    yield from _read_jsonl_stream(io.BytesIO(content.encode("utf-8", "replace")), name, path,
                                  options)


def _read_json(content: str, name: str, path: str | None, options: IngestOptions
               ) -> Iterator[Result]:
    """A .json file: one article object, or an array of them (named file[index]); a JSON Feed
    document gives one article per item (named file[entry N])."""
    try:
        data = json.loads(content)
    except (json.JSONDecodeError, RecursionError) as exc:
        yield Rejection(name, f"malformed JSON ({exc})")
        return
    if is_json_feed(data):
        yield from json_feed_articles(data, name, path, options.build)
        return
    items = data if isinstance(data, list) else [data]
    if not items:
        yield Rejection(name, "empty JSON array: no articles")
    for index, item in enumerate(items):
        item_name = f"{name}[{index}]" if isinstance(data, list) else name
        try:
            line = json.dumps(item)
        except (ValueError, RecursionError):
            yield Rejection(item_name, "malformed JSON (nested too deeply)")
            continue
        yield _parse_and_build(parse_json_line, line, item_name, path, options)


def _archived(fields: Fields, content: str) -> Fields:
    """A page saved from a web archive with no URL of its own: the site it was saved from
    (:func:`~corroborate.ingest.outlets.archived_site`), for its outlet."""
    if fields.header_source or (fields.url and (unwrap_archive(fields.url) is not None
                                                or url_host(fields.url) not in ARCHIVE_HOSTS)):
        return fields  # a URL of its own, or an archive URL naming the page it saved
    site = archived_site(content)
    return fields if site is None else dataclasses.replace(fields, header_source=site)


_READERS: dict[str, Callable[..., Iterator[Result]]] = {
    "text": _single(lambda content, _name: parse_text(content)),
    "html": _single(lambda content, name: _archived(parse_html(content, name), content)),
    "jsonl": _read_jsonl,
    "json": _read_json,
}

#: The kind of a file by its extension (``.gz`` after one of these: decompressed, then that
#: kind). ``.xml`` files, and ``.gz`` without another known extension, are recognised from
#: their content (a feed, an XHTML page, ...).
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
    ".rss": "feed",
    ".atom": "feed",
    ".rdf": "feed",
    ".warc": "warc",
    ".arc": "warc",
}
#: Read from a directory and recognised from their content: XML (feeds, XHTML).
SNIFFED_EXTENSIONS: Final = frozenset({".xml"})


def kind_of_name(name: str) -> str | None:
    """The kind a file name says (see :data:`EXTENSIONS`), looking through ``.gz``; None when
    it says none (the content then does)."""
    path = Path(name)
    suffix = path.suffix.lower()
    if suffix == ".gz":
        suffix = Path(path.stem).suffix.lower()
    return EXTENSIONS.get(suffix)

_HTML_START = re.compile(
    r"<(?:!doctype html|html|head|body|article|main|section|div|p|h1|\?xml|!--)")
_SNIFF_LINES = 20
# What may come before an XML document's root element: declarations, comments, a doctype
# (with an internal subset), white space.
_XML_PROLOGUE = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!doctype[^\[>]*(?:\[.*?\])?\s*>)*",
                           re.DOTALL | re.IGNORECASE)
_XML_ROOT = re.compile(r"<([a-z_][\w.-]*(?::[\w.-]+)?)", re.IGNORECASE)
#: Root elements of RSS 0.9x/2.0 (rss), RSS 0.90/1.0 (rdf:RDF), Atom (feed), and sitemaps
#: (read by the feed reader, which says what they are).
_FEED_ROOTS: Final = frozenset({"rss", "rdf", "feed", "channel", "urlset", "sitemapindex"})
_ARCHIVE_STARTS: Final = ("WARC/", "filedesc://")


def _xml_root(head: str) -> str | None:
    """The local name of the first element of an XML or HTML text, lowercased."""
    prologue = _XML_PROLOGUE.match(head)
    rest = head[prologue.end():] if prologue else head
    match = _XML_ROOT.match(rest)
    return match.group(1).rsplit(":", 1)[-1].lower() if match else None


def _whole_json(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def sniff_kind(content: str, *, complete: bool = True) -> str:
    """Guess the kind of an input without a telling extension (stdin, odd names) from its
    start. ``complete`` says ``content`` is the whole input (not only its first bytes).

    A WARC or ARC archive by its first record's header (``WARC/1.0``, ``filedesc://``); a feed
    when its root element is ``rss``, ``rdf:RDF`` or ``feed`` (or a sitemap's), or when it is
    a JSON Feed; HTML when it opens with a tag; JSON Lines when its first line that is neither
    blank nor a comment (``#``, ``//``) is a whole JSON object, or when a later one of the
    first lines is (the first is then one bad line, reported by its number); JSON for one
    pretty-printed object or an array; text otherwise."""
    start = content.lstrip("\ufeff \t\r\n")
    if start.startswith(_ARCHIVE_STARTS):
        return "warc"
    head = start[:8192].lower()
    if head.startswith("<") and _xml_root(head) in _FEED_ROOTS:
        return "feed"
    head = head[:2048]
    if head.startswith("<") and _HTML_START.match(head):
        return "html"
    if looks_like_json_feed(start[:4096]):
        return "feed"
    lines: list[str] = []
    for line in io.StringIO(content[:65536]):  # splits on \n only, as the JSON Lines reader
        stripped = line.strip(" \t\r\n\ufeff")
        if stripped and not stripped.startswith(COMMENT_PREFIXES):
            lines.append(stripped)
            if len(lines) >= _SNIFF_LINES:
                break
    if not lines or not lines[0].startswith(("{", "[")):
        return "text"
    if complete and _whole_json(_without_comments(content)):
        return "json"  # one object or array, pretty-printed or not
    if lines[0].startswith("{") and _whole_json(lines[0]):
        return "jsonl"
    if any(line.startswith("{") and _whole_json(line) for line in lines[1:]):
        return "jsonl"  # the first line is a bad one among JSON Lines
    if lines[0].startswith("{") and len(lines) == 1:
        return "jsonl"  # one line: reported as malformed JSON with its line number
    return "json"


def _without_comments(content: str) -> str:
    if not any(_is_comment(line) for line in content.splitlines()[:_SNIFF_LINES]):
        return content
    return "\n".join(line for line in content.split("\n") if not _is_comment(line))


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream: one raw stream for a BufferedReader."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        read1 = getattr(self._rest, "read1", None)
        data = read1(len(buffer)) if read1 is not None else self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


_HEAD_BYTES = 65536


def _over_limit(name: str, options: IngestOptions, size: int | None) -> Rejection:
    what = f"{size} bytes" if size is not None else f"more than {options.max_bytes} bytes"
    return Rejection(name, f"over the size limit of {options.max_bytes} bytes ({what}): "
                           "raise it with --max-bytes")


_GZIP_MAGIC: Final = b"\x1f\x8b"
_ARCHIVE_MAGIC: Final = (b"WARC/", b"filedesc://")
#: Kinds whose size limit applies to each article (line, record), not to the whole input.
_STREAMED: Final = (None, "jsonl", "warc")


def _gunzipped_head(head: bytes, limit: int = 4096) -> bytes:
    """The first (at most ``limit``) bytes of gzip data, or b"" when they cannot be read."""
    try:
        return zlib.decompressobj(wbits=31).decompress(head, limit)
    except zlib.error:
        return b""


def _is_archive(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_ARCHIVE_MAGIC)


def read_stream(stream: BinaryIO, name: str, options: IngestOptions, *, kind: str | None = None,
                path: str | None = None, size: int | None = None,
                url: str | None = None) -> Iterator[Result]:
    """Articles from a binary stream: the one reader of files, standard input and in-memory
    inputs. ``kind`` is one of INPUT_FORMATS, or None to recognise it from the content. Gzip
    data is decompressed as it is read (one level: a gzip inside it is refused). ``url`` is
    where a fetched input came from (after redirects): an HTML page's URL (its own canonical
    URL, when different, is kept as ``canonical_url``), as for a WARC record.

    The size limit applies to the whole input (decompressed), except for JSON Lines, where it
    applies to each line (article), and WARC/ARC archives, where it applies to each record: a
    large archive of small articles is fine."""
    yield from _read_stream(stream, name, options, kind=kind, path=path, size=size,
                            compressed=False, url=url)


def _read_stream(stream: BinaryIO, name: str, options: IngestOptions, *, kind: str | None,
                 path: str | None, size: int | None, compressed: bool,
                 url: str | None = None) -> Iterator[Result]:
    check_input_format(kind)
    if kind not in _STREAMED and size is not None and size > options.max_bytes:
        yield _over_limit(name, options, size)
        return
    try:
        head = stream.read(_HEAD_BYTES)
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    if head.startswith(_GZIP_MAGIC) and not compressed:
        rejoined = io.BufferedReader(_Prefixed(head, stream))
        if kind == "warc" or (kind is None and _is_archive(_gunzipped_head(head))):
            yield from read_archive(rejoined, name, path, options.build, options.max_bytes)
            return
        inner = io.BufferedReader(GzipGuard(cast(BinaryIO, gzip.GzipFile(fileobj=rejoined))))
        yield from _read_stream(cast(BinaryIO, inner), name, options, kind=kind, path=path,
                                size=None, compressed=True, url=url)
        return
    if kind == "warc" or (kind is None and _is_archive(head)):
        yield from read_archive(io.BufferedReader(_Prefixed(head, stream)), name, path,
                                options.build, options.max_bytes)
        return
    try:
        refuse_binary(head, name)
    except InputError as exc:
        yield Rejection(exc.input, exc.reason)
        return
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    found = unicode_encoding(head)
    if kind is None:
        if found is not None:
            codec, bom = found
            sniffed = head[bom:].decode(codec, errors="ignore")
        else:
            sniffed = head.decode("utf-8", errors="ignore")
        kind = sniff_kind(sniffed, complete=len(head) < _HEAD_BYTES)
    try:
        if kind == "jsonl":
            if found is not None:
                codec, bom = found
                lines = io.BufferedReader(_Prefixed(head[bom:], stream))
                yield from _read_jsonl_stream(lines, name, path, options,
                                              None if codec == "utf-8" else codec)
            else:
                yield from _read_jsonl_stream(io.BufferedReader(_Prefixed(head, stream)),
                                              name, path, options)
            return
        data = head
        if len(head) == _HEAD_BYTES:
            data += stream.read(max(0, options.max_bytes + 1 - len(head)))
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    if len(data) > options.max_bytes:
        yield _over_limit(name, options, size)
        return
    if kind == "feed":
        yield from read_feed(data, name, path, options.build)
        return
    try:
        content = decode_bytes(data, name)
    except InputError as exc:
        yield Rejection(exc.input, exc.reason)
        return
    if kind == "html" and url is not None:
        yield _read_fetched_page(content, name, path, options, url)
        return
    yield from _READERS[kind](content, name, path, options)


def _read_fetched_page(content: str, name: str, path: str | None, options: IngestOptions,
                       url: str) -> Result:
    """A page fetched from ``url``: that URL is the article's (the page's own canonical URL,
    when different, is kept as ``canonical_url``), as for a WARC record."""
    try:
        fields = parse_html(content, name, url=url)
    except InputError as exc:
        return Rejection(exc.input, exc.reason)
    metadata = dict(fields.metadata or {})
    if fields.url and fields.url != url:
        metadata["canonical_url"] = fields.url
    return build_article(dataclasses.replace(fields, url=url, metadata=metadata), name, path,
                         options.build)


def read_bytes(data: bytes, name: str, options: IngestOptions, *, kind: str | None = None,
               path: str | None = None, url: str | None = None) -> Iterator[Result]:
    """Articles from an in-memory input (the web form, tests, fetched pages):
    :func:`read_stream` over ``data``; ``kind`` (else ``options.input_format``, else
    recognised) says how to read it; ``url`` is where it was fetched from."""
    yield from read_stream(io.BytesIO(data), name, options, kind=kind or options.input_format,
                           path=path, size=len(data), url=url)


def _read_file(path: Path, options: IngestOptions) -> Iterator[Result]:
    name = str(path)
    kind = options.input_format or kind_of_name(name)
    try:
        if not path.is_file():
            yield Rejection(name, "not a regular file (a device, pipe or socket): "
                                  "pipe it to `corroborate ingest -` instead")
            return
        size = path.stat().st_size
        if kind not in _STREAMED and size > options.max_bytes:
            yield _over_limit(name, options, size)
            return
        with path.open("rb") as stream:
            yield from read_stream(stream, name, options, kind=kind, path=name, size=size)
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")


# A folder's own notes (README, README.md, LICENSE.txt, ...), but not a page saved under such
# a name ("changelog.blog.html.gz").
_NOT_ARTICLES = re.compile(r"^(?:readme|license|licence|copying|changelog|changes|contributing)"
                           r"(?:\.(?:md|markdown|txt|text|rst|adoc|org))?$", re.IGNORECASE)
# Files a walk reads only when their content is a web page, a feed or an archive: pages saved
# under a server-side extension or none. Otherwise they are named, since someone could expect
# them read.
_PAGES = {
    "": "no extension",
    ".php": "a .php page", ".asp": "an .asp page", ".aspx": "an .aspx page",
    ".jsp": "a .jsp page", ".shtml": "an .shtml page", ".cfm": "a .cfm page",
}
_WEB_KINDS: Final = ("html", "feed", "warc")
_DOCUMENTS = {".pdf": "a PDF document", ".doc": "a Word document", ".docx": "a Word document",
              ".odt": "an OpenDocument text", ".rtf": "an RTF document",
              ".epub": "an EPUB book"}
_TARBALLS: Final = (".tar", ".tgz")
# Files of web pages and sites that are no articles: a walk skips them (counted, not named).
_ASSETS: Final = MappingProxyType({
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".bmp", ".tif",
                     ".tiff", ".avif", ".heic"), "an image"),
    **dict.fromkeys((".css", ".scss", ".less"), "a style sheet"),
    **dict.fromkeys((".js", ".mjs", ".cjs", ".map", ".wasm"), "a script"),
    **dict.fromkeys((".woff", ".woff2", ".ttf", ".otf", ".eot"), "a font"),
    **dict.fromkeys((".mp3", ".m4a", ".ogg", ".oga", ".wav", ".flac", ".mp4", ".m4v", ".webm",
                     ".mov", ".avi", ".mkv", ".swf"), "a sound or video file"),
})

#: Why a directory walk passes over an entry (a :class:`Skipped`'s ``kind``), and the words a
#: summary counts it in, for one and for several ("17 skipped (9 images, styles, scripts or
#: media; 6 sitemaps; ...)"), in the order a summary lists them. Each entry of a directory
#: is read, rejected or skipped.
SKIP_KINDS: Final = MappingProxyType({
    "asset": ("image, style, script or media file", "images, styles, scripts or media"),
    "sitemap": ("sitemap", "sitemaps"),
    "project-file": ("README/LICENSE/CHANGELOG file", "README/LICENSE/CHANGELOG files"),
    "hidden": ("hidden", "hidden"),
    "other-extension": ("file of another extension", "files of other extensions"),
    "not-a-file": ("not a regular file", "not regular files"),
    "seen-before": ("directory searched before", "directories searched before"),
})


def count_skipped(skipped: Iterable[Skipped]) -> dict[str, int]:
    """How many of ``skipped`` there are of each kind, in :data:`SKIP_KINDS` order (kinds with
    none left out)."""
    counts = dict.fromkeys(SKIP_KINDS, 0)
    for item in skipped:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return {kind: n for kind, n in counts.items() if n}


def _file_head(path: Path) -> bytes:
    """The first bytes of a file, gzip looked through."""
    with path.open("rb") as stream:
        head = stream.read(_HEAD_BYTES)
    return _gunzipped_head(head, _HEAD_BYTES) if head.startswith(_GZIP_MAGIC) else head


def _sniff_file(path: Path) -> str:
    """The kind of a file's content (see :func:`sniff_kind`), gzip looked through."""
    head = _file_head(path)
    if _is_archive(head):
        return "warc"
    found = unicode_encoding(head)
    text = (head[found[1]:].decode(found[0], errors="ignore") if found is not None
            else head.decode("utf-8", errors="ignore"))
    return sniff_kind(text, complete=False)


def _is_sitemap_file(path: Path) -> bool:
    try:
        return looks_like_sitemap(_file_head(path))
    except OSError:
        return False  # reading it says why it cannot be read


def _walk_verdict(path: Path) -> Literal[True] | Rejection | Skipped:
    """Whether a directory walk reads ``path`` (True), names it as not read (a Rejection), or
    passes over it as no article (a Skipped: images, style sheets, scripts, sitemaps, ...)."""
    suffix = path.suffix.lower()
    compressed = suffix in (".gz", ".tgz")
    inner = Path(path.stem).suffix.lower() if compressed else suffix
    if suffix == ".tgz" or (compressed and inner in _TARBALLS):
        return Rejection(str(path), "not read: a compressed archive of files: extract it "
                                    "first")
    if inner in _ASSETS:
        return Skipped(str(path), "asset", f"{_ASSETS[inner]} ({inner}), not an article")
    if inner in SNIFFED_EXTENSIONS and _is_sitemap_file(path):
        return Skipped(str(path), "sitemap", "a sitemap (a list of page addresses, not "
                                             "articles): its pages are not fetched from a "
                                             "directory; name the file to fetch them")
    if inner in EXTENSIONS or inner in SNIFFED_EXTENSIONS:
        return True
    if inner in _PAGES:
        try:
            kind = _sniff_file(path)
        except OSError:
            return True  # reading it says why it cannot be read
        if kind in _WEB_KINDS:
            return True
        what = _PAGES[inner] + (", gzipped" if compressed else "")
        return Rejection(str(path), f"not read from the directory ({what}, and its content is "
                                    f"not a web page, feed or archive but {kind}): name the "
                                    "file itself to have it read as that, or rename it")
    if inner in _DOCUMENTS:
        return Rejection(str(path), f"not read: {_DOCUMENTS[inner]} is not text: convert it "
                                    "to text or HTML first")
    if compressed:
        return Rejection(str(path), f"not read from the directory (a compressed {inner} file, "
                                    "not a known article extension): name the file itself "
                                    "to have its kind recognised from its content")
    return Skipped(str(path), "other-extension",
                   f"not an article extension ({inner}): name the file itself to have its "
                   "kind recognised from its content")


def _walk(directory: Path, seen: set[tuple[int, int]] | None = None
          ) -> Iterator[Path | Rejection | Skipped]:
    """Every entry under ``directory``, sorted: a file of a known kind to read, or a Rejection,
    or a Skipped. Hidden files and a folder's own README/LICENSE/CHANGELOG are not articles
    and are skipped, as are images, style sheets, scripts and sitemaps. Files saved under a
    server-side extension or none are read when their content is a web page, a feed or an
    archive. A subdirectory that cannot be listed, and a file someone could expect read but
    that is not (see :func:`_walk_verdict`), is a Rejection. Linked directories are followed
    once (a link loop ends there, skipped)."""
    seen = set() if seen is None else seen
    try:
        info = directory.stat()
        if (info.st_dev, info.st_ino) in seen:
            yield Skipped(str(directory), "seen-before", "a directory searched before (reached "
                                                         "again through a link)")
            return
        seen.add((info.st_dev, info.st_ino))
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        yield Rejection(str(directory), f"cannot read directory: {exc.strerror or exc}")
        return
    for entry in entries:
        child = Path(entry.path)
        if entry.name.startswith("."):
            yield Skipped(str(child), "hidden", "hidden (its name starts with a dot): name it "
                                                "to have it read")
            continue
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError as exc:
            yield Rejection(str(child), f"cannot read: {exc.strerror or exc}")
            continue
        if is_dir:
            yield from _walk(child, seen)
        elif is_file and _NOT_ARTICLES.match(entry.name):
            yield Skipped(str(child), "project-file", "a folder's README, LICENSE, CHANGELOG or "
                                                      "CONTRIBUTING, not an article: name it "
                                                      "to have it read")
        elif is_file:
            verdict = _walk_verdict(child)
            yield child if verdict is True else verdict
        else:
            yield Skipped(str(child), "not-a-file", "not a regular file (a broken link, a "
                                                    "pipe, a socket or a device)")


_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def is_url(item: str) -> bool:
    """Whether an input names a web address (``http://`` or ``https://``), not a file."""
    return bool(_URL.match(item.strip()))


@dataclass(frozen=True, slots=True)
class Inputs:
    """What :func:`list_inputs` found: ``items``, the inputs to read (paths, ``-``, web
    addresses) and the Rejections, in order; ``skipped``, every entry a directory walk passed
    over as no article, with its reason (see :data:`SKIP_KINDS`)."""

    items: tuple[str | Rejection, ...]
    skipped: tuple[Skipped, ...] = ()


def expand_inputs(inputs: Iterable[str]) -> list[str | Rejection]:
    """The files to read: directories searched recursively for known extensions, ``-`` kept for
    stdin, web addresses (``http(s)://``, see :func:`is_url`) kept for fetching, and a
    Rejection for each path that does not exist or holds nothing readable. What the walks
    skip is left out: :func:`list_inputs` gives it too."""
    return list(list_inputs(inputs).items)


def list_inputs(inputs: Iterable[str]) -> Inputs:
    """:func:`expand_inputs`'s inputs, and every entry its directory walks skipped with the
    reason: each entry of a directory is in exactly one of the two."""
    expanded: list[str | Rejection] = []
    skipped: list[Skipped] = []
    for item in inputs:
        if item == "-":
            expanded.append(item)
            continue
        if is_url(item):
            expanded.append(item.strip())
            continue
        path = Path(item)
        if path.is_dir():
            found: list[str | Rejection] = []
            passed: list[Skipped] = []
            for f in _walk(path):
                if isinstance(f, Skipped):
                    passed.append(f)
                else:
                    found.append(f if isinstance(f, Rejection) else str(f))
            if not found:
                also = f" ({len(passed)} other entries skipped)" if passed else ""
                expanded.append(Rejection(item, "directory holds no articles: no .txt, .md, "
                                                ".html, .json, .jsonl, feed (.xml, .rss, "
                                                f".atom) or archive (.warc, .arc) files{also}"))
            expanded.extend(found)
            skipped.extend(passed)
        elif path.exists():
            expanded.append(item)
        else:
            expanded.append(Rejection(item, "no such file or directory"))
    return Inputs(tuple(expanded), tuple(skipped))


#: Reads a web address into articles (:meth:`corroborate.ingest.fetch.WebReader.read`).
FetchURL = Callable[[str], Iterable[Result]]


def read_one(item: str | Rejection, options: IngestOptions, *,
             stdin: BinaryIO | None = None, fetch_url: FetchURL | None = None
             ) -> Iterator[Result]:
    """The articles of one expanded input (see :func:`expand_inputs`). A web address is read
    by ``fetch_url``; without one it is a Rejection (nothing is fetched unless asked)."""
    if isinstance(item, Rejection):
        yield item
    elif is_url(item):
        if fetch_url is None:
            yield Rejection(item, "a web address, and fetching is off here: fetch it with "
                                  "`corroborate ingest URL` (library: "
                                  "corroborate.ingest.fetch.WebReader)")
            return
        yield from fetch_url(item)
    elif item == "-":
        if stdin is None:
            yield Rejection("<stdin>", "no standard input available")
            return
        yield from read_stream(stdin, "<stdin>", options, kind=options.input_format)
    else:
        yield from _read_file(Path(item), options)


def read_inputs(inputs: Iterable[str], options: IngestOptions | None = None, *,
                stdin: BinaryIO | None = None, fetch_url: FetchURL | None = None
                ) -> Iterator[Result]:
    """Yield an Article or a Rejection for every article in ``inputs`` (paths, directories
    searched recursively for known extensions, ``-`` for ``stdin``, web addresses read by
    ``fetch_url``)."""
    options = options or IngestOptions()
    for item in expand_inputs(inputs):
        yield from read_one(item, options, stdin=stdin, fetch_url=fetch_url)
