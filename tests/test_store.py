from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from corroborate.errors import NotFoundError, SchemaVersionError, StoreError
from corroborate.ingest import read_inputs
from corroborate.model import Article
from corroborate.store import SCHEMA_VERSION, Store, ingest_articles


def _article(examples: Path, name: str = "summit/pacific-wire.txt") -> Article:
    [a] = [r for r in read_inputs([str(examples / name)]) if isinstance(r, Article)]
    return a


def test_new_database_is_wal_with_foreign_keys_and_versioned(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with Store(db_path) as again:  # reopening migrates nothing twice
        rows = again.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
        assert rows == SCHEMA_VERSION


def test_newer_schema_is_refused(db_path: Path) -> None:
    with Store(db_path) as store, store.atomic() as conn:
        conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION + 1,))
    with pytest.raises(SchemaVersionError, match="newer Corroborate"):
        Store(db_path)


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "x.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable"):
        Store(bad)


def test_round_trip_of_article_and_analysis(store: Store, examples: Path, analyzer) -> None:  # type: ignore[no-untyped-def]
    article = _article(examples)
    analysis = analyzer.analyze(article)
    assert store.add_article(article, analysis) is True
    assert store.add_article(article, analysis) is False
    loaded = store.get_analysis(article.id[:6])
    assert loaded == analysis
    assert store.get_article(article.id) == article


def test_unknown_and_ambiguous_ids(store: Store) -> None:
    with pytest.raises(NotFoundError, match="corroborate articles"):
        store.get_article("ffff")


