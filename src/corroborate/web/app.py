"""The web application: server-rendered pages and a JSON API over one Corroborate database.

Every request opens the database on its own connection with ``query_only`` on, so pages keep
working while an ingest writes (WAL). Article text and metadata are untrusted: the templates
autoescape everything, only ``http(s)`` URLs become links, and a Content-Security-Policy of
``default-src 'self'`` forbids inline script. Briefs are cached in memory by story and its
article ids, so a story that gains an article gets a fresh brief.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from corroborate import __version__
from corroborate.errors import CorroborateError, NotFoundError, UsageError
from corroborate.model import Analysis
from corroborate.report import analysis_to_dict, brief_to_dict
from corroborate.report.brief_markdown import (
    STATUS_LABEL,
    facts_with,
    is_web_url,
    one_line,
    plural,
    quotes_by_speaker,
    single_by_outlet,
    split_value,
    top_entities,
    trace,
)
from corroborate.store import Store
from corroborate.store.stories import parse_story_id, story_article_ids, story_summary
from corroborate.web import data

log = logging.getLogger("corroborate.web")

DEFAULT_MAX_FORM_BYTES = 1_000_000
MAX_ARTICLE_CHARS = 200_000
MIN_ARTICLES, MAX_ARTICLES = 2, 10
PER_PAGE = 20
CACHE_SIZE = 256
CSP = ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


class Guard:
    """Outermost layer: request body size limit, security headers on every response, and a
    plain error page (never a traceback) for anything that escapes a route."""

    def __init__(self, app: ASGIApp, *, max_body: int,
                 error_page: Callable[[int, str, str], bytes]) -> None:
        self.app = app
        self.max_body = max_body
        self.error_page = error_page

    async def _send_error(self, send: Send, status: int, title: str, message: str) -> None:
        body = self.error_page(status, title, message)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})

    def _too_large(self, got: int | None) -> str:
        sent = f"The request is {_size(got)}; " if got else "The request is too large; "
        return (sent + f"the limit is {_size(self.max_body)} in all. Compare fewer or "
                "shorter articles.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        declared = int(length) if length.isdigit() else None
        if declared is not None and declared > self.max_body:
            await self._send_error(send, 413, "Too large", self._too_large(declared))
            return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def headed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, limited, headed)
        except _TooLarge:
            if not started:
                await self._send_error(send, 413, "Too large", self._too_large(None))
        except Exception:
            log.exception("error serving %s", scope.get("path"))
            if not started:
                await self._send_error(send, 500, "Something went wrong",
                                       "The page could not be made. The error was logged on "
                                       "the server; try again or report it.")


class Site:
    """State shared by the requests: database path, engines (loaded on first use), caches."""

    def __init__(self, db_path: Path, comparer: Any = None, analyzer: Any = None) -> None:
        self.db_path = Path(db_path)
        self._comparer = comparer
        self._analyzer = analyzer
        self._engine_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._briefs: OrderedDict[tuple[int, tuple[str, ...]], dict[str, Any]] = OrderedDict()
        self._analyses: OrderedDict[str, Analysis] = OrderedDict()
        self._index: dict[str, tuple[tuple[object, ...], Any]] = {}

    def _stamped(self, store: Store, name: str, build: Callable[[Store], Any]) -> Any:
        """``build(store)``, kept until the database changes."""
        stamp = data.story_stamp(store)
        with self._cache_lock:
            kept = self._index.get(name)
            if kept is not None and kept[0] == stamp:
                return kept[1]
        value = build(store)
        with self._cache_lock:
            self._index[name] = (stamp, value)
        return value

    def story_index(self, store: Store) -> list[data.StoryRow]:
        """The listing's index of stories, rebuilt when the database changed."""
        index: list[data.StoryRow] = self._stamped(store, "stories", data.story_index)
        return index

    def story_entities(self, store: Store) -> dict[int, str]:
        entities: dict[int, str] = self._stamped(store, "entities", data.story_entities)
        return entities

    @contextmanager
    def store(self) -> Iterator[Store]:
        with Store(self.db_path, create=False) as store:
            store.conn.execute("PRAGMA query_only = ON")
            yield store

    def analyze(self, article: Any) -> Analysis:
        with self._engine_lock:
            if self._analyzer is None:
                from corroborate.analyze import Analyzer

                self._analyzer = Analyzer()
            result: Analysis = self._analyzer.analyze(article)
        return result

    def compare(self, analyses: list[Analysis]) -> dict[str, Any]:
        with self._engine_lock:
            if self._comparer is None:
                from corroborate.align import Comparer

                self._comparer = Comparer()
            brief = self._comparer.compare(analyses)
        return brief_to_dict(brief)

    def analysis(self, store: Store, article_id: str) -> Analysis:
        """The stored analysis, or one made now and kept in memory (pages never write)."""
        stored = store.get_analysis(article_id)
        if stored is not None:
            return stored
        aid = store.resolve_id(article_id)
        with self._cache_lock:
            cached = self._analyses.get(aid)
        if cached is None:
            cached = self.analyze(store.get_article(aid))
            with self._cache_lock:
                self._analyses[aid] = cached
                while len(self._analyses) > CACHE_SIZE:
                    self._analyses.popitem(last=False)
        return cached

    def brief(self, store: Store, story_id: int) -> dict[str, Any]:
        ids = tuple(story_article_ids(store, story_id))
        key = (story_id, ids)
        with self._cache_lock:
            doc = self._briefs.get(key)
            if doc is not None:
                self._briefs.move_to_end(key)
                return doc
        doc = self.compare([self.analysis(store, aid) for aid in ids])
        with self._cache_lock:
            self._briefs[key] = doc
            while len(self._briefs) > CACHE_SIZE:
                self._briefs.popitem(last=False)
        return doc


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("corroborate.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        version=__version__, one_line=one_line, plural=plural, trace=trace,
        split_value=split_value, is_web_url=is_web_url, status_label=STATUS_LABEL,
        facts_with=facts_with, single_by_outlet=single_by_outlet,
        quotes_by_speaker=quotes_by_speaker, top_entities=top_entities,
    )
    return env


