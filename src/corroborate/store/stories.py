"""Stories in the database: each new article and its assignment in one transaction, the
assigner's window restored from the database when a process starts, listings and recluster."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from corroborate.errors import NotFoundError, StoreError, UsageError
from corroborate.model import Analysis, Article
from corroborate.store.db import Store
from corroborate.stories import (
    AssignSettings,
    LinkModel,
    StoryAssigner,
    StoryChange,
    StoryFeatures,
    default_link_model,
)
from corroborate.stories.features import (
    TERMS_RECIPE,
    UNICODE_VERSION,
    features_from_bytes,
    features_from_json,
    features_from_text,
    features_to_bytes,
    from_text_marker,
    marker_recipe,
    marker_unicode,
    text_digest,
)

#: the columns :func:`_features_from_row` reads, for a query over ``story_features f JOIN
#: articles a`` (the terms are recomputed from the article's title and text)
_FEATURE_COLUMNS = "f.article_id, f.seq, f.day, f.embedding, f.terms, a.title, a.text"


@dataclass(frozen=True, slots=True)
class StorySummary:
    id: int
    headline: str
    headline_article: str
    articles: int
    outlets: tuple[str, ...]
    first_published: str | None
    last_published: str | None

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "headline": self.headline,
                "headline_article": self.headline_article, "articles": self.articles,
                "outlets": list(self.outlets), "first_published": self.first_published,
                "last_published": self.last_published}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoryBook:
    """Story assignment bound to a store. Create one per process: it restores the active
    window from the database, then :meth:`add` writes an article, its analysis, its story
    features and every membership change together, or nothing.

    Another process may write stories to the same database meanwhile (a second ingest, a
    recluster): each :meth:`add` checks, under the write lock, whether the stories changed
    since this book last wrote. If so it first catches up: it assigns the other process's
    new arrivals itself, in their order, and checks that it reaches the very changes the
    other process wrote (both hold the same window, so it does, at the cost of assigning
    them: milliseconds); if anything differs (a recluster rewrote the stories) it restores
    the window from the database instead. Either way both processes' articles land in one
    consistent set of stories: those one process would give them in arrival order."""

    def __init__(self, store: Store, model: LinkModel | None = None,
                 settings: AssignSettings | None = None) -> None:
        self.store = store
        self.model = model or default_link_model()
        self.settings = settings or AssignSettings()
        self.restores = 0  # full restores from the database (catching up is not one)
        self.caught_up = 0  # other processes' arrivals assigned here to catch up
        self.assigner, self._generation = self._snapshot()

    def _snapshot(self) -> tuple[StoryAssigner, int]:
        """The window and the generation it holds, read in one read transaction: another
        process committing between the two reads would leave this book believing it holds
        an article it never saw."""
        conn = self.store.conn
        if conn.in_transaction:  # the caller's transaction is the snapshot
            return self._restored(), _story_generation(conn)
        conn.execute("BEGIN")
        try:
            return self._restored(), _story_generation(conn)
        finally:
            conn.execute("COMMIT")

    def _restored(self) -> StoryAssigner:
        self.restores += 1
        conn = self.store.conn
        row = conn.execute("SELECT MAX(seq), MAX(day) FROM story_features").fetchone()
        top_story = conn.execute("SELECT MAX(id) FROM stories").fetchone()[0] or 0
        assigner = StoryAssigner(self.model, self.settings, next_story=top_story + 1,
                                 next_seq=(row[0] or 0) + 1)
        if row[0] is None:
            return assigner
        max_seq, max_day = int(row[0]), row[1]
        s = self.settings
        recent = conn.execute(
            "SELECT DISTINCT sa.story_id FROM story_features f"
            " JOIN story_articles sa ON sa.article_id = f.article_id"
            " WHERE f.seq > ? OR (f.day IS NOT NULL AND ? IS NOT NULL AND f.day >= ?)",
            (max_seq - s.window_articles, max_day, (max_day or 0) - s.window_days),
        ).fetchall()
        story_ids = [r[0] for r in recent]

        def rows() -> Iterator[tuple[StoryFeatures, int, int]]:
            for chunk in range(0, len(story_ids), 500):
                ids = story_ids[chunk:chunk + 500]
                marks = ",".join("?" * len(ids))
                for r in conn.execute(
                    f"SELECT {_FEATURE_COLUMNS}, sa.story_id"
                    " FROM story_features f JOIN story_articles sa"
                    " ON sa.article_id = f.article_id JOIN articles a ON a.id = f.article_id"
                    f" WHERE sa.story_id IN ({marks})"
                    " ORDER BY f.seq", ids,
                ):
                    yield _features_from_row(r), int(r["seq"]), int(r["story_id"])

        ordered = sorted(rows(), key=lambda item: item[1])
        assigner.restore(ordered)
        return assigner

    def add(self, article: Article, analysis: Analysis | None,
            features: StoryFeatures) -> tuple[bool, list[StoryChange]]:
        """Store the article (with its analysis) and assign it to a story, in one transaction.
        (False, []) when the article is already stored."""
        if self.store.has_article(article.id):
            return False, []
        try:
            with self.store.atomic() as conn:
                if _story_generation(conn) != self._generation and not self._catch_up(conn):
                    self.assigner = self._restored()  # another process rewrote stories
                if not self.store.insert_article(conn, article, analysis):
                    return False, []
                changes = _assign_and_write(conn, self.assigner, features, article.title,
                                            article.text)
                generation = _story_generation(conn)
        except BaseException:
            # memory and database must agree: rebuild the window from what was committed
            self.assigner, self._generation = self._snapshot()
            raise
        self._generation = generation
        return True, changes


    def _catch_up(self, conn: sqlite3.Connection) -> bool:
        """Assign, in this book, the arrivals another process wrote since this book last
        looked; True when that reproduces exactly the changes it wrote (then this book holds
        the window the other process holds), False when the caller must restore instead."""
        written: dict[int, list[tuple[object, ...]]] = {}
        for row in conn.execute(
                "SELECT seq, kind, story_id, article_id, previous FROM story_changes"
                " WHERE id > ? ORDER BY id", (self._generation,)):
            written.setdefault(int(row[0]), []).append(tuple(row[1:]))
        arrivals = conn.execute(
            f"SELECT {_FEATURE_COLUMNS} FROM story_features f JOIN articles a"
            " ON a.id = f.article_id WHERE f.seq >= ? ORDER BY f.seq",
            (self.assigner.next_seq,)).fetchall()
        if not arrivals or sorted(written) != [int(r["seq"]) for r in arrivals]:
            return False  # not plain new arrivals (a recluster renumbered them, say)
        try:
            for row in arrivals:
                seq = int(row["seq"])
                changes = self.assigner.assign(_features_from_row(row), seq=seq)
                replayed = [(c.kind, c.story, c.article_id, c.previous) for c in changes]
                if replayed != written[seq]:
                    return False
                self.caught_up += 1
        except Exception:
            return False  # the caller restores the window from the database
        return True


def _story_generation(conn: sqlite3.Connection) -> int:
    """A number that grows with every write of stories by any process: the last id of
    story_changes (AUTOINCREMENT, so never reused, even after a recluster empties it)."""
    row = conn.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'story_changes'").fetchone()
    return int(row[0]) if row else 0


def _features_from_row(row: sqlite3.Row, *, any_recipe: bool = False) -> StoryFeatures:
    """Story features from a row of :data:`_FEATURE_COLUMNS`. A row holding a marker gets
    its terms made again from the article's title and text, by this version's recipe, which
    must be the one the marker names (else :class:`StoreError`, unless ``any_recipe``: a
    recluster weighs everything anew); other rows hold their terms in the compact binary form
    (terms from elsewhere, and every row of databases written before) or, older still, as
    JSON text, read as such: what those articles were assigned with."""
    embedding = np.frombuffer(row["embedding"], dtype="<f4").astype(np.float32)
    terms = row["terms"]
    recipe = marker_recipe(terms) if isinstance(terms, bytes) else None
    if recipe is not None:
        if recipe != TERMS_RECIPE and not any_recipe:
            raise StoreError(
                f"the story features of article {row['article_id']} were made by the term "
                f"recipe {recipe!r}, this version makes {TERMS_RECIPE!r}: the stories' window "
                "cannot be restored as it was; run `corroborate recluster` on this database")
        unicode = marker_unicode(terms)
        if unicode is not None and unicode != UNICODE_VERSION and not any_recipe:
            raise StoreError(
                f"the story features of article {row['article_id']} were made with the "
                f"Unicode {unicode} tables, this Python has Unicode {UNICODE_VERSION}: terms "
                "made again from the text may differ, so the stories' window cannot be "
                "restored as it was; run `corroborate recluster` on this database")
        return features_from_text(row["article_id"], embedding, row["title"], row["text"],
                                  row["day"])
    if isinstance(terms, bytes):
        return features_from_bytes(row["article_id"], embedding, terms, row["day"])
    return features_from_json(row["article_id"], embedding, json.loads(terms))


def stored_features(store: Store) -> Iterator[StoryFeatures]:
    """Every stored article's story features, in arrival order (what a recluster reads)."""
    for row in store.conn.execute(
            f"SELECT {_FEATURE_COLUMNS} FROM story_features f JOIN articles a"
            " ON a.id = f.article_id ORDER BY f.seq"):
        yield _features_from_row(row)


