"""Fetching web addresses into articles: pages, feeds' entries and sitemaps' pages.

:class:`Fetcher` gets one address with httpx: a clear User-Agent (:func:`user_agent`), a
timeout, a size limit, redirects followed (at most ``max_redirects``, each hop checked against
its host's robots.txt), tries again with exponential back-off on connection errors, timeouts,
HTTP 429 and 5xx (honouring ``Retry-After``), waits ``rate`` seconds between two requests to
one host (more when robots.txt asks with ``Crawl-delay``), reads robots.txt once per host
(``urllib.robotparser``; a page it disallows is a named failure), and asks conditionally
(``If-None-Match`` / ``If-Modified-Since``) for an address fetched before, so that an unchanged
page costs a ``304 Not Modified`` and gives no article. Every failure is a
:class:`FetchFailure` naming the address and the reason (``HTTP 404 Not Found``, ``timed out
after 3 tries``, ``robots.txt ... disallows it``, ...); nothing raises out of a batch.

:class:`WebReader` turns what was fetched into Articles and Rejections through the readers of
:mod:`corroborate.ingest` (content sniffed: an HTML page is one article, a feed its entries, a
sitemap its pages, fetched in turn), with the final URL and the fetch time as ``fetched_url``
and ``fetched_at`` in each article's metadata. What was fetched (validators, the entries and
sitemap pages read) is kept in a :class:`FetchState`, written only when the caller says the
articles were stored (:meth:`WebReader.commit`): :class:`MemoryFetchState` here, the database's
in :mod:`corroborate.store.fetch_state`.

The network client, the clock and sleep are passed in (:class:`Clock`), so tests need neither
a network nor real waiting.
"""

from __future__ import annotations

import dataclasses
import email.utils
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from corroborate.config import DEFAULT_MAX_BYTES
from corroborate.errors import UsageError
from corroborate.ingest import IngestOptions, Rejection, is_url, read_bytes, sniff_kind
from corroborate.ingest.base import normalise_published
from corroborate.ingest.feed import feed_items
from corroborate.ingest.sitemap import INDEX, SitemapEntry, looks_like_sitemap, parse_sitemap
from corroborate.model import Article

__all__ = [
    "Clock", "FetchFailure", "FetchOptions", "FetchRecord", "FetchState", "FetchStats", "Fetcher",
    "MemoryFetchState", "NotModified", "Page", "WebReader", "read_url_list", "user_agent",
]

Result = Article | Rejection

#: The product token of the User-Agent, and the name robots.txt rules are matched against.
PRODUCT: Final = "corroborate"
REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
_NOT_DOCUMENTS: Final = ("image/", "audio/", "video/", "font/", "application/pdf",
                         "application/zip", "application/msword",
                         "application/vnd.openxmlformats", "application/x-tar")
_GZIP_MAGIC: Final = b"\x1f\x8b"
#: robots.txt is read up to this many bytes (RFC 9309 asks for at least 500 KiB).
ROBOTS_BYTES: Final = 512 * 1024


def _version() -> str:
    try:
        return version("corroborate")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0"


