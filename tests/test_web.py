"""The web site, in process: every route over a database built from the bundled examples plus
hostile articles whose text and metadata try to run script in the reader's browser."""

from __future__ import annotations

import http.client
import json
import re
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")

from fastapi.testclient import TestClient

from corroborate.cli import main
from corroborate.ingest import Rejection, read_inputs
from corroborate.model import Article
from corroborate.textnorm import article_id
from corroborate.web import create_app

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_URL = "javascript:alert(1)"
HOSTILE_TEXT = (
    f"The mayor of Velmora said on Tuesday that the river bridge {SCRIPT} will close for "
    "repairs for six weeks starting in March, the city council confirmed. "
    f"Engineers found cracks in two support piers {IMG} during an inspection last month. "
    "\"We cannot take any risk with public safety,\" the mayor told reporters at city hall. "
    "Traffic will be diverted through the northern ring road while the work is carried out, "
    "and the repairs are expected to cost 4.5 million euros, officials said.\n\n"
    "Local businesses near the bridge said they feared losing customers during the closure."
)


def _hostile_articles() -> list[Article]:
    """Stored as they stand: readers may turn HTML in a field into text (JSON Lines does), but
    a plain text file keeps its angle brackets, and every page must escape what is stored."""
    rows = [
        {"title": f"Velmora bridge to close {SCRIPT} for repairs {IMG}", "text": HOSTILE_TEXT,
         "source": f"Evil Outlet {SCRIPT}", "url": JS_URL, "published": "2026-11-20"},
        {"title": f"Velmora closes river bridge for six weeks {IMG}",
         "text": HOSTILE_TEXT.replace("six weeks", "eight weeks").replace("4.5", "5.2"),
         "source": f"Other {IMG} Daily", "url": "https://other.example/bridge?a=1&b=\"x\"",
         "published": "2026-11-21"},
    ]
    return [Article(id=article_id(r["text"], r["source"]), text=r["text"], title=r["title"],
                    source=r["source"], published=r["published"], url=r["url"]) for r in rows]


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory, analyzer: Any, examples: Path) -> Path:
    from corroborate.embed import MiniLMEmbedder
    from corroborate.store import Store, ingest_articles
    from corroborate.store.stories import StoryBook
    from corroborate.stories.stream import features_of

    path = tmp_path_factory.mktemp("web") / "web.db"
    articles = [a for a in read_inputs([str(examples)]) if not isinstance(a, Rejection)]
    hostile = _hostile_articles()
    embedder = MiniLMEmbedder()
    with Store(path) as store:
        report = ingest_articles(store, [*articles, *hostile], analyzer,
                                 stories=StoryBook(store),
                                 features_for=lambda arts: features_of(arts, embedder))
    assert not report.rejected
    return path


@pytest.fixture(scope="module")
def client(web_db: Path, analyzer: Any, comparer: Any) -> Iterator[TestClient]:
    # end to end with the real engines: pages wait for their brief (the tests of "being
    # computed" pages use a slow fake comparer)
    app = create_app(web_db, comparer=comparer, analyzer=analyzer, max_form_bytes=200_000,
                     page_wait=600)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def stories(client: TestClient) -> list[dict[str, Any]]:
    doc = client.get("/api/stories").json()
    return list(doc["stories"])


def _story_with(stories: list[dict[str, Any]], word: str) -> dict[str, Any]:
    return next(s for s in stories if word.lower() in s["headline"].lower())


def _assert_safe(html: str) -> None:
    """No hostile markup made it into the page as markup."""
    assert SCRIPT not in html
    assert "<img src=x" not in html
    # the attribute shows only as text after the escaped tag (a claim may end inside it)
    for m in re.finditer("onerror=alert", html):
        assert html[max(0, m.start() - 14) : m.start()] == "&lt;img src=x ", html[m.start() - 40:]
    for href in re.findall(r"""(?:href|src|action)\s*=\s*["']?([^"'\s>]*)""", html, re.I):
        assert not href.strip().lower().startswith(("javascript:", "data:", "vbscript:")), href
    assert len(re.findall(r"<script", html, re.I)) == 0


def _assert_headers(response: Any) -> None:
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


# -- story list -----------------------------------------------------------------------------


def test_story_list(client: TestClient, stories: list[dict[str, Any]]) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    _assert_headers(r)
    _assert_safe(r.text)
    assert len(stories) == 4
    for s in stories:
        assert f'href="/stories/{s["id"]}"' in r.text
    assert "At least 12 killed in fire at Czech battery recycling plant" in r.text
    assert "2026-09-21 – 2026-09-22" in r.text  # date range
    assert '<link rel="stylesheet" href="/static/style.css">' in r.text


