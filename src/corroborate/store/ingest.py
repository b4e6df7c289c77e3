"""Ingestion into the store: read, analyse, write, one transaction per article.

Both engines share one writer (:func:`ingest_prepared`): the local engine
(:func:`ingest_articles`) analyses and embeds in this process, the Ray engine
(:mod:`corroborate.store.ray_engine`) on workers, and each hands the writer the same stream of
:class:`Prepared` articles and :class:`~corroborate.ingest.Rejection` lines, in input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from corroborate.analyze import Analyzer
from corroborate.errors import ModelUnavailableError, UsageError
from corroborate.ingest import Rejection
from corroborate.model import Analysis, Article
from corroborate.store.db import Store
from corroborate.stories import StoryChange, StoryFeatures

if TYPE_CHECKING:
    from corroborate.store.stories import StoryBook

FeaturesFor = Callable[[Sequence[Article]], list[StoryFeatures]]
#: Articles analysed and embedded together: the local engine's batches, the Ray engine's chunks.
CHUNK_SIZE = 32
#: At most this many rejections and stored articles wait to be reported in input order.
MAX_WAITING = 1000


@dataclass(frozen=True, slots=True)
class Failure:
    """An exception raised while preparing an article, kept as plain data (it may have been
    raised on another machine, and not every exception pickles)."""

    kind: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        return cls(type(exc).__name__, str(exc))

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class Prepared:
    """One article on its way to the writer: its analysis (None: not analysed) and its story
    features (None: no stories), each a :class:`Failure` when computing it failed.
    ``stored``: the article was already in the database when it was read (reported present,
    nothing computed)."""

    article: Article
    analysis: Analysis | Failure | None = None
    features: StoryFeatures | Failure | None = None
    stored: bool = False


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did: ids ingested, ids already present, inputs rejected, the story
    each article went to and every membership change.

    With ``details`` False (what a run over millions of articles wants) ``ingested``,
    ``present``, ``story_of`` and ``changes`` stay empty and only the counts and the set of
    story ids grow, so the report does not hold an entry per article."""

    ingested: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    story_of: dict[str, int] = field(default_factory=dict)
    changes: list[StoryChange] = field(default_factory=list)
    details: bool = True
    ingested_count: int = 0
    present_count: int = 0
    #: the stories this run's articles (and the articles it moved) were placed in
    stories: set[int] = field(default_factory=set)

    def add_ingested(self, article_id: str, changes: Sequence[StoryChange] = ()) -> None:
        self.ingested_count += 1
        if self.details:
            self.ingested.append(article_id)
            self.changes.extend(changes)
        for change in changes:
            if change.article_id is not None:
                self.stories.add(change.story)
                if self.details:
                    self.story_of[change.article_id] = change.story

    def add_present(self, article_id: str) -> None:
        self.present_count += 1
        if self.details:
            self.present.append(article_id)


def _name(article: Article) -> str:
    return article.origin or article.path or article.id


class _Writer:
    """The single writer (and story assigner) of an ingest run: one transaction per article;
    a failure rejects that article alone and leaves nothing of it in the database."""

    def __init__(self, store: Store, on_result: Callable[[Article | Rejection, str], None] | None,
                 stories: StoryBook | None, details: bool = True) -> None:
        self.store = store
        self.on_result = on_result
        self.stories = stories
        self.report = IngestReport(details=details)

    def note(self, item: Article | Rejection, status: str) -> None:
        if self.on_result is not None:
            self.on_result(item, status)

    def reject(self, rejection: Rejection) -> None:
        self.report.rejected.append(rejection)
        self.note(rejection, "rejected")

    def present(self, article: Article) -> None:
        self.report.add_present(article.id)
        self.note(article, "present")

    def take(self, item: Prepared | Rejection) -> None:
        if isinstance(item, Rejection):
            self.reject(item)
            return
        article = item.article
        if item.stored:
            self.present(article)
            return
        if isinstance(item.analysis, Failure):
            self.reject(Rejection(_name(article), f"analysis failed ({item.analysis}); "
                                                  "nothing of it was stored"))
            return
        features = item.features
        if self.stories is not None and isinstance(features, Failure):
            self.reject(Rejection(_name(article), f"story features failed ({features}); "
                                                  "nothing of it was stored"))
            return
        changes: list[StoryChange] = []
        try:
            if self.stories is not None:
                if not isinstance(features, StoryFeatures):
                    raise ValueError("no story features were computed for it")
                inserted, changes = self.stories.add(article, item.analysis, features)
            else:
                inserted = self.store.add_article(article, item.analysis)
        except Exception as exc:
            self.reject(Rejection(_name(article),
                                  f"could not be stored ({exc}); nothing of it was stored"))
            return
        if inserted:
            self.report.add_ingested(article.id, changes)
        else:
            self.report.add_present(article.id)
        self.note(article, "ingested" if inserted else "present")


def ingest_prepared(store: Store, items: Iterable[Prepared | Rejection], *,
                    on_result: Callable[[Article | Rejection, str], None] | None = None,
                    stories: StoryBook | None = None, details: bool = True) -> IngestReport:
    """Write a stream of prepared articles (and rejections) in its order, one transaction per
    article, as :func:`ingest_articles` does; with ``stories`` each new article is assigned
    to a story in the same transaction (then every article needs its features).
    ``details``: as :class:`IngestReport`'s."""
    writer = _Writer(store, on_result, stories, details)
    for item in items:
        writer.take(item)
    return writer.report