def user_agent(contact: str | None = None) -> str:
    """``corroborate/<version>``, with ``(+contact)`` when one is given (a URL or an e-mail
    address, so that a site's operator can reach whoever runs the crawl)."""
    base = f"{PRODUCT}/{_version()}"
    return f"{base} (+{contact.strip()})" if contact and contact.strip() else base


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How addresses are fetched. Times are in seconds."""

    #: each connect, read or write may take this long
    timeout: float = 20.0
    #: at least this long between two requests to one host
    rate: float = 1.0
    #: tries of one request (connection errors, timeouts, HTTP 429 and 5xx are tried again)
    tries: int = 3
    #: wait before the second try; doubled for each further one (unless Retry-After says)
    backoff: float = 1.0
    #: the longest wait honoured (Retry-After, Crawl-delay); a server asking for more fails
    max_wait: float = 120.0
    max_redirects: int = 5
    #: the largest body read (after Content-Encoding is undone)
    max_bytes: int = DEFAULT_MAX_BYTES
    #: a URL or e-mail address put in the User-Agent
    contact: str | None = None
    #: respect robots.txt (off only for sites you run)
    robots: bool = True
    #: fetch the linked page of a feed entry that carries only a summary
    fetch_links: bool = False
    #: how deep sitemap indexes may nest, how many sitemaps one index may name, and how many
    #: pages one address's sitemaps may give in one read
    sitemap_depth: int = 2
    max_sitemaps: int = 50
    max_urls: int = 10_000

    def __post_init__(self) -> None:
        for name in ("timeout", "rate", "backoff", "max_wait"):
            if getattr(self, name) < 0 or (name == "timeout" and self.timeout == 0):
                raise UsageError(f"fetch {name} of {getattr(self, name)} s: give a positive "
                                 "number of seconds")
        for name in ("tries", "max_bytes", "max_sitemaps", "max_urls"):
            if getattr(self, name) < 1:
                raise UsageError(f"fetch {name} of {getattr(self, name)}: give at least 1")
        if self.max_redirects < 0 or self.sitemap_depth < 0:
            raise UsageError("max_redirects and sitemap_depth cannot be negative")

    @property
    def user_agent(self) -> str:
        return user_agent(self.contact)


def _monotonic() -> float:
    return time.monotonic()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Clock:
    """Time as the fetcher sees it: ``monotonic`` for spacing requests, ``sleep`` to wait,
    ``now`` for fetch times and HTTP dates. Tests pass a fake one."""

    monotonic: Callable[[], float] = _monotonic
    sleep: Callable[[float], None] = _sleep
    now: Callable[[], datetime] = _now


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """What is kept of one fetched address, for a conditional request next time."""

    url: str
    final_url: str
    fetched_at: str
    status: int
    etag: str | None = None
    last_modified: str | None = None


class FetchState(Protocol):
    """Where fetch records and the feed entries and sitemap pages already read are kept."""

    def record(self, url: str) -> FetchRecord | None:
        """The record of ``url`` from its last fetch, or None."""

    def seen(self, source: str, keys: Collection[str]) -> set[str]:
        """Those of ``keys`` (entry ids, links, sitemap pages) already read from ``source``."""

    def save(self, records: Iterable[FetchRecord],
             seen: Mapping[str, Collection[str]]) -> None:
        """Keep ``records`` (replacing older ones) and mark ``seen[source]`` read, together."""


@dataclass(slots=True)
class MemoryFetchState:
    """A :class:`FetchState` in memory (one process; the library without a database)."""

    records: dict[str, FetchRecord] = field(default_factory=dict)
    keys: dict[str, set[str]] = field(default_factory=dict)

    def record(self, url: str) -> FetchRecord | None:
        return self.records.get(url)

    def seen(self, source: str, keys: Collection[str]) -> set[str]:
        return self.keys.get(source, set()) & set(keys)

    def save(self, records: Iterable[FetchRecord],
             seen: Mapping[str, Collection[str]]) -> None:
        for record in records:
            self.records[record.url] = record
        for source, keys in seen.items():
            self.keys.setdefault(source, set()).update(keys)


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched body. ``url`` is the address asked for, ``final_url`` the one after
    redirects."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str | None
    fetched_at: str
    record: FetchRecord


@dataclass(frozen=True, slots=True)
class NotModified:
    """The server says the address has not changed since it was last fetched (HTTP 304)."""

    url: str
    final_url: str


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """An address that could not be fetched. ``transient`` failures (network, timeouts, 429,
    5xx) may go away on the next try; the others (404, robots.txt, too large) will not."""

    url: str
    reason: str
    transient: bool = False

    @property
    def rejection(self) -> Rejection:
        return Rejection(self.url, self.reason)


Outcome = Page | NotModified | FetchFailure


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    phrase: str
    headers: Mapping[str, str]
    body: bytes


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number or an HTTP date)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


class Fetcher:
    """Fetches addresses one at a time (see the module docstring). ``state`` gives the
    validators of addresses fetched before; ``client`` and ``clock`` are for tests (a client
    is made, and closed with :meth:`close`, when none is given)."""

    def __init__(self, options: FetchOptions | None = None, *,
                 client: httpx.Client | None = None, state: FetchState | None = None,
                 clock: Clock | None = None) -> None:
        self.options = options or FetchOptions()
        self.state = state
        self.clock = clock or Clock()
        self._own_client = client is None
        self.client = client if client is not None else httpx.Client(
            timeout=httpx.Timeout(self.options.timeout), follow_redirects=False)
        self._last: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self._robots: dict[str, RobotFileParser | FetchFailure | None] = {}
        #: requests sent (robots.txt and every try and redirect included)
        self.requests = 0

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def forget_robots(self) -> None:
        """Read robots.txt again on the next request to each host (a new round of polling)."""
        self._robots.clear()
        self._delay.clear()

    def fetch(self, url: str) -> Outcome:
        """One address: its body, :class:`NotModified`, or a :class:`FetchFailure`."""
        try:
            return self._fetch(url)
        except Exception as exc:  # a bug or a hostile server must not stop a batch
            return FetchFailure(url, f"fetch failed ({_describe(exc)})", transient=True)

    def _fetch(self, url: str) -> Outcome:
        if not is_url(url):
            return FetchFailure(url, "not an http(s) address")
        previous = self.state.record(url) if self.state is not None else None
        conditional: dict[str, str] = {}
        if previous is not None:
            if previous.etag:
                conditional["If-None-Match"] = previous.etag
            if previous.last_modified:
                conditional["If-Modified-Since"] = previous.last_modified
        current = url
        got: _Response | FetchFailure | None = None
        for _hop in range(self.options.max_redirects + 1):
            refusal = self._robots_refusal(current) if self.options.robots else None
            if refusal is not None:
                return dataclasses.replace(refusal, url=url)
            got = self._get(current, conditional)
            if isinstance(got, FetchFailure):
                where = f" (redirected to {current})" if current != url else ""
                return FetchFailure(url, got.reason + where, got.transient)
            if got.status not in REDIRECTS:
                break
            location = got.headers.get("location")
            if not location:
                return FetchFailure(url, f"HTTP {got.status} redirect without a Location")
            target = urljoin(current, location.strip())
            if not is_url(target):
                return FetchFailure(url, f"redirected to {target!r}, not an http(s) address")
            current = target
        else:
            return FetchFailure(url, f"more than {self.options.max_redirects} redirects (the "
                                     f"last to {current})")
        assert got is not None and not isinstance(got, FetchFailure)
        if got.status == 304:
            if conditional:
                return NotModified(url, current)
            return FetchFailure(url, "HTTP 304 Not Modified to a request that was not "
                                     "conditional")
        if not 200 <= got.status < 300:
            return FetchFailure(url, f"HTTP {got.status} {got.phrase}".rstrip(),
                                transient=got.status in (408, 425))
        if not got.body:
            return FetchFailure(url, f"HTTP {got.status}: the server sent no content")
        fetched_at = self.clock.now().isoformat(timespec="seconds")
        record = FetchRecord(url=url, final_url=current, fetched_at=fetched_at,
                             status=got.status, etag=got.headers.get("etag"),
                             last_modified=got.headers.get("last-modified"))
        return Page(url=url, final_url=current, status=got.status, body=got.body,
                    content_type=got.headers.get("content-type"), fetched_at=fetched_at,
                    record=record)

    # -- one request, tried again -----------------------------------------------------------
    def _wait_turn(self, url: str) -> None:
        host = _host(url)
        interval = max(self.options.rate, self._delay.get(host, 0.0))
        last = self._last.get(host)
        if last is not None and interval > 0:
            wait = last + interval - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)
        self._last[host] = self.clock.monotonic()

    def _get(self, url: str, headers: Mapping[str, str]) -> _Response | FetchFailure:
        options = self.options
        problem = ""
        for attempt in range(1, options.tries + 1):
            wait = options.backoff * 2 ** (attempt - 1)
            self._wait_turn(url)
            self.requests += 1
            try:
                response = self._send(url, headers)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                return FetchFailure(url, f"not an address that can be fetched ({_describe(exc)})")
            except httpx.TimeoutException:
                problem = f"timed out ({options.timeout:g} s)"
            except httpx.DecodingError as exc:
                return FetchFailure(url, f"the response could not be decoded ({_describe(exc)})")
            except httpx.HTTPError as exc:
                problem = f"cannot connect ({_describe(exc)})"
            else:
                if isinstance(response, FetchFailure):
                    return response
                if response.status != 429 and response.status < 500:
                    return response
                problem = f"HTTP {response.status} {response.phrase}".rstrip()
                asked = _retry_after(response.headers.get("retry-after"), self.clock.now())
                if asked is not None:
                    if asked > options.max_wait:
                        return FetchFailure(url, f"{problem}: the server asks to wait "
                                                 f"{asked:.0f} s, more than {options.max_wait:g}:"
                                                 " try again later", transient=True)
                    wait = asked
            if attempt < options.tries:
                self.clock.sleep(wait)
        tries = f" after {options.tries} tries" if options.tries > 1 else ""
        return FetchFailure(url, f"{problem}{tries}", transient=True)

    def _send(self, url: str, headers: Mapping[str, str]) -> _Response | FetchFailure:
        limit = self.options.max_bytes
        request_headers = {"User-Agent": self.options.user_agent, **headers}
        with self.client.stream("GET", url, headers=request_headers) as response:
            status = response.status_code
            declared = response.headers.get("content-length", "").strip()
            if 200 <= status < 300 and declared.isdigit() and int(declared) > limit:
                return FetchFailure(url, f"over the size limit of {limit} bytes (the server "
                                         f"says {int(declared)} bytes): raise it with "
                                         "--max-bytes")
            body = bytearray()
            if 200 <= status < 300:
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        return FetchFailure(url, f"over the size limit of {limit} bytes: "
                                                 "raise it with --max-bytes")
            return _Response(status, response.reason_phrase, dict(response.headers.items()),
                             bytes(body))

    # -- robots.txt -------------------------------------------------------------------------
    def _robots_refusal(self, url: str) -> FetchFailure | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rules = self._robots[origin]
        if isinstance(rules, FetchFailure):
            return FetchFailure(url, rules.reason, rules.transient)
        if rules is not None and not rules.can_fetch(PRODUCT, url):
            return FetchFailure(url, f"robots.txt of {parts.netloc} disallows it (for "
                                     f"{PRODUCT}): not fetched")
        return None

    def _load_robots(self, origin: str) -> RobotFileParser | FetchFailure | None:
        """The rules of one host; None when it has none (any 4xx: all allowed, RFC 9309); a
        failure when it cannot be reached or answers 5xx (then nothing there is fetched)."""
        current = f"{origin}/robots.txt"
        got: _Response | FetchFailure | None = None
        for _hop in range(self.options.max_redirects + 1):
            got = self._get(current, {})
            if isinstance(got, FetchFailure):
                return FetchFailure(origin, f"{got.reason} (asking for its robots.txt)",
                                    got.transient)
            location = got.headers.get("location")
            if got.status not in REDIRECTS or not location:
                break
            current = urljoin(current, location.strip())
        else:
            return None  # redirected too often: unavailable, all allowed (RFC 9309)
        assert got is not None and not isinstance(got, FetchFailure)
        if 400 <= got.status < 500 or got.status in REDIRECTS:
            return None
        if not 200 <= got.status < 300:
            return FetchFailure(origin, f"its robots.txt answers HTTP {got.status}: nothing "
                                        "there is fetched until it can be read; try again "
                                        "later", transient=True)
        rules = RobotFileParser(current)
        rules.parse(got.body[:ROBOTS_BYTES].decode("utf-8", errors="replace").splitlines())
        delay = rules.crawl_delay(PRODUCT)
        if delay is not None:
            self._delay[_host(origin)] = min(float(delay), self.options.max_wait)
        return rules


# -- fetched bodies into articles ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Hint:
    """What the address a page came from says of it: a publication date (a feed entry's, a
    news sitemap's) for a page that declares none, and metadata to keep."""

    published: str | None = None
    source: str = "feed"
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Owner:
    """What an article's storing stands for: the fetch records to keep and the entry or
    sitemap page to mark read once it is stored."""

    urls: tuple[str, ...]
    seen: tuple[str, str] | None = None


@dataclass(slots=True)
class FetchStats:
    """What a :class:`WebReader` did: addresses fetched, unchanged (304), and entries or
    sitemap pages passed over as read before."""

    fetched: int = 0
    unchanged: list[str] = field(default_factory=list)
    seen_before: int = 0
    failed: int = 0


def _gunzipped(data: bytes, limit: int) -> bytes | None:
    """Gzip data (a ``.xml.gz`` sitemap, a ``.gz`` page) decompressed up to ``limit`` bytes;
    the data itself when it is not gzip; None when it is over the limit or broken."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        inflater = zlib.decompressobj(wbits=31)
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        return None
    return None if len(out) > limit else out


def _media_type(page: Page) -> str:
    return (page.content_type or "").split(";", 1)[0].strip().lower()


class WebReader:
    """Reads web addresses into Articles and Rejections (see the module docstring). Nothing
    is kept in the fetch state until :meth:`commit`: call it once the articles are stored,
    naming the ones that were not, so that a crash or Ctrl-C before then fetches them again
    next time instead of taking them for read."""

    def __init__(self, fetcher: Fetcher, options: IngestOptions | None = None) -> None:
        self.fetcher = fetcher
        self.options = options or IngestOptions(max_bytes=fetcher.options.max_bytes)
        self.stats = FetchStats()
        self._records: dict[str, FetchRecord] = {}
        self._seen: dict[str, set[str]] = {}
        self._owners: dict[str, _Owner] = {}
        self._budget = fetcher.options.max_urls

    @property
    def state(self) -> FetchState | None:
        return self.fetcher.state

    def read(self, url: str) -> Iterator[Result]:
        """The articles of one address: a page, a feed's entries (new ones only, when the
        state has read it before), or a sitemap's pages."""
        self._budget = self.fetcher.options.max_urls
        outcome = self._fetch(url)
        if isinstance(outcome, FetchFailure):
            yield outcome.rejection
        elif isinstance(outcome, Page):
            yield from self._body(outcome, depth=0, hint=None, owner=())

    def read_sitemap_file(self, path: Path) -> Iterator[Result]:
        """The pages a sitemap file on disk lists (gzipped or not), fetched."""
        self._budget = self.fetcher.options.max_urls
        name = str(path)
        try:
            with path.open("rb") as stream:
                raw = stream.read(self.options.max_bytes + 1)
        except OSError as exc:
            yield Rejection(name, f"cannot read: {exc.strerror or exc}")
            return
        data = _gunzipped(raw, self.options.max_bytes)
        if data is None or len(raw) > self.options.max_bytes:
            yield Rejection(name, f"over the size limit of {self.options.max_bytes} bytes or "
                                  "broken gzip: raise it with --max-bytes")
            return
        yield from self._sitemap(name, str(path.resolve()), data, depth=0, record=None)

    def commit(self, failed: Collection[str] = ()) -> None:
        """Keep what was fetched and read since the last commit in the fetch state, except
        what the articles named in ``failed`` (by their origin: not stored) stand for."""
        withheld_urls: set[str] = set()
        withheld_keys: set[tuple[str, str]] = set()
        for name in failed:
            owner = self._owners.get(name)
            if owner is not None:
                withheld_urls.update(owner.urls)
                if owner.seen is not None:
                    withheld_keys.add(owner.seen)
        records = [r for url, r in self._records.items() if url not in withheld_urls]
        seen = {source: {k for k in keys if (source, k) not in withheld_keys}
                for source, keys in self._seen.items()}
        if self.state is not None and (records or any(seen.values())):
            self.state.save(records, {s: k for s, k in seen.items() if k})
        self._records.clear()
        self._seen.clear()
        self._owners.clear()

    # -- internals -------------------------------------------------------------------------
    def _fetch(self, url: str) -> Outcome:
        outcome = self.fetcher.fetch(url)
        if isinstance(outcome, NotModified):
            self.stats.unchanged.append(url)
        elif isinstance(outcome, FetchFailure):
            self.stats.failed += 1
        else:
            self.stats.fetched += 1
        return outcome

    def _listed(self, url: str, source: str, key: str | None, where: str
                ) -> Page | tuple[Rejection, ...]:
        """A page a feed entry or a sitemap (``source``, its entry ``key``) points to: the
        page, or what to report instead: nothing when it is unchanged (the entry is read), a
        rejection naming ``where`` it was listed when it cannot be fetched (the entry is read
        unless the failure may pass)."""
        outcome = self._fetch(url)
        if isinstance(outcome, NotModified):
            self._mark(source, key)
            return ()
        if isinstance(outcome, FetchFailure):
            if not outcome.transient:
                self._mark(source, key)
            return (Rejection(url, f"{outcome.reason} ({where})"),)
        return outcome

    def _mark(self, source: str, key: str | None) -> None:
        if key:
            self._seen.setdefault(source, set()).add(key)

    def _known(self, source: str, keys: Collection[str]) -> set[str]:
        if self.state is None or not keys:
            return set()
        return self.state.seen(source, keys)

    def _body(self, page: Page, *, depth: int, hint: _Hint | None,
              owner: tuple[str, ...], seen: tuple[str, str] | None = None
              ) -> Iterator[Result]:
        data = _gunzipped(page.body, self.options.max_bytes)
        if data is None:
            yield Rejection(page.url, f"gzip data over the size limit of "
                                      f"{self.options.max_bytes} bytes, or broken: raise it "
                                      "with --max-bytes")
            return
        media = _media_type(page)
        if media.startswith(_NOT_DOCUMENTS):
            yield Rejection(page.url, f"not a web page, feed or sitemap: the server sent "
                                      f"{media}")
            return
        head = data[:65536].decode("utf-8", errors="ignore")
        sniffed = sniff_kind(head, complete=len(data) <= 65536)
        if sniffed == "feed" and looks_like_sitemap(data[:4096]):  # the root is a sitemap's
            yield from self._sitemap(page.url, page.url, data, depth=depth, record=page.record)
            return
        if sniffed == "feed":
            yield from self._feed(page, data)
            return
        kind = "html" if media in _HTML_TYPES and sniffed != "warc" else None
        owned = _Owner((*owner, page.url), seen)
        for result in read_bytes(data, page.url, self.options, kind=kind, url=page.final_url):
            if isinstance(result, Article):
                result = _with_fetch(result, page, hint)
                self._owners[result.origin or page.url] = owned
            yield result
        self._records[page.url] = page.record

    def _feed(self, page: Page, data: bytes) -> Iterator[Result]:
        source = page.url
        items = list(feed_items(data, page.url, None, self.options.build))
        keys = {item.entry_id or item.link for item in items}
        known = self._known(source, {k for k in keys if k})
        fetch_links = self.fetcher.options.fetch_links
        for item in items:
            key = item.entry_id or item.link
            if key and key in known:
                self.stats.seen_before += 1
                continue
            link = item.link
            if fetch_links and item.summary_only and link and is_url(link):
                yield from self._linked(page, item.number, link, item.published, key)
                continue
            result = item.result
            if isinstance(result, Article):
                result = _with_fetch(result, page, None, own_url=False)
                self._owners[result.origin or page.url] = _Owner(
                    (page.url,), (source, key) if key else None)
            yield result
            self._mark(source, key)
        self._records[page.url] = page.record

    def _linked(self, feed: Page, number: int, link: str, published: str | None,
                key: str | None) -> Iterator[Result]:
        """The page a feed entry links to, for an entry that carries only a summary."""
        source = feed.url
        outcome = self._listed(link, source, key, f"the page of {feed.url}[entry {number}]")
        if not isinstance(outcome, Page):
            yield from outcome
            return
        hint = _Hint(published=published, source="feed",
                     metadata={"feed_url": feed.final_url, "feed_entry": number})
        yield from self._body(outcome, depth=self.fetcher.options.sitemap_depth, hint=hint,
                              owner=(feed.url,), seen=(source, key) if key else None)
        self._mark(source, key)

    def _sitemap(self, name: str, source: str, data: bytes, *, depth: int,
                 record: FetchRecord | None) -> Iterator[Result]:
        options = self.fetcher.options
        parsed = parse_sitemap(data, name)
        if isinstance(parsed, Rejection):
            yield parsed
            return
        if parsed.kind == INDEX:
            yield from self._index(name, parsed.entries, depth)
        else:
            known = self._known(source, {e.key for e in parsed.entries})
            for number, entry in enumerate(parsed.entries):
                if entry.key in known:
                    self.stats.seen_before += 1
                    continue
                if self._budget <= 0:
                    yield Rejection(name, f"over the limit of {options.max_urls} pages from "
                                          f"sitemaps in one read: {len(parsed.entries) - number}"
                                          " of its pages were not fetched; run it again to go "
                                          "on")
                    break
                self._budget -= 1
                yield from self._sitemap_page(name, source, entry.url, entry.key,
                                              entry.news_published, entry.lastmod, depth)
        if record is not None:
            self._records[record.url] = record

    def _index(self, name: str, entries: tuple[SitemapEntry, ...], depth: int) -> Iterator[Result]:
        options = self.fetcher.options
        if depth >= options.sitemap_depth:
            yield Rejection(name, f"sitemap index nested more than {options.sitemap_depth} "
                                  "deep: its sitemaps were not read; give them by address")
            return
        if len(entries) > options.max_sitemaps:
            yield Rejection(name, f"sitemap index names {len(entries)} sitemaps, over the limit"
                                  f" of {options.max_sitemaps}: the first "
                                  f"{options.max_sitemaps} were read; give the others by "
                                  "address")
        for entry in entries[:options.max_sitemaps]:
            outcome = self._fetch(entry.url)
            if isinstance(outcome, FetchFailure):
                yield Rejection(entry.url, f"{outcome.reason} (a sitemap named in {name})")
                continue
            if isinstance(outcome, NotModified):
                continue
            data = _gunzipped(outcome.body, self.options.max_bytes)
            if data is None or not looks_like_sitemap(data[:4096]):
                yield Rejection(entry.url, f"named in the sitemap index {name} but not a "
                                           "sitemap (or broken gzip)")
                continue
            yield from self._sitemap(entry.url, entry.url, data, depth=depth + 1,
                                     record=outcome.record)

    def _sitemap_page(self, name: str, source: str, url: str, key: str,
                      published: str | None, lastmod: str | None, depth: int
                      ) -> Iterator[Result]:
        outcome = self._listed(url, source, key, f"listed in the sitemap {name}")
        if not isinstance(outcome, Page):
            yield from outcome
            return
        metadata: dict[str, Any] = {"sitemap_url": name}
        if lastmod:
            metadata["sitemap_lastmod"] = lastmod
        hint = _Hint(published=published, source="sitemap", metadata=metadata)
        # a page listed in a sitemap is a page: a sitemap there is read no deeper
        yield from self._body(outcome, depth=max(depth + 1, self.fetcher.options.sitemap_depth),
                              hint=hint, owner=(name,), seen=(source, key))
        self._mark(source, key)


