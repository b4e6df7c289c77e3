"""`corroborate ingest URL...` and `corroborate watch` against a real HTTP server on 127.0.0.1:
articles stored with their final URL and fetch time, conditional re-fetches, new feed entries
only on the next round, no duplicates across restarts, and a server that is down."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from corroborate.cli import EXIT_REJECTED, main
from test_ingest_fetch import article_page, feed

if TYPE_CHECKING:
    from conftest import WebSite

LONG = ("The council approved the new harbour budget after a long debate on Tuesday evening, "
        "with members split over the cost of dredging the eastern channel.")


def run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def no_real_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fetcher's back-off sleeps on the real clock in the CLI: made instant here."""
    import corroborate.ingest.fetch as fetch

    monkeypatch.setattr(fetch.time, "sleep", lambda _seconds: None)


def stored(db: Path) -> list[dict[str, object]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT title, url, metadata FROM articles ORDER BY title").fetchall()
    conn.close()
    return [{"title": t, "url": u, **json.loads(m)} for t, u, m in rows]


def test_ingest_fetches_urls_and_url_lists(runner: CliRunner, db_path: Path, tmp_path: Path,
                                           web_site: WebSite) -> None:
    web_site.page("/robots.txt", "User-agent: *\nDisallow: /private\n", "text/plain")
    web_site.page("/a.html", article_page("Ferry strike ends"), ETag='"a1"')
    web_site.routes["/moved"] = lambda _r: (301, {"Location": "/b.html"}, b"")
    web_site.page("/b.html", article_page("Bridge reopens"))
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# two more\n{web_site.url('/moved')}\n{web_site.url('/private/x')}\n")
    r = run(runner, "ingest", web_site.url("/a.html"), "--urls", str(listing), "--db",
            str(db_path), "--no-analyze", "--no-stories", "--rate", "0", "--timeout", "5")
    assert r.exit_code == EXIT_REJECTED, r.output
    assert "2 ingested, 0 already present, 1 rejected" in r.output
    assert f"rejected: {web_site.url('/private/x')}: robots.txt" in r.output
    rows = stored(db_path)
    assert [row["title"] for row in rows] == ["Bridge reopens", "Ferry strike ends"]
    bridge = rows[0]
    assert bridge["url"] == bridge["fetched_url"] == web_site.url("/b.html")
    assert bridge["requested_url"] == web_site.url("/moved")
    assert str(bridge["fetched_at"]).endswith("+00:00")
    # again: /a.html answers 304 to its ETag (nothing new, no error); /b.html is present
    web_site.requests.clear()
    again = run(runner, "ingest", web_site.url("/a.html"), web_site.url("/moved"), "--db",
                str(db_path), "--no-analyze", "--no-stories", "--rate", "0", "--format", "json")
    assert again.exit_code == 0, again.output
    doc = json.loads(again.output[again.output.index("{"):])
    assert doc["ingested"] == [] and len(doc["present"]) == 1
    assert doc["fetch"]["unchanged"] == [web_site.url("/a.html")]
    [a] = [q for q in web_site.requests if q.path == "/a.html"]
    assert a.headers["if-none-match"] == '"a1"'


def test_ingest_no_fetch_names_the_addresses(runner: CliRunner, db_path: Path) -> None:
    r = run(runner, "ingest", "https://a.example/x", "--db", str(db_path), "--no-fetch",
            "--no-analyze", "--no-stories")
    assert r.exit_code == EXIT_REJECTED
    assert "rejected: https://a.example/x: a web address, not fetched (--no-fetch)" in r.output
    nothing = run(runner, "ingest", "--db", str(db_path))
    assert nothing.exit_code == 2 and "nothing to ingest" in nothing.output


def test_ingest_a_sitemap_file_fetches_its_pages(runner: CliRunner, db_path: Path,
                                                 tmp_path: Path, web_site: WebSite) -> None:
    from test_ingest_fetch import sitemap_xml

    web_site.page("/one.html", article_page("First report", date=None))
    sitemap = tmp_path / "news-sitemap.xml"
    sitemap.write_text(sitemap_xml(web_site.url(""), "/one.html", news=True))
    r = run(runner, "ingest", str(sitemap), "--db", str(db_path), "--no-analyze",
            "--no-stories", "--rate", "0")
    assert r.exit_code == 0, r.output
    [row] = stored(db_path)
    assert row["published_source"] == "sitemap" and row["url"] == web_site.url("/one.html")
    off = run(runner, "ingest", str(sitemap), "--db", str(db_path), "--no-fetch",
              "--no-analyze", "--no-stories")
    assert off.exit_code == EXIT_REJECTED and "a sitemap" in off.output


def entries(base: str, *names: str) -> str:
    return feed(base, *[(f"Harbour item {n}", f"/{n}", n, f"{LONG} Item {n}.") for n in names])


def test_watch_once_twice_ingests_new_entries_only(runner: CliRunner, db_path: Path,
                                                   web_site: WebSite) -> None:
    base = web_site.url("")
    web_site.page("/feed.xml", entries(base, "one", "two"), "application/rss+xml")
    args = ("watch", web_site.url("/feed.xml"), "--once", "--db", str(db_path), "--no-analyze",
            "--no-stories", "--rate", "0")
    first = run(runner, *args)
    assert first.exit_code == 0, first.output
    assert "round 1: 2 ingested, 0 already present, 0 rejected" in first.output
    # the feed gains an entry and edits an old one: only the new one goes in
    web_site.page("/feed.xml", entries(base, "three", "one", "two").replace(
        "Item two.", "Item two, corrected."), "application/rss+xml", ETag='"v2"')
    second = run(runner, *args)
    assert second.exit_code == 0, second.output
    assert "1 ingested, 0 already present, 0 rejected, 0 unchanged, 2 entries read before" \
        in second.output
    # unchanged now: the ETag is sent and answered 304
    third = run(runner, *args)
    assert "0 ingested" in third.output and "1 unchanged" in third.output
    assert web_site.requests[-1].headers.get("if-none-match") == '"v2"'
    assert sorted(row["title"] for row in stored(db_path)) == [
        "Harbour item one", "Harbour item three", "Harbour item two"]


def test_watch_survives_a_server_that_is_down(runner: CliRunner, db_path: Path,
                                              web_site: WebSite) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/feed.xml"
    base = web_site.url("")
    web_site.page("/feed.xml", entries(base, "one"), "application/rss+xml")
    r = run(runner, "watch", dead, web_site.url("/feed.xml"), "--once", "--db", str(db_path),
            "--no-analyze", "--no-stories", "--rate", "0")
    assert r.exit_code == EXIT_REJECTED, r.output  # documented: something could not be fetched
    [line] = [line for line in r.output.splitlines() if line.startswith("rejected:")]
    assert line.startswith(f"rejected: {dead}: cannot connect") and "after 3 tries" in line
    assert "round 1: 1 ingested" in r.output  # the other feed went in all the same


def test_watch_assigns_stories_and_checks_its_arguments(runner: CliRunner, db_path: Path,
                                                        web_site: WebSite,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import corroborate.cli as cli
    from corroborate.embed import HashingEmbedder
    from corroborate.store.stories import StoryBook
    from corroborate.stories.stream import features_of

    # the hashing embedder stands in for MiniLM (the path is the same; the model is slow)
    monkeypatch.setattr(cli, "_story_book", lambda store: (
        StoryBook(store), lambda articles: features_of(articles, HashingEmbedder())))
    web_site.page("/feed.xml", entries(web_site.url(""), "one"), "application/rss+xml")
    r = run(runner, "watch", web_site.url("/feed.xml"), "--once", "--db", str(db_path),
            "--no-analyze", "--rate", "0")
    assert r.exit_code == 0, r.output
    assert "into 1 story" in r.output
    bad = run(runner, "watch", "feed.xml", "--once", "--db", str(db_path))
    assert bad.exit_code == 2 and "nothing to watch" in bad.output
    assert "not a web address" in bad.output
    every = run(runner, "watch", web_site.url("/feed.xml"), "--every", "soon")
    assert every.exit_code == 2 and "30s, 10m, 2h or 1d" in every.output


def test_watch_stops_cleanly_on_ctrl_c(runner: CliRunner, db_path: Path, web_site: WebSite,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    web_site.page("/feed.xml", entries(web_site.url(""), "one"), "application/rss+xml")

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupt)  # the wait between two rounds
    r = run(runner, "watch", web_site.url("/feed.xml"), "--every", "1s", "--db", str(db_path),
            "--no-analyze", "--no-stories", "--rate", "0")
    assert r.exit_code == 130, r.output
    assert "round 1: 1 ingested" in r.output
    assert "stopped after 1 round: 1 ingested" in r.output
