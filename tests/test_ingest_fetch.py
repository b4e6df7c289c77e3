"""Fetching web addresses (corroborate.ingest.fetch) against a real HTTP server on 127.0.0.1:
redirects, robots.txt, conditional GET, retries with back-off, Retry-After, timeouts, size
limits, the per-host rate limit (on an injected clock: nothing here sleeps for real beyond a
fraction of a second), feeds, sitemaps and the fetch state in the database."""

from __future__ import annotations

import gzip
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from corroborate.ingest import IngestOptions, Rejection, expand_inputs, read_inputs, read_one
from corroborate.ingest.fetch import (
    Clock,
    Fetcher,
    FetchFailure,
    FetchOptions,
    FetchRecord,
    MemoryFetchState,
    NotModified,
    Page,
    WebReader,
    read_url_list,
    user_agent,
)
from corroborate.ingest.sitemap import INDEX, URLSET, parse_sitemap
from corroborate.model import Article

if TYPE_CHECKING:
    from conftest import WebRequest, WebSite


def article_page(title: str, *, date: str | None = "2026-03-04T09:30:00+01:00",
                 words: str = "") -> str:
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = " ".join(
        f"<p>{title} was reported on {n} occasions by the regional council, which said the "
        f"harbour works would continue through the spring and cost more than planned. {words}"
        "</p>" for n in range(1, 6))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"{meta}</head><body><article><h1>{title}</h1>{body}</article></body></html>")


