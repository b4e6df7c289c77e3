"""`corroborate ingest --engine ray` (issue 12): the same articles, analyses, stories and
rejections as `--engine local`, on a local Ray instance with the real models.

The Ray tests share one local Ray instance (2 CPUs, no dashboard) and are skipped with a
message when Ray is not installed (`pip install -e '.[dev]'` installs it); the BASIL test is
skipped when the shared corpora are absent.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corroborate.cli import main
from corroborate.ingest import IngestOptions, Rejection
from corroborate.model import Article
from corroborate.store import Store
from corroborate.store.ray_engine import KnownIds, read_chunks, read_groups

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    """One local Ray instance for the module (the engine attaches to it)."""
    try:
        import ray
        import ray.data
    except ImportError:
        pytest.skip("Ray is not installed: pip install -e '.[dev]' (or 'corroborate[ray]') "
                    "to run the Ray engine tests")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _ingest(runner: CliRunner, db: Path, *args: str) -> tuple[int, dict[str, Any], list[str]]:
    r = runner.invoke(main, ["ingest", *args, "--db", str(db), "--format", "json"],
                      catch_exceptions=False)
    summary = json.loads(r.stdout)
    for key in ("db", "seconds"):
        summary.pop(key)
    return r.exit_code, summary, r.stderr.splitlines()


def _contents(db: Path) -> dict[str, Any]:
    """Everything an ingest writes that must not depend on the engine: articles (in arrival
    order, with text and metadata), analyses, story features, membership and changes."""
    with Store(db, create=False) as store:
        ids = [row[0] for row in store.conn.execute("SELECT id FROM articles ORDER BY rowid")]
        articles = [store.get_article(i) for i in ids]
        def rows(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in store.conn.execute(sql)]

        return {
            "articles": [(a.id, a.text, a.title, a.source, a.published, a.url, a.path,
                          a.author, dict(a.metadata)) for a in articles],
            "analyses": [store.get_analysis(i) for i in ids],
            "features": rows("SELECT article_id, seq, day, embedding, terms FROM story_features"
                             " ORDER BY seq"),
            "membership": rows("SELECT article_id, story_id FROM story_articles"
                               " ORDER BY article_id"),
            "changes": rows("SELECT seq, kind, story_id, article_id, previous FROM story_changes"
                            " ORDER BY id"),
        }


def _same(local: dict[str, Any], ray: dict[str, Any]) -> None:
    assert local["articles"] and local["features"]
    for key in local:
        assert ray[key] == local[key], key


# -- the engines agree ------------------------------------------------------------------------
def test_examples_and_bad_inputs_come_out_as_with_the_local_engine(
        ray_local: Any, runner: CliRunner, tmp_path: Path, examples: Path) -> None:
    """Real models: the bundled examples plus bad inputs (a broken and a text-less JSON line,
    an empty file, a missing path, a copy of an article) give the same rejection lines,
    summary, articles, analyses and stories with both engines."""
    bad = tmp_path / "inputs"
    bad.mkdir()
    (bad / "feed.jsonl").write_text('{"title": "no text"}\n{broken\n', encoding="utf-8")
    (bad / "empty.txt").write_text("", encoding="utf-8")
    shutil.copy(examples / "summit" / "pacific-wire.txt", bad / "copy-of-wire.txt")
    args = [str(examples), str(bad), str(tmp_path / "missing.txt")]
    local = _ingest(runner, tmp_path / "local.db", *args)
    ray = _ingest(runner, tmp_path / "ray.db", *args, "--engine", "ray", "--workers", "2")
    assert local[0] == ray[0] == 1
    assert ray[1] == local[1]
    assert ray[2] == local[2]  # the same lines, in the same order
    assert len(local[1]["ingested"]) == 10 and len(local[1]["present"]) == 1
    assert any("feed.jsonl:2: malformed JSON" in line for line in ray[2])
    _same(_contents(tmp_path / "local.db"), _contents(tmp_path / "ray.db"))


def test_basil_slice_with_a_stored_part_and_a_bad_line(
        ray_local: Any, runner: CliRunner, tmp_path: Path, shared_data: Path) -> None:
    """80 BASIL articles with a broken line among them, into a database that already holds
    the first 20 (as after an interrupted run): the Ray engine passes over the stored ones and
    gives the stories and analyses of the local engine."""
    lines = (shared_data / "basil" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    part = tmp_path / "basil.jsonl"
    part.write_text("\n".join([*lines[:50], "{broken", *lines[50:80]]) + "\n", encoding="utf-8")
    results = {}
    for engine in ("local", "ray"):
        db = tmp_path / f"{engine}.db"
        assert _ingest(runner, db, str(first))[0] == 0
        results[engine] = _ingest(runner, db, str(part), "--engine", engine)
    assert results["ray"] == results["local"]
    code, summary, stderr = results["ray"]
    assert code == 1 and len(summary["present"]) == 20 and len(summary["ingested"]) == 60
    assert stderr == [line for line in stderr if line.startswith("rejected: ")]
    assert [line.split(": ")[1] for line in stderr] == [f"{part}:51"]
    assert len(set(summary["stories"].values())) > 10
    _same(_contents(tmp_path / "local.db"), _contents(tmp_path / "ray.db"))


# -- without Ray running -------------------------------------------------------------------------
def test_a_model_a_worker_cannot_load_ends_the_run_with_its_message(
        ray_local: Any, tmp_path: Path, examples: Path) -> None:
    """A worker that cannot set up its model (here: a story embedding it does not know, as
    from a bad CORROBORATE_STORY_EMBEDDING on that machine) ends the run with our error and
    its message, not Ray's wrapping of it."""
    from corroborate.errors import UsageError
    from corroborate.store.ray_engine import MiniLMFeatures, ingest_with_ray
    from corroborate.store.stories import StoryBook

    with Store(tmp_path / "ray.db") as store:
        with pytest.raises(UsageError, match="story embedding 'bogus'"):
            ingest_with_ray(store, [str(examples)], IngestOptions(), analyze=False,
                            stories=StoryBook(store), features=MiniLMFeatures("bogus"),
                            workers=1)
        assert store.count_articles() == 0


