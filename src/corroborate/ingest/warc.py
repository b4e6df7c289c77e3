"""Web archives: WARC (0.x, 1.0, 1.1) and ARC files, plain or gzipped, read by warcio.

The archive is streamed record by record (memory is bounded by one record's payload, at most
the size limit), so a crawl of any size can be read. Every HTML page in a ``response`` (2xx)
or ``resource`` record becomes an article through the HTML reader, with the record's target
URI as its URL and the WARC-Date as ``fetched`` in its metadata (the publication date still
comes from the page). Requests, metadata, warcinfo and revisit records, redirects and error
responses, and payloads that are no documents (images, style sheets, scripts, JSON, plain
text such as robots.txt) are passed over, as a directory walk passes over images; PDF and
Word documents are named, as in a directory. A truncated or broken record is a Rejection
named ``file.warc.gz[record 7]`` and skipped: marked ``WARC-Truncated``, a response without
HTTP headers, or fewer bytes than its lengths declare with a page that stops before its end
(a page that ends with ``</html>`` but lacks a few declared bytes goes in, with
``warc_warning`` in its metadata). When the archive itself breaks (a record header that
cannot be read, compressed data cut short), the records before it are kept and the rejection
says the rest could not be read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import io
import logging
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, Final, cast

from corroborate.errors import InputError
from corroborate.ingest.base import BuildOptions, Rejection, build_article
from corroborate.ingest.decode import decode_bytes
from corroborate.ingest.html import parse_html
from corroborate.model import Article

Result = Article | Rejection

_HTML_TYPES: Final = ("text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml")
#: Media types a record payload may have when nothing says it is HTML: the payload is looked at.
_UNKNOWN_TYPES: Final = ("", "application/octet-stream", "unk", "unknown", "no-type",
                         "application/unknown", "www/unknown")
_DOCUMENTS: Final = {
    "application/pdf": "a PDF document",
    "application/msword": "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
    "application/vnd.oasis.opendocument.text": "an OpenDocument text",
    "application/rtf": "an RTF document", "text/rtf": "an RTF document",
    "application/epub+zip": "an EPUB book",
}
#: The end of a page: a record a few bytes short of its declared length whose page ends so
#: (a gzip trailer or an off-by-one length missing) loses nothing and is read.
_COMPLETE_PAGE = re.compile(rb"</(?:html|body)\s*>\s*$", re.IGNORECASE)
_HTML_START = re.compile(rb"\s*(?:<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<(?:!doctype"
                         rb" )?html)", re.IGNORECASE)


class _StreamBroken(OSError):
    """The archive's bytes cannot be read on (compressed data cut short or corrupt)."""


class GzipGuard(io.RawIOBase):
    """A raw stream over a decompressing one whose gzip errors (EOFError, zlib.error: which
    warcio would take for the end of the archive) become :class:`_StreamBroken`, an OSError
    that says what happened."""

    def __init__(self, inner: BinaryIO, *, end_on_error: bool = False) -> None:
        self._inner = inner
        self._offset = 0
        self._end_on_error = end_on_error
        #: The error that ended the stream early (with ``end_on_error``): the bytes before it
        #: are read, the stream then ends as if there were no more.
        self.broken: _StreamBroken | None = None

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._offset

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.broken is not None:
            return 0
        read1 = getattr(self._inner, "read1", None)  # one read at a time: nothing read is
        try:  # lost when the next one fails (read() loops, and drops what it had on an error)
            data = read1(len(buffer)) if read1 is not None else self._inner.read(len(buffer))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            broken = _StreamBroken(f"compressed data is cut short or corrupt ({exc})")
            if not self._end_on_error:
                raise broken from exc
            self.broken = broken
            return 0
        buffer[: len(data)] = data
        self._offset += len(data)
        return len(data)


def read_archive(stream: BinaryIO, name: str, path: str | None, build: BuildOptions,
                 max_bytes: int) -> Iterator[Result]:
    """The articles of one WARC or ARC archive, plain or gzipped (per record or as a whole)."""
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:  # pragma: no cover - a broken install
        yield Rejection(name, "reading WARC/ARC archives needs warcio: pip install warcio")
        return
    logging.getLogger("warcio").addHandler(logging.NullHandler())  # its notes are not ours

    class QuietIterator(ArchiveIterator):  # type: ignore[misc]
        """warcio writes a warning on stderr when a record is not followed by blank lines
        (its Content-Length may be off); the record is read all the same."""

        def _consume_blanklines(self) -> Any:
            with contextlib.redirect_stderr(io.StringIO()):
                return super()._consume_blanklines()

    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(
        cast(io.RawIOBase, stream))
    try:
        magic = cast(io.BufferedReader, buffered).peek(2)[:2]
    except OSError as exc:
        yield Rejection(name, f"cannot read: {exc.strerror or exc}")
        return
    plain: BinaryIO = (cast(BinaryIO, gzip.GzipFile(fileobj=buffered, mode="rb"))
                       if magic == b"\x1f\x8b" else buffered)
    guard = GzipGuard(plain, end_on_error=True)
    records = QuietIterator(io.BufferedReader(guard), arc2warc=True)
    number = 0
    truncated = False
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except Exception as exc:  # warcio on hostile bytes: ArchiveLoadFailed, and worse
            # (AttributeError on a response record without a target URI, ...)
            if number == 0:
                yield Rejection(name, f"not a WARC or ARC archive that can be read "
                                      f"({_first_line(exc)})")
            else:
                yield Rejection(f"{name}[record {number + 1}]",
                                f"broken record ({_first_line(exc)}): the rest of the archive "
                                "could not be read; the records before it were")
            return
        number += 1
        record_name = f"{name}[record {number}]"
        try:
            result = _record(record, record_name, path, build, max_bytes)
        except _StreamBroken as exc:
            yield Rejection(record_name, f"truncated record: the archive ends inside it "
                                         f"({_first_line(exc)}); the records before it were "
                                         "read")
            return
        except Exception as exc:  # a record warcio cannot decode (chunks, encodings, ...)
            result = Rejection(record_name, f"broken record ({type(exc).__name__}: "
                                            f"{_first_line(exc)}): skipped")
        truncated = isinstance(result, Rejection) and "truncated" in result.reason
        if result is not None:
            yield result
    if guard.broken is not None and not truncated:
        after = f"after record {number}" if number else "before its first record"
        yield Rejection(name, f"truncated archive: it ends {after} "
                              f"({_first_line(guard.broken)}); the records before were read")
    elif number == 0 and guard.broken is None:
        yield Rejection(name, "empty archive: no WARC or ARC records in it")