class FakeClock:
    """Time that moves only when slept: ``sleeps`` lists every wait asked for."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []
        self.start = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.t += seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t - 1000.0)

    @property
    def clock(self) -> Clock:
        return Clock(monotonic=self.monotonic, sleep=self.sleep, now=self.now)


def reader_for(fake: FakeClock, state: MemoryFetchState | None = None, **options: object
               ) -> WebReader:
    settings: dict[str, object] = {"rate": 0.0, "timeout": 5.0, **options}
    fetcher = Fetcher(FetchOptions(**settings), state=state, clock=fake.clock)  # type: ignore[arg-type]
    return WebReader(fetcher, IngestOptions())


def articles_of(results: list[Article | Rejection]) -> list[Article]:
    return [r for r in results if isinstance(r, Article)]


def rejections_of(results: list[Article | Rejection]) -> list[Rejection]:
    return [r for r in results if isinstance(r, Rejection)]


def test_a_page_is_stored_with_its_final_url_and_fetch_time(web_site: WebSite) -> None:
    web_site.page("/news/harbour.html", article_page("Harbour works delayed"))
    web_site.routes["/old"] = lambda _r: (301, {"Location": "/news/harbour.html"}, b"")
    fake = FakeClock()
    results = list(reader_for(fake).read(web_site.url("/old")))
    [article] = articles_of(results)
    final = web_site.url("/news/harbour.html")
    assert article.url == final
    assert article.metadata["fetched_url"] == final
    assert article.metadata["requested_url"] == web_site.url("/old")
    assert article.metadata["fetched_at"] == "2026-03-05T12:00:00+00:00"
    assert article.published == "2026-03-04T09:30:00+01:00"
    assert article.title == "Harbour works delayed"
    assert article.origin == web_site.url("/old")
    agents = {r.headers["user-agent"] for r in web_site.requests}
    assert agents == {user_agent()} and user_agent().startswith("corroborate/")
    assert user_agent("me@example.org").endswith("(+me@example.org)")
    assert web_site.paths() == ["/robots.txt", "/old", "/news/harbour.html"]


def test_robots_disallow_is_a_named_rejection_and_the_rest_goes_in(web_site: WebSite) -> None:
    web_site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    web_site.page("/private/secret.html", article_page("Secret"))
    web_site.page("/public.html", article_page("Public notice"))
    reader = reader_for(FakeClock())
    results = list(read_inputs([web_site.url("/private/secret.html"),
                                web_site.url("/public.html")], fetch_url=reader.read))
    [refused] = rejections_of(results)
    assert refused.input == web_site.url("/private/secret.html")
    assert "robots.txt" in refused.reason and "disallows" in refused.reason
    assert [a.title for a in articles_of(results)] == ["Public notice"]
    assert "/private/secret.html" not in web_site.paths()
    assert web_site.paths().count("/robots.txt") == 1  # read once per host


def test_robots_rules_for_corroborate_and_a_redirect_into_a_disallowed_path(
        web_site: WebSite) -> None:
    web_site.page("/robots.txt", "User-agent: corroborate\nDisallow: /members\n\n"
                                 "User-agent: *\nDisallow:\n", "text/plain")
    web_site.routes["/go"] = lambda _r: (302, {"Location": "/members/page"}, b"")
    [refused] = list(reader_for(FakeClock()).read(web_site.url("/go")))
    assert isinstance(refused, Rejection) and refused.input == web_site.url("/go")
    assert "disallows" in refused.reason
    assert "/members/page" not in web_site.paths()


def test_a_second_fetch_is_conditional_and_304_gives_nothing(web_site: WebSite) -> None:
    web_site.page("/story.html", article_page("Ferry strike ends"), ETag='"v1"')
    web_site.page("/dated.html", article_page("Bridge reopens"),
                  Last_Modified="Wed, 04 Mar 2026 08:00:00 GMT")
    state = MemoryFetchState()
    first = reader_for(FakeClock(), state)
    for path in ("/story.html", "/dated.html"):
        assert len(articles_of(list(first.read(web_site.url(path))))) == 1
    assert state.record(web_site.url("/story.html")) is None  # nothing kept before commit
    first.commit()
    assert state.record(web_site.url("/story.html")).etag == '"v1"'  # type: ignore[union-attr]
    web_site.requests.clear()
    again = reader_for(FakeClock(), state)
    assert list(again.read(web_site.url("/story.html"))) == []
    assert again.stats.unchanged == [web_site.url("/story.html")]
    [story] = [r for r in web_site.requests if r.path == "/story.html"]
    assert story.headers["if-none-match"] == '"v1"'
    list(again.read(web_site.url("/dated.html")))
    [dated] = [r for r in web_site.requests if r.path == "/dated.html"]
    assert dated.headers["if-modified-since"] == "Wed, 04 Mar 2026 08:00:00 GMT"


def test_commit_withholds_what_failed_to_be_stored(web_site: WebSite) -> None:
    web_site.page("/a.html", article_page("Storm warning"), ETag='"a"')
    state = MemoryFetchState()
    reader = reader_for(FakeClock(), state)
    [article] = articles_of(list(reader.read(web_site.url("/a.html"))))
    reader.commit(failed={article.origin or ""})
    assert state.record(web_site.url("/a.html")) is None  # fetched in full next time


def test_500_then_200_is_tried_again_with_back_off(web_site: WebSite) -> None:
    calls: list[int] = []

    def flaky(_request: WebRequest) -> tuple[int, dict[str, str], bytes]:
        calls.append(1)
        if len(calls) < 3:
            return 500, {}, b"oops"
        return 200, {"Content-Type": "text/html"}, article_page("Recovered").encode()

    web_site.routes["/flaky"] = flaky
    fake = FakeClock()
    [article] = list(reader_for(fake, tries=3, backoff=1.5).read(web_site.url("/flaky")))
    assert isinstance(article, Article) and len(calls) == 3
    assert fake.sleeps == [1.5, 3.0]  # exponential back-off, on the injected clock


def test_503_every_time_is_named_after_the_tries(web_site: WebSite) -> None:
    web_site.routes["/down"] = lambda _r: (503, {}, b"busy")
    fake = FakeClock()
    [failure] = list(reader_for(fake, tries=3).read(web_site.url("/down")))
    assert failure == Rejection(web_site.url("/down"),
                                "HTTP 503 Service Unavailable after 3 tries")
    assert fake.sleeps == [1.0, 2.0]


def test_429_honours_retry_after(web_site: WebSite) -> None:
    calls: list[int] = []

    def limited(_request: WebRequest) -> tuple[int, dict[str, str], bytes]:
        calls.append(1)
        if len(calls) == 1:
            return 429, {"Retry-After": "7"}, b""
        return 200, {"Content-Type": "text/html"}, article_page("Later").encode()

    web_site.routes["/limited"] = limited
    web_site.routes["/never"] = lambda _r: (429, {"Retry-After": "86400"}, b"")
    fake = FakeClock()
    reader = reader_for(fake)
    assert len(articles_of(list(reader.read(web_site.url("/limited"))))) == 1
    assert fake.sleeps == [7.0]
    [refused] = list(reader.read(web_site.url("/never")))
    assert isinstance(refused, Rejection) and "asks to wait 86400 s" in refused.reason
    assert fake.sleeps == [7.0]  # not waited for


def test_a_slow_server_times_out_after_the_tries(web_site: WebSite) -> None:
    def slow(_request: WebRequest) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.4)
        return 200, {"Content-Type": "text/html"}, article_page("Too late").encode()

    web_site.routes["/slow"] = slow
    fake = FakeClock()
    [failure] = list(reader_for(fake, timeout=0.1, tries=2).read(web_site.url("/slow")))
    assert failure == Rejection(web_site.url("/slow"), "timed out (0.1 s) after 2 tries")
    assert fake.sleeps == [1.0]


def test_size_limit_declared_and_streamed(web_site: WebSite) -> None:
    big = article_page("Big", words="filler " * 2000)
    web_site.page("/big.html", big)
    web_site.page("/chunky.html", big, Content_Length="", Connection="close")
    reader = reader_for(FakeClock(), max_bytes=4000)
    [declared] = list(reader.read(web_site.url("/big.html")))
    assert isinstance(declared, Rejection) and "over the size limit of 4000 bytes" in \
        declared.reason and "server says" in declared.reason
    [streamed] = list(reader.read(web_site.url("/chunky.html")))
    assert isinstance(streamed, Rejection) and "over the size limit" in streamed.reason


def test_failures_are_named_rejections(web_site: WebSite) -> None:
    web_site.page("/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png")
    web_site.routes["/loop"] = lambda _r: (302, {"Location": "/loop"}, b"")
    reader = reader_for(FakeClock(), max_redirects=3)
    results = {url: list(reader.read(web_site.url(url)))
               for url in ("/missing.html", "/logo.png", "/loop")}
    reasons = {url: r[0].reason for url, r in results.items() if isinstance(r[0], Rejection)}
    assert reasons["/missing.html"] == "HTTP 404 Not Found"
    assert "not a web page, feed or sitemap: the server sent image/png" in reasons["/logo.png"]
    assert "more than 3 redirects" in reasons["/loop"]
    assert reader.stats.failed == 2


def test_a_server_that_is_down_is_one_transient_failure() -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = FakeClock()
    fetcher = Fetcher(FetchOptions(rate=0, tries=2), clock=fake.clock)
    outcome = fetcher.fetch(f"http://127.0.0.1:{port}/feed.xml")
    assert isinstance(outcome, FetchFailure) and outcome.transient
    assert outcome.reason.startswith("cannot connect (ConnectError")
    assert "after 2 tries" in outcome.reason
    assert fetcher.fetch("ftp://example.org/x") == FetchFailure("ftp://example.org/x",
                                                                "not an http(s) address")


def test_rate_limit_spaces_requests_to_one_host(web_site: WebSite) -> None:
    for name in ("a", "b", "c"):
        web_site.page(f"/{name}.html", article_page(f"Report {name}"))
    fake = FakeClock()
    reader = reader_for(fake, rate=2.0)
    sent: list[float] = []
    send = reader.fetcher._send

    def timed(url: str, headers: object) -> object:
        sent.append(fake.t)
        return send(url, headers)  # type: ignore[arg-type]

    reader.fetcher._send = timed  # type: ignore[method-assign, assignment]
    for name in ("a", "b", "c"):
        assert len(articles_of(list(reader.read(web_site.url(f"/{name}.html"))))) == 1
    # robots.txt, then the three pages, each 2 s after the one before on the injected clock
    assert [round(t - sent[0], 6) for t in sent] == [0.0, 2.0, 4.0, 6.0]
    assert fake.sleeps == [2.0, 2.0, 2.0]
    before = len(fake.sleeps)
    list(reader.read(web_site.url("/a.html", host="localhost")))
    assert sent[4] == sent[3]  # another host's first request (its robots.txt) does not wait
    assert fake.sleeps[before:] == [2.0]  # its page waits for its own robots.txt request


def test_crawl_delay_in_robots_txt_slows_the_host(web_site: WebSite) -> None:
    web_site.page("/robots.txt", "User-agent: *\nCrawl-delay: 5\n", "text/plain")
    web_site.page("/a.html", article_page("One"))
    web_site.page("/b.html", article_page("Two"))
    fake = FakeClock()
    reader = reader_for(fake, rate=1.0)
    for path in ("/a.html", "/b.html"):
        list(reader.read(web_site.url(path)))
    assert fake.sleeps == [5.0, 5.0]


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>{base}/</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{base}{path}</link><guid>{guid}</guid>
<pubDate>Wed, 04 Mar 2026 10:00:00 +0000</pubDate><description>{summary}</description></item>"""


