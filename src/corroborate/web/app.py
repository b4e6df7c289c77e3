"""The web application: server-rendered pages and a JSON API over one Corroborate database.

Every request opens the database on its own connection with ``query_only`` on, so pages keep
working while an ingest writes (WAL). Article text and metadata are untrusted: the templates
autoescape everything, only ``http(s)`` URLs become links, and a Content-Security-Policy of
``default-src 'self'`` forbids inline script.

No request waits on the event loop for CPU-bound work: analysis and comparison run on the
worker pool (:mod:`corroborate.web.work`), which refuses work past its queue limit (HTTP 503
with Retry-After). A story's brief is computed once however many ask (single flight), kept in
memory and in the database's brief cache (:mod:`corroborate.store.brief_cache`, written by one
cache-writer thread: the only write the server makes), and computed ahead, at low priority,
when an ingest changes a story. A story page whose brief is not ready within ``page_wait``
seconds says it is being computed and refreshes itself.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
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
from corroborate.store import Store, brief_cache
from corroborate.store.stories import StorySummary, parse_story_id, story_summary
from corroborate.web import data
from corroborate.web.work import BACKGROUND, INTERACTIVE, Busy, WorkPool

log = logging.getLogger("corroborate.web")

DEFAULT_MAX_FORM_BYTES = 1_000_000
MAX_ARTICLE_CHARS = 200_000
MIN_ARTICLES, MAX_ARTICLES = 2, 10
PER_PAGE = 20
CACHE_SIZE = 256
#: computations that may wait for the worker before a request is refused (503)
DEFAULT_QUEUE = 8
#: seconds a story page waits for its brief before it says "being computed"
DEFAULT_PAGE_WAIT = 1.5
#: seconds /api/stories/{id}/brief waits for the brief by default before answering 202
DEFAULT_API_WAIT = 30.0
#: seconds between looks for changed stories whose brief to compute ahead (0: never)
DEFAULT_PREFETCH_EVERY = 5.0
#: part of the brief cache's engine key: bump when the brief a page shows changes without a
#: new Corroborate version or comparer
BRIEF_CACHE_FORMAT = "brief/3"
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
    """State shared by the requests: database path, engines (loaded on first use), the worker
    pool, caches. Briefs live in memory (an LRU) and in the database's brief cache; both are
    keyed by the story's membership fingerprint, so a story that changed gets a fresh brief."""

    def __init__(self, db_path: Path, comparer: Any = None, analyzer: Any = None, *,
                 queue_limit: int = DEFAULT_QUEUE) -> None:
        self.db_path = Path(db_path)
        if comparer is None:
            from corroborate.align import Comparer

            comparer = Comparer()  # cheap: its models load at the first comparison
        self._comparer = comparer
        self._analyzer = analyzer
        self._engine_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._briefs: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
        self._analyses: OrderedDict[str, Analysis] = OrderedDict()
        self._index: dict[str, tuple[tuple[object, ...], Any]] = {}
        self.engine = "|".join((BRIEF_CACHE_FORMAT, f"corroborate {__version__}",
                                str(getattr(comparer, "name", type(comparer).__qualname__))))
        self.pool = WorkPool(workers=1, queue_limit=queue_limit)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="corroborate-cache")
        with self.store() as store:
            self._seen_change = _top_change(store)
        self._seen_stamp: tuple[object, ...] | None = None

    def close(self) -> None:
        self.pool.close()
        self._writer.shutdown(wait=False)

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

    # -- CPU-bound work: only ever called on a worker of self.pool ---------------------------
    def analyze(self, article: Any) -> Analysis:
        with self._engine_lock:
            if self._analyzer is None:
                from corroborate.analyze import Analyzer

                self._analyzer = Analyzer()
            result: Analysis = self._analyzer.analyze(article)
        return result

    def compare(self, analyses: list[Analysis]) -> dict[str, Any]:
        with self._engine_lock:
            brief = self._comparer.compare(analyses)
        return brief_to_dict(brief)

    def compare_pasted(self, articles: list[Any]) -> tuple[list[Analysis], dict[str, Any]]:
        analyses = [self.analyze(a) for a in articles]
        return analyses, self.compare(analyses)

    def analysis(self, store: Store, article_id: str) -> Analysis:
        """The stored analysis, or one made now and kept in memory (pages never write)."""
        found = self.known_analysis(store, article_id)
        if found is not None:
            return found
        aid = store.resolve_id(article_id)
        made = self.analyze(store.get_article(aid))
        with self._cache_lock:
            self._analyses[aid] = made
            while len(self._analyses) > CACHE_SIZE:
                self._analyses.popitem(last=False)
        return made

    def compute_brief(self, member: brief_cache.Membership) -> dict[str, Any]:
        """The brief of the story's articles, kept in memory and (by the cache writer) in
        the database."""
        started = time.perf_counter()
        with self.store() as store:
            analyses = [self.analysis(store, aid) for aid in member.article_ids]
        doc = self.compare(analyses)
        seconds = time.perf_counter() - started
        self._remember(member, doc)
        try:
            self._writer.submit(self._keep, member, json.dumps(doc, ensure_ascii=False),
                                seconds)
        except RuntimeError:  # the server is stopping: the brief is not kept
            log.info("brief of story %s not cached: the server is stopping", member.story_id)
        return doc

    # -- cheap reads (any thread but the event loop) -----------------------------------------
    def known_analysis(self, store: Store, article_id: str) -> Analysis | None:
        """The stored analysis or the one kept in memory; None when it must be made."""
        stored = store.get_analysis(article_id)
        if stored is not None:
            return stored
        aid = store.resolve_id(article_id)
        with self._cache_lock:
            return self._analyses.get(aid)

    def known_brief(self, store: Store, story_id: int
                    ) -> tuple[brief_cache.Membership, dict[str, Any] | None]:
        """The live story's membership and its brief when already computed (in memory or in
        the database's cache), else None."""
        member = brief_cache.membership(store, story_id)
        doc = self._remembered(member)
        if doc is not None:
            return member, doc
        cached = brief_cache.get_brief(store, member, self.engine)
        if cached is None:
            return member, None
        doc = json.loads(cached.brief)
        self._remember(member, doc)
        return member, doc

    def brief_job(self, member: brief_cache.Membership, *,
                  priority: int = INTERACTIVE) -> concurrent.futures.Future[Any]:
        """The one computation of this membership's brief (single flight).

        A request's look in the caches and its call here are not one step: the computation
        may land between them (and leave the pool's flights). The brief it remembered is
        then handed out, here or, when it lands later still, by the queued job itself; it
        is never computed twice."""
        remembered = self._remembered(member)
        if remembered is not None:
            done: concurrent.futures.Future[Any] = concurrent.futures.Future()
            done.set_result(remembered)
            return done

        def job() -> dict[str, Any]:
            doc = self._remembered(member)
            return doc if doc is not None else self.compute_brief(member)

        return self.pool.flight(("brief", member.story_id, member.fingerprint), job,
                                priority=priority)

    def _remembered(self, member: brief_cache.Membership) -> dict[str, Any] | None:
        """The brief kept in memory for this membership (now the most recently used)."""
        key = (member.story_id, member.fingerprint)
        with self._cache_lock:
            doc = self._briefs.get(key)
            if doc is not None:
                self._briefs.move_to_end(key)
            return doc

    def _remember(self, member: brief_cache.Membership, doc: dict[str, Any]) -> None:
        key = (member.story_id, member.fingerprint)
        with self._cache_lock:
            self._briefs[key] = doc
            self._briefs.move_to_end(key)
            while len(self._briefs) > CACHE_SIZE:
                self._briefs.popitem(last=False)

    def _keep(self, member: brief_cache.Membership, text: str, seconds: float) -> None:
        """On the cache writer thread: the brief into the database (pages go on without it
        when the database cannot be written)."""
        try:
            with Store(self.db_path, create=False) as store:
                brief_cache.put_brief(store, member, self.engine, text, seconds)
        except Exception as exc:  # the cache is an optimisation
            log.warning("brief of story %s not cached: %s", member.story_id, exc)

    def _forget(self, live: dict[int, str]) -> None:
        try:
            with Store(self.db_path, create=False) as store:
                brief_cache.forget_stale(store, live)
        except Exception as exc:
            log.warning("stale briefs not removed: %s", exc)

    def changed_stories(self) -> list[brief_cache.Membership]:
        """Stories whose brief should be computed ahead: those changed (story_changes) since
        the last look, and those whose cached brief no longer matches their articles; [] when
        the database has not changed since the last look."""
        with self.store() as store:
            stamp = data.story_stamp(store)
            if stamp == self._seen_stamp:
                return []
            top = _top_change(store)
            changed = {int(r[0]) for r in store.conn.execute(
                "SELECT DISTINCT story_id FROM story_changes WHERE id > ?", (self._seen_change,))}
            live = brief_cache.fingerprints(store)
            cached = brief_cache.cached_fingerprints(store, self.engine)
            wanted = changed | {sid for sid, fp in cached.items() if live.get(sid) != fp}
            with self._cache_lock:
                known = set(self._briefs)
            todo = [brief_cache.membership(store, sid) for sid in sorted(wanted, reverse=True)
                    if sid in live and cached.get(sid) != live[sid]
                    and (sid, live[sid]) not in known]
        if set(cached) - set(live):
            with contextlib.suppress(RuntimeError):  # RuntimeError: the server is stopping
                self._writer.submit(self._forget, live)
        self._seen_stamp, self._seen_change = stamp, top
        return todo


