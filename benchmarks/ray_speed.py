"""Speed of `corroborate ingest` end to end with `--engine local` and `--engine ray` (issue 12
item 4), and the ceiling the single writer on the driver sets.

Input: real text, BASIL (``../shared/data/basil/articles.jsonl``, 204 articles) followed by
ECB+ dev (``ecbplus/articles_dev.jsonl``, 197), ``--articles`` of them (default 400), written to
one JSON Lines file in a temporary folder (never into the repository). Each configuration runs
in a fresh process on a fresh database, end to end as the CLI does it: reading, analysis
(spaCy), story features (MiniLM), story assignment and the SQLite writes, one transaction per
article:

* ``local-1``: ``--engine local`` (one process); ``local-2``: ``--engine local --jobs 2``;
* ``ray-1``, ``ray-2``: ``--engine ray --workers 1`` / ``2`` on a local Ray instance started
  by the run (its start-up included).

Reported per configuration: the wall time, articles/s over the whole run, the time to the
first stored article (model loading; for Ray also starting Ray and its workers), articles/s
after the first one (the steady rate), and, for Ray, the driver's busy time per article: the
time the single writer spends on an article (story assignment + SQLite transaction +
bookkeeping) plus unpickling it, which bounds the rate any cluster can reach
(1 / busy time). The Ray runs also check that the stories equal ``local-1``'s.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/ray_speed.py [--articles 400]
        [--configs local-1 local-2 ray-1 ray-2] [--no-analyze] [--json /tmp/ray_speed.json]

``--no-analyze`` runs as ``ingest --no-analyze`` (story features and assignment only), where a
worker prepares an article about six times faster and the driver's ceiling comes sooner.

Exits 2 with a message when the shared corpora or Ray are absent.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CORPORA = (SHARED / "basil" / "articles.jsonl", SHARED / "ecbplus" / "articles_dev.jsonl")
CONFIGS = ("local-1", "local-2", "ray-1", "ray-2")


def write_input(path: Path, count: int) -> int:
    """The first ``count`` articles of BASIL then ECB+ dev, as one JSON Lines file."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for corpus in CORPORA:
            for line in corpus.read_text(encoding="utf-8").splitlines():
                if written == count:
                    return written
                row = json.loads(line)
                out.write(json.dumps({"title": row["title"], "text": row["text"],
                                      "source": row["source"] or "unknown",
                                      "published": row.get("date")}) + "\n")
                written += 1
    return written