def feed(base: str, *entries: tuple[str, str, str, str]) -> str:
    return FEED.format(base=base, items="\n".join(
        ITEM.format(base=base, title=t, path=p, guid=g, summary=s) for t, p, g, s in entries))


def test_a_feed_url_gives_its_entries_and_new_ones_only_later(web_site: WebSite) -> None:
    base = web_site.url("")
    long = ("The council approved the new harbour budget after a long debate on Tuesday "
            "evening, with members split over the cost of dredging.")
    web_site.page("/feed.xml", feed(base, ("Budget approved", "/a", "a", long)),
                  "application/rss+xml")
    state = MemoryFetchState()
    reader = reader_for(FakeClock(), state)
    [entry] = list(reader.read(web_site.url("/feed.xml")))
    assert isinstance(entry, Article) and entry.metadata["text_kind"] == "summary"
    assert entry.metadata["fetched_url"] == web_site.url("/feed.xml")
    assert entry.url == base + "/a" and entry.origin == web_site.url("/feed.xml") + "[entry 1]"
    reader.commit()
    web_site.page("/feed.xml", feed(base, ("Budget passed", "/b", "b", long + " Update."),
                                    ("Budget approved", "/a", "a", long + " Edited.")),
                  "application/rss+xml")
    again = list(reader.read(web_site.url("/feed.xml")))
    assert [a.title for a in articles_of(again)] == ["Budget passed"]  # entry a: read before
    assert reader.stats.seen_before == 1


