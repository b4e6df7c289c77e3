"""The SQLite store: one file, WAL, foreign keys, versioned schema, one transaction per article."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corroborate.errors import NotFoundError, SchemaVersionError, StoreError
from corroborate.model import (
    Analysis,
    Article,
    Attribution,
    DateMention,
    Entity,
    Quantity,
    Quote,
    Sentence,
)
from corroborate.store.migrations import MIGRATIONS, SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    id: str
    source: str
    title: str
    published: str | None
    url: str | None
    path: str | None
    sentences: int
    quotes: int


#: how long SQLite itself waits for another writer's lock before we look again (seconds)
LOCK_POLL_S = 2.0
#: how long a write waits in all for another writer before it gives up (seconds)
DEFAULT_LOCK_TIMEOUT_S = 600.0


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


class Store:
    """A Corroborate database. Use as a context manager, or call :meth:`close`.

    Several processes may write to one database: a write transaction waits for another
    process's (up to ``lock_timeout`` seconds in all, then :class:`StoreError`), calling
    ``on_wait(message)`` once when a wait begins, so a command can say why it pauses."""

    def __init__(self, path: str | Path, *, create: bool = True,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait
        if not create and str(path) != ":memory:" and not self.path.exists():
            raise StoreError(f"{self.path}: no such database; ingest articles first "
                             "(`corroborate ingest PATH --db FILE`) or pass another --db")
        try:
            if str(path) != ":memory:" and self.path.parent and not self.path.parent.exists():
                raise StoreError(
                    f"{self.path}: its folder does not exist; create it or pass another --db"
                )
            self.conn = sqlite3.connect(str(path), isolation_level=None, timeout=LOCK_POLL_S)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            # switching a new file to WAL takes a lock another process creating it may hold
            self._when_unlocked(lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable Corroborate database ({exc})") from exc

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _when_unlocked(self, step: Callable[[], object]) -> None:
        """Run ``step`` once no other process holds the write lock: SQLite waits
        :data:`LOCK_POLL_S` per try; we try again until ``lock_timeout`` has passed."""
        started: float | None = None
        while True:
            try:
                step()
                return
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc):
                    raise
                now = time.monotonic()
                if started is None:
                    started = now
                    if self.on_wait is not None:
                        self.on_wait(f"{self.path}: waiting for another process writing to it "
                                     "(another ingest or recluster)")
                elif now - started >= self.lock_timeout:
                    raise StoreError(
                        f"{self.path}: another process has held the database for over "
                        f"{self.lock_timeout:.0f} s; try again when it has finished") from exc

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside is committed together or not at all.
        It begins once no other process is writing (see the class docstring)."""
        self._when_unlocked(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _stored_version(self) -> int:
        try:
            row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return 0
            raise
        current = int(row[0] or 0)
        if current > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path}: written by a newer Corroborate (schema {current}, this one knows "
                f"{SCHEMA_VERSION}); upgrade Corroborate or use another --db"
            )
        return current

    def _migrate(self) -> None:
        if self._stored_version() == SCHEMA_VERSION:
            return
        # The version is read again under the write lock: two processes opening a new or old
        # database at once must not both apply a migration.
        with self.atomic() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            for version in range(self._stored_version() + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # -- writes ----------------------------------------------------------------------------
    def has_article(self, article_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row is not None

    def add_article(self, article: Article, analysis: Analysis | None = None) -> bool:
        """Store an article and its analysis in one transaction. False when already present."""
        with self.atomic() as conn:
            return self.insert_article(conn, article, analysis)

    def insert_article(self, conn: sqlite3.Connection, article: Article,
                       analysis: Analysis | None) -> bool:
        """Write an article (and its analysis) inside the caller's transaction."""
        if conn.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone():
            return False
        conn.execute(
            "INSERT INTO articles(id, source, title, text, published, url, path, author,"
            " metadata, ingested_at, analyzer) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.id, article.source, article.title, article.text, article.published,
                article.url, article.path, article.author,
                json.dumps(dict(article.metadata), ensure_ascii=False, default=str),
                datetime.now(UTC).isoformat(timespec="seconds"),
                analysis.analyzer if analysis else None,
            ),
        )
        if analysis is not None:
            self._write_analysis(conn, article.id, analysis)
        return True

    def set_analysis(self, analysis: Analysis) -> None:
        """Store the analysis of an article stored without one (one transaction)."""
        aid = analysis.article.id
        with self.atomic() as conn:
            row = conn.execute("SELECT analyzer FROM articles WHERE id = ?", (aid,)).fetchone()
            if row is None:
                raise NotFoundError(f"no article with id {aid!r} in {self.path}")
            if row[0] is not None:
                return
            self._write_analysis(conn, aid, analysis)
            conn.execute("UPDATE articles SET analyzer = ? WHERE id = ?",
                         (analysis.analyzer, aid))

    def _write_analysis(self, conn: sqlite3.Connection, aid: str, analysis: Analysis) -> None:
        conn.executemany(
            "INSERT INTO sentences VALUES (?,?,?,?)",
            [(aid, s.index, s.start, s.end) for s in analysis.sentences],
        )
        conn.executemany(
            "INSERT INTO entities VALUES (?,?,?,?,?,?,?)",
            [(aid, i, e.sentence, e.start, e.end, e.label, e.key)
             for i, e in enumerate(analysis.entities)],
        )
        conn.executemany(
            "INSERT INTO quantities VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(aid, i, q.sentence, q.start, q.end, q.value, q.unit, q.kind, int(q.approximate),
              q.qualifier) for i, q in enumerate(analysis.quantities)],
        )
        conn.executemany(
            "INSERT INTO dates VALUES (?,?,?,?,?,?)",
            [(aid, i, d.sentence, d.start, d.end, d.value) for i, d in enumerate(analysis.dates)],
        )
        conn.executemany(
            "INSERT INTO quotes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(aid, i, q.sentence, q.start, q.end, q.speaker, q.speaker_role, q.speaker_kind,
              q.speaker_start, q.speaker_end, q.cue, int(q.anonymous))
             for i, q in enumerate(analysis.quotes)],
        )
        conn.executemany(
            "INSERT INTO attributions VALUES (?,?,?,?,?,?,?,?,?)",
            [(aid, i, a.sentence, a.start, a.end, a.source, a.kind, int(a.named), a.cue)
             for i, a in enumerate(analysis.attributions)],
        )

    # -- reads -----------------------------------------------------------------------------
    def resolve_id(self, id_or_prefix: str) -> str:
        """The full id of the one article whose id starts with ``id_or_prefix``."""
        prefix = id_or_prefix.strip().lower()
        if not prefix:
            raise NotFoundError("empty article id: see `corroborate articles` for the ids")
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE id >= ? AND id < ? LIMIT 2",
            (prefix, prefix + "\uffff"),
        ).fetchall()
        if not rows:
            raise NotFoundError(
                f"no article with id {id_or_prefix!r} in {self.path}: "
                "see `corroborate articles` for the ids"
            )
        if len(rows) > 1:
            raise NotFoundError(
                f"article id {id_or_prefix!r} is ambiguous in {self.path}: give more characters"
            )
        return str(rows[0]["id"])

    def get_article(self, id_or_prefix: str) -> Article:
        aid = self.resolve_id(id_or_prefix)
        row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (aid,)).fetchone()
        return _article_from_row(row)

    def get_analysis(self, id_or_prefix: str) -> Analysis | None:
        """The stored analysis of an article, or None when it was stored without one."""
        article = self.get_article(id_or_prefix)
        analyzer = self.conn.execute(
            "SELECT analyzer FROM articles WHERE id = ?", (article.id,)
        ).fetchone()[0]
        if analyzer is None:
            return None
        aid = article.id

        def rows(table: str) -> Sequence[sqlite3.Row]:
            return self.conn.execute(
                f"SELECT * FROM {table} WHERE article_id = ? ORDER BY idx", (aid,)
            ).fetchall()

        return Analysis(
            article=article,
            sentences=tuple(Sentence(r["idx"], r["start"], r["end"]) for r in rows("sentences")),
            entities=tuple(
                Entity(r["sentence"], r["start"], r["end"], r["label"], r["key"])
                for r in rows("entities")
            ),
            quantities=tuple(
                Quantity(r["sentence"], r["start"], r["end"], r["value"], r["unit"], r["kind"],
                         bool(r["approximate"]), r["qualifier"])
                for r in rows("quantities")
            ),
            dates=tuple(
                DateMention(r["sentence"], r["start"], r["end"], r["value"])
                for r in rows("dates")
            ),
            quotes=tuple(
                Quote(r["sentence"], r["start"], r["end"], r["speaker"], r["speaker_role"],
                      r["cue"], bool(r["anonymous"]), r["speaker_kind"], r["speaker_start"],
                      r["speaker_end"])
                for r in rows("quotes")
            ),
            attributions=tuple(
                Attribution(r["sentence"], r["start"], r["end"], r["source"], r["kind"],
                            bool(r["named"]), r["cue"])
                for r in rows("attributions")
            ),
            analyzer=str(analyzer),
        )

    def list_articles(self, *, limit: int | None = None, offset: int = 0,
                      source: str | None = None) -> list[ArticleSummary]:
        sql = (
            "SELECT a.id, a.source, a.title, a.published, a.url, a.path,"
            " (SELECT COUNT(*) FROM sentences s WHERE s.article_id = a.id) AS n_sentences,"
            " (SELECT COUNT(*) FROM quotes q WHERE q.article_id = a.id) AS n_quotes"
            " FROM articles a"
        )
        params: list[Any] = []
        if source:
            sql += " WHERE a.source = ?"
            params.append(source)
        sql += " ORDER BY COALESCE(a.published, ''), a.ingested_at, a.id"
        sql += " LIMIT ? OFFSET ?"
        params += [limit if limit is not None else -1, offset]
        return [
            ArticleSummary(r["id"], r["source"], r["title"], r["published"], r["url"], r["path"],
                           r["n_sentences"], r["n_quotes"])
            for r in self.conn.execute(sql, params)
        ]

    def count_articles(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def article_ids(self) -> Iterator[str]:
        """The id of every stored article (in no particular order)."""
        for (article_id,) in self.conn.execute("SELECT id FROM articles"):
            yield str(article_id)


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"], text=row["text"], title=row["title"], source=row["source"],
        published=row["published"], url=row["url"], path=row["path"], author=row["author"],
        metadata=json.loads(row["metadata"] or "{}"),
    )
