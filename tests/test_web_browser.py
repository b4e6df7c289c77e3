"""The web site in a real browser: Playwright for Python driving Debian's Chromium against a
uvicorn server on a free loopback port. Screenshots go to test-artifacts/web/ (git-ignored).

Skipped, with the reason, when playwright or chromium is missing; when chromium is missing and
the tests run as root on a Debian-like system, it is installed with apt-get first."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright for Python is not installed "
                                      "(pip install 'corroborate[dev]')")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


def _chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update"], env=env, capture_output=True, timeout=300, check=False)
        subprocess.run([apt, "install", "-y", "chromium"], env=env, capture_output=True,
                       timeout=600, check=False)
        if CHROMIUM.exists():
            return CHROMIUM
    pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium: apt-get install -y "
                "chromium; `playwright install` cannot download here)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser_db(tmp_path_factory: pytest.TempPathFactory, analyzer: Any, examples: Path) -> Path:
    from corroborate.embed import MiniLMEmbedder
    from corroborate.ingest import Rejection, read_inputs
    from corroborate.store import Store, ingest_articles
    from corroborate.store.stories import StoryBook
    from corroborate.stories.stream import features_of

    path = tmp_path_factory.mktemp("browser") / "web.db"
    articles = [a for a in read_inputs([str(examples)]) if not isinstance(a, Rejection)]
    embedder = MiniLMEmbedder()
    with Store(path) as store:
        ingest_articles(store, articles, analyzer, stories=StoryBook(store),
                        features_for=lambda arts: features_of(arts, embedder))
    return path


@pytest.fixture(scope="module")
def server(browser_db: Path, analyzer: Any, comparer: Any) -> Iterator[str]:
    from corroborate.web import create_app

    app = create_app(browser_db, comparer=comparer, analyzer=analyzer,
                     page_wait=600)  # story pages show their brief, never "being computed"
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    executable = _chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(90_000)
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.errors = errors  # type: ignore[attr-defined]
        yield pg
        browser.close()


def test_story_list_to_highlighted_sentence(page: Any, server: str) -> None:
    page.goto(server + "/")
    rows = page.locator("a.story-link")
    assert rows.count() == 3
    page.screenshot(path=str(ARTIFACTS / "1-story-list.png"), full_page=True)

    page.get_by_role("link", name=re.compile("Sakuraba")).click()
    page.wait_for_url(re.compile(r"/stories/\d+$"))
    sync_api.expect(page.get_by_role("heading", name="Agreed facts")).to_be_visible()
    assert page.locator(".fact.agreed").count() >= 1
    assert page.locator(".fact.disputed mark").count() >= 2  # values side by side
    page.screenshot(path=str(ARTIFACTS / "2-story-brief.png"), full_page=False)
    page.locator(".fact.disputed").first.screenshot(path=str(ARTIFACTS / "2b-disputed.png"))
    story_url = page.url

    link = page.locator(".fact.agreed a.claim").first
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/articles/[0-9a-f]+\?hl=\d+#s\d+", href)
    link.click()
    page.wait_for_url(re.compile(r"/articles/"))
    target = page.locator(f"#{href.split('#')[1]}")
    sync_api.expect(target).to_be_visible()
    sync_api.expect(target).to_have_class(re.compile(r"\bhl\b"))
    assert target.evaluate("e => e.matches(':target')")
    background = target.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.evaluate("() => { const r = document.querySelector(location.hash)"
                         ".getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }")
    page.screenshot(path=str(ARTIFACTS / "3-article-highlight.png"))

    page.goto(story_url)
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/side-by-side\?"))
    tags = page.locator("a.fact-tag")
    assert tags.count() >= 2
    tags.first.click()
    sync_api.expect(page.locator(".sent:target")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "3b-side-by-side.png"))
    assert not page.errors  # type: ignore[attr-defined]


def test_compare_form(page: Any, server: str, examples: Path) -> None:
    page.goto(server + "/compare?n=2")
    for n, name in enumerate(("pacific-wire.txt", "harbour-herald.txt"), 1):
        lines = (examples / "factory-fire" / name).read_text().splitlines()
        body = [ln for ln in lines if not re.match(r"^[A-Z][A-Za-z]*: ", ln)]  # header
        title = next(ln for ln in body if ln.strip())
        page.fill(f"input[name=title-{n}]", title)
        page.fill(f"input[name=outlet-{n}]", ["Pacific Wire", "Harbour Herald"][n - 1])
        page.fill(f"textarea[name=text-{n}]", "\n".join(body[body.index(title) + 1:]))
    page.screenshot(path=str(ARTIFACTS / "4-compare-form.png"))
    page.get_by_role("button", name="Compare").click()
    sync_api.expect(page.get_by_role("heading", name="Agreed facts")).to_be_visible()
    assert page.locator(".fact").count() >= 2
    assert "Harbour Herald" in page.content()
    page.screenshot(path=str(ARTIFACTS / "5-compare-brief.png"))
    first = page.locator("a.claim[href^='#a']").first
    first.click()
    anchor = first.get_attribute("href")
    sync_api.expect(page.locator(anchor)).to_be_visible()


def test_too_large_paste_shows_a_clear_message(page: Any, server: str) -> None:
    page.goto(server + "/compare?n=2")
    page.fill("input[name=title-1]", "Big")
    page.fill("textarea[name=text-1]", "word " * 220_000)
    page.fill("input[name=title-2]", "Small")
    page.fill("textarea[name=text-2]", "word " * 50)
    page.get_by_role("button", name="Compare").click()
    sync_api.expect(page.get_by_role("heading", name="Too large")).to_be_visible()
    assert "the limit is 1.0 MB in all" in page.content()
    page.screenshot(path=str(ARTIFACTS / "6-too-large.png"))
