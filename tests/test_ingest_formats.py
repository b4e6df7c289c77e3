"""Issue 11, inputs: feeds (RSS, Atom, RDF, JSON Feed), WARC/ARC archives, scraper JSON,
compressed inputs and recognition by content. Each kind on small fixtures of our own and on
the real files in ../shared/data/web/ (skipped when that is absent)."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest

from corroborate.ingest import (
    IngestOptions,
    Rejection,
    read_bytes,
    read_inputs,
    sniff_kind,
)
from corroborate.ingest.base import normalise_published
from corroborate.model import Article

BODY = ("SEOUL, Sept 21 (Pacific Wire) - The two leaders met for about 30 minutes on Monday, "
        "officials said, in their first talks since 2019.")
TAG = re.compile(r"<\s*/?\s*(?:p|div|img|script|style|a|br|span|iframe)\b", re.IGNORECASE)


def articles(results: list[Article | Rejection]) -> list[Article]:
    return [r for r in results if isinstance(r, Article)]


def rejections(results: list[Article | Rejection]) -> list[Rejection]:
    return [r for r in results if isinstance(r, Rejection)]


def _only_results(results: list[Article | Rejection]) -> None:
    for result in results:
        assert isinstance(result, Article | Rejection)
        if isinstance(result, Rejection):
            assert result.input and result.reason
        else:
            assert not TAG.search(result.text), result.text[:200]


@pytest.fixture(scope="module")
def web(shared_data: Path) -> Path:
    path = shared_data / "web"
    if not path.is_dir():
        pytest.skip(f"needs the real web inputs at {path} (absent on this machine)")
    return path


# -- feeds ----------------------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>The Harbour Herald</title>
  <link>https://harbourherald.example/</link>
  <item>
    <title>Leaders meet in Seoul</title>
    <link>https://harbourherald.example/2026/09/21/leaders-meet</link>
    <pubDate>Mon, 21 Sep 2026 10:00:00 +0900</pubDate>
    <dc:creator>Park Min-ji</dc:creator>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>{BODY}</p><script>track()</script>
      <p>The talks covered trade and security, the ministry said.</p>
      <img src="https://pixel.example/track.gif?story=1" width="1" height="1"/>]]></content:encoded>
  </item>
  <item>
    <title>Wire: talks end</title>
    <link>https://wire.example/talks-end</link>
    <source url="https://wire.example/rss">Pacific Wire Service</source>
    <pubDate>Tue, 22 Sep 2026 08:00:00 GMT</pubDate>
    <description>&lt;p&gt;{BODY} The two sides agreed to meet again.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Photo of the day</title>
    <link>https://harbourherald.example/photo</link>
    <description>A photo.</description>
  </item>
  <item>
    <title>Old placeholder</title>
    <pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>
    <description>{BODY} Again.</description>
  </item>
</channel>
</rss>
"""


def test_rss_entries_become_articles_with_content_as_text() -> None:
    results = list(read_bytes(RSS.encode(), "feed.xml", IngestOptions()))
    _only_results(results)
    full, summary = articles(results)
    assert full.origin == "feed.xml[entry 1]" and full.title == "Leaders meet in Seoul"
    assert full.text.startswith("SEOUL, Sept 21") and "trade and security" in full.text
    assert "track()" not in full.text and "pixel.example" not in full.text
    assert full.metadata["text_kind"] == "content"
    assert full.published == "2026-09-21T10:00:00+09:00"  # the offset as written
    assert full.author == "Park Min-ji" and full.source == "The Harbour Herald"
    assert full.url == "https://harbourherald.example/2026/09/21/leaders-meet"
    # no full content: the summary, marked so; the entry's <source> names the outlet
    assert summary.metadata["text_kind"] == "summary" and "agreed to meet" in summary.text
    assert summary.source == "Pacific Wire Service"
    assert summary.published == "2026-09-22T08:00:00+00:00"
    photo, old = rejections(results)
    assert photo.input == "feed.xml[entry 3]" and "near-empty" in photo.reason
    assert "only a summary" in photo.reason and "not fetched" in photo.reason
    assert old.input == "feed.xml[entry 4]" and "outside 1800 to 2199" in old.reason


ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<!-- a comment before the root -->
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Daily Ledger</title>
  <author><name>Ledger Staff</name></author>
  <entry>
    <title type="html">Fire &lt;em&gt;kills&lt;/em&gt; 12</title>
    <link href="https://ledger.example/fire"/>
    <updated>2026-10-14T19:10:00+01:00</updated>
    <author><name>Jana Vesela</name></author>
    <author><name>Tomas Hruby</name></author>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{BODY}</p></div></content>
  </entry>
  <entry>
    <title>No text at all</title>
    <link href="https://ledger.example/empty"/>
  </entry>
  <entry>
    <title>Inherited author</title>
    <link href="https://ledger.example/other"/>
    <published>2026-10-15T08:00:00Z</published>
    <summary>{BODY} More.</summary>
  </entry>