def test_missing_ray_is_one_line_with_the_install_hint(runner: CliRunner, tmp_path: Path,
                                                       examples: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    r = runner.invoke(main, ["ingest", str(examples / "summit"), "--engine", "ray",
                             "--db", str(tmp_path / "x.db")])
    assert r.exit_code == 5
    assert r.stderr.strip().splitlines() == [
        "error: --engine ray needs Ray, which is not installed (ray): "
        "pip install 'corroborate[ray]', or leave out --engine ray"]


def test_ray_options_and_inputs_it_cannot_read_are_usage_errors(runner: CliRunner,
                                                                tmp_path: Path,
                                                                examples: Path) -> None:
    db = str(tmp_path / "x.db")
    r = runner.invoke(main, ["ingest", str(examples), "--address", "auto", "--db", db])
    assert r.exit_code == 2 and "--engine ray" in r.stderr
    r = runner.invoke(main, ["ingest", "-", "--engine", "ray", "--db", db], input=b"")
    assert r.exit_code == 2 and "cannot read standard input" in r.stderr
    r = runner.invoke(main, ["ingest", str(examples), "--engine", "ray", "--address",
                             "127.0.0.1:1", "--db", db])
    assert r.exit_code == 2 and "cannot reach a Ray cluster at 127.0.0.1:1" in r.stderr


def test_the_local_engine_never_imports_ray(tmp_path: Path, cli_in_fresh_process) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty.txt").write_text("")
    _code, loaded, stderr = cli_in_fresh_process(
        ["ingest", str(tmp_path / "empty.txt"), "--db", str(tmp_path / "e.db")], ["ray"])
    assert loaded == {"ray": False}, stderr


def test_known_ids_and_chunks_count_only_new_articles(tmp_path: Path) -> None:
    known = KnownIds.of(["00000000000000ff", "abcdef0123456789", "not-hex"])
    assert "abcdef0123456789" in known and "not-hex" in known
    assert "abcdef0123456788" not in known and "0" not in known and 5 not in known
    feed = tmp_path / "feed.jsonl"
    rows = [{"title": f"Report {i}", "source": "Wire",
             "text": f"Report number {i} says the river rose by {i} metres overnight, "
                     "officials said, and more rain is expected in the coming days."}
            for i in range(7)]
    feed.write_text("\n".join([json.dumps(r) for r in rows[:3]] + ["{broken"] +
                              [json.dumps(r) for r in rows[3:]]) + "\n", encoding="utf-8")
    options = IngestOptions()
    first = next(c for c in read_chunks([str(feed)], options, frozenset()))
    stored = next(i for i in first if isinstance(i, Article)).id
    chunks = list(read_chunks([str(feed)], options, KnownIds.of([stored]), chunk_size=2))
    kinds = [[type(i).__name__ for i in c] for c in chunks]
    assert kinds == [["Prepared", "Article", "Article"], ["Rejection", "Article", "Article"],
                     ["Article", "Article"]]
    assert isinstance(chunks[1][0], Rejection) and chunks[1][0].input == f"{feed}:4"
    assert read_groups([str(feed), Rejection("x", "y"), str(feed)], group_bytes=1) == [
        [str(feed)], [Rejection("x", "y"), str(feed)]]


def test_the_engines_chunks_report_in_input_order_as_the_local_engine(
        tmp_path: Path, analyzer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Ray: the Ray engine's chunks (read, then prepared as on a worker) give the
    report of the local engine, rejections in input order: an analysis that fails on line 2
    is named before the broken line 3 (the local reader meets line 3 first)."""
    from corroborate.analyze import pipeline
    from corroborate.embed import HashingEmbedder
    from corroborate.ingest import read_inputs
    from corroborate.store import ingest_articles
    from corroborate.store.ingest import ingest_prepared
    from corroborate.store.ray_engine import prepare_read_chunk
    from corroborate.store.stories import StoryBook
    from corroborate.stories.stream import features_of

    real = pipeline.analysis_from_doc

    def analysis_from_doc(article, doc, version):  # type: ignore[no-untyped-def]
        if "second" in article.text:
            raise ValueError("simulated rule failure")
        return real(article, doc, version)

    monkeypatch.setattr(pipeline, "analysis_from_doc", analysis_from_doc)
    body = ("This is the {n} report about the flood that hit the valley towns on Monday night, "
            "officials said, and more rain is expected.")
    feed = tmp_path / "feed.jsonl"
    lines = [json.dumps({"title": f"Report {n}", "source": "Wire", "text": body.format(n=n)})
             for n in ("first", "second")] + ["{broken"] + [
        json.dumps({"title": f"Report {n}", "source": "Wire", "text": body.format(n=n)})
        for n in ("third", "fourth", "first")]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    embedder = HashingEmbedder()

    def features_for(articles: Any) -> Any:
        return features_of(articles, embedder)

    with Store(tmp_path / "local.db") as store:
        local = ingest_articles(store, read_inputs([str(feed)]), analyzer,
                                stories=StoryBook(store), features_for=features_for)
    with Store(tmp_path / "ray.db") as store:
        chunks = read_chunks([str(feed)], IngestOptions(), KnownIds.of(store.article_ids()),
                             chunk_size=2)
        prepared = [item for chunk in chunks
                    for item in prepare_read_chunk(chunk, analyzer, features_for)]
        ray = ingest_prepared(store, prepared, stories=StoryBook(store))
    assert [r.input for r in local.rejected] == [f"{feed}:2", f"{feed}:3"]
    assert "analysis failed (ValueError: simulated rule failure)" in local.rejected[0].reason
    assert ray.rejected == local.rejected
    assert (ray.ingested, ray.present, ray.story_of, ray.changes) == (
        local.ingested, local.present, local.story_of, local.changes)
    assert len(local.ingested) == 3 and len(local.present) == 1  # the copy of line 1