def test_fetch_links_replaces_a_summary_with_the_linked_page(web_site: WebSite) -> None:
    base = web_site.url("")
    web_site.page("/feed.xml", feed(base, ("Quay fire", "/quay.html", "q", "Short teaser."),
                                    ("Gone", "/gone.html", "g", "Another teaser.")),
                  "application/rss+xml")
    web_site.page("/quay.html", article_page("Quay fire", date=None))
    reader = reader_for(FakeClock(), MemoryFetchState(), fetch_links=True)
    results = list(reader.read(web_site.url("/feed.xml")))
    [page] = articles_of(results)
    assert page.url == base + "/quay.html" and "text_kind" not in page.metadata
    assert page.metadata["feed_url"] == web_site.url("/feed.xml")
    # the page declares no date: the feed entry's is used, and said to be the feed's
    assert page.published == "2026-03-04T10:00:00+00:00"
    assert page.metadata["published_source"] == "feed"
    [gone] = rejections_of(results)
    assert gone.input == base + "/gone.html" and gone.reason.startswith("HTTP 404")
    assert "[entry 2]" in gone.reason


def sitemap_xml(base: str, *paths: str, news: bool = False) -> str:
    urls = []
    for path in paths:
        extra = ("<news:news><news:publication><news:name>Gazette</news:name>"
                 "<news:language>en</news:language></news:publication>"
                 "<news:publication_date>2026-03-01T07:00:00Z</news:publication_date>"
                 "<news:title>T</news:title></news:news>") if news else ""
        urls.append(f"<url><loc>{base}{path}</loc><lastmod>2026-03-02</lastmod>{extra}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            + "".join(urls) + "</urlset>")


def test_a_news_sitemap_expands_to_its_pages_with_date_hints(web_site: WebSite) -> None:
    base = web_site.url("")
    web_site.page("/news-sitemap.xml", sitemap_xml(base, "/one.html", "/two.html", news=True),
                  "application/xml")
    web_site.page("/one.html", article_page("First report", date=None))
    web_site.page("/two.html", article_page("Second report"))
    state = MemoryFetchState()
    reader = reader_for(FakeClock(), state)
    results = list(reader.read(web_site.url("/news-sitemap.xml")))
    one, two = articles_of(results)
    assert one.published == "2026-03-01T07:00:00+00:00"
    assert one.metadata["published_source"] == "sitemap"
    assert one.metadata["sitemap_lastmod"] == "2026-03-02"  # kept, never the publication date
    assert two.published == "2026-03-04T09:30:00+01:00"  # the page's own date wins
    assert two.metadata["published_source"] == "metadata"
    reader.commit()
    web_site.requests.clear()
    assert list(reader.read(web_site.url("/news-sitemap.xml"))) == []
    assert reader.stats.seen_before == 2
    assert "/one.html" not in web_site.paths()


def test_a_sitemap_index_is_followed_within_its_bounds(web_site: WebSite) -> None:
    base = web_site.url("")
    index = ('<?xml version="1.0"?><sitemapindex '
             'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{base}/s1.xml.gz</loc></sitemap>"
             f"<sitemap><loc>{base}/s2.xml</loc></sitemap>"
             f"<sitemap><loc>{base}/s3.xml</loc></sitemap></sitemapindex>")
    web_site.page("/index.xml", index, "application/xml")
    web_site.page("/s1.xml.gz", gzip.compress(sitemap_xml(base, "/p1.html").encode()),
                  "application/x-gzip")
    web_site.page("/s2.xml", index, "application/xml")  # an index inside: too deep
    web_site.page("/s3.xml", article_page("Not a sitemap"))
    web_site.page("/p1.html", article_page("Page one"))
    reader = reader_for(FakeClock(), sitemap_depth=1, max_sitemaps=2)
    results = list(reader.read(web_site.url("/index.xml")))
    assert [a.title for a in articles_of(results)] == ["Page one"]
    reasons = [r.reason for r in rejections_of(results)]
    assert any("names 3 sitemaps, over the limit of 2" in r for r in reasons)
    assert any("nested more than 1 deep" in r for r in reasons)
    assert "/s3.xml" not in web_site.paths()


def test_max_urls_bounds_the_pages_of_a_sitemap(web_site: WebSite) -> None:
    base = web_site.url("")
    web_site.page("/map.xml", sitemap_xml(base, "/a.html", "/b.html", "/c.html"),
                  "application/xml")
    for name in "abc":
        web_site.page(f"/{name}.html", article_page(f"Page {name}"))
    results = list(reader_for(FakeClock(), max_urls=2).read(web_site.url("/map.xml")))
    assert len(articles_of(results)) == 2
    [over] = rejections_of(results)
    assert "over the limit of 2 pages" in over.reason and "1 of its pages" in over.reason


def test_parse_sitemap_kinds_and_bad_input() -> None:
    assert parse_sitemap(b"<html><body>no</body></html>", "x") == Rejection(
        "x", "not a sitemap: no <urlset> or <sitemapindex> in it")
    empty = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          b"<url><loc>file:///etc/passwd</loc></url></urlset>", "e")
    assert isinstance(empty, Rejection) and "1 entries without an http(s) address" in \
        empty.reason
    hostile = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               b'<urlset><url><loc>https://a.example/&e;</loc></url></urlset>')
    parsed = parse_sitemap(hostile, "h")
    assert not isinstance(parsed, Rejection)
    assert all("root:" not in e.url for e in parsed.entries)