def run_one(config: str, source: Path, db: Path, *, analyze: bool = True) -> dict[str, Any]:
    """One configuration in this process (called in a fresh one by :func:`main`)."""
    from corroborate.analyze import Analyzer
    from corroborate.embed import story_embedder
    from corroborate.ingest import IngestOptions, Rejection, expand_inputs, read_one
    from corroborate.model import Article
    from corroborate.store import Store, ingest_articles
    from corroborate.store.ingest import Prepared, ingest_prepared
    from corroborate.store.stories import StoryBook
    from corroborate.stories.stream import features_of

    engine, workers = config.split("-")
    n = int(workers)
    started = time.perf_counter()
    stored: list[float] = []

    def on_result(item: Article | Rejection, status: str) -> None:
        if status == "ingested":
            stored.append(time.perf_counter())

    items = expand_inputs([str(source)])
    options = IngestOptions()
    busy = 0.0
    unpickle = 0.0
    with Store(db) as store:
        book = StoryBook(store)
        if engine == "local":
            embedder = story_embedder()  # as the CLI and the Ray workers (MiniLMFeatures)
            report = ingest_articles(
                store, (r for i in items for r in read_one(i, options)),
                Analyzer() if analyze else None,
                n_process=n, on_result=on_result, stories=book,
                features_for=lambda articles: features_of(articles, embedder))
        else:
            from corroborate.store.ray_engine import KnownIds, MiniLMFeatures, RayEngine

            arrived: list[Prepared | Rejection] = []

            def timed(stream: Iterable[Prepared | Rejection]) -> Iterator[Prepared | Rejection]:
                nonlocal busy
                for item in stream:
                    arrived.append(item)
                    mark = time.perf_counter()
                    yield item  # the writer works on it until it asks for the next one
                    busy += time.perf_counter() - mark

            with RayEngine(workers=n) as ray_engine:
                stream = ray_engine.prepare(items, options, known=KnownIds.of(store.article_ids()),
                                            analyze=analyze, features=MiniLMFeatures.here())
                report = ingest_prepared(store, timed(stream), on_result=on_result, stories=book)
            blob = pickle.dumps(arrived, protocol=pickle.HIGHEST_PROTOCOL)
            mark = time.perf_counter()
            pickle.loads(blob)
            unpickle = time.perf_counter() - mark
    wall = time.perf_counter() - started
    count = len(report.ingested)
    first = stored[0] - started if stored else wall
    steady = (count - 1) / (stored[-1] - stored[0]) if count > 1 else 0.0
    result: dict[str, Any] = {
        "config": config, "analyze": analyze, "articles": count, "rejected": len(report.rejected),
        "wall_s": round(wall, 1), "articles_per_s": round(count / wall, 2),
        "first_article_s": round(first, 1), "steady_articles_per_s": round(steady, 2),
        "stories": sorted(sorted(a for a, s in report.story_of.items() if s == story)
                          for story in set(report.story_of.values())),
    }
    if engine == "ray" and count:
        per_article = (busy + unpickle) / count
        result.update({"driver_ms_per_article": round(1000 * per_article, 2),
                       "driver_write_assign_ms": round(1000 * busy / count, 2),
                       "driver_unpickle_ms": round(1000 * unpickle / count, 2),
                       "driver_ceiling_articles_per_s": round(1 / per_article, 1)})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--no-analyze", action="store_true",
                        help="as `ingest --no-analyze`: story features only")
    parser.add_argument("--one", nargs=3, metavar=("CONFIG", "INPUT", "DB"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        config, source, db = args.one
        print(json.dumps(run_one(config, Path(source), Path(db), analyze=not args.no_analyze)))
        return 0
    missing = [str(c) for c in CORPORA if not c.exists()]
    if missing:
        print(f"needs the shared corpora ({', '.join(missing)} absent)", file=sys.stderr)
        return 2
    if any(c.startswith("ray") for c in args.configs):
        try:
            import ray  # noqa: F401
        except ImportError:
            print("needs Ray: pip install -e '.[ray]'", file=sys.stderr)
            return 2
    results = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "articles.jsonl"
        count = write_input(source, args.articles)
        print(f"{count} articles (BASIL, then ECB+ dev), {os.cpu_count()} CPUs, "
              f"{platform.python_version()}", file=sys.stderr)
        for config in args.configs:
            done = subprocess.run(
                [sys.executable, __file__, "--one", config, str(source),
                 str(Path(folder) / f"{config}.db"), *(["--no-analyze"] * args.no_analyze)],
                capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            result = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(result)
            extra = (f", driver {result['driver_ms_per_article']} ms/article "
                     f"(ceiling {result['driver_ceiling_articles_per_s']} articles/s)"
                     if "driver_ms_per_article" in result else "")
            print(f"{config}: {result['articles']} articles in {result['wall_s']} s = "
                  f"{result['articles_per_s']} articles/s; first stored after "
                  f"{result['first_article_s']} s, then {result['steady_articles_per_s']} "
                  f"articles/s{extra}", file=sys.stderr)
    reference = next((r["stories"] for r in results if r["config"] == "local-1"), None)
    for result in results:
        result["same_stories_as_local_1"] = (None if reference is None
                                             else result["stories"] == reference)
        result["stories"] = len(result["stories"])
    table = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "results": results}
    print(json.dumps(table, indent=2))
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