def _assign_and_write(conn: sqlite3.Connection, assigner: StoryAssigner,
                      features: StoryFeatures, title: str, text: str) -> list[StoryChange]:
    """Assign an article at the next arrival number and write its features and every
    membership change inside the caller's transaction; ``title`` and ``text``: what the
    database holds of the article."""
    seq = assigner.next_seq
    changes = assigner.assign(features, seq=seq)
    _write_features(conn, features, seq, title, text)
    _write_changes(conn, changes, seq)
    return changes


def _write_features(conn: sqlite3.Connection, features: StoryFeatures, seq: int,
                    title: str, text: str) -> None:
    """Store the embedding, day and arrival number, and the terms unless they were made by
    this version's recipe from the very title and text the database holds of the article
    (then a marker, and they are made again from the stored text when read). Features made
    from another copy of the article (another title, say) keep their terms. A row of the
    article (a recluster renumbering it) is replaced."""
    made_here = (features.recipe == TERMS_RECIPE
                 and features.source == text_digest(title, text))
    terms = from_text_marker() if made_here else features_to_bytes(features)
    conn.execute(
        "INSERT INTO story_features(article_id, seq, day, embedding, terms) VALUES (?,?,?,?,?)"
        " ON CONFLICT(article_id) DO UPDATE SET seq = excluded.seq, day = excluded.day,"
        " embedding = excluded.embedding, terms = excluded.terms",
        (features.article_id, seq, features.day,
         np.asarray(features.embedding, dtype="<f4").tobytes(), terms),
    )


