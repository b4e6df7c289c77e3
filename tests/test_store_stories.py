"""Stories in the database: one transaction per article, restore, listings, merged ids,
recluster and the migration of a version 1 database. The hashing embedder stands in for MiniLM
(the bundled examples form their three stories with it too)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from corroborate.embed import HashingEmbedder
from corroborate.errors import NotFoundError, StoreError, UsageError
from corroborate.ingest import read_inputs
from corroborate.model import Article
from corroborate.store import SCHEMA_VERSION, Store, ingest_articles
from corroborate.store import stories as store_stories
from corroborate.store.migrations import MIGRATIONS
from corroborate.store.stories import (
    StoryBook,
    list_stories,
    parse_story_id,
    recluster,
    resolve_story,
    story_article_ids,
    story_changes,
    story_summary,
)
from corroborate.stories import StoryFeatures
from corroborate.stories.features import NAMESPACES, term_id
from corroborate.stories.stream import cluster_features, features_of
from corroborate.textnorm import article_id

STORY_TABLES = ("story_features", "story_articles", "stories", "story_changes")


def hashing_features(articles: Sequence[Article]) -> list[StoryFeatures]:
    return features_of(articles, HashingEmbedder())


def membership(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT article_id, story_id FROM story_articles").fetchall())


def folder(article: Article) -> str:
    assert article.path is not None
    return Path(article.path).parent.name


SOLO_TEXT = ("A magnitude 6.1 earthquake struck near the mountain town of Kessova on Tuesday, "
             "killing at least 14 people, the Varnian interior ministry said.")
SOLO = Article(article_id(SOLO_TEXT, "Solo Wire"), SOLO_TEXT, "Quake near Kessova kills 14",
               "Solo Wire", "2026-12-01T08:00:00+00:00")


@pytest.fixture(scope="module")
def example_articles(examples: Path) -> list[Article]:
    articles = [a for a in read_inputs([str(examples)]) if isinstance(a, Article)]
    assert len(articles) == 10
    return articles


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory,
             example_articles: list[Article]) -> Iterator[Store]:
    """The examples and one single-outlet story, ingested with stories (no analysis); read
    only."""
    path = tmp_path_factory.mktemp("stories") / "stories.db"
    with Store(path) as store:
        report = ingest_articles(store, [*example_articles, SOLO], None,
                                 stories=StoryBook(store), features_for=hashing_features)
        assert len(report.ingested) == 11 and not report.rejected
        yield store


def _story_of(store: Store, articles: Sequence[Article], name: str) -> int:
    stories = {membership(store)[a.id] for a in articles if folder(a) == name}
    assert len(stories) == 1
    return stories.pop()


# -- one transaction per article -------------------------------------------------------------


def test_add_writes_article_features_and_membership_together(store: Store,
                                                             example_articles: list[Article]
                                                             ) -> None:
    book = StoryBook(store)
    article = example_articles[0]
    [features] = hashing_features([article])
    inserted, changes = book.add(article, None, features)
    assert inserted and [c.kind for c in changes] == ["assign"]
    story = changes[0].story
    assert store.has_article(article.id)
    row = store.conn.execute("SELECT seq, day FROM story_features WHERE article_id = ?",
                             (article.id,)).fetchone()
    assert row["seq"] == 1 and row["day"] == pytest.approx(features.day)
    assert membership(store) == {article.id: story}
    rows = store.conn.execute("SELECT id, created_seq, merged_into FROM stories")
    assert [tuple(r) for r in rows] == [(story, 1, None)]
    logged = store.conn.execute("SELECT seq, kind, story_id, article_id FROM story_changes")
    assert [tuple(r) for r in logged] == [(1, "assign", story, article.id)]
    assert book.add(article, None, features) == (False, [])  # already stored


def test_a_failed_write_leaves_nothing_and_the_assigner_agrees(
        db_path: Path, tmp_path: Path, example_articles: list[Article],
        monkeypatch: pytest.MonkeyPatch) -> None:
    articles = example_articles[:4]
    features = hashing_features(articles)
    real = store_stories._write_changes
    with Store(db_path) as store:
        book = StoryBook(store)
        for a, f in zip(articles[:2], features[:2], strict=True):
            assert book.add(a, None, f)[0]
        before = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("articles", *STORY_TABLES)}

        def fails_midway(conn, changes, seq):  # type: ignore[no-untyped-def]
            real(conn, changes, seq)  # the membership rows are written, then the disk fills
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(store_stories, "_write_changes", fails_midway)
        with pytest.raises(sqlite3.OperationalError):
            book.add(articles[2], None, features[2])
        monkeypatch.setattr(store_stories, "_write_changes", real)

        failed = articles[2].id
        assert not store.has_article(failed)
        for table in ("story_features", "story_articles", "story_changes"):
            assert store.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE article_id = ?",
                                      (failed,)).fetchone()[0] == 0
        after = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("articles", *STORY_TABLES)}
        assert after == before
        # memory was rebuilt from what was committed
        assert book.assigner.story_of(failed) is None
        assert book.assigner.active_articles == 2 and book.assigner.next_seq == 3
        for a, f in zip(articles[2:], features[2:], strict=True):
            assert book.add(a, None, f)[0]
        retried = membership(store)
        seqs = dict(store.conn.execute("SELECT article_id, seq FROM story_features"))

    with Store(tmp_path / "clean.db") as clean:  # as if nothing had failed
        book = StoryBook(clean)
        for a, f in zip(articles, features, strict=True):
            book.add(a, None, f)
        assert membership(clean) == retried
        assert dict(clean.conn.execute("SELECT article_id, seq FROM story_features")) == seqs


def test_ingest_rejects_an_article_whose_story_write_fails_and_keeps_the_rest(
        store: Store, example_articles: list[Article], monkeypatch: pytest.MonkeyPatch) -> None:
    real = store_stories._write_features
    calls = {"n": 0}

    def flaky(conn, features, seq, title, text):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.IntegrityError("simulated failure")
        real(conn, features, seq, title, text)

    monkeypatch.setattr(store_stories, "_write_features", flaky)
    articles = example_articles[:3]
    report = ingest_articles(store, articles, None, stories=StoryBook(store),
                             features_for=hashing_features)
    assert report.ingested == [articles[0].id, articles[2].id]
    [rejected] = report.rejected
    assert "nothing of it was stored" in rejected.reason
    assert set(membership(store)) == set(report.ingested) == set(report.story_of)
    seqs = [r[0] for r in store.conn.execute("SELECT seq FROM story_features ORDER BY seq")]
    assert seqs == [1, 2]  # no gap where the failed article was


def test_features_failure_rejects_the_batch(store: Store,
                                            example_articles: list[Article]) -> None:
    def broken(articles: Sequence[Article]) -> list[StoryFeatures]:
        raise RuntimeError("embedder crashed")

    report = ingest_articles(store, example_articles[:2], None, stories=StoryBook(store),
                             features_for=broken)
    assert report.ingested == [] and len(report.rejected) == 2
    assert all("story features failed" in r.reason for r in report.rejected)
    assert store.count_articles() == 0
    with pytest.raises(ValueError, match="features_for"):
        ingest_articles(store, example_articles[:1], None, stories=StoryBook(store))


def test_features_of_the_next_chunk_are_computed_beside_the_writes(
        tmp_path: Path, example_articles: list[Article]) -> None:
    """The local engine computes a chunk's story features on a second thread while it writes
    the previous chunk: the stories, the order of the reports and a failed chunk's rejections
    are those of computing every chunk in turn (batch_size 2: five chunks)."""
    import threading

    threads: list[str] = []
    order: list[str] = []

    def features(articles: Sequence[Article]) -> list[StoryFeatures]:
        threads.append(threading.current_thread().name)
        if any(a.id == example_articles[4].id for a in articles):
            raise RuntimeError("embedder crashed")
        return hashing_features(articles)

    with Store(tmp_path / "a.db") as store:
        report = ingest_articles(store, example_articles, None, batch_size=2,
                                 stories=StoryBook(store), features_for=features,
                                 on_result=lambda item, status: order.append(status))
        stories = membership(store)
    assert len(threads) == 5 and all(t.startswith("story-features") for t in threads)
    failed = {example_articles[4].id, example_articles[5].id}  # the third chunk
    assert report.ingested == [a.id for a in example_articles if a.id not in failed]
    assert [r.input for r in report.rejected] == [_name_of(a) for a in example_articles[4:6]]
    assert order == ["ingested"] * 4 + ["rejected"] * 2 + ["ingested"] * 4
    expected = cluster_features(hashing_features([a for a in example_articles
                                                  if a.id not in failed]))
    assert _same_partition(stories, expected)


def test_an_unavailable_model_stops_the_run_once_and_keeps_what_was_written(
        tmp_path: Path, example_articles: list[Article]) -> None:
    from corroborate.errors import ModelUnavailableError

    calls = []

    def features(articles: Sequence[Article]) -> list[StoryFeatures]:
        calls.append(len(articles))
        if len(calls) == 2:
            raise ModelUnavailableError("cannot write the ONNX export: set CORROBORATE_CACHE_DIR")
        return hashing_features(articles)

    with Store(tmp_path / "m.db") as store:
        with pytest.raises(ModelUnavailableError, match="CORROBORATE_CACHE_DIR"):
            ingest_articles(store, example_articles, None, batch_size=4,
                            stories=StoryBook(store), features_for=features)
        assert store.count_articles() == 4  # the first chunk, each article its transaction
    assert len(calls) <= 3  # not retried for every chunk


def test_a_reader_that_fails_midway_still_gets_the_chunk_before_written(
        tmp_path: Path, example_articles: list[Article]) -> None:
    def articles() -> Iterator[Article]:
        yield from example_articles[:6]
        raise OSError("disk went away")

    with Store(tmp_path / "r.db") as store:
        with pytest.raises(OSError, match="disk went away"):
            ingest_articles(store, articles(), None, batch_size=3, stories=StoryBook(store),
                            features_for=hashing_features)
        assert store.count_articles() == 6  # both complete chunks, as in turn


def _name_of(article: Article) -> str:
    return article.origin or article.path or article.id


def _same_partition(a: dict[str, int], b: dict[str, int]) -> bool:
    assert a.keys() == b.keys()
    pairs = {(a[k], b[k]) for k in a}
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


def test_a_new_storybook_restores_the_window_and_continues_ids(
        tmp_path: Path, example_articles: list[Article]) -> None:
    features = hashing_features(example_articles)
    first_half = 7  # the fire and the rate decision; the summit comes in a later process
    with Store(tmp_path / "a.db") as store:
        book = StoryBook(store)
        for a, f in zip(example_articles[:first_half], features[:first_half], strict=True):
            book.add(a, None, f)
        live = book.assigner
    with Store(tmp_path / "a.db") as store:
        book = StoryBook(store)
        restored = book.assigner
        assert restored.next_seq == live.next_seq == first_half + 1
        assert restored.next_story == live.next_story
        # the fire story (a month older than the rate decision) is out of the window in both
        assert restored.active_articles == live.active_articles == 4
        assert sorted(restored.stories) == sorted(live.stories)
        for a, f in zip(example_articles[first_half:], features[first_half:], strict=True):
            book.add(a, None, f)
        resumed = membership(store)
        new_ids = {resumed[a.id] for a in example_articles[first_half:]}
        assert min(new_ids) > max(resumed[a.id] for a in example_articles[:first_half])
    with Store(tmp_path / "b.db") as store:  # one uninterrupted process
        book = StoryBook(store)
        for a, f in zip(example_articles, features, strict=True):
            book.add(a, None, f)
        assert membership(store) == resumed


# -- reads -----------------------------------------------------------------------------------


def test_list_stories_and_summaries(ingested: Store, example_articles: list[Article]) -> None:
    found = list_stories(ingested)
    assert len(found) == 4
    fire = _story_of(ingested, example_articles, "factory-fire")
    rate = _story_of(ingested, example_articles, "rate-decision")
    summit = _story_of(ingested, example_articles, "summit")
    assert summit not in {s.id for s in list_stories(ingested, since="2026-11-19")}
    solo = membership(ingested)[SOLO.id]
    # newest activity first (by latest publication date; undated articles do not count)
    assert [s.id for s in found] == [solo, rate, fire, summit]
    # largest first, then the most recently ingested
    assert [s.id for s in list_stories(ingested, order="size")] == [rate, summit, fire, solo]
    by_id = {s.id: s for s in found}
    # the earliest report: Pacific Wire at 11:20, Daily Ledger at 12:05 (+02:00 both)
    assert by_id[fire].headline == "At least 12 killed in fire at Czech battery recycling plant"
    assert by_id[fire].articles == 3
    assert by_id[fire].outlets == ("Daily Ledger", "Pacific Wire Service", "The Harbour Herald")
    assert (by_id[fire].first_published, by_id[fire].last_published) == (
        "2026-10-14T11:20:00+02:00", "2026-10-14T19:10:00+01:00")
    assert by_id[rate].articles == 4 and len(by_id[rate].outlets) == 3  # Meridian twice
    assert by_id[solo].to_dict() == {
        "id": solo, "headline": SOLO.title, "headline_article": SOLO.id, "articles": 1,
        "outlets": ["Solo Wire"], "first_published": SOLO.published,
        "last_published": SOLO.published}
    assert story_summary(ingested, fire) == by_id[fire]


def test_list_stories_filters(ingested: Store, example_articles: list[Article]) -> None:
    rate = _story_of(ingested, example_articles, "rate-decision")
    summit = _story_of(ingested, example_articles, "summit")
    assert summit not in {s.id for s in list_stories(ingested, since="2026-11-19")}
    solo = membership(ingested)[SOLO.id]
    assert solo not in {s.id for s in list_stories(ingested, min_outlets=2)}
    assert len(list_stories(ingested, min_outlets=3)) == 3
    assert list_stories(ingested, min_outlets=4) == []
    assert [s.id for s in list_stories(ingested, min_articles=4)] == [rate]
    assert len(list_stories(ingested, limit=2)) == 2
    # since: an article published on or after the date; undated articles do not count
    assert {s.id for s in list_stories(ingested, since="2026-11-19")} == {solo, rate}
    assert {s.id for s in list_stories(ingested, since="2026-12-02")} == set()
    assert {s.id for s in list_stories(ingested, since="2026-11-19", min_outlets=2)} == {rate}


def test_unknown_story_ids(ingested: Store) -> None:
    with pytest.raises(NotFoundError, match="corroborate stories"):
        resolve_story(ingested, 999)
    with pytest.raises(NotFoundError):
        story_article_ids(ingested, 999)
    with pytest.raises(NotFoundError):
        story_summary(ingested, 999)
    with pytest.raises(NotFoundError):
        resolve_story(ingested, 2**63)  # beyond SQLite's integers


@pytest.mark.parametrize(("typed", "expected"), [("12", 12), (" s12 ", 12), ("#7", 7),
                                                 ("S003", 3)])
def test_story_ids_as_typed(typed: str, expected: int) -> None:
    assert parse_story_id(typed) == expected


@pytest.mark.parametrize("typed", ["abc", "²", "-1", "1.5", ""])
def test_story_ids_that_are_no_numbers(typed: str) -> None:
    with pytest.raises(UsageError, match="expected a number"):
        parse_story_id(typed)


def test_story_ids_longer_than_any(typed: str = "9" * 5000) -> None:
    with pytest.raises(NotFoundError, match="at most 18 digits"):
        parse_story_id(typed)  # not int()'s "Exceeds the limit (4300 digits)"


def _synthetic(aid: str, topics: Sequence[int], dim: int = 64) -> StoryFeatures:
    embedding = np.zeros(dim, dtype=np.float32)
    for topic in topics:
        embedding[topic] = 1.0
    embedding /= np.linalg.norm(embedding)
    terms = {ns: {term_id(ns, f"topic{t}"): 1 for t in topics} for ns in NAMESPACES}
    priors = {t: 1e-6 for bag in terms.values() for t in bag}
    return StoryFeatures(aid, embedding, terms, priors, None)


def test_a_merged_story_resolves_to_the_story_it_lives_on_in(store: Store) -> None:
    book = StoryBook(store)
    ids = []
    for name, topics in (("a", [0]), ("b", [1]), ("bridge", [0, 1])):
        text = f"Report {name}: officials said the two cases were linked, the ministry said."
        article = Article(article_id(text, name), text, f"Title {name}", f"Outlet {name}")
        book.add(article, None, _synthetic(article.id, topics))
        ids.append(article.id)
    assert resolve_story(store, 1) == 1 and resolve_story(store, 2) == 1
    assert store.conn.execute("SELECT merged_into FROM stories WHERE id = 2").fetchone()[0] == 1
    assert story_article_ids(store, 2) == story_article_ids(store, 1)
    assert sorted(story_article_ids(store, 2)) == sorted(ids)
    assert story_summary(store, 2).id == 1
    assert [s.id for s in list_stories(store)] == [1]
    log = [(c["kind"], c["story_id"], c["article_id"], c["previous"])
           for c in story_changes(store, 2)]
    assert ("move", 1, ids[1], 2) in log and ("merge", 1, None, 2) in log
    assert log[0] == ("assign", 2, ids[1], None)
    # a new process restores the merged window: the next related article joins story 1
    text = "Report d: officials said both cases were linked again, the ministry said."
    late = Article(article_id(text, "d"), text, "Title d", "Outlet d")
    _, changes = StoryBook(store).add(late, None, _synthetic(late.id, [0, 1]))
    assert changes[0].story == 1


# -- recluster -------------------------------------------------------------------------------


def test_recluster_gives_the_stories_of_the_original_ingest(
        store: Store, example_articles: list[Article]) -> None:
    ingest_articles(store, example_articles, None, stories=StoryBook(store),
                    features_for=hashing_features)
    original = membership(store)
    seqs = dict(store.conn.execute("SELECT article_id, seq FROM story_features"))

    def never(articles: Sequence[Article]) -> list[StoryFeatures]:
        raise AssertionError("stored features are reused")

    assert recluster(store, never, batch_size=4) == 3
    assert membership(store) == original  # same stories, same ids
    assert dict(store.conn.execute("SELECT article_id, seq FROM story_features")) == seqs
    assert store.conn.execute("SELECT COUNT(*) FROM story_changes").fetchone()[0] == 10
    assert {folder(a): membership(store)[a.id] for a in example_articles} == {
        "factory-fire": 1, "rate-decision": 2, "summit": 3}


def test_articles_stored_without_stories_get_them_from_recluster(
        store: Store, example_articles: list[Article]) -> None:
    report = ingest_articles(store, example_articles, None)
    assert len(report.ingested) == 10 and report.story_of == {}
    for table in STORY_TABLES:
        assert store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
    asked: list[int] = []

    def features_for(articles: Sequence[Article]) -> list[StoryFeatures]:
        asked.append(len(articles))
        return hashing_features(articles)

    count = recluster(store, features_for, batch_size=4)
    assert asked == [4, 4, 2]
    found = membership(store)
    assert set(found) == {a.id for a in example_articles}
    assert count == len(set(found.values()))
    assert store.conn.execute("SELECT COUNT(*) FROM story_features").fetchone()[0] == 10
    by_folder: dict[str, set[int]] = {}
    for a in example_articles:
        by_folder.setdefault(folder(a), set()).add(found[a.id])
    # without stored arrival order, recluster goes by date (undated last): the fire and the
    # rate decision form one story each, and no story mixes two events
    assert len(by_folder["factory-fire"]) == 1 and len(by_folder["rate-decision"]) == 1
    for name, stories in by_folder.items():
        assert all(not stories & other for o, other in by_folder.items() if o != name)


# -- migration -------------------------------------------------------------------------------


def test_a_version_1_database_is_migrated(db_path: Path, example_articles: list[Article]
                                          ) -> None:
    article = example_articles[0]
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO schema_version(version) VALUES (1)")
    conn.execute(
        "INSERT INTO articles(id, source, title, text, published, url, path, author, metadata,"
        " ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (article.id, article.source, article.title, article.text, article.published,
         article.url, article.path, article.author, "{}", "2026-11-01T00:00:00+00:00"))
    conn.commit()
    conn.close()

    with Store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 2
        assert store.get_article(article.id).text == article.text
        for table in STORY_TABLES:
            assert store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
        assert list_stories(store) == []
        assert recluster(store, hashing_features) == 1
        [story] = list_stories(store)
        assert story.headline_article == article.id
        book = StoryBook(store)  # and new articles join stories as usual
        more = example_articles[1:3]
        for a, f in zip(more, hashing_features(more), strict=True):
            assert book.add(a, None, f)[0]
        assert set(membership(store).values()) == {story.id}
    with Store(db_path) as again:
        versions = again.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
        assert versions == SCHEMA_VERSION


# -- two processes writing to one database -------------------------------------------------
WRITER = '''
import sys
from corroborate.embed import HashingEmbedder
from corroborate.model import Article
from corroborate.store import Store, ingest_articles
from corroborate.store.stories import StoryBook
from corroborate.stories.stream import cluster_features, features_of
from corroborate.textnorm import article_id

db, outlet, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
TOPICS = {TOPICS!r}


def articles():
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        text = (f"{{topic.capitalize()}} report number {{i}} from {{outlet}}. Officials said "
                f"the {{topic}} was being investigated and more details would follow soon. "
                f"Item {{outlet}}-{{i}}.")
        yield Article(article_id(text, outlet), text, f"{{topic}} ({{i}})", outlet,
                      f"2026-03-{{1 + i % 20:02d}}")


embedder = HashingEmbedder()
with Store(db) as store:
    book = StoryBook(store)
    report = ingest_articles(store, articles(), None, stories=book, batch_size=4,
                             features_for=lambda batch: features_of(batch, embedder))
print(len(report.ingested), len(report.rejected), book.restores, book.caught_up)
'''
TOPICS = ["earthquake strikes coastal province", "central bank cuts interest rate",
          "factory fire kills workers", "leaders meet at summit", "storm floods villages",
          "election results announced", "train derails near station", "drought hits farmers"]


def test_two_processes_ingesting_into_one_database_lose_nothing(tmp_path: Path) -> None:
    """Issue 13: two ingests into one database lost 3 % of their articles ('UNIQUE constraint
    failed: story_features.seq'). Now each waits for the other's transaction and, finding
    stories written meanwhile, restores its window first: all 600 are stored, once, in
    stories that hold both processes' reports of each event."""
    import subprocess
    import sys

    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(TOPICS=TOPICS))
    db = tmp_path / "shared.db"  # neither process finds it: both create and migrate it
    procs = [subprocess.Popen([sys.executable, str(script), str(db), outlet, "300"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for outlet in ("Wire A", "Wire B")]
    outputs = [p.communicate(timeout=300) for p in procs]
    caught_up = 0
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        ingested, rejected, restores, assigned_for_the_other = map(int, out.split())
        assert (ingested, rejected) == (300, 0), err
        assert restores == 1  # at the start only: the other's arrivals were caught up with
        caught_up += assigned_for_the_other
    with Store(db) as store:
        conn = store.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.count_articles() == 600
        arrivals = stored_arrivals(store)
        stored = membership(store)
        seqs = [r[0] for r in conn.execute("SELECT seq FROM story_features ORDER BY seq")]
        assert seqs == list(range(1, 601))  # one arrival order over both processes
        assert conn.execute("SELECT COUNT(*) FROM story_articles").fetchone()[0] == 600
        assert conn.execute(
            "SELECT COUNT(*) FROM story_articles sa JOIN stories s ON s.id = sa.story_id"
            " WHERE s.merged_into IS NOT NULL").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM story_changes WHERE kind = 'assign'"
                            ).fetchone()[0] == 600
        outlets: dict[int, set[str]] = {}
        for story, source in conn.execute(
                "SELECT sa.story_id, a.source FROM story_articles sa"
                " JOIN articles a ON a.id = sa.article_id"):
            outlets.setdefault(story, set()).add(source)
    # the stories are those one process gives the same articles in their arrival order
    assert partition(stored) == partition(cluster_features(arrivals))
    # each process saw the other's articles: stories hold both outlets' reports
    assert any(len(o) == 2 for o in outlets.values()) and caught_up > 0


def stored_arrivals(store: Store) -> list[StoryFeatures]:
    """The story features the database holds, in arrival order."""
    return list(store_stories.stored_features(store))


def partition(stories: dict[str, int]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for article, story in stories.items():
        groups.setdefault(story, set()).add(article)
    return {frozenset(g) for g in groups.values()}


def test_story_book_restores_when_another_connection_wrote_stories(
        tmp_path: Path, example_articles: list[Article]) -> None:
    db = tmp_path / "two.db"
    with Store(db) as first_store, Store(db) as second_store:
        first, second = StoryBook(first_store), StoryBook(second_store)
        by_story: dict[str, list[Article]] = {}
        for article in example_articles:
            by_story.setdefault(folder(article), []).append(article)
        for articles in by_story.values():
            head, *rest = articles
            first.add(head, None, hashing_features([head])[0])
            for article in rest:  # the other book writes the rest of the event
                second.add(article, None, hashing_features([article])[0])
        # each saw the other write and caught up by assigning its arrivals, no restore
        assert first.caught_up > 0 and second.caught_up > 0
        assert first.restores == second.restores == 1
        stories = membership(first_store)
        arrivals = stored_arrivals(first_store)
    assert len(stories) == len(example_articles)
    # as if one book had added them all in that order, and no story mixes two events
    assert partition(stories) == partition(cluster_features(arrivals))
    assert all(len({folder(a) for a in example_articles if stories[a.id] == sid}) == 1
               for sid in set(stories.values()))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_process_restarted_before_every_article_assigns_like_one_that_never_stopped(
        tmp_path: Path, example_articles: list[Article], seed: int) -> None:
    """The restored window ages as the live one did: out of date order (a September story
    arriving after November ones) a restart used to drop articles that the live window kept
    and weigh terms with other frequencies, so the summit split in two after a restart."""
    import random

    order = (sorted(example_articles, key=folder) if seed == 0
             else random.Random(seed).sample(example_articles, len(example_articles)))
    features = hashing_features(order)
    with Store(tmp_path / "restarts.db") as store:
        for article, item in zip(order, features, strict=True):
            StoryBook(store).add(article, None, item)  # a new process for every article
        stored = membership(store)
    assert partition(stored) == partition(cluster_features(features))


def test_a_recluster_by_another_process_makes_a_book_restore(
        tmp_path: Path, example_articles: list[Article]) -> None:
    db = tmp_path / "recluster.db"
    first_half, rest = example_articles[:6], example_articles[6:]
    with Store(db) as store, Store(db) as other:
        book = StoryBook(store)
        for article, item in zip(first_half, hashing_features(first_half), strict=True):
            book.add(article, None, item)
        recluster(other, hashing_features)  # renumbers every arrival: no catching up with that
        for article, item in zip(rest, hashing_features(rest), strict=True):
            book.add(article, None, item)
        assert book.restores == 2 and book.caught_up == 0
        arrivals = stored_arrivals(store)
        stored = membership(store)
    assert [f.article_id for f in arrivals] == [a.id for a in example_articles]
    assert partition(stored) == partition(cluster_features(arrivals))


def test_story_features_written_as_json_by_an_older_version_still_restore(
        tmp_path: Path, example_articles: list[Article]) -> None:
    import json

    from corroborate.stories.features import features_to_json

    db = tmp_path / "older.db"
    features = hashing_features(example_articles)
    with Store(db) as store:
        book = StoryBook(store)
        for article, item in zip(example_articles[:5], features[:5], strict=True):
            book.add(article, None, item)
        assert store.conn.execute("SELECT typeof(terms) FROM story_features").fetchone()[0] \
            == "blob"
        with store.atomic() as tx:  # as an older Corroborate wrote them
            for item in features[:5]:
                tx.execute("UPDATE story_features SET terms = ? WHERE article_id = ?",
                           (json.dumps(features_to_json(item)), item.article_id))
        restored = StoryBook(store)  # a new process over the older rows
        for article, item in zip(example_articles[5:], features[5:], strict=True):
            restored.add(article, None, item)
        stored = membership(store)
    assert partition(stored) == partition(cluster_features(features))


def _same_features(a: StoryFeatures, b: StoryFeatures) -> bool:
    return (a.article_id == b.article_id and a.day == b.day
            and {ns: dict(v) for ns, v in a.terms.items()}
            == {ns: dict(v) for ns, v in b.terms.items()}
            and dict(a.priors) == dict(b.priors)
            and np.array_equal(np.asarray(a.embedding), np.asarray(b.embedding)))


def test_terms_made_from_the_text_are_made_again_from_it_not_stored(
        store: Store, example_articles: list[Article]) -> None:
    from corroborate.stories.features import TERMS_RECIPE, from_text_marker, marker_recipe

    features = hashing_features(example_articles)
    assert all(f.recipe == TERMS_RECIPE for f in features)
    book = StoryBook(store)
    for article, item in zip(example_articles, features, strict=True):
        book.add(article, None, item)
    rows = store.conn.execute("SELECT terms FROM story_features").fetchall()
    assert rows and all(bytes(r[0]) == from_text_marker() for r in rows)  # not ~5 KB
    assert marker_recipe(bytes(rows[0][0])) == TERMS_RECIPE
    back = list(store_stories.stored_features(store))
    assert len(back) == len(features)
    for original, read in zip(features, back, strict=True):
        assert _same_features(original, read)


def test_terms_from_elsewhere_are_stored_whole_beside_text_made_ones(store: Store) -> None:
    """Features not made from the article's text (another recipe, a test's topics) keep
    their terms in the database, so a restore gives the assigner exactly what it had."""
    from corroborate.stories.features import from_text_marker, story_features

    book = StoryBook(store)
    given = []
    for name, topics in (("a", [0]), ("b", [1]), ("c", [0])):
        text = f"Report {name}: officials said the two cases were linked, the ministry said."
        article = Article(article_id(text, name), text, f"Title {name}", f"Outlet {name}")
        item = _synthetic(article.id, topics)
        assert item.recipe is None
        book.add(article, None, item)
        given.append(item)
    text = "A magnitude 6.1 earthquake struck near Kessova on Tuesday, the ministry said."
    made = Article(article_id(text, "d"), text, "Quake near Kessova", "Outlet d")
    item = story_features(made, _synthetic(made.id, [2]).embedding)
    book.add(made, None, item)
    given.append(item)
    sizes = [len(r[0]) for r in store.conn.execute(
        "SELECT terms FROM story_features ORDER BY seq")]
    assert sizes[3] == len(from_text_marker()) and min(sizes[:3]) > 20
    back = list(store_stories.stored_features(store))
    for original, read in zip(given, back, strict=True):
        assert _same_features(original, read)


def test_a_report_without_details_counts_and_holds_nothing_per_article(
        tmp_path: Path, example_articles: list[Article]) -> None:
    """What a run of millions of articles needs: the same counts and stories, no lists."""
    from corroborate.store import ingest_articles

    reports = {}
    for details in (True, False):
        with Store(tmp_path / f"{details}.db") as store:
            items = [*example_articles, example_articles[0]]  # the last one is present
            reports[details] = ingest_articles(store, items, None, stories=StoryBook(store),
                                               features_for=hashing_features, details=details)
    full, lean = reports[True], reports[False]
    assert full.ingested_count == len(full.ingested) == len(example_articles)
    assert full.present_count == len(full.present) == 1
    assert lean.ingested_count == full.ingested_count and lean.present_count == 1
    assert not (lean.ingested or lean.present or lean.story_of or lean.changes)
    assert lean.stories == full.stories == {c.story for c in full.changes if c.article_id}
    assert set(full.story_of.values()) <= full.stories


def test_features_of_another_copy_of_the_article_keep_their_terms(store: Store) -> None:
    """Two copies with one id (same text and outlet, another title) in one chunk: the first
    is stored, the features may be the second's; their terms are then stored, and a restart
    holds the very window the running process held."""
    from corroborate.store import ingest_articles

    text = ("A magnitude 6.1 earthquake struck near Kessova on Tuesday, the ministry said.\n"
            "Rescuers searched collapsed buildings.")
    aid = article_id(text, "Outlet")
    first = Article(aid, text, "Quake near Kessova", "Outlet", "2024-01-02")
    second = Article(aid, text.upper(), "Kessova ministry updates toll", "Outlet", "2024-01-02")
    assert article_id(second.text, "Outlet") == aid
    book = StoryBook(store)
    report = ingest_articles(store, [first, second], None, stories=book,
                             features_for=hashing_features)
    assert report.ingested == [aid] and report.present == [aid]
    assert StoryBook(store).assigner.stats.df == book.assigner.stats.df


def test_a_marker_of_another_recipe_asks_for_a_recluster(
        store: Store, example_articles: list[Article]) -> None:
    from corroborate.stories.features import from_text_marker

    book = StoryBook(store)
    for article, item in zip(example_articles, hashing_features(example_articles), strict=True):
        book.add(article, None, item)
    before = partition(membership(store))
    with store.atomic() as tx:  # as a version with another term recipe wrote them
        tx.execute("UPDATE story_features SET terms = ?", (from_text_marker("terms-v0"),))
    with pytest.raises(StoreError, match=r"terms-v0.*corroborate recluster"):
        StoryBook(store)
    recluster(store, hashing_features)  # weighs every article anew, by this recipe
    assert partition(membership(store)) == before
    StoryBook(store)  # restores again


def test_a_marker_of_other_unicode_tables_asks_for_a_recluster(
        store: Store, example_articles: list[Article]) -> None:
    """Terms made again from the text depend on the Unicode tables of the Python that makes
    them: a marker names the version it was written with, and a window written under other
    tables is not restored as if nothing had changed."""
    from corroborate.stories.features import (
        TERMS_RECIPE,
        UNICODE_VERSION,
        from_text_marker,
        marker_recipe,
        marker_unicode,
    )

    marker = from_text_marker()
    assert marker_recipe(marker) == TERMS_RECIPE and marker_unicode(marker) == UNICODE_VERSION
    book = StoryBook(store)
    for article, item in zip(example_articles, hashing_features(example_articles), strict=True):
        book.add(article, None, item)
    rows = store.conn.execute("SELECT terms FROM story_features").fetchall()
    assert rows and all(bytes(r[0]) == marker for r in rows)
    before = partition(membership(store))
    with store.atomic() as tx:  # as a Python with other Unicode tables wrote them
        tx.execute("UPDATE story_features SET terms = ?",
                   (from_text_marker(unicode="0.0.1"),))
    with pytest.raises(StoreError, match=r"Unicode 0\.0\.1.*corroborate recluster"):
        StoryBook(store)
    # a marker written before the version was recorded restores as before
    with store.atomic() as tx:
        tx.execute("UPDATE story_features SET terms = ?", (from_text_marker(unicode=None),))
    assert marker_unicode(from_text_marker(unicode=None)) is None
    restored = StoryBook(store)
    assert restored.assigner.stats.df == book.assigner.stats.df
    assert partition(membership(store)) == before
