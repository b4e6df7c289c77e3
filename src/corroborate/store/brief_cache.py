"""Computed briefs of stories, kept in the database so that a story's brief is computed once,
not once per process or per view.

A row holds one story's brief as the JSON text its writer made (this layer never reads it), the
``fingerprint`` of the story's membership when it was computed and the ``engine`` that computed
it. A row is valid only while both still match: the fingerprint covers the story's article ids
in brief order and whether each had a stored analysis, so an article joining, leaving (a move),
a merge or a recluster all change it; the engine names the code and models (the caller's
string: brief format, Corroborate version, comparer), so an upgrade never serves an old brief.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from corroborate.store.db import Store
from corroborate.store.stories import resolve_story


@dataclass(frozen=True, slots=True)
class Membership:
    """A live story's articles, in brief order, and their fingerprint."""

    story_id: int
    article_ids: tuple[str, ...]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class CachedBrief:
    brief: str
    seconds: float


def _fingerprint(rows: list[tuple[str, str | None]]) -> str:
    digest = hashlib.sha256()
    for aid, analyzer in rows:
        digest.update(f"{aid}\x1f{analyzer or ''}\n".encode())
    return digest.hexdigest()[:32]


def membership(store: Store, story_id: int) -> Membership:
    """The live story ``story_id`` resolves to (merges followed), its article ids in the order
    :func:`corroborate.store.stories.story_article_ids` gives, and their fingerprint."""
    live = resolve_story(store, story_id)
    rows = [(str(r[0]), r[1]) for r in store.conn.execute(
        "SELECT sa.article_id, a.analyzer FROM story_articles sa"
        " JOIN articles a ON a.id = sa.article_id"
        " LEFT JOIN story_features f ON f.article_id = a.id WHERE sa.story_id = ?"
        " ORDER BY a.published IS NULL, a.published, f.seq, a.id", (live,))]
    return Membership(live, tuple(aid for aid, _ in rows), _fingerprint(rows))


def fingerprints(store: Store) -> dict[int, str]:
    """The fingerprint of every live story with articles, in one pass."""
    found: dict[int, list[tuple[str, str | None]]] = {}
    for r in store.conn.execute(
            "SELECT sa.story_id, sa.article_id, a.analyzer FROM story_articles sa"
            " JOIN articles a ON a.id = sa.article_id"
            " LEFT JOIN story_features f ON f.article_id = a.id"
            " ORDER BY sa.story_id, a.published IS NULL, a.published, f.seq, a.id"):
        found.setdefault(int(r[0]), []).append((str(r[1]), r[2]))
    return {sid: _fingerprint(rows) for sid, rows in found.items()}


def get_brief(store: Store, member: Membership, engine: str) -> CachedBrief | None:
    """The cached brief of the story, or None when there is none for this membership and
    engine."""
    row = store.conn.execute(
        "SELECT brief, seconds FROM brief_cache WHERE story_id = ? AND fingerprint = ?"
        " AND engine = ?", (member.story_id, member.fingerprint, engine)).fetchone()
    return CachedBrief(str(row[0]), float(row[1])) if row else None


def cached_fingerprints(store: Store, engine: str) -> dict[int, str]:
    """Story id -> the fingerprint its cached brief was computed for (this engine's rows)."""
    return {int(r[0]): str(r[1]) for r in store.conn.execute(
        "SELECT story_id, fingerprint FROM brief_cache WHERE engine = ?", (engine,))}


def put_brief(store: Store, member: Membership, engine: str, brief: str,
              seconds: float) -> bool:
    """Keep ``brief`` (JSON text) as the story's brief for this membership and engine, unless
    the story's membership changed while it was computed. True when written."""
    with store.atomic() as conn:
        current = membership(store, member.story_id)
        if current.fingerprint != member.fingerprint:
            return False
        conn.execute(
            "INSERT INTO brief_cache(story_id, fingerprint, engine, brief, seconds, computed_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(story_id) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, engine = excluded.engine,"
            " brief = excluded.brief, seconds = excluded.seconds,"
            " computed_at = excluded.computed_at",
            (member.story_id, member.fingerprint, engine, brief, seconds,
             datetime.now(UTC).isoformat(timespec="seconds")))
    return True


def forget_stale(store: Store, live: dict[int, str]) -> int:
    """Delete the rows of stories no longer live (merged away, emptied, reclustered away),
    given :func:`fingerprints`. Returns how many went."""
    gone = [sid for (sid,) in store.conn.execute("SELECT story_id FROM brief_cache")
            if int(sid) not in live]
    if not gone:
        return 0
    with store.atomic() as conn:
        conn.executemany("DELETE FROM brief_cache WHERE story_id = ?", [(s,) for s in gone])
    return len(gone)