def test_url_lists_and_inputs(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("# feeds\nhttps://a.example/feed.xml\n\n  http://b.example/x  \n"
                       "not a url\n")
    assert read_url_list(listing) == ["https://a.example/feed.xml", "http://b.example/x",
                                      Rejection(f"{listing}:5", "not an http(s) address: "
                                                                "'not a url'")]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    [nothing] = read_url_list(empty)
    assert isinstance(nothing, Rejection) and "holds no addresses" in nothing.reason
    # a URL is an input of its own, not a missing file; without a fetcher it says so
    assert expand_inputs(["https://a.example/x"]) == ["https://a.example/x"]
    [refused] = list(read_one("https://a.example/x", IngestOptions()))
    assert isinstance(refused, Rejection) and "fetching is off" in refused.reason


def test_options_are_checked() -> None:
    from corroborate.errors import UsageError

    with pytest.raises(UsageError):
        FetchOptions(timeout=0)
    with pytest.raises(UsageError):
        FetchOptions(tries=0)


def test_memory_state_keeps_records_and_keys() -> None:
    state = MemoryFetchState()
    record = FetchRecord("http://a/x", "http://a/y", "2026-03-05T12:00:00+00:00", 200, '"e"')
    state.save([record], {"http://a/feed": {"1", "2"}})
    assert state.record("http://a/x") == record
    assert state.seen("http://a/feed", ["2", "3"]) == {"2"}


def test_the_database_keeps_the_fetch_state(tmp_path: Path) -> None:
    from corroborate.store import Store
    from corroborate.store.fetch_state import StoreFetchState
    from corroborate.store.migrations import MIGRATIONS

    path = tmp_path / "v3.db"  # a database of schema 3 gains the fetch tables
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version in (1, 2, 3):
        conn.executescript(MIGRATIONS[version - 1])
        conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))
    conn.commit()
    conn.close()
    record = FetchRecord("http://a/x", "http://a/y", "2026-03-05T12:00:00+00:00", 200,
                         '"e"', "Wed, 04 Mar 2026 08:00:00 GMT")
    with Store(path) as store:
        assert store.schema_version >= 4
        state = StoreFetchState(store)
        assert state.record("http://a/x") is None
        state.save([record], {"http://a/feed": {"1", "2"}})
        state.save([], {"http://a/feed": {"2", "3"}})
    with Store(path) as store:
        state = StoreFetchState(store)
        assert state.record("http://a/x") == record
        assert state.seen("http://a/feed", [str(n) for n in range(1000)]) == {"1", "2", "3"}
        assert state.count_seen() == 3