</feed>
"""


def test_atom_entries_authors_dates_and_missing_text() -> None:
    results = list(read_bytes(ATOM.encode(), "<stdin>", IngestOptions()))  # sniffed
    _only_results(results)
    first, third = articles(results)
    assert first.title == "Fire kills 12"  # an HTML title loses its tags
    assert first.author == "Jana Vesela, Tomas Hruby"
    assert first.published == "2026-10-14T19:10:00+01:00"
    assert first.metadata["date_field"] == "updated" and first.source == "Daily Ledger"
    assert third.author == "Ledger Staff"  # the feed's author, as Atom says
    assert third.published == "2026-10-15T08:00:00+00:00"
    [empty] = rejections(results)
    assert empty.input == "<stdin>[entry 2]" and "without content or summary" in empty.reason


def test_rdf_feed_and_feed_host_fallback() -> None:
    rdf = f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://x.example/"><link>https://x.example/</link></channel>
  <item rdf:about="https://news.example.org/a">
    <title>RDF item</title><link>https://www.news.example.org/a</link>
    <description>{BODY}</description><dc:date>2026-09</dc:date>
  </item>
</rdf:RDF>"""
    [a] = list(read_bytes(rdf.encode(), "feed.rdf", IngestOptions(), kind="feed"))
    assert isinstance(a, Article)
    # no source and no feed title: the registered domain of the link
    assert a.source == "example.org" and a.metadata["outlet_from"] == "domain"
    assert a.published == "2026-09"  # a month stays a month


