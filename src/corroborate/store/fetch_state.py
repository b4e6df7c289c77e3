"""The fetch state in the database (a :class:`~corroborate.ingest.fetch.FetchState`): per web
address, the validators of its last fetch (ETag, Last-Modified) for a conditional request next
time; per feed or sitemap, the entries and pages already read, so that `watch` and `ingest`
read only new ones across runs and restarts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime

from corroborate.ingest.fetch import FetchRecord
from corroborate.store.db import Store

#: keys looked up in one query (SQLite's bound-parameter limit is well above)
_CHUNK = 500


class StoreFetchState:
    """The fetch state of one database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, url: str) -> FetchRecord | None:
        row = self.store.conn.execute(
            "SELECT url, final_url, fetched_at, status, etag, last_modified FROM fetch_state"
            " WHERE url = ?", (url,)).fetchone()
        if row is None:
            return None
        return FetchRecord(url=row["url"], final_url=row["final_url"],
                           fetched_at=row["fetched_at"], status=int(row["status"]),
                           etag=row["etag"], last_modified=row["last_modified"])

    def seen(self, source: str, keys: Collection[str]) -> set[str]:
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self.store.conn.execute(
                f"SELECT key FROM fetch_seen WHERE source = ? AND key IN ({marks})",
                (source, *chunk)))
        return found

    def save(self, records: Iterable[FetchRecord],
             seen: Mapping[str, Collection[str]]) -> None:
        """One transaction: the records (replacing older ones) and the keys read."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.store.atomic() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO fetch_state(url, final_url, fetched_at, status, etag,"
                " last_modified) VALUES (?,?,?,?,?,?)",
                [(r.url, r.final_url, r.fetched_at, r.status, r.etag, r.last_modified)
                 for r in records])
            conn.executemany(
                "INSERT OR IGNORE INTO fetch_seen(source, key, seen_at) VALUES (?,?,?)",
                [(source, key, now) for source, keys in seen.items() for key in keys])

    def count_seen(self, source: str | None = None) -> int:
        if source is None:
            return int(self.store.conn.execute("SELECT COUNT(*) FROM fetch_seen").fetchone()[0])
        return int(self.store.conn.execute(
            "SELECT COUNT(*) FROM fetch_seen WHERE source = ?", (source,)).fetchone()[0])