def _top_change(store: Store) -> int:
    return int(store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM story_changes")
               .fetchone()[0])


async def _finished(future: concurrent.futures.Future[Any], timeout: float | None) -> bool:
    """Wait up to ``timeout`` seconds (None: for ever) for a pool job without cancelling it
    (other requests may share it); True when it is done."""
    if not future.done():
        waiter = asyncio.wrap_future(future)
        await asyncio.wait([waiter], timeout=timeout)
    return future.done()


async def prefetch(site: Site, every: float) -> None:
    """Compute ahead, at low priority, the briefs of stories that changed: every ``every``
    seconds, look for changes; compute one brief at a time, only while no request waits for
    the pool."""
    while True:
        await asyncio.sleep(every)
        try:
            todo = await run_in_threadpool(site.changed_stories)
            for member in todo:
                while not site.pool.idle():
                    await asyncio.sleep(every)
                job = site.brief_job(member, priority=BACKGROUND)
                await _finished(job, None)
                if job.exception() is not None:
                    log.warning("brief of story %s not computed ahead: %s", member.story_id,
                                job.exception())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("computing briefs ahead")


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
               comparer: Any = None, analyzer: Any = None, queue: int = DEFAULT_QUEUE,
               page_wait: float = DEFAULT_PAGE_WAIT,
               prefetch_every: float = DEFAULT_PREFETCH_EVERY) -> FastAPI:
    """The web application over the database at ``db_path`` (which must exist).

    ``comparer`` and ``analyzer`` default to the packaged engines, loaded on first use.
    ``queue``: computations that may wait for the worker before requests get 503;
    ``page_wait``: seconds a story page waits for a brief being computed before it answers
    "being computed"; ``prefetch_every``: seconds between looks for changed stories whose
    brief to compute ahead (0: never)."""
    Store(db_path, create=False).close()  # fail now, with the store's message, if unusable
    site = Site(db_path, comparer, analyzer, queue_limit=queue)
    env = _environment()
    css = resources.files("corroborate.web").joinpath("static/style.css").read_bytes()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        task = (asyncio.create_task(prefetch(site, prefetch_every))
                if prefetch_every > 0 else None)
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            site.close()

    span: Callable[[FastAPI], AbstractAsyncContextManager[None]] = lifespan
    app = FastAPI(title="Corroborate", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", lifespan=span,
                  description="Stories, briefs and articles of a Corroborate database.")

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    async def page_off_loop(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page rendered on a thread (a brief of a hundred articles is a large page)."""
        return await run_in_threadpool(lambda: page(name, status, **context))

    def error_bytes(status: int, title: str, message: str) -> bytes:
        return env.get_template("error.html").render(
            status=status, title=title, message=message).encode("utf-8")

    def error(request: Request, status: int, title: str, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return HTMLResponse(error_bytes(status, title, message), status_code=status)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> Response:
        message = (f"The server is busy: {plural(exc.ahead, 'comparison')} already running or "
                   f"waiting. Try again in about {plural(exc.retry_after, 'second')}.")
        headers = {"retry-after": str(exc.retry_after)}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "status": 503,
                                 "retry_after": exc.retry_after},
                                status_code=503, headers=headers)
        return HTMLResponse(error_bytes(503, "Busy", message), status_code=503,
                            headers=headers)

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

    async def story_brief(sid: int, wait: float
                          ) -> tuple[StorySummary, dict[str, Any] | None, int]:
        """The story, its brief (None when it is still being computed after ``wait``
        seconds) and, then, a guess of the seconds it still needs. Raises :class:`Busy`."""
        def read() -> tuple[StorySummary, brief_cache.Membership, dict[str, Any] | None]:
            with site.store() as store:
                summary = story_summary(store, sid)
                member, doc = site.known_brief(store, summary.id)
            return summary, member, doc

        summary, member, doc = await run_in_threadpool(read)
        if doc is not None:
            return summary, doc, 0
        job = site.brief_job(member)
        if not await _finished(job, wait):
            return summary, None, site.pool.estimate()
        return summary, job.result(), 0

    async def computing(summary: StorySummary, seconds: int) -> Response:
        def articles() -> list[dict[str, Any]]:
            with site.store() as store:
                return data.story_articles(store, summary.id)

        listed = await run_in_threadpool(articles)
        refresh = min(10, max(2, seconds // 2))
        return await page_off_loop("computing.html", 202, story=summary, articles=listed,
                                   refresh=refresh, seconds=seconds,
                                   title=one_line(summary.headline))

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    async def story(story_id: str) -> Response:
        summary, doc, seconds = await story_brief(_story_id(story_id), page_wait)
        if doc is None:
            return await computing(summary, seconds)
        return await page_off_loop("story.html", story=summary, doc=doc, link=stored_link,
                                   title=one_line(summary.headline))

    @app.get("/stories/{story_id}/side-by-side", response_class=HTMLResponse,
             include_in_schema=False)
    async def side_by_side(story_id: str, a: str = Query("", max_length=16),
                           b: str = Query("", max_length=16)) -> Response:
        sid = _story_id(story_id)

        def pick() -> tuple[str, str]:
            with site.store() as store:
                member = brief_cache.membership(store, sid)
                ids = member.article_ids
                if len(ids) < 2:
                    raise UsageError(f"story {member.story_id} has one article: nothing to "
                                     "set side by side")
                left = store.resolve_id(_article_id(a)) if a else ids[0]
                right = (store.resolve_id(_article_id(b)) if b
                         else next(i for i in ids if i != left))
                for aid in (left, right):
                    if aid not in ids:
                        raise NotFoundError(f"article {aid} is not in story {member.story_id}")
            return left, right

        left, right = await run_in_threadpool(pick)
        summary, doc, seconds = await story_brief(sid, page_wait)
        if doc is None:
            return await computing(summary, seconds)

        def read() -> list[Analysis]:
            with site.store() as store:  # the brief's job has made any missing analysis
                return [site.analysis(store, left), site.analysis(store, right)]

        def render() -> Response:
            analyses = read()
            marks = _aligned(doc, left, right)
            return page("side_by_side.html", story=summary, doc=doc, columns=[
                {"key": "a", "other": "b", "analysis": analyses[0], "pieces":
                 data.pieces(analyses[0]), "marks": marks[0]},
                {"key": "b", "other": "a", "analysis": analyses[1], "pieces":
                 data.pieces(analyses[1]), "marks": marks[1]}],
                articles=doc["articles"], left=left, right=right)

        return await run_in_threadpool(render)

    async def article_analysis(article_id: str) -> Analysis:
        """The article's analysis: stored, or made on the worker (one job per article)."""
        def known() -> tuple[str, Analysis | None]:
            with site.store() as store:
                found = site.known_analysis(store, article_id)
                return (found.article.id if found else store.resolve_id(article_id)), found

        aid, found = await run_in_threadpool(known)
        if found is not None:
            return found

        def make() -> Analysis:
            with site.store() as store:
                return site.analysis(store, aid)

        job = site.pool.flight(("analysis", aid), make)
        await _finished(job, None)
        result: Analysis = job.result()
        return result

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    async def article(article_id: str,
                      hl: int | None = Query(None, ge=0, le=1_000_000)) -> Response:
        analysis = await article_analysis(_article_id(article_id))

        def render() -> Response:
            with site.store() as store:
                row = store.conn.execute(
                    "SELECT story_id FROM story_articles WHERE article_id = ?",
                    (analysis.article.id,)).fetchone()
            return page("article.html", analysis=analysis, article=analysis.article,
                        pieces=data.pieces(analysis), hl=hl,
                        entities=data.entity_groups(analysis), quotes=data.quote_rows(analysis),
                        story_id=row[0] if row else None)

        return await run_in_threadpool(render)

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

    def read_compare_form(body: bytes) -> Response | list[Any]:
        """The pasted articles of a compare form, or the page that says what is wrong."""
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                            max_num_fields=5 * MAX_ARTICLES + 5, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            return HTMLResponse(error_bytes(400, "Bad request", "The form could not be read."),
                                status_code=400)
        slots_text = (form.get("slots") or ["3"])[0]
        # a number of slots: a few ASCII digits (int() refuses 5,000 of them)
        wanted = (int(slots_text) if slots_text.isascii() and slots_text.isdigit()
                  and len(slots_text) <= 3 else 3)
        slots = min(MAX_ARTICLES, max(MIN_ARTICLES, wanted))
        pasted = data.pasted_articles(form, slots=MAX_ARTICLES)
        too_long = [n for n, p in enumerate(pasted, 1)
                    if len(p.text) > MAX_ARTICLE_CHARS or len(p.title) > 1000]
        problem = ""
        articles: list[Any] = []
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
        return articles

    @app.post("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def compare_post(request: Request) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return error(request, 400, "Bad request",
                         "Send the compare form as application/x-www-form-urlencoded.")
        body = await request.body()
        # reading 1 MB of form and its articles is CPU work too: on a thread, not the loop
        read = await run_in_threadpool(read_compare_form, body)
        if isinstance(read, Response):
            return read
        articles = read
        job = site.pool.submit(lambda: site.compare_pasted(articles))
        await _finished(job, None)
        analyses, doc = job.result()
        return await page_off_loop("compare_result.html", doc=doc, analyses=analyses,
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
            articles = data.story_articles(store, summary.id)
        return {**summary.to_dict(), "article_ids": [a["id"] for a in articles],
                "article_list": articles}

    @app.get("/api/stories/{story_id}/brief", tags=["stories"], response_model=None,
             responses={202: {"description": "The brief is still being computed: a status "
                                             "document; ask again after Retry-After seconds"},
                        503: {"description": "Too many computations wait: try again after "
                                             "Retry-After seconds"}})
    async def api_brief(story_id: str,
                        wait: float = Query(DEFAULT_API_WAIT, ge=0, le=600)
                        ) -> Response:
        """The comparison brief of a story (corroborate.brief/3). A brief not computed yet is
        computed (once, however many ask); the answer waits for it up to ``wait`` seconds,
        then is 202 with `{"status": "computing", ...}` and a Retry-After header."""
        summary, doc, seconds = await story_brief(_story_id(story_id), wait)
        if doc is None:
            return JSONResponse({"schema": "corroborate.brief-status/1", "story": summary.id,
                                 "status": "computing", "retry_after": seconds},
                                status_code=202, headers={"retry-after": str(seconds)})
        # encoded on a thread: the brief of a hundred articles is megabytes of JSON
        return await run_in_threadpool(JSONResponse, doc)

    @app.get("/api/articles/{article_id}", tags=["articles"], response_model=None)
    async def api_article(article_id: str) -> Response:
        """One article with its analysis (as `corroborate show --format json`)."""
        analysis = await article_analysis(_article_id(article_id))

        def render() -> Response:
            doc = analysis_to_dict(analysis)
            doc["article"]["text"] = analysis.article.text
            return JSONResponse(doc)

        return await run_in_threadpool(render)

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