def test_ill_formed_feed_goes_in_with_a_warning_and_unreadable_one_is_named() -> None:
    bozo = RSS.replace("<title>The Harbour Herald</title>", "<title>Harbour & Herald</title>")
    results = list(read_bytes(bozo.encode(), "bozo.rss", IngestOptions()))
    found = articles(results)
    assert len(found) == 2 and all("feed_warning" in a.metadata for a in found)
    assert "not well-formed" in found[0].metadata["feed_warning"]
    [bad] = list(read_bytes(b"<rss><channel><title>x</ti", "broken.rss", IngestOptions()))
    assert isinstance(bad, Rejection) and bad.input == "broken.rss"
    assert "holds no entries" in bad.reason or "not a feed" in bad.reason
    [sitemap] = list(read_bytes(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://x.example/a</loc></url></urlset>", "sitemap.xml", IngestOptions()))
    assert isinstance(sitemap, Rejection) and "a sitemap" in sitemap.reason


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1", "title": "Pacific Wire",
    "items": [
        {"id": "1", "url": "https://wire.example/1", "title": "One",
         "content_html": f"<p>{BODY}</p><img src='https://pixel.example/p.png' />",
         "date_published": "2026-09-21T10:00:00-04:00", "authors": [{"name": "A. Writer"}]},
        {"id": "2", "url": "https://wire.example/2", "title": "Two", "summary": "Too short."},
        "not an item",
    ],
}


def test_json_feed_document_by_extension_and_by_content(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(JSON_FEED))
    for results in (list(read_inputs([str(path)])),
                    list(read_inputs(["-"], stdin=io.BytesIO(path.read_bytes())))):
        [one] = articles(results)
        assert one.text == BODY and one.source == "Pacific Wire" and one.author == "A. Writer"
        assert one.published == "2026-09-21T10:00:00-04:00"
        assert one.metadata["feed_kind"] == "json-feed"
        assert [r.input.rsplit("[", 1)[1] for r in rejections(results)] == ["entry 2]",
                                                                              "entry 3]"]


def test_real_feeds(web: Path) -> None:
    feeds = web / "feeds" / "trafilatura"
    npr = list(read_inputs([str(feeds / "feed.json")]))
    _only_results(npr)
    assert len(articles(npr)) == 25 and not rejections(npr)
    assert all("npr-rss-pixel" not in a.text and a.url and "npr.org" in a.url
               for a in articles(npr))
    assert all(a.metadata["text_kind"] == "content" and a.published for a in articles(npr))
    [rss] = articles(list(read_inputs([str(feeds / "feed2.rss")])))
    assert rss.metadata["text_kind"] == "summary" and rss.source == "RSS Title"
    assert rss.published == "2009-09-06T16:20:00+00:00"
    atom = list(read_inputs([str(feeds / "feed1.atom")]))
    assert [r.input.rsplit("/", 1)[1] for r in rejections(atom)] == [
        "feed1.atom[entry 1]", "feed1.atom[entry 2]"]  # "Some text.": near-empty summaries
    for name in ("sitemap.xml", "sitemap.xml.gz", "sitemap2.xml"):
        [r] = list(read_inputs([str(feeds / name)]))
        assert isinstance(r, Rejection) and "a sitemap" in r.reason


def test_feedparser_corpus_gives_only_articles_and_rejections(web: Path) -> None:
    """feedparser's own corpus (every RSS/Atom/RDF dialect, encodings, hostile markup, ill-formed
    XML): never an exception, every article without tags, every rejection with a reason."""
    files = sorted(p for p in (web / "feeds" / "feedparser").rglob("*") if p.is_file())
    assert len(files) > 2000
    with_articles = 0
    for path in files:
        results = list(read_inputs([str(path)]))
        assert results, path
        _only_results(results)
        with_articles += bool(articles(results))
    # Most of the corpus tests one feed element and has no entry with eight words of text.
    assert with_articles >= 15


# -- WARC and ARC ----------------------------------------------------------------------------

PAGE = (f"<html><head><title>Leaders meet</title></head><body><article><h1>Leaders meet</h1>"
        f"<p>{BODY}</p><p>The talks covered trade and security, the ministry said on Monday "
        f"evening in a statement.</p></article></body></html>").encode()


def _warc(records: list[tuple[str, str, bytes, dict[str, str]]], *, gz: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for uri, media, payload, extra in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", media),
                                           ("Content-Length", str(len(payload)))],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            uri, "response", payload=io.BytesIO(payload), http_headers=http,
            warc_headers_dict=extra))
    return out.getvalue()


@pytest.mark.parametrize("gz", [False, True])
def test_warc_pages_become_articles_and_other_records_are_passed_over(gz: bool) -> None:
    data = _warc([("https://a.example/1", "text/html; charset=utf-8", PAGE, {}),
                  ("https://a.example/logo.png", "image/png", b"\x89PNG\r\n", {}),
                  ("https://a.example/r.pdf", "application/pdf", b"%PDF-1.7", {}),
                  ("https://a.example/2", "text/html", PAGE.replace(b"Monday", b"Tuesday"),
                   {"WARC-Truncated": "length"})], gz=gz)
    results = list(read_bytes(data, "crawl.warc", IngestOptions()))
    _only_results(results)
    [page] = articles(results)
    assert page.url == "https://a.example/1" and page.origin == "crawl.warc[record 1]"
    assert page.metadata["fetched"] and page.title == "Leaders meet"
    pdf, cut = rejections(results)
    assert pdf.input == "crawl.warc[record 3]" and "PDF document" in pdf.reason
    assert cut.input == "crawl.warc[record 4]" and "WARC-Truncated" in cut.reason