def stored_link(item: Mapping[str, Any]) -> str:
    """Where a claim or mention of a stored article is: its sentence on the article page."""
    if item.get("field") == "title" or item.get("sentence") is None:
        return f"/articles/{item['article']}#title"
    return f"/articles/{item['article']}?hl={int(item['sentence'])}#s{int(item['sentence'])}"


def _story_id(value: str) -> int:
    try:
        return parse_story_id(value)
    except UsageError as exc:  # on the web, an id that is no number names no page
        raise NotFoundError(f"no story {value!r}: story ids are numbers") from exc


def _article_id(value: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{1,16}", value):
        raise NotFoundError(f"no article {value!r}: article ids are hexadecimal")
    return value


def create_app(db_path: Path, *, max_form_bytes: int = DEFAULT_MAX_FORM_BYTES,
               comparer: Any = None, analyzer: Any = None) -> FastAPI:
    """The web application over the database at ``db_path`` (which must exist).

    ``comparer`` and ``analyzer`` default to the packaged engines, loaded on first use."""
    Store(db_path, create=False).close()  # fail now, with the store's message, if unusable
    site = Site(db_path, comparer, analyzer)
    env = _environment()
    css = resources.files("corroborate.web").joinpath("static/style.css").read_bytes()
    app = FastAPI(title="Corroborate", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Stories, briefs and articles of a Corroborate database.")

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def error_bytes(status: int, title: str, message: str) -> bytes:
        return env.get_template("error.html").render(
            status=status, title=title, message=message).encode("utf-8")

    def error(request: Request, status: int, title: str, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return HTMLResponse(error_bytes(status, title, message), status_code=status)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return error(request, 404, "Not found", str(exc))

    @app.exception_handler(CorroborateError)
    async def library_error(request: Request, exc: CorroborateError) -> Response:
        return error(request, 400, "Cannot do that", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "There is no such page.", 405: "This page does not take that method."}
        return error(request, exc.status_code, "Not found" if exc.status_code == 404 else
                     "Cannot do that", messages.get(exc.status_code, str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return error(request, 400, "Bad request", f"Invalid value for: {fields}.")

    @app.get("/static/style.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(css, media_type="text/css",
                        headers={"cache-control": "public, max-age=3600"})

    def listing(q: str, outlet: str, since: str, sort: str, page_no: int) -> data.StoryPage:
        if since and not DATE.fullmatch(since):
            raise UsageError(f"since {since!r}: expected a date such as 2026-10-14")
        with site.store() as store:
            return data.search_stories(store, q=q, outlet=outlet or None, since=since or None,
                                       order=sort, page=page_no, per_page=PER_PAGE,
                                       index=site.story_index(store),
                                       entities=site.story_entities(store) if q else None)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(q: str = Query("", max_length=200), outlet: str = Query("", max_length=200),
              since: str = Query("", max_length=32),
              sort: str = Query("recent", pattern="^(recent|size)$"),
              page_no: int = Query(1, alias="page", ge=1, le=100_000)) -> Response:
        found = listing(q, outlet, since, sort, page_no)
        with site.store() as store:
            all_outlets = data.outlets(store)

        def page_link(n: int) -> str:
            params = {k: v for k, v in {"q": q, "outlet": outlet, "since": since,
                                         "sort": sort}.items() if v}
            return "/?" + urlencode({**params, "page": n})

        return page("index.html", found=found, q=q, outlet=outlet, since=since, sort=sort,
                    outlets=all_outlets, page_link=page_link)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story(story_id: str) -> Response:
        sid = _story_id(story_id)
        with site.store() as store:
            summary = story_summary(store, sid)
            doc = site.brief(store, summary.id)
        return page("story.html", story=summary, doc=doc, link=stored_link,
                    title=one_line(summary.headline))

    @app.get("/stories/{story_id}/side-by-side", response_class=HTMLResponse,
             include_in_schema=False)
    def side_by_side(story_id: str, a: str = Query("", max_length=16),
                     b: str = Query("", max_length=16)) -> Response:
        sid = _story_id(story_id)
        with site.store() as store:
            summary = story_summary(store, sid)
            ids = story_article_ids(store, summary.id)
            if len(ids) < 2:
                raise UsageError(f"story {summary.id} has one article: nothing to set side "
                                 "by side")
            left = store.resolve_id(_article_id(a)) if a else ids[0]
            right = store.resolve_id(_article_id(b)) if b else next(i for i in ids if i != left)
            for aid in (left, right):
                if aid not in ids:
                    raise NotFoundError(f"article {aid} is not in story {summary.id}")
            doc = site.brief(store, summary.id)
            analyses = [site.analysis(store, left), site.analysis(store, right)]
        marks = _aligned(doc, left, right)
        return page("side_by_side.html", story=summary, doc=doc, columns=[
            {"key": "a", "other": "b", "analysis": analyses[0], "pieces":
             data.pieces(analyses[0]), "marks": marks[0]},
            {"key": "b", "other": "a", "analysis": analyses[1], "pieces":
             data.pieces(analyses[1]), "marks": marks[1]}],
            articles=doc["articles"], left=left, right=right)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article(article_id: str, hl: int | None = Query(None, ge=0, le=1_000_000)) -> Response:
        with site.store() as store:
            analysis = site.analysis(store, _article_id(article_id))
            row = store.conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?",
                                     (analysis.article.id,)).fetchone()
        return page("article.html", analysis=analysis, article=analysis.article,
                    pieces=data.pieces(analysis), hl=hl,
                    entities=data.entity_groups(analysis), quotes=data.quote_rows(analysis),
                    story_id=row[0] if row else None)

    def compare_form(status: int = 200, *, slots: int = 3, message: str = "",
                     values: Mapping[str, list[str]] | None = None) -> Response:
        def value(name: str) -> str:
            return ((values or {}).get(name) or [""])[0]

        return page("compare.html", status, slots=slots, message=message, value=value,
                    max_articles=MAX_ARTICLES, limit=_size(max_form_bytes),
                    max_chars=MAX_ARTICLE_CHARS)

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_get(n: int = Query(3, ge=MIN_ARTICLES, le=MAX_ARTICLES)) -> Response:
        return compare_form(slots=n)

    @app.post("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def compare_post(request: Request) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return error(request, 400, "Bad request",
                         "Send the compare form as application/x-www-form-urlencoded.")
        body = await request.body()
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                            max_num_fields=5 * MAX_ARTICLES + 5, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            return error(request, 400, "Bad request", "The form could not be read.")
        slots_text = (form.get("slots") or ["3"])[0]
        # a number of slots: a few ASCII digits (int() refuses 5,000 of them)
        wanted = (int(slots_text) if slots_text.isascii() and slots_text.isdigit()
                  and len(slots_text) <= 3 else 3)
        slots = min(MAX_ARTICLES, max(MIN_ARTICLES, wanted))
        pasted = data.pasted_articles(form, slots=MAX_ARTICLES)
        too_long = [n for n, p in enumerate(pasted, 1)
                    if len(p.text) > MAX_ARTICLE_CHARS or len(p.title) > 1000]
        problem = ""
        if len(pasted) < MIN_ARTICLES:
            problem = f"Paste at least {MIN_ARTICLES} articles (a title and a text each)."
        elif too_long:
            problem = (f"Article {too_long[0]} is too long: at most {MAX_ARTICLE_CHARS:,} "
                       "characters of text and 1,000 of title per article.")
        if not problem:
            articles, rejected = data.to_articles(pasted)
            if rejected:
                problem = "; ".join(f"{r.input}: {r.reason}" for r in rejected) + "."
        if problem:
            return compare_form(400, slots=max(slots, len(pasted)), message=problem,
                                values=form)
        analyses = [site.analyze(a) for a in articles]
        doc = site.compare(analyses)
        return page("compare_result.html", doc=doc, analyses=analyses,
                    link=_pasted_link(analyses), pieces=data.pieces,
                    title="Comparison of pasted articles")

    # -- JSON API -------------------------------------------------------------------------
    @app.get("/api/stories", tags=["stories"])
    def api_stories(q: str = Query("", max_length=200), outlet: str = Query("", max_length=200),
                    since: str = Query("", max_length=32),
                    sort: str = Query("recent", pattern="^(recent|size)$"),
                    page_no: int = Query(1, alias="page", ge=1, le=100_000)
                    ) -> dict[str, Any]:
        """Live stories, newest activity (or largest) first, one page of 20."""
        found = listing(q, outlet, since, sort, page_no)
        return {"schema": "corroborate.stories/1", "total": found.total, "page": found.page,
                "pages": found.pages, "stories": [s.to_dict() for s in found.stories]}

    @app.get("/api/stories/{story_id}", tags=["stories"])
    def api_story(story_id: str) -> dict[str, Any]:
        """One story: its summary and its articles."""
        with site.store() as store:
            summary = story_summary(store, _story_id(story_id))
            ids = story_article_ids(store, summary.id)
            articles = []
            for aid in ids:
                art = store.get_article(aid)
                articles.append({"id": art.id, "source": art.source, "title": art.title,
                                 "published": art.published, "url": art.url})
        return {**summary.to_dict(), "article_ids": ids, "article_list": articles}

    @app.get("/api/stories/{story_id}/brief", tags=["stories"])
    def api_brief(story_id: str) -> dict[str, Any]:
        """The comparison brief of a story (corroborate.brief/2)."""
        with site.store() as store:
            summary = story_summary(store, _story_id(story_id))
            return site.brief(store, summary.id)

    @app.get("/api/articles/{article_id}", tags=["articles"])
    def api_article(article_id: str) -> dict[str, Any]:
        """One article with its analysis (as `corroborate show --format json`)."""
        with site.store() as store:
            analysis = site.analysis(store, _article_id(article_id))
        doc = analysis_to_dict(analysis)
        doc["article"]["text"] = analysis.article.text
        return doc

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/stories", include_in_schema=False)
    def stories_redirect() -> Response:
        return RedirectResponse("/", status_code=307)

    app.state.site = site
    app.add_middleware(Guard, max_body=max_form_bytes, error_page=error_bytes)
    return app


def _pasted_link(analyses: list[Analysis]) -> Callable[[Mapping[str, Any]], str]:
    order = {a.article.id: n for n, a in enumerate(analyses, 1)}

    def link(item: Mapping[str, Any]) -> str:
        n = order.get(str(item["article"]), 0)
        if item.get("field") == "title" or item.get("sentence") is None:
            return f"#a{n}"
        return f"#a{n}-s{int(item['sentence'])}"

    return link


Marks = dict[int, list[tuple[str, str, int]]]


def _aligned(doc: Mapping[str, Any], left: str, right: str) -> tuple[Marks, Marks]:
    """For each side, sentence -> [(fact id, status, the other side's sentence)] for the facts
    with a claim in both articles."""
    marks: tuple[Marks, Marks] = ({}, {})
    for fact in doc["facts"]:
        mine = [c["sentence"] for c in fact["claims"]
                if c["article"] == left and c["sentence"] is not None]
        theirs = [c["sentence"] for c in fact["claims"]
                  if c["article"] == right and c["sentence"] is not None]
        if not mine or not theirs:
            continue
        for s in mine:
            marks[0].setdefault(s, []).append((fact["id"], fact["status"], theirs[0]))
        for s in theirs:
            marks[1].setdefault(s, []).append((fact["id"], fact["status"], mine[0]))
    return marks[0], marks[1]