def _record(record: Any, name: str, path: str | None, build: BuildOptions, max_bytes: int
            ) -> Result | None:
    """The article of one record, a Rejection, or None for a record that is no page."""
    if record.rec_type not in ("response", "resource"):
        return None
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI") or None
    where = f" ({uri})" if uri else ""
    http = record.http_headers if record.rec_type == "response" else None
    if record.rec_type == "response" and http is not None:
        status = str(http.get_statuscode() or "")
        if not status.startswith("2"):
            return None  # redirects and error pages are no articles
        media = http.get_header("Content-Type") or ""
    else:
        media = record.content_type or ""
    media = media.split(";", 1)[0].strip().lower()
    if media in _DOCUMENTS:
        return Rejection(name, f"not read{where}: {_DOCUMENTS[media]} is not text: convert it "
                               "to text or HTML first")
    truncated = headers.get_header("WARC-Truncated")
    raw = record.raw_stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return Rejection(name, f"page{where} over the size limit of {max_bytes} bytes: raise "
                               "it with --max-bytes")
    if record.rec_type == "response" and http is None:
        if not raw.strip():
            declared = headers.get_header("Content-Length")
            return Rejection(name, f"broken record{where}: no HTTP response in it (its length "
                                   f"field says {declared!r}); skipped")
        media = ""  # an ARC record without HTTP headers: look at the payload
    html_type = media in _HTML_TYPES or (media in _UNKNOWN_TYPES and _HTML_START.match(raw))
    if not html_type:
        return None
    if truncated:
        return Rejection(name, f"truncated record{where} (WARC-Truncated: {truncated}): the "
                               "page is incomplete; skipped")
    shortfall = _shortfall(headers, http, raw)
    record.raw_stream = io.BufferedReader(io.BytesIO(raw))
    payload = record.content_stream().read(max_bytes + 1)  # chunked and gzip decoded
    if len(payload) > max_bytes:
        return Rejection(name, f"page{where} over the size limit of {max_bytes} bytes: raise "
                               "it with --max-bytes")
    if shortfall is not None and not _COMPLETE_PAGE.search(payload[-512:]):
        return Rejection(name, f"truncated record{where}: {shortfall}, and the page stops "
                               "before its end; skipped")
    try:
        fields = parse_html(decode_bytes(payload, name), name, url=uri)
    except InputError as exc:
        return Rejection(exc.input, exc.reason if not uri else f"{exc.reason} ({uri})")
    metadata = dict(fields.metadata or {})
    fetched = headers.get_header("WARC-Date")
    if fetched:
        metadata["fetched"] = fetched
    record_id = headers.get_header("WARC-Record-ID")
    if record_id:
        metadata["warc_record_id"] = record_id
    if fields.url and uri and fields.url != uri:
        metadata["canonical_url"] = fields.url
    if shortfall is not None:
        metadata["warc_warning"] = f"{shortfall}; the page itself is complete"
    return build_article(dataclasses.replace(fields, url=uri or fields.url, metadata=metadata),
                         name, path, build)


def _shortfall(headers: Any, http: Any, raw: bytes) -> str | None:
    """What says a record lacks bytes: the archive ending inside it (fewer bytes than its
    Content-Length), or a page shorter than its HTTP Content-Length; None when neither."""
    expected = _int(headers.get_header("Content-Length"))
    block = len(raw) + (int(getattr(http, "total_len", 0) or 0) if http is not None else 0)
    if expected is not None and block < expected:
        return f"{block} of its {expected} bytes are in the archive"
    if http is not None and "chunked" not in (http.get_header("Transfer-Encoding") or "").lower():
        declared = _int(http.get_header("Content-Length"))
        if declared is not None and len(raw) < declared:
            return f"{len(raw)} of the page's {declared} bytes were captured"
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if text.startswith("ERROR:"):
        text = " ".join(lines[:2]).removeprefix("ERROR:").strip()
    return text[:160]