def test_failure_mid_article_leaves_nothing(store: Store, examples: Path, analyzer,  # type: ignore[no-untyped-def]
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    article = _article(examples)
    analysis = analyzer.analyze(article)

    def explode(*args: object) -> None:
        raise sqlite3.IntegrityError("simulated failure while writing the analysis")

    monkeypatch.setattr(store, "_write_analysis", explode)
    with pytest.raises(sqlite3.IntegrityError):
        store.add_article(article, analysis)
    for table in ("articles", "sentences", "entities", "quotes", "attributions"):
        assert store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0


def test_ingest_reports_a_failed_article_and_keeps_the_others(
        store: Store, examples: Path, analyzer, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    original = store._write_analysis
    calls = {"n": 0}

    def flaky(conn, aid, analysis):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.IntegrityError("boom")
        original(conn, aid, analysis)

    monkeypatch.setattr(store, "_write_analysis", flaky)
    report = ingest_articles(store, read_inputs([str(examples / "summit")]), analyzer)
    assert len(report.ingested) == 2
    assert len(report.rejected) == 1 and "nothing of it was stored" in report.rejected[0].reason
    assert store.count_articles() == 2
    orphans = store.conn.execute(
        "SELECT COUNT(*) FROM sentences WHERE article_id NOT IN (SELECT id FROM articles)"
    ).fetchone()[0]
    assert orphans == 0


def test_ingest_twice_is_idempotent(store: Store, examples: Path, analyzer) -> None:  # type: ignore[no-untyped-def]
    first = ingest_articles(store, read_inputs([str(examples)]), analyzer)
    second = ingest_articles(store, read_inputs([str(examples)]), analyzer)
    assert len(first.ingested) == 10 and not first.rejected
    assert second.ingested == [] and sorted(second.present) == sorted(first.ingested)
    assert len(store.list_articles()) == 10


def test_a_long_run_of_stored_articles_is_not_held_back(
        store: Store, examples: Path, analyzer, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # stored articles and rejections are reported in input order, after the new articles
    # read before them are written; a re-run over an archive must not hold a long run of
    # them (their texts) in memory meanwhile: beyond MAX_WAITING they are reported at once
    from corroborate.store import ingest as store_ingest

    ingest_articles(store, read_inputs([str(examples / "summit")]), None)
    items = [_article(examples, "factory-fire/pacific-wire.txt"),
             *read_inputs([str(examples / "summit")])]

    def statuses() -> list[str]:
        seen: list[str] = []
        ingest_articles(store, items, analyzer, on_result=lambda item, status: seen.append(status))
        return seen

    monkeypatch.setattr(store_ingest, "MAX_WAITING", 2)
    assert statuses() == ["present", "present", "ingested", "present"]
    store.conn.execute("DELETE FROM articles WHERE id = ?", (items[0].id,))
    monkeypatch.setattr(store_ingest, "MAX_WAITING", 1000)
    assert statuses() == ["ingested", "present", "present", "present"]


def _rules_fail_on(monkeypatch: pytest.MonkeyPatch, fails: Callable[[Article], bool]) -> None:
    """The analysis rules raise for the articles ``fails`` picks (the parse still runs)."""
    from corroborate.analyze import pipeline

    real = pipeline.analysis_from_doc

    def analysis_from_doc(article, doc, version):  # type: ignore[no-untyped-def]
        if fails(article):
            raise ValueError("simulated rule failure")
        return real(article, doc, version)

    monkeypatch.setattr(pipeline, "analysis_from_doc", analysis_from_doc)


def test_analysis_failure_rejects_that_article_only(
        store: Store, examples: Path, analyzer, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _rules_fail_on(monkeypatch, lambda article: "Meridian" in article.source)
    report = ingest_articles(store, read_inputs([str(examples / "summit")]), analyzer)
    assert len(report.ingested) == 2
    [rejected] = report.rejected
    assert "meridian-post.html" in rejected.input and "analysis failed" in rejected.reason
    assert store.count_articles() == 2


def test_a_failure_after_reading_names_the_input_line(
        store: Store, tmp_path: Path, analyzer, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: rejections after reading (analysis failed) named the file but not the line."""
    import json

    _rules_fail_on(monkeypatch, lambda article: "second" in article.text)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"title": f"Report {n}", "text": (
        f"This is the {n} report about the flood that hit the valley towns on Monday night, "
        "officials said.")}) + "\n" for n in ("first", "second", "third")))
    report = ingest_articles(store, read_inputs([str(feed)]), analyzer)
    assert len(report.ingested) == 2
    [rejected] = report.rejected
    assert rejected.input == f"{feed}:2" and "analysis failed" in rejected.reason
    [article] = [a for a in read_inputs([str(feed)]) if isinstance(a, Article)][:1]
    assert article.origin == f"{feed}:1" and store.get_article(article.id) == article


def test_ingest_with_two_worker_processes(store: Store, examples: Path, analyzer) -> None:  # type: ignore[no-untyped-def]
    report = ingest_articles(store, read_inputs([str(examples)]), analyzer, n_process=2)
    assert len(report.ingested) == 10 and not report.rejected
    stored = store.get_analysis(report.ingested[0])
    assert stored is not None and stored.sentences


# -- another process holding the write lock --------------------------------------------------
def _hold_write_lock(path: Path, seconds: float) -> tuple[sqlite3.Connection, threading.Timer]:
    """Another connection (as another process would) holds the write lock for a while."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO schema_version(version) SELECT MAX(version) FROM schema_version")
    holder.execute("DELETE FROM schema_version WHERE rowid = last_insert_rowid()")
    timer = threading.Timer(seconds, lambda: holder.execute("COMMIT"))
    timer.start()
    return holder, timer


def test_a_write_waits_for_another_writer_and_says_so(
        db_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import corroborate.store.db as db_module

    monkeypatch.setattr(db_module, "LOCK_POLL_S", 0.2)
    heard: list[str] = []
    with Store(db_path, on_wait=heard.append) as store:
        holder, timer = _hold_write_lock(db_path, 1.0)
        assert store.add_article(_article(examples))  # waits about a second, then writes
        timer.join()
        holder.close()
        assert store.count_articles() == 1
    assert len(heard) == 1 and "waiting for another process" in heard[0]


def test_a_writer_that_never_lets_go_is_a_clear_error(
        db_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import corroborate.store.db as db_module

    monkeypatch.setattr(db_module, "LOCK_POLL_S", 0.1)
    with Store(db_path, lock_timeout=0.3) as store:
        holder, timer = _hold_write_lock(db_path, 2.0)
        with pytest.raises(StoreError, match="another process has held the database"):
            store.add_article(_article(examples))
        timer.join()
        holder.close()
        assert store.count_articles() == 0
        assert store.add_article(_article(examples))  # and it works once the lock is free