def _write_changes(conn: sqlite3.Connection, changes: Sequence[StoryChange], seq: int) -> None:
    at = _now()
    for change in changes:
        conn.execute(
            "INSERT INTO stories(id, created_seq, updated_seq) VALUES (?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET updated_seq = excluded.updated_seq,"
            " merged_into = NULL",
            (change.story, seq, seq),
        )
        if change.kind == "merge" and change.previous is not None:
            conn.execute("UPDATE stories SET merged_into = ?, updated_seq = ? WHERE id = ?",
                         (change.story, seq, change.previous))
        elif change.article_id is not None:
            conn.execute(
                "INSERT INTO story_articles(article_id, story_id) VALUES (?,?)"
                " ON CONFLICT(article_id) DO UPDATE SET story_id = excluded.story_id",
                (change.article_id, change.story),
            )
        conn.execute(
            "INSERT INTO story_changes(seq, kind, story_id, article_id, previous, at)"
            " VALUES (?,?,?,?,?,?)",
            (seq, change.kind, change.story, change.article_id, change.previous, at),
        )


# -- reads -----------------------------------------------------------------------------------
def list_stories(store: Store, *, since: str | None = None, min_outlets: int = 1,
                 min_articles: int = 1, limit: int | None = None,
                 order: str = "recent") -> list[StorySummary]:
    """Live stories (not merged away), newest activity first (``order="size"``: largest)."""
    sql = (
        "SELECT sa.story_id AS id, COUNT(*) AS n, COUNT(DISTINCT a.source) AS outlets,"
        " MIN(a.published) AS first, MAX(a.published) AS last, MAX(f.seq) AS last_seq"
        " FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
        " LEFT JOIN story_features f ON f.article_id = sa.article_id"
        " GROUP BY sa.story_id HAVING n >= ? AND outlets >= ?"
    )
    params: list[object] = [min_articles, min_outlets]
    if since:
        sql += " AND MAX(a.published) >= ?"
        params.append(since)
    sql += (" ORDER BY n DESC, last_seq DESC, id" if order == "size"
            else " ORDER BY COALESCE(last, '') DESC, last_seq DESC, id")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.conn.execute(sql, params).fetchall()
    return [_summary(store, r["id"]) for r in rows]


def _summary(store: Store, story_id: int) -> StorySummary:
    rows = store.conn.execute(
        "SELECT a.id, a.title, a.source, a.published FROM story_articles sa"
        " JOIN articles a ON a.id = sa.article_id LEFT JOIN story_features f"
        " ON f.article_id = a.id WHERE sa.story_id = ?"
        " ORDER BY a.published IS NULL, a.published, f.seq, a.id", (story_id,),
    ).fetchall()
    if not rows:
        raise NotFoundError(f"no story {story_id}: see `corroborate stories` for the ids")
    outlets = tuple(sorted({r["source"] for r in rows}))
    dates = [r["published"] for r in rows if r["published"]]
    return StorySummary(story_id, rows[0]["title"], rows[0]["id"], len(rows), outlets,
                        min(dates) if dates else None, max(dates) if dates else None)