def _with_fetch(article: Article, page: Page, hint: _Hint | None, *,
                own_url: bool = True) -> Article:
    """The article with where and when it was fetched in its metadata, and the publication
    date the feed or sitemap gives when the page declares none."""
    metadata = dict(article.metadata)
    metadata["fetched_url"] = page.final_url
    metadata["fetched_at"] = page.fetched_at
    if own_url and page.final_url != page.url:
        metadata["requested_url"] = page.url
    published = article.published
    if hint is not None:
        for key, value in hint.metadata.items():
            metadata.setdefault(key, value)
        if published is None and hint.published:
            value = normalise_published(hint.published)
            if value is not None:
                published = value
                metadata["published_source"] = hint.source
    return dataclasses.replace(article, published=published, metadata=metadata)


def read_url_list(path: Path) -> list[str | Rejection]:
    """The addresses in a URL list: one per line; blank lines and lines starting with ``#``
    are skipped; a line that is not an http(s) address is a Rejection named ``file:N``."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        return [Rejection(name, f"cannot read: {exc.strerror or exc}")]
    found: list[str | Rejection] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line):
            found.append(line)
        else:
            found.append(Rejection(f"{name}:{number}", f"not an http(s) address: "
                                                       f"{line[:80]!r}"))
    if not found:
        found.append(Rejection(name, "URL list holds no addresses (one http(s) address a "
                                     "line; # starts a comment)"))
    return found