def test_story_list_search_filter_sort_and_pages(client: TestClient,
                                                 stories: list[dict[str, Any]]) -> None:
    r = client.get("/", params={"q": "battery blaze"})
    assert "Czech battery" in r.text and "Sakuraba" not in r.text
    r = client.get("/", params={"q": "auckland"})  # an entity, not a headline word
    assert "Sakuraba" in r.text and "Czech battery" not in r.text
    r = client.get("/", params={"q": "nothing-like-this"})
    assert "No stories match" in r.text
    big = client.get("/api/stories", params={"sort": "size"}).json()["stories"]
    assert big[0]["articles"] == max(s["articles"] for s in stories)
    only = client.get("/api/stories", params={"outlet": "Pacific Wire Service"}).json()
    assert only["stories"] and all("Pacific Wire Service" in s["outlets"]
                                   for s in only["stories"])
    recent = client.get("/api/stories", params={"since": "2026-11-01"}).json()["stories"]
    assert recent and all((s["last_published"] or "") >= "2026-11-01" for s in recent)
    page2 = client.get("/api/stories", params={"page": 2}).json()
    assert page2["stories"] == [] and page2["total"] == 4
    assert client.get("/", params={"since": "yesterday"}).status_code == 400
    assert client.get("/", params={"sort": "bogus"}).status_code == 400
    assert client.get("/", params={"page": "x"}).status_code == 400