@pytest.mark.parametrize("gz", [False, True])
def test_archive_cut_short_keeps_the_records_before(gz: bool, tmp_path: Path) -> None:
    first = [("https://a.example/1", "text/html", PAGE, {})]
    second = [("https://a.example/2", "text/html", PAGE.replace(b"Monday", b"Tuesday"), {})]
    head, data = _warc(first, gz=gz), _warc(first + second, gz=gz)
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(data[: len(head) + (len(data) - len(head)) * 2 // 3])  # in the 2nd page
    results = list(read_inputs([str(path)]))
    [page] = articles(results)
    assert page.url == "https://a.example/1"
    [cut] = rejections(results)
    assert cut.input == f"{path}[record 2]" and "truncated record" in cut.reason
    if gz:  # cut in the gzip data between records: the archive is named, the records kept
        path.write_bytes(data[: len(head) + 10])
        results = list(read_inputs([str(path)]))
        assert [a.url for a in articles(results)] == ["https://a.example/1"]
        [cut] = rejections(results)
        assert cut.input == str(path) and "ends after record 1" in cut.reason


def test_warc_record_over_the_size_limit_is_named_and_the_next_read() -> None:
    big = PAGE.replace(b"</article>", b"<p>" + b"word " * 2000 + b"</p></article>")
    data = _warc([("https://a.example/big", "text/html", big, {}),
                  ("https://a.example/1", "text/html", PAGE, {})], gz=True)
    results = list(read_bytes(data, "a.warc.gz", IngestOptions(max_bytes=5000)))
    [page] = articles(results)
    assert page.url == "https://a.example/1"
    [big_one] = rejections(results)
    assert big_one.input == "a.warc.gz[record 1]" and "--max-bytes" in big_one.reason


#: What each of warcio's samples gives: the record numbers of its articles, the records named.
WARC_SAMPLES = {
    "bad.arc": ([], [2, 4]),  # ARC records with lengths -1 and "abc": no HTTP response
    "example-bad-non-chunked.warc.gz": ([3], []),  # one gzip member for the whole file
    "example-bad.warc.gz.bad": ([2], []),  # an odd name: recognised from its content
    "example-digest.warc": ([], []),  # requests only
    "example-iana.org-chunked.warc": ([2], []),  # chunked transfer encoding
    "example-resource.warc.gz": ([3], []),  # a resource record
    "example-space-in-target-uri.warc.gz": ([], []),  # an image
    "example-space-in-url.arc": ([2], []),
    "example-trunc.warc": ([3], []),  # 2 bytes of the gzip trailer lost; the page is whole
    "example-wget-bad-target-uri.warc.gz": ([3], []),
    "example-wrong-chunks.warc.gz": ([1], []),  # a record split over two gzip members
    "example.arc": ([2], []),
    "example.arc.gz": ([2], []),
    "example.warc": ([3], []),  # and a revisit record, passed over
    "example.warc.gz": ([3], []),
    "post-test.warc.gz": ([], []),  # JSON responses
}


def test_every_warc_sample(web: Path) -> None:
    samples = sorted(p.name for p in (web / "warc").iterdir())
    assert samples == sorted(WARC_SAMPLES)
    for name, (pages, named) in WARC_SAMPLES.items():
        path = web / "warc" / name
        results = list(read_inputs([str(path)]))
        _only_results(results)
        assert [int(a.origin.rsplit(" ", 1)[1][:-1]) for a in articles(results)] == pages, name
        assert [int(r.input.rsplit(" ", 1)[1][:-1]) for r in rejections(results)] == named, name
        for a in articles(results):
            assert a.url and a.url.startswith("http") and a.metadata["fetched"].startswith("20")
            assert a.path == str(path)
    [trunc] = articles(list(read_inputs([str(web / "warc" / "example-trunc.warc")])))
    assert "604 of the page's 606 bytes" in trunc.metadata["warc_warning"]
    [iana] = articles(list(read_inputs([str(web / "warc" / "example-iana.org-chunked.warc")])))
    # The page declares no date (the old "2017-01-11" was a link in its body text,
    # /reports/2017/customer-survey-20170111.pdf), and the WARC-Date (2017-03-06) is the fetch
    assert iana.published is None and iana.metadata["published_source"] == "none"
    assert iana.metadata["fetched"].startswith("2017-03-06")
    piped = list(read_inputs(["-"], stdin=io.BytesIO((web / "warc" / "example.warc.gz")
                                                     .read_bytes())))
    assert [a.origin for a in articles(piped)] == ["<stdin>[record 3]"]


def test_warc_forced_on_something_else_is_named() -> None:
    [r] = list(read_bytes(b"hello world", "x.dat", IngestOptions(), kind="warc"))
    assert isinstance(r, Rejection) and "not a WARC or ARC archive" in r.reason


# -- scraper JSON ----------------------------------------------------------------------------

def test_news_please_sample(web: Path) -> None:
    [a] = list(read_inputs([str(web / "scrapers" / "news-please-sample.json")]))
    assert isinstance(a, Article), a
    assert a.text.startswith("Russia has called on Ukraine")
    assert a.title.startswith("Moscow to Kiev")
    assert a.published == "2017-07-17T17:03:00"
    assert a.url == "https://www.rt.com/news/203203-ukraine-russia-troops-border/"
    assert a.source == "RT" and a.author is None  # "authors": [] is no author
    assert a.metadata["language"] == "en" and "maintext" not in a.metadata


def _line(record: dict[str, object]) -> Article | Rejection:
    [result] = list(read_bytes(json.dumps(record).encode(), "s.jsonl", IngestOptions(),
                               kind="jsonl"))
    return result


def test_scraper_fields_authors_html_and_epoch_dates() -> None:
    a = _line({"maintext": f"<p>{BODY}</p><img src='https://pixel.example/t.gif'>",
               "authors": ["Jana Vesela", {"name": "Tomas Hruby"}, "Jana Vesela"],
               "date_publish": 1790000000, "source_domain": "www.ledger.example",
               "description": "A summary."})
    assert isinstance(a, Article)
    assert a.text == BODY and a.author == "Jana Vesela, Tomas Hruby"
    assert a.published == "2026-09-21T14:13:20+00:00" and a.source == "ledger.example"
    assert a.metadata["published_epoch"] == 1790000000
    b = _line({"text": f"<div><p>{BODY}</p><p>Second paragraph here.</p></div>",
               "author": ["One", "Two"], "published": "1790000000000"})  # milliseconds
    assert isinstance(b, Article) and "<p>" not in b.text and "\nSecond paragraph" in b.text
    assert b.author == "One, Two" and b.published == "2026-09-21T14:13:20+00:00"
    c = _line({"content_text": BODY, "date_published": "2026-09-21", "external_url":
               "https://x.example/a", "authors": [{"name": "J. Feed"}]})  # a JSON Feed item
    assert isinstance(c, Article) and c.url == "https://x.example/a" and c.author == "J. Feed"
    d = _line({"summary": BODY, "link": "https://y.example/b"})
    assert isinstance(d, Article) and d.metadata["text_kind"] == "summary"
    assert d.url == "https://y.example/b"
    assert _line({"text": BODY, "published": 2026}).published == "2026"  # still a year
    # out-of-range epochs are no dates (kept raw), never a rejected article
    e = _line({"text": BODY, "published": 99999999999})
    assert isinstance(e, Article) and e.published is None
    bad = _line({"title": "x", "authors": True, "text": BODY})
    assert isinstance(bad, Rejection) and "'authors' must be a name" in bad.reason
    missing = _line({"title": "no text"})
    assert isinstance(missing, Rejection) and "maintext" in missing.reason


def test_ambiguous_numeric_dates_are_kept_raw_unless_the_order_is_said() -> None:
    a = _line({"text": BODY, "published": "04/03/2024"})
    assert isinstance(a, Article) and a.published is None
    assert a.metadata["published_raw"] == "04/03/2024"
    b = _line({"text": BODY, "published": "04/03/2024", "date_order": "DMY"})
    assert isinstance(b, Article) and b.published == "2024-03-04"
    c = _line({"text": BODY, "published": "04/03/2024", "date_order": "MDY"})
    assert isinstance(c, Article) and c.published == "2024-04-03"
    bad = _line({"text": BODY, "published": "04/03/2024", "date_order": "first"})
    assert isinstance(bad, Rejection) and "date_order" in bad.reason


@pytest.mark.parametrize(("raw", "expected"), [
    ("04/03/2024", None), ("4-3-2024 10:00", None),
    ("21/09/2026", "2026-09-21"), ("09/21/2026", "2026-09-21"), ("05/05/2024", "2024-05-05"),
    ("04.03.2024", "2024-03-04"),  # dots: day first, as the languages that write them
    ("2024/04/03", "2024-04-03"), ("12/2026", "2026-12"),
])
def test_numeric_day_and_month(raw: str, expected: str | None) -> None:
    assert normalise_published(raw) == expected


# -- compressed inputs, recognition by content, directory walks -----------------------------

def test_gzipped_inputs_are_decompressed(tmp_path: Path) -> None:
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress(PAGE))
    lines = tmp_path / "dump.jsonl.gz"
    lines.write_bytes(gzip.compress(b"\n".join(json.dumps({"text": f"{BODY} {i}"}).encode()
                                               for i in range(3))))
    cut = tmp_path / "cut.html.gz"
    cut.write_bytes(gzip.compress(PAGE * 20)[:-40])
    assert [a.title for a in articles(list(read_inputs([str(page)])))] == ["Leaders meet"]
    assert len(articles(list(read_inputs([str(lines)])))) == 3
    [bad] = list(read_inputs([str(cut)]))
    assert isinstance(bad, Rejection) and "cut short or corrupt" in bad.reason
    nested = tmp_path / "twice.html.gz"
    nested.write_bytes(gzip.compress(gzip.compress(PAGE)))
    [twice] = list(read_inputs([str(nested)]))
    assert isinstance(twice, Rejection) and "gzip" in twice.reason
    [piped] = list(read_inputs(["-"], stdin=io.BytesIO(page.read_bytes())))
    assert isinstance(piped, Article)


@pytest.mark.parametrize(("start", "kind"), [
    ("WARC/1.0\r\nWARC-Type: warcinfo", "warc"),
    ("filedesc://x.arc 0.0.0.0 20140216050221 text/plain 76", "warc"),
    ('<?xml version="1.0"?>\n<!-- c -->\n<rss version="2.0"><channel>', "feed"),
    ("<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x 'y'>]><rss>", "feed"),
    ('<feed xmlns="http://www.w3.org/2005/Atom">', "feed"),
    ("<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>", "feed"),
    ('{"version": "https://jsonfeed.org/version/1", "items": []}', "feed"),
    ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', "html"),
    ("<!DOCTYPE html><html>", "html"),
    ('{"title": "t", "text": "x"}', "json"),
])
def test_sniff_kind_recognises_feeds_and_archives(start: str, kind: str) -> None:
    assert sniff_kind(start) == kind


def test_directory_reads_feeds_archives_compressed_and_web_pages(tmp_path: Path) -> None:
    """Issue 11, "silent loss": pages saved as .php/.aspx/.shtml/no extension, feeds, WARC and
    .html.gz in a folder are read, not skipped."""
    html = PAGE.decode()
    for name in ("saved.php", "story.aspx", "news.shtml", "index"):
        (tmp_path / name).write_text(html.replace("Leaders meet", f"Leaders meet {name}"))
    (tmp_path / "feed.xml").write_text(RSS)
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(html.replace("Monday", "Friday")
                                                          .encode()))
    (tmp_path / "crawl.warc.gz").write_bytes(_warc(
        [("https://a.example/1", "text/html", PAGE.replace(b"Monday", b"Sunday"), {})], gz=True))
    (tmp_path / "notes").write_text(f"Notes\n\n{BODY}")  # no extension and no page: named
    (tmp_path / "site.tar.gz").write_bytes(gzip.compress(b"x"))
    (tmp_path / "data.csv.gz").write_bytes(gzip.compress(b"a,b"))
    results = list(read_inputs([str(tmp_path)]))
    _only_results(results)
    origins = sorted(Path(a.origin or "").name for a in articles(results))
    assert origins == ["crawl.warc.gz[record 1]", "feed.xml[entry 1]", "feed.xml[entry 2]",
                       "index", "news.shtml", "page.html.gz", "saved.php", "story.aspx"]
    named = {Path(r.input).name: r.reason for r in rejections(results)}
    assert set(named) == {"feed.xml[entry 3]", "feed.xml[entry 4]", "notes", "site.tar.gz",
                          "data.csv.gz"}
    assert "extract it first" in named["site.tar.gz"]
    assert "name the file itself" in named["notes"]
