"""Ingestion into the store: read, analyse, write, one transaction per article."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from corroborate.analyze import Analyzer
from corroborate.ingest import Rejection
from corroborate.model import Analysis, Article
from corroborate.store.db import Store
from corroborate.stories import StoryChange, StoryFeatures

if TYPE_CHECKING:
    from corroborate.store.stories import StoryBook

FeaturesFor = Callable[[Sequence[Article]], list[StoryFeatures]]


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did: ids ingested, ids already present, inputs rejected."""

    ingested: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    story_of: dict[str, int] = field(default_factory=dict)
    changes: list[StoryChange] = field(default_factory=list)


def ingest_articles(
    store: Store,
    results: Iterable[Article | Rejection],
    analyzer: Analyzer | None,
    *,
    batch_size: int = 32,
    n_process: int = 1,
    on_result: Callable[[Article | Rejection, str], None] | None = None,
    stories: StoryBook | None = None,
    features_for: FeaturesFor | None = None,
) -> IngestReport:
    """Store every article of ``results`` with its analysis (or without one when ``analyzer`` is
    None). Each article is one transaction: a failure while analysing or writing one article
    rejects that article alone and leaves nothing of it in the database. Articles already in
    the database are not analysed again. ``n_process > 1`` parses in worker processes.

    ``on_result(item, status)`` is called for each item with status ``ingested``, ``present``
    or ``rejected``.

    With ``stories`` (and ``features_for``, which embeds a batch of articles), each new article
    is also assigned to a story in the same transaction as its write."""
    if stories is not None and features_for is None:
        raise ValueError("stories need features_for")
    report = IngestReport()

    def note(item: Article | Rejection, status: str) -> None:
        if on_result is not None:
            on_result(item, status)

    def reject(rejection: Rejection) -> None:
        report.rejected.append(rejection)
        note(rejection, "rejected")

    def new_articles() -> Iterator[Article]:
        # A duplicate within this run is analysed again and found present when it is written,
        # so it is never reported present unless its first copy really was stored.
        for item in results:
            if isinstance(item, Rejection):
                reject(item)
            elif store.has_article(item.id):
                report.present.append(item.id)
                note(item, "present")
            else:
                yield item

    analysed: Iterator[tuple[Article, Analysis | Exception | None]]
    if analyzer is None:
        analysed = ((article, None) for article in new_articles())
    else:
        analysed = analyzer.analyze_stream(new_articles(), batch_size=batch_size,
                                           n_process=n_process)
    while True:
        chunk = list(islice(analysed, batch_size))
        if not chunk:
            break
        features: dict[str, StoryFeatures] = {}
        if stories is not None and features_for is not None:
            fresh = [a for a, outcome in chunk if not isinstance(outcome, Exception)]
            try:
                features = {f.article_id: f for f in features_for(fresh)} if fresh else {}
            except Exception as exc:
                for article in fresh:
                    reject(Rejection(article.origin or article.path or article.id,
                                     f"story features failed ({type(exc).__name__}: {exc}); "
                                     "nothing of it was stored"))
                continue
        for article, analysis in chunk:
            name = article.origin or article.path or article.id
            if isinstance(analysis, Exception):
                reject(Rejection(name, f"analysis failed ({type(analysis).__name__}: "
                                       f"{analysis}); nothing of it was stored"))
                continue
            try:
                if stories is not None:
                    inserted, changes = stories.add(article, analysis, features[article.id])
                    report.changes.extend(changes)
                    for change in changes:
                        if change.article_id is not None:
                            report.story_of[change.article_id] = change.story
                else:
                    inserted = store.add_article(article, analysis)
            except Exception as exc:
                reject(Rejection(name, f"could not be stored ({exc}); nothing of it was stored"))
                continue
            (report.ingested if inserted else report.present).append(article.id)
            note(article, "ingested" if inserted else "present")
    return report