def test_fetcher_outcomes_directly(web_site: WebSite) -> None:
    web_site.page("/x.html", article_page("X"), ETag='"x"')
    state = MemoryFetchState()
    fetcher = Fetcher(FetchOptions(rate=0), state=state, clock=FakeClock().clock)
    page = fetcher.fetch(web_site.url("/x.html"))
    assert isinstance(page, Page) and page.record.etag == '"x"' and page.status == 200
    state.save([page.record], {})
    assert fetcher.fetch(web_site.url("/x.html")) == NotModified(web_site.url("/x.html"),
                                                                 web_site.url("/x.html"))
    fetcher.close()


# -- real pages and feeds from ../shared/data/web, served by the local server -------------------
def test_real_pages_feeds_and_sitemaps_served_locally(shared_data: Path,
                                                      web_site: WebSite) -> None:
    web = shared_data / "web"
    pages = sorted((web / "pages" / "cache").glob("*.html.gz"))[:3]
    if not pages:
        pytest.skip(f"no pages in {web / 'pages' / 'cache'}")
    base = web_site.url("")
    for number, page in enumerate(pages):
        # served as a server would: gzip Content-Encoding, undone by the client
        web_site.page(f"/page{number}", page.read_bytes(), "text/html",
                      Content_Encoding="gzip")
    real = parse_sitemap((web / "feeds" / "trafilatura" / "sitemap.xml").read_bytes(), "real")
    assert not isinstance(real, Rejection) and real.kind == URLSET and len(real.entries) == 84
    index = parse_sitemap((web / "feeds" / "trafilatura" / "sitemap2.xml").read_bytes(), "i")
    assert not isinstance(index, Rejection) and index.kind == INDEX
    assert [e.url for e in index.entries][1] == "http://www.example.com/sitemap2.xml.gz"
    # the real gzipped sitemap, its addresses pointed at the local server
    text = gzip.decompress((web / "feeds" / "trafilatura" / "sitemap.xml.gz").read_bytes())
    local = text.decode().replace("https://www.sitemaps.org/", f"{base}/unused/")
    web_site.page("/sitemap.xml.gz", gzip.compress(local.encode()), "application/gzip")
    web_site.page("/robots.txt", "User-agent: *\nDisallow: /unused/\n", "text/plain")
    web_site.page("/feed1.atom", (web / "feeds" / "trafilatura" / "feed1.atom").read_bytes(),
                  "application/atom+xml")
    web_site.page("/feed.json", (web / "feeds" / "trafilatura" / "feed.json").read_bytes(),
                  "application/feed+json")
    reader = reader_for(FakeClock(), MemoryFetchState())
    results = list(read_inputs([web_site.url(f"/page{n}") for n in range(len(pages))]
                               + [web_site.url("/feed1.atom"), web_site.url("/feed.json"),
                                  web_site.url("/sitemap.xml.gz")],
                               fetch_url=reader.read))
    fetched_pages = [a for a in articles_of(results) if "fetched_url" in a.metadata
                     and a.metadata["fetched_url"].startswith(base + "/page")]
    assert len(fetched_pages) >= 2, [str(r) for r in rejections_of(results)]
    assert all(a.url and a.url.startswith(base) for a in fetched_pages)
    npr = [a for a in articles_of(results) if a.metadata.get("feed_kind") == "json-feed"]
    assert npr and all(a.metadata["fetched_url"] == web_site.url("/feed.json") for a in npr)
    # the real Atom feed's entries carry two-word summaries: named, by entry
    atom = [r for r in rejections_of(results) if r.input.startswith(web_site.url("/feed1.atom"))]
    assert atom and all("only a summary" in r.reason for r in atom)
    robots = [r for r in rejections_of(results) if "robots.txt" in r.reason]
    assert len(robots) == 84  # every page of the real sitemap, named, none fetched
    assert not any(p.startswith("/unused/") for p in web_site.paths())