def test_story_list_paginates(web_db: Path, analyzer: Any, comparer: Any,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    from corroborate.web import app as web_app

    monkeypatch.setattr(web_app, "PER_PAGE", 3)
    with TestClient(create_app(web_db, comparer=comparer, analyzer=analyzer)) as c:
        first = c.get("/", params={"q": "", "sort": "size"})
        assert "page 1 of 2" in first.text
        assert 'href="/?sort=size&amp;page=2"' in first.text
        second = c.get("/?sort=size&page=2")
        assert second.text.count('class="story-link"') == 1


# -- story page = the brief ---------------------------------------------------------------


def test_story_page_is_the_brief(client: TestClient, stories: list[dict[str, Any]]) -> None:
    story = _story_with(stories, "Sakuraba")
    r = client.get(f"/stories/{story['id']}")
    assert r.status_code == 200
    _assert_headers(r)
    brief = client.get(f"/api/stories/{story['id']}/brief").json()
    assert brief["schema"] == "corroborate.brief/3"
    for section in ("Agreed facts", "Reported by one outlet only", "Disputed",
                    "Quotes by speaker", "Sourcing per outlet", "Entities", "Timeline"):
        assert section in r.text
    agreed = next(f for f in brief["facts"] if f["status"] == "agreed")
    assert f'id="fact-{agreed["id"]}"' in r.text
    assert f"{agreed['independent_sources']} independent source" in r.text
    claim = next(c for c in agreed["claims"] if c["sentence"] is not None)
    link = f'/articles/{claim["article"]}?hl={claim["sentence"]}#s{claim["sentence"]}'
    assert f'href="{link}"' in r.text
    disputed = next(f for f in brief["facts"] if f["status"] == "disputed")
    for value in disputed["differences"][0]["values"]:
        assert f"<mark>{value['value']}</mark>" in r.text  # values side by side, highlighted
    assert "Yusuke Omori" in r.text  # quotes by speaker


def test_story_brief_is_cached(client: TestClient, stories: list[dict[str, Any]],
                               web_db: Path) -> None:
    sid = stories[0]["id"]
    first = client.get(f"/api/stories/{sid}/brief").json()
    site = client.app.state.site  # type: ignore[attr-defined]
    assert any(key[0] == sid for key in site._briefs)
    assert client.get(f"/api/stories/{sid}/brief").json() == first
    stored = _wait_for(lambda: _cached_row(web_db, sid, site.engine))
    assert json.loads(stored) == first  # and in the database, for the next server


def test_article_page_sentences_and_highlight(client: TestClient,
                                              stories: list[dict[str, Any]]) -> None:
    story = _story_with(stories, "Chile")
    aid = client.get(f"/api/stories/{story['id']}").json()["article_ids"][0]
    analysis = client.get(f"/api/articles/{aid}").json()
    r = client.get(f"/articles/{aid}", params={"hl": 1})
    assert r.status_code == 200
    for s in analysis["sentences"]:
        assert f'id="s{s["index"]}"' in r.text
    assert r.text.count('class="sent hl"') == 1
    assert re.search(r'class="sent hl" id="s1"', r.text)
    assert "Entities" in r.text and "Quotes" in r.text
    assert f'href="/stories/{story["id"]}"' in r.text
    prefix = client.get(f"/api/articles/{aid[:6]}").json()
    assert prefix["article"]["id"] == aid


def test_side_by_side(client: TestClient, stories: list[dict[str, Any]]) -> None:
    story = _story_with(stories, "Sakuraba")
    ids = client.get(f"/api/stories/{story['id']}").json()["article_ids"]
    r = client.get(f"/stories/{story['id']}/side-by-side", params={"a": ids[0], "b": ids[1]})
    assert r.status_code == 200
    assert 'id="a-s0"' in r.text and 'id="b-s0"' in r.text
    assert "sent aligned" in r.text and 'class="fact-tag' in r.text
    assert client.get(f"/stories/{story['id']}/side-by-side").status_code == 200
    other = _story_with(stories, "Chile")
    stranger = client.get(f"/api/stories/{other['id']}").json()["article_ids"][0]
    bad = client.get(f"/stories/{story['id']}/side-by-side",
                     params={"a": ids[0], "b": stranger})
    assert bad.status_code == 404


# -- hostile text --------------------------------------------------------------------------


def test_hostile_text_is_escaped_everywhere(client: TestClient,
                                            stories: list[dict[str, Any]]) -> None:
    story = _story_with(stories, "Velmora")
    ids = client.get(f"/api/stories/{story['id']}").json()["article_ids"]
    assert len(ids) == 2, "both hostile articles make one story"
    pages = ["/", "/?q=velmora", f"/stories/{story['id']}",
             f"/stories/{story['id']}/side-by-side", *[f"/articles/{i}" for i in ids],
             f"/?outlet=Evil+Outlet+{SCRIPT}"]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        _assert_safe(r.text)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, url
    evil = next(i for i in ids if "Evil" in client.get(f"/api/articles/{i}").json()
                ["article"]["source"])
    page = client.get(f"/articles/{evil}").text
    assert JS_URL in page  # shown as text ...
    assert f'href="{JS_URL}' not in page  # ... never as a link
    other = next(i for i in ids if i != evil)
    assert 'href="https://other.example/bridge?a=1&amp;b=&#34;x&#34;"' in \
        client.get(f"/articles/{other}").text
    api = client.get(f"/api/articles/{evil}")
    assert api.headers["content-type"].startswith("application/json")


def test_hostile_paste_is_escaped(client: TestClient) -> None:
    r = client.post("/compare", data={"slots": "2", "title-1": SCRIPT, "text-1": HOSTILE_TEXT,
                                      "outlet-1": IMG, "title-2": "Bridge " + IMG,
                                      "text-2": HOSTILE_TEXT.replace("six", "nine")})
    assert r.status_code == 200
    _assert_safe(r.text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text


# -- compare form ----------------------------------------------------------------------------


def test_compare_form_and_result(client: TestClient, examples: Path) -> None:
    form = client.get("/compare", params={"n": 2})
    assert form.status_code == 200
    assert 'name="text-2"' in form.text and 'name="text-3"' not in form.text
    assert "more article fields" in form.text
    data: dict[str, str] = {"slots": "2"}
    for n, name in enumerate(("pacific-wire.txt", "northbridge-times.txt"), 1):
        lines = (examples / "summit" / name).read_text().splitlines()
        body = [ln for ln in lines if not re.match(r"^[A-Z][A-Za-z]*: ", ln)]  # header
        title = next(ln for ln in body if ln.strip())
        data[f"title-{n}"] = title
        data[f"outlet-{n}"] = f"Outlet {n}"
        data[f"text-{n}"] = "\n".join(body[body.index(title) + 1:])
    r = client.post("/compare", data=data)
    assert r.status_code == 200
    assert "Agreed facts" in r.text and "Outlet 1" in r.text and "Outlet 2" in r.text
    assert 'id="a1-s0"' in r.text and 'href="#a1-s' in r.text


def test_compare_leaves_out_an_article_not_in_english(client: TestClient, examples: Path) -> None:
    data: dict[str, str] = {"slots": "3"}
    for n, name in enumerate(("pacific-wire.txt", "northbridge-times.txt"), 1):
        lines = (examples / "summit" / name).read_text().splitlines()
        body = [ln for ln in lines if not re.match(r"^[A-Z][A-Za-z]*: ", ln)]  # header
        title = next(ln for ln in body if ln.strip())
        data |= {f"title-{n}": title, f"outlet-{n}": f"Outlet {n}",
                 f"text-{n}": "\n".join(body[body.index(title) + 1:])}
    data |= {"title-3": "Außenminister treffen sich in Auckland", "outlet-3": "Zeitung <b>",
             "text-3": ("Die Außenminister Südkoreas und Japans haben sich am Rande eines "
                        "Treffens in Auckland zu ihrem ersten persönlichen Gespräch seit 2019 "
                        "getroffen, teilte das Ministerium am Sonntag mit. Das Gespräch dauerte "
                        "nach Angaben beider Seiten etwa dreißig Minuten.")}
    r = client.post("/compare", data=data)
    assert r.status_code == 200
    assert "Agreed facts" in r.text and "were not compared" not in r.text
    assert "1 article of this story was not compared" in r.text and "(de)" in r.text
    assert "Zeitung &lt;b&gt;" in r.text and "Zeitung <b>" not in r.text


def test_compare_needs_two_articles(client: TestClient) -> None:
    r = client.post("/compare", data={"slots": "3", "title-1": "One", "text-1": HOSTILE_TEXT})
    assert r.status_code == 400
    assert "Paste at least 2 articles" in r.text
    assert HOSTILE_TEXT.split()[0] in r.text  # what was typed is kept


def test_compare_with_an_absurd_number_of_slots(client: TestClient) -> None:
    for slots in ("9" * 5000, "²", "-1"):
        r = client.post("/compare", data={"slots": slots, "title-1": "One",
                                          "text-1": HOSTILE_TEXT})
        assert r.status_code == 400, slots  # the form is read; one article is too few
        assert "Paste at least 2 articles" in r.text


def test_compare_rejects_near_empty_article(client: TestClient) -> None:
    r = client.post("/compare", data={"title-1": "A", "text-1": HOSTILE_TEXT,
                                      "title-2": "B", "text-2": "Too short."})
    assert r.status_code == 400
    assert "article 2" in r.text and "near-empty" in r.text


def test_compare_over_size_limit(web_db: Path, analyzer: Any, comparer: Any) -> None:
    with TestClient(create_app(web_db, comparer=comparer, analyzer=analyzer,
                               max_form_bytes=5_000)) as c:
        r = c.post("/compare", data={"title-1": "A", "text-1": "word " * 2000,
                                     "title-2": "B", "text-2": "word " * 10})
        assert r.status_code == 413
        assert "the limit is 5 kB in all" in r.text
        assert "Traceback" not in r.text
        _assert_headers(r)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(20):
                yield b"text-1=" + b"a" * 1000 + b"&"

        r = c.post("/compare", content=chunks(),
                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413
        assert "limit is 5 kB" in r.text


def test_compare_article_too_long(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from corroborate.web import app as web_app

    monkeypatch.setattr(web_app, "MAX_ARTICLE_CHARS", 100)
    r = client.post("/compare", data={"title-1": "A", "text-1": HOSTILE_TEXT,
                                      "title-2": "B", "text-2": HOSTILE_TEXT})
    assert r.status_code == 400
    assert "Article 1 is too long" in r.text


def test_compare_wrong_content_type(client: TestClient) -> None:
    r = client.post("/compare", content=b'{"a": 1}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400


# -- JSON API ------------------------------------------------------------------------------


def test_api(client: TestClient, stories: list[dict[str, Any]]) -> None:
    doc = client.get("/api/stories").json()
    assert doc["schema"] == "corroborate.stories/1" and doc["total"] == 4
    sid = stories[0]["id"]
    one = client.get(f"/api/stories/{sid}").json()
    assert one["id"] == sid and len(one["article_ids"]) == one["articles"]
    assert client.get(f"/api/stories/{sid}/brief").json()["counts"]
    article = client.get(f"/api/articles/{one['article_ids'][0]}").json()
    assert article["article"]["text"] and article["sentences"]
    missing = client.get("/api/stories/9999")
    assert missing.status_code == 404 and "no story" in missing.json()["error"]
    assert client.get("/api/articles/ffffffffffffffff").status_code == 404
    schema = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/stories/{story_id}/brief",
            "/api/articles/{article_id}"} <= set(schema["paths"])
    assert "/stories/{story_id}" not in schema["paths"]


# -- errors and robustness -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/stories/9999", "/stories/abc", "/articles/ffffffffffff",
                                 "/articles/not-hex", "/no/such/page", "/static/../cli.py",
                                 "/static/style.css/../../store/db.py", "/templates/base.html",
                                 "/docs", "/stories/9999/side-by-side", "/stories/%C2%B2",
                                 "/stories/99999999999999999999999"])
def test_not_found_page(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404, url
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "Traceback" not in r.text
    _assert_headers(r)


@pytest.mark.parametrize("url", ["/api/stories/%C2%B2", "/api/stories/%C2%B2/brief",
                                 "/api/stories/99999999999999999999999"])
def test_api_not_found_for_ids_that_are_no_numbers(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404, url
    assert r.headers["content-type"].startswith("application/json")


def test_only_the_stylesheet_is_served(client: TestClient) -> None:
    r = client.get("/static/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert client.get("/static/app.py").status_code == 404
    assert client.get("/compare", params={"n": 50}).status_code == 400
    assert client.delete("/").status_code == 405


def test_error_page_has_no_traceback(web_db: Path, analyzer: Any,
                                     stories: list[dict[str, Any]]) -> None:
    class Broken:
        def compare(self, analyses: Any) -> Any:
            raise RuntimeError("secret internal detail /etc/passwd")

    with TestClient(create_app(web_db, comparer=Broken(), analyzer=analyzer),
                    raise_server_exceptions=False) as c:
        r = c.get(f"/stories/{stories[0]['id']}")
        assert r.status_code == 500
        assert "Something went wrong" in r.text
        for leak in ("Traceback", "secret internal", "RuntimeError", 'File "'):
            assert leak not in r.text
        _assert_headers(r)


def test_pages_work_while_an_ingest_writes(client: TestClient, web_db: Path,
                                           stories: list[dict[str, Any]]) -> None:
    writer = sqlite3.connect(str(web_db), isolation_level=None, timeout=1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE articles SET title = title || '' WHERE rowid = 1")
        for url in ("/", f"/stories/{stories[0]['id']}", "/api/stories"):
            assert client.get(url).status_code == 200, url
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_pages_never_write(client: TestClient) -> None:
    site = client.app.state.site  # type: ignore[attr-defined]
    with site.store() as store, pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.conn.execute("DELETE FROM story_articles")
    assert client.get("/api/stories").json()["total"] == 4


def test_listing_sees_new_stories(web_db: Path, tmp_path: Path, analyzer: Any,
                                  comparer: Any) -> None:
    import shutil

    from corroborate.model import Article
    from corroborate.store import Store

    copy = tmp_path / "copy.db"
    shutil.copy(web_db, copy)
    with TestClient(create_app(copy, comparer=comparer, analyzer=analyzer)) as c:
        assert c.get("/api/stories").json()["total"] == 4
        assert c.get("/api/stories", params={"q": "zanzibar"}).json()["total"] == 0
        with Store(copy) as store, store.atomic() as conn:
            store.insert_article(conn, Article(id="00000000000000aa", text="Some text.",
                                               title="Zanzibar ferry", source="Late News",
                                               published="2027-01-01"), None)
            conn.execute("INSERT INTO stories(id, created_seq, updated_seq) VALUES (99, 0, 0)")
            conn.execute("INSERT INTO story_articles(article_id, story_id) VALUES (?, 99)",
                         ("00000000000000aa",))
        doc = c.get("/api/stories", params={"q": "zanzibar"}).json()
        assert doc["total"] == 1 and doc["stories"][0]["id"] == 99
        assert c.get("/api/stories").json()["stories"][0]["id"] == 99  # newest first


def test_missing_database_fails_at_start(tmp_path: Path) -> None:
    from corroborate.errors import StoreError

    with pytest.raises(StoreError, match="no such database"):
        create_app(tmp_path / "none.db")


# -- CLI -----------------------------------------------------------------------------------


def test_serve_help(runner: Any) -> None:
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "--port" in result.output
    assert "--queue" in result.output and "--prefetch-every" in result.output


def test_serve_without_web_extra(runner: Any, monkeypatch: pytest.MonkeyPatch,
                                 web_db: Path) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = runner.invoke(main, ["serve", "--db", str(web_db)])
    assert result.exit_code == 5
    assert "pip install 'corroborate[web]'" in result.output


def test_serve_missing_database(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(main, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 4
    assert "no such database" in result.output


# -- the worker: nothing waits for someone else's comparison ---------------------------------
# A real uvicorn server on a free loopback port; the comparer is a fake that counts its calls
# and holds each one until the test opens its gate, so "in flight" lasts as long as a test
# needs. Each test works on its own copy of the database (the brief cache is written).


class GatedComparer:
    """Counts compare() calls; each waits for ``gate``, then returns an empty brief."""

    name = "gated-fake/1"

    def __init__(self, *, open_gate: bool = False) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self._lock = threading.Lock()

    def compare(self, analyses: Any) -> Any:
        from corroborate.model import Brief

        with self._lock:
            self.calls += 1
        self.entered.set()
        assert self.gate.wait(60), "the test never opened the gate"
        return Brief(tuple(analyses), (), (), (), (), analyses[0].article.id, (), self.name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _served(app: Any) -> Iterator[int]:
    """``app`` under uvicorn on a free loopback port (its number)."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(20)


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes,
                 seconds: float) -> None:
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def _http(port: int, path: str, form: dict[str, str] | None = None,
          timeout: float = 60) -> Answer:
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        if form is None:
            conn.request("GET", path)
        else:
            conn.request("POST", path, body=urlencode(form).encode(),
                         headers={"content-type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        body = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body,
                      time.perf_counter() - started)
    finally:
        conn.close()


def _wait_for(check: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _cached_row(db: Path, story_id: int, engine: str) -> str | None:
    conn = sqlite3.connect(str(db))
    try:
        row = conn.execute("SELECT brief FROM brief_cache WHERE story_id = ? AND engine = ?",
                           (story_id, engine)).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else None


@pytest.fixture()
def db_copy(web_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.db"
    source, target = sqlite3.connect(str(web_db)), sqlite3.connect(str(copy))
    with target:
        source.backup(target)
    source.close()
    target.close()
    return copy


def _story_ids(db: Path) -> list[int]:
    from corroborate.store import Store
    from corroborate.store.stories import list_stories

    with Store(db) as store:
        return [s.id for s in list_stories(store, order="size")]


PASTE = {"slots": "2", "title-1": "Bridge closes", "text-1": HOSTILE_TEXT,
         "title-2": "Bridge shut", "text-2": HOSTILE_TEXT.replace("six", "nine")}


def test_slow_comparison_does_not_block_the_list(db_copy: Path, analyzer: Any) -> None:
    fake = GatedComparer()
    app = create_app(db_copy, comparer=fake, analyzer=analyzer, prefetch_every=0)
    with _served(app) as port:
        answers: list[Answer] = []
        post = threading.Thread(target=lambda: answers.append(_http(port, "/compare", PASTE)))
        post.start()
        try:
            assert fake.entered.wait(60)  # the comparison is running on the worker ...
            for path in ["/", "/?q=bridge", "/api/stories", "/compare"] * 3:
                r = _http(port, path, timeout=10)  # ... and pages answer meanwhile
                assert r.status == 200, path
                assert r.seconds < 5, (path, r.seconds)
            assert post.is_alive() and not answers
        finally:
            fake.gate.set()
            post.join(60)
    assert answers[0].status == 200 and "Comparison of pasted articles" in answers[0].text
    assert fake.calls == 1


def test_concurrent_first_views_compute_the_brief_once(db_copy: Path, analyzer: Any) -> None:
    sid = _story_ids(db_copy)[0]
    fake = GatedComparer()
    app = create_app(db_copy, comparer=fake, analyzer=analyzer, prefetch_every=0,
                     page_wait=30)
    answers: list[Answer] = []
    lock = threading.Lock()
    with _served(app) as port:
        def view(n: int) -> None:
            path = f"/api/stories/{sid}/brief" if n % 2 else f"/stories/{sid}"
            r = _http(port, path)
            with lock:
                answers.append(r)

        threads = [threading.Thread(target=view, args=(n,)) for n in range(12)]
        for t in threads:
            t.start()
        assert fake.entered.wait(60)
        time.sleep(0.5)  # every request has arrived and waits for the one computation
        fake.gate.set()
        for t in threads:
            t.join(60)
        assert [r.status for r in answers] == [200] * 12
        briefs = [r.json() for r in answers if r.headers["content-type"].startswith(
            "application/json")]
        assert len(briefs) == 6 and all(b == briefs[0] for b in briefs)
        assert fake.calls == 1
        assert _http(port, f"/stories/{sid}").status == 200 and fake.calls == 1


def test_queue_full_is_503_with_retry_after(db_copy: Path, analyzer: Any) -> None:
    first, second, third, *_ = _story_ids(db_copy)
    fake = GatedComparer()
    app = create_app(db_copy, comparer=fake, analyzer=analyzer, prefetch_every=0, queue=1)
    with _served(app) as port:
        try:
            r = _http(port, f"/api/stories/{first}/brief?wait=0")
            assert r.status == 202 and r.json()["status"] == "computing"
            assert r.headers["retry-after"].isdigit()
            assert fake.entered.wait(60)  # running: the queue is empty again
            assert _http(port, f"/api/stories/{second}/brief?wait=0").status == 202  # waits
            full = _http(port, f"/api/stories/{third}/brief?wait=0")
            assert full.status == 503
            assert int(full.headers["retry-after"]) >= 1
            assert "busy" in full.json()["error"] and full.json()["retry_after"] >= 1
            page = _http(port, f"/stories/{third}")
            assert page.status == 503 and "Busy" in page.text and "Try again in" in page.text
            assert page.headers["retry-after"].isdigit()
            _assert_headers(page)
            assert _http(port, "/compare", PASTE).status == 503
            # asking again for a brief being computed joins it: never refused
            assert _http(port, f"/api/stories/{first}/brief?wait=0").status == 202
            assert _http(port, "/").status == 200
        finally:
            fake.gate.set()
        for sid in (first, second, third):  # the queue drains: the third is no longer refused
            assert _http(port, f"/api/stories/{sid}/brief").status == 200
    assert fake.calls == 3


def test_story_page_says_the_brief_is_being_computed(db_copy: Path, analyzer: Any) -> None:
    fake = GatedComparer()
    app = create_app(db_copy, comparer=fake, analyzer=analyzer, prefetch_every=0,
                     page_wait=0.2)
    with _served(app) as port:
        stories = _http(port, "/api/stories").json()["stories"]
        # the hostile story (its titles escaped on this page too), if it has two articles
        story = max(stories, key=lambda s: (s["articles"] >= 2, "Velmora" in s["headline"]))
        listed = _http(port, f"/api/stories/{story['id']}").json()["article_list"]
        try:
            r = _http(port, f"/stories/{story['id']}")
            assert r.status == 202 and r.seconds < 10
            assert "being computed" in r.text
            assert re.search(r'<meta http-equiv="refresh" content="\d+">', r.text)
            for a in listed:
                assert f'href="/articles/{a["id"]}"' in r.text
            _assert_safe(r.text)
            _assert_headers(r)
            assert _http(port, f"/stories/{story['id']}/side-by-side").status == 202
            assert _http(port, f"/stories/{story['id']}").status == 202
        finally:
            fake.gate.set()
        done = _wait_for(lambda: (r := _http(port, f"/stories/{story['id']}")).status == 200
                         and r)
        assert "being computed" not in done.text and 'id="articles"' in done.text
    assert fake.calls == 1


def test_brief_cache_is_kept_and_computed_again_when_an_article_joins(
        db_copy: Path, analyzer: Any) -> None:
    from corroborate.model import Article
    from corroborate.store import Store

    sid = _story_ids(db_copy)[-1]
    fake = GatedComparer(open_gate=True)
    app = create_app(db_copy, comparer=fake, analyzer=analyzer, prefetch_every=0)
    with _served(app) as port:
        before = _http(port, f"/api/stories/{sid}/brief").json()
    engine = app.state.site.engine
    _wait_for(lambda: _cached_row(db_copy, sid, engine))
    assert fake.calls == 1

    again = GatedComparer(open_gate=True)  # a new server: the brief comes from the database
    app = create_app(db_copy, comparer=again, analyzer=analyzer, prefetch_every=0.1)
    with _served(app) as port:
        assert _http(port, f"/api/stories/{sid}/brief").json() == before
        time.sleep(0.5)  # nothing changed: nothing is computed ahead
        assert again.calls == 0
        late = Article(id="00000000000000bb", title="Velmora bridge: the late report",
                       text=HOSTILE_TEXT, source="Late News", published="2026-11-22")
        with Store(db_copy) as store, store.atomic() as conn:  # as an ingest would
            store.insert_article(conn, late, analyzer.analyze(late))
            conn.execute("UPDATE stories SET updated_seq = updated_seq + 1 WHERE id = ?",
                         (sid,))
            conn.execute("INSERT INTO story_articles(article_id, story_id) VALUES (?, ?)",
                         (late.id, sid))
            conn.execute("INSERT INTO story_changes(seq, kind, story_id, article_id, at)"
                         " VALUES (0, 'join', ?, ?, '2026-11-22T00:00:00')", (sid, late.id))
        _wait_for(lambda: again.calls == 1)  # computed ahead, with no request
        after = _http(port, f"/api/stories/{sid}/brief").json()
        assert late.id in [a["id"] for a in after["articles"]]
        assert again.calls == 1
    assert late.id in _wait_for(lambda: (row := _cached_row(db_copy, sid, engine))
                                and late.id in row and row)


def test_brief_cache_keys(db_copy: Path) -> None:
    from corroborate.store import Store, brief_cache

    first, second, *_ = _story_ids(db_copy)
    with Store(db_copy) as store:
        member = brief_cache.membership(store, first)
        assert brief_cache.put_brief(store, member, "engine/1", '{"x": 1}', 1.5)
        assert brief_cache.get_brief(store, member, "engine/1") == \
            brief_cache.CachedBrief('{"x": 1}', 1.5)
        assert brief_cache.get_brief(store, member, "engine/2") is None  # an upgrade
        assert brief_cache.fingerprints(store)[first] == member.fingerprint
        moved = member.article_ids[0]
        with store.atomic() as conn:  # an article moves to another story
            conn.execute("UPDATE story_articles SET story_id = ? WHERE article_id = ?",
                         (second, moved))
        now = brief_cache.membership(store, first)
        assert now.fingerprint != member.fingerprint
        assert brief_cache.get_brief(store, now, "engine/1") is None
        # a brief computed for the old membership is not kept for the new one
        assert not brief_cache.put_brief(store, member, "engine/1", "{}", 1.0)
        with store.atomic() as conn:  # merged away: its row goes
            conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?",
                         (second, first))
            conn.execute("UPDATE stories SET merged_into = ? WHERE id = ?", (second, first))
        assert brief_cache.membership(store, first).story_id == second
        assert brief_cache.forget_stale(store, brief_cache.fingerprints(store)) == 1


def test_a_version_2_database_gains_the_brief_cache(tmp_path: Path) -> None:
    from corroborate.store import Store
    from corroborate.store.migrations import MIGRATIONS

    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version in (1, 2):
        conn.executescript(MIGRATIONS[version - 1])
        conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))
    conn.commit()
    conn.close()
    create_app(path, prefetch_every=0)  # the server migrates it as it starts
    with Store(path) as store:
        assert store.schema_version >= 3
        assert store.conn.execute("SELECT COUNT(*) FROM brief_cache").fetchone()[0] == 0


def test_work_pool_queue_limit_and_priorities() -> None:
    from corroborate.web.work import BACKGROUND, Busy, WorkPool

    pool = WorkPool(workers=1, queue_limit=0)
    gate, order = threading.Event(), []
    try:
        running = pool.submit(lambda: gate.wait(30))
        _wait_for(lambda: not pool.idle() and pool.waiting == 0)  # taken by the worker
        with pytest.raises(Busy) as busy:  # queue 0: nothing may wait
            pool.submit(lambda: None)
        assert busy.value.ahead == 1 and busy.value.retry_after >= 1
        later = pool.submit(lambda: order.append("background"), priority=BACKGROUND)
        pool.queue_limit = 2
        first = pool.submit(lambda: order.append("request"))  # asked later, runs first
        same = pool.flight("k", lambda: order.append("flight"))
        assert pool.flight("k", lambda: order.append("twice")) is same
        gate.set()
        for future in (running, later, first, same):
            future.result(30)
        assert order == ["request", "flight", "background"]
    finally:
        gate.set()
        pool.close()


def test_a_brief_that_landed_after_the_lookup_is_not_computed_again(db_copy: Path,
                                                                    analyzer: Any) -> None:
    """The race behind a flaky queue test: a request looks for the brief (not there yet), the
    computation lands and leaves the pool's flights, then the request asks for the job. It
    gets the brief just computed; the comparer is not called a second time."""
    from corroborate.web.app import Site

    sid = _story_ids(db_copy)[0]
    fake = GatedComparer(open_gate=True)
    site = Site(db_copy, comparer=fake, analyzer=analyzer)
    try:
        with site.store() as store:
            member, doc = site.known_brief(store, sid)
        assert doc is None  # the lookup missed ...
        landed = site.brief_job(member).result(60)  # ... another request's job lands ...
        assert not site.pool.in_flight(("brief", member.story_id, member.fingerprint))
        assert site.brief_job(member).result(60) == landed  # ... and the late one joins it
        assert fake.calls == 1
    finally:
        site.close()