# story ids are SQLite integers: more digits than this can name no story
MAX_STORY_ID_DIGITS = 18


def parse_story_id(value: str) -> int:
    """A story id as typed ("12", "s12", "#12"): :class:`UsageError` when it is no number
    (ASCII digits only: "²".isdigit() is true, and int("²") raises), :class:`NotFoundError`
    when it has more digits than any story id."""
    text = value.strip().lstrip("sS#")
    if not (text.isascii() and text.isdigit()):
        raise UsageError(f"story id {value!r}: expected a number such as 12 "
                         "(see `corroborate stories`)")
    if len(text) > MAX_STORY_ID_DIGITS:
        raise NotFoundError(f"no story {text}: story ids have at most {MAX_STORY_ID_DIGITS} "
                            "digits (see `corroborate stories`)")
    return int(text)


def resolve_story(store: Store, story_id: int) -> int:
    """The live story id: a story merged into another resolves to the one it lives on in."""
    if not 0 <= story_id < 2**63:  # beyond SQLite's integers: no such story
        raise NotFoundError(f"no story {story_id} in {store.path}: see "
                            "`corroborate stories` for the ids")
    seen: set[int] = set()
    current = story_id
    while current not in seen:
        seen.add(current)
        row = store.conn.execute("SELECT merged_into FROM stories WHERE id = ?",
                                 (current,)).fetchone()
        if row is None:
            raise NotFoundError(f"no story {story_id} in {store.path}: see "
                                "`corroborate stories` for the ids")
        if row[0] is None:
            return current
        current = int(row[0])
    return current


def story_summary(store: Store, story_id: int) -> StorySummary:
    return _summary(store, resolve_story(store, story_id))


def story_article_ids(store: Store, story_id: int) -> list[str]:
    live = resolve_story(store, story_id)
    return [r[0] for r in store.conn.execute(
        "SELECT sa.article_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
        " LEFT JOIN story_features f ON f.article_id = a.id WHERE sa.story_id = ?"
        " ORDER BY a.published IS NULL, a.published, f.seq, a.id", (live,))]


def story_changes(store: Store, story_id: int) -> list[dict[str, object]]:
    return [dict(r) for r in store.conn.execute(
        "SELECT seq, kind, story_id, article_id, previous, at FROM story_changes"
        " WHERE story_id = ? OR previous = ? ORDER BY id", (story_id, story_id))]


def recluster(store: Store, features_for: Callable[[Sequence[Article]], list[StoryFeatures]],
              model: LinkModel | None = None, settings: AssignSettings | None = None,
              *, batch_size: int = 64,
              on_progress: Callable[[int, int], None] | None = None) -> int:
    """Assign every stored article again, in arrival order, with the current model and
    settings; one transaction for the whole run (readers see the old stories or the new ones,
    never a mix). Articles stored without story features get them from ``features_for``.
    ``on_progress(done, total)`` hears after each batch. Returns the number of stories."""
    conn = store.conn
    assigner = StoryAssigner(model or default_link_model(), settings or AssignSettings())
    with store.atomic() as tx:
        order = [r[0] for r in tx.execute(
            "SELECT a.id FROM articles a LEFT JOIN story_features f ON f.article_id = a.id"
            " ORDER BY f.seq IS NULL, f.seq, a.published IS NULL, a.published, a.ingested_at,"
            " a.id")]
        tx.execute("DELETE FROM story_changes")
        tx.execute("DELETE FROM story_articles")
        tx.execute("DELETE FROM stories")
        # the stored features are read batch by batch and rewritten as each article is
        # assigned again: their old arrival numbers turn negative so that none meets a new one
        tx.execute("UPDATE story_features SET seq = -seq")
        for start in range(0, len(order), batch_size):
            ids = order[start:start + batch_size]
            marks = ",".join("?" * len(ids))
            stored = {r["article_id"]: r for r in tx.execute(
                f"SELECT {_FEATURE_COLUMNS} FROM story_features f JOIN articles a"
                f" ON a.id = f.article_id WHERE f.article_id IN ({marks})", ids)}
            missing = {a: store.get_article(a) for a in ids if a not in stored}
            computed = ({f.article_id: f for f in features_for(list(missing.values()))}
                        if missing else {})
            for aid in ids:
                if aid in stored:
                    row = stored[aid]
                    _assign_and_write(tx, assigner, _features_from_row(row, any_recipe=True),
                                      row["title"], row["text"])
                else:
                    article = missing[aid]
                    _assign_and_write(tx, assigner, computed[aid], article.title,
                                      article.text)
            if on_progress is not None:
                on_progress(start + len(ids), len(order))
    return int(conn.execute(
        "SELECT COUNT(DISTINCT story_id) FROM story_articles").fetchone()[0])