def prepare_chunk(analysed: Sequence[tuple[Article, Analysis | Exception | None]],
                  features_for: FeaturesFor | None) -> list[Prepared]:
    """One chunk of analysed articles (an exception where the analysis failed), with the story
    features of those whose analysis did not fail computed together (``features_for`` None:
    no features). Both engines prepare their chunks with this."""
    fresh = [a for a, outcome in analysed if not isinstance(outcome, Exception)]
    features: dict[str, StoryFeatures] = {}
    failed: Failure | None = None
    if features_for is not None and fresh:
        try:
            features = {f.article_id: f for f in features_for(fresh)}
        except (ModelUnavailableError, UsageError):
            raise  # no article can get features: the run stops once, saying what to do
        except Exception as exc:
            failed = Failure.of(exc)
    prepared: list[Prepared] = []
    for article, outcome in analysed:
        if isinstance(outcome, Exception):
            prepared.append(Prepared(article, Failure.of(outcome)))
        elif features_for is None:
            prepared.append(Prepared(article, outcome))
        else:
            prepared.append(Prepared(article, outcome, failed or features.get(article.id)))
    return prepared


def analyse_stream(articles: Iterable[Article], analyzer: Analyzer | None, *,
                   batch_size: int = CHUNK_SIZE, n_process: int = 1
                   ) -> Iterator[tuple[Article, Analysis | Exception | None]]:
    """``(article, analysis)`` in order, an exception where the analysis failed, None for every
    article without an analyzer."""
    if analyzer is None:
        return ((article, None) for article in articles)
    return analyzer.analyze_stream(articles, batch_size=batch_size, n_process=n_process)


def ingest_articles(
    store: Store,
    results: Iterable[Article | Rejection],
    analyzer: Analyzer | None,
    *,
    batch_size: int = CHUNK_SIZE,
    n_process: int = 1,
    on_result: Callable[[Article | Rejection, str], None] | None = None,
    stories: StoryBook | None = None,
    features_for: FeaturesFor | None = None,
    details: bool = True,
) -> IngestReport:
    """Store every article of ``results`` with its analysis (or without one when ``analyzer`` is
    None). Each article is one transaction: a failure while analysing or writing one article
    rejects that article alone and leaves nothing of it in the database. Articles already in
    the database are not analysed again. ``n_process > 1`` parses in worker processes.

    ``on_result(item, status)`` is called for each item, in input order, with status
    ``ingested``, ``present`` or ``rejected``.

    With ``stories`` (and ``features_for``, which embeds a batch of articles), each new article
    is also assigned to a story in the same transaction as its write. ``details`` False keeps
    only counts in the report (:class:`IngestReport`), for runs of any length."""
    if stories is not None and features_for is None:
        raise ValueError("stories need features_for")
    writer = _Writer(store, on_result, stories, details)
    # Rejections and stored articles are reported in input order, among the new articles
    # around them (as the Ray engine reports them), not when the reader, ahead, meets them:
    # (number of new articles read before it, item)
    waiting: deque[tuple[int, Prepared | Rejection]] = deque()
    read = 0

    def new_articles() -> Iterator[Article]:
        # A duplicate within this run is analysed again and found present when it is written,
        # so it is never reported present unless its first copy really was stored.
        nonlocal read
        for item in results:
            if isinstance(item, Rejection):
                waiting.append((read, item))
            elif store.has_article(item.id):
                waiting.append((read, Prepared(item, stored=True)))
            else:
                read += 1
                yield item
                continue
            if len(waiting) >= MAX_WAITING:
                # a long run of stored articles (a re-run over an archive) is not held in
                # memory until the analysis catches up: reported now, a little out of order
                report_waiting(None)

    def report_waiting(upto: int | None) -> None:
        while waiting and (upto is None or waiting[0][0] <= upto):
            writer.take(waiting.popleft()[1])

    analysed = analyse_stream(new_articles(), analyzer, batch_size=batch_size,
                              n_process=n_process)
    chunks = iter(lambda: list(islice(analysed, batch_size)), [])
    written = 0

    def write(prepared_chunk: list[Prepared]) -> None:
        nonlocal written
        for prepared in prepared_chunk:
            report_waiting(written)
            writer.take(prepared)
            written += 1

    if stories is None:
        for chunk in chunks:
            write(prepare_chunk(chunk, None))
    else:
        # The next chunk's story features (the embedding: onnxruntime and the tokenizer
        # release the GIL) are computed on a second thread while this one assigns and writes
        # the current chunk; the database is only touched here, and the results are the same
        # as computing them in turn.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="story-features")
        pending: Future[list[Prepared]] | None = None
        try:
            for chunk in chunks:
                future = pool.submit(prepare_chunk, chunk, features_for)
                if pending is not None:
                    ready, pending = pending, None
                    write(ready.result())
                pending = future
            if pending is not None:
                ready, pending = pending, None
                write(ready.result())
        except Exception:
            # reading or analysing the next chunk failed: the chunk prepared before it is
            # still written, as it was when chunks were prepared in turn
            if pending is not None and pending.exception() is None:
                write(pending.result())
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: at most one chunk more
    report_waiting(None)
    return writer.report
