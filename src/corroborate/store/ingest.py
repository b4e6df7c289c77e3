"""Ingestion into the store: read, analyse, write, one transaction per article."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from corroborate.analyze import Analyzer
from corroborate.ingest import Rejection
from corroborate.model import Analysis, Article
from corroborate.store.db import Store


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did: ids ingested, ids already present, inputs rejected."""

    ingested: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def ingest_articles(
    store: Store,
    results: Iterable[Article | Rejection],
    analyzer: Analyzer | None,
    *,
    batch_size: int = 32,
    on_result: Callable[[Article | Rejection, str], None] | None = None,
) -> IngestReport:
    """Store every article of ``results`` with its analysis (or without one when ``analyzer`` is
    None). Each article is one transaction: a failure while analysing or writing one article
    rejects that article alone and leaves nothing of it in the database.

    ``on_result(item, status)`` is called for each item with status ``ingested``, ``present``
    or ``rejected``."""
    report = IngestReport()

    def note(item: Article | Rejection, status: str) -> None:
        if on_result is not None:
            on_result(item, status)

    batch: list[Article] = []
    seen_in_batch: set[str] = set()

    def flush() -> None:
        if not batch:
            return
        analyses: list[Analysis | Exception | None]
        if analyzer is None:
            analyses = [None] * len(batch)
        else:
            try:
                analyses = list(analyzer.analyze_many(batch))
            except Exception:  # one bad article must not sink the batch: retry one by one
                analyses = []
                for article in batch:
                    try:
                        analyses.append(analyzer.analyze(article))
                    except Exception as exc:
                        analyses.append(exc)
        for article, analysis in zip(batch, analyses, strict=True):
            name = article.path or article.id
            if isinstance(analysis, Exception):
                rejection = Rejection(name, f"analysis failed ({type(analysis).__name__}: "
                                            f"{analysis}); nothing of it was stored")
                report.rejected.append(rejection)
                note(rejection, "rejected")
                continue
            try:
                inserted = store.add_article(article, analysis)
            except Exception as exc:
                rejection = Rejection(name, f"could not be stored ({exc}); nothing of it was "
                                            "stored")
                report.rejected.append(rejection)
                note(rejection, "rejected")
                continue
            (report.ingested if inserted else report.present).append(article.id)
            note(article, "ingested" if inserted else "present")
        batch.clear()
        seen_in_batch.clear()

    for item in results:
        if isinstance(item, Rejection):
            report.rejected.append(item)
            note(item, "rejected")
            continue
        if item.id in seen_in_batch or store.has_article(item.id):
            report.present.append(item.id)
            note(item, "present")
            continue
        batch.append(item)
        seen_in_batch.add(item.id)
        if len(batch) >= batch_size:
            flush()
    flush()
    return report
