"""Story clustering quality: Corroborate's online assigner beside three batch peers.

Two test sets, one table:

* ECB+ dev (``ecbplus/articles_dev.jsonl``: undated, 16 gold events) and
* BASIL (``basil/articles.jsonl``: dated, one gold event per triple of outlets).

Systems (nothing is tuned on a test set):

* **Corroborate**: :func:`corroborate.evaluate_stories.evaluate_stories_file`, i.e. the real
  database path (``ingest_articles`` with a ``StoryBook``, one transaction per article, in
  date order, file order where undated) with the shipped link model, which
  ``benchmarks/calibrate_stories.py`` fitted on ECB+ train only. Its articles/s (embedding,
  assignment and database writes, model load excluded) is shown too.
* **TF-IDF + average link**, **MiniLM title+lead + average link** and **BERTopic**
  (UMAP + HDBSCAN on the same MiniLM vectors) from ``benchmarks/story_peers.py``: every peer
  is tuned on ECB+ train (its docstring gives the grids) and then clusters each test set as a
  batch, seeing every article at once. When BERTopic raises ``RuntimeError`` (not installed,
  or it fails) the reason goes into the table instead of figures.

One MiniLM (all-MiniLM-L6-v2, float32) is loaded once; the peers share one memoised embedding
function (``story_peers.memoize_embed``) and Corroborate one per-text cache, so no text is
embedded twice. Corroborate's database run goes first on a cold cache, so its articles/s is
honest. All systems are scored with ``corroborate.evaluate_stories.score_clusters`` (B-cubed
precision/recall/F1, adjusted Rand index, NMI with arithmetic normalisation).

Order robustness (Corroborate only). An online method could depend on arrival order; the
in-memory path measures how much: features are computed once (``features_of`` with
``MiniLMEmbedder(precision="fp32")``), then ``cluster_features`` runs on the stream in file
order and on 5 permutations (``random.Random(seed)``, seeds 0..4); each run is scored against
the gold events (mapped by article id) and compared with the file-order run by ARI.

* ECB+ dev is undated: a full random permutation.
* BASIL is dated and the assigner retires stories by publication date, so a full shuffle would
  feed it articles years out of order, which no real stream does. Only articles of the same
  calendar day are shuffled among themselves (arrival jitter); the day order stays.

Usage::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/stories_quality.py [--json FILE]
        [--peers tfidf minilm bertopic] [--seeds 5]

Runs in about 2-3 minutes on 2 shared CPU cores (embedding and BERTopic tuning are most of
it). Exits 2 with one line when ``../shared/data`` is missing.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_info import ECB_TRAIN, load_avg, provenance, story_corpora_missing
from run_info import STORY_TESTS as TESTS
from story_peers import (
    bertopic_clusters,
    gold_labels,
    memoize_embed,
    minilm_average_link,
    read_jsonl,
    tfidf_average_link,
)

PEERS = {
    "tfidf": "TF-IDF + average link",
    "minilm": "MiniLM title+lead + average link",
    "bertopic": "BERTopic (UMAP + HDBSCAN)",
}


class CachingEmbedder:
    """A :class:`corroborate.embed.Embedder` that embeds each distinct text once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache: dict[str, Any] = {}

    def embed(self, texts: Sequence[str]) -> list[Any]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            self.cache.update(zip(missing, self.inner.embed(missing), strict=True))
        return [self.cache[t] for t in texts]


def scores_row(system: str, test: str, n: int, scores: Any, **extra: Any) -> dict[str, Any]:
    return {"system": system, "test": test, "n": n, **scores.to_dict(), **extra}


# --------------------------------------------------------------------------- order robustness


def _permutation(articles: Sequence[Any], seed: int, by_day: bool) -> list[int]:
    """Indices of ``articles`` shuffled: all of them, or (``by_day``) only among articles of
    the same calendar day (``published[:10]``; undated ones among themselves), day order kept."""
    rng = random.Random(seed)
    if not by_day:
        order = list(range(len(articles)))
        rng.shuffle(order)
        return order
    groups: dict[str, list[int]] = {}
    for i, article in enumerate(articles):
        groups.setdefault((article.published or "~undated")[:10], []).append(i)
    order = []
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        order.extend(members)
    return order


def order_robustness(name: str, path: Path, embedder: Any, seeds: int,
                     by_day: bool) -> dict[str, Any]:
    from corroborate.evaluate_stories import adjusted_rand, load_gold_stream, score_clusters
    from corroborate.stories.stream import cluster_features, features_of

    stream = load_gold_stream(path)
    articles = list(stream.articles)
    gold_of = {a.id: g for a, g in zip(articles, stream.gold, strict=True)}
    started = time.perf_counter()
    features = features_of(articles, embedder)
    ids = [a.id for a in articles]
    gold = [gold_of[i] for i in ids]

    def run(order: Sequence[int]) -> tuple[list[int], Any]:
        membership = cluster_features([features[i] for i in order])
        labels = [membership[i] for i in ids]  # canonical (file) order for comparison
        return labels, score_clusters(gold, labels)

    base_labels, base_scores = run(range(len(articles)))
    runs = []
    for seed in range(seeds):
        order = _permutation(articles, seed, by_day)
        labels, scores = run(order)
        moved = sum(1 for k, i in enumerate(order) if k != i)
        runs.append({"seed": seed, "b3_f1": round(scores.b3_f1, 4),
                     "ari_vs_file_order": round(adjusted_rand(base_labels, labels), 4),
                     "stories_predicted": scores.stories_predicted,
                     "articles_out_of_place": moved})
    f1s = [r["b3_f1"] for r in runs]
    aris = [r["ari_vs_file_order"] for r in runs]
    days: dict[str, int] = {}
    for a in articles:
        key = (a.published or "~undated")[:10]
        days[key] = days.get(key, 0) + 1
    return {
        "test": name, "n": len(articles),
        "shuffle": ("within calendar day (arrival jitter)" if by_day else "full permutation"),
        "file_order_b3_f1": round(base_scores.b3_f1, 4),
        "file_order_stories": base_scores.stories_predicted,
        "b3_f1_mean": round(float(np.mean(f1s)), 4), "b3_f1_min": min(f1s),
        "b3_f1_max": max(f1s),
        "ari_vs_file_order_mean": round(float(np.mean(aris)), 4),
        "ari_vs_file_order_min": min(aris),
        "articles_sharing_a_day": sum(c for c in days.values() if c > 1) if by_day else None,
        "runs": runs, "seconds": round(time.perf_counter() - started, 1),
    }


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Story clustering quality on ECB+ dev and BASIL: Corroborate's online "
                    "assigner (database path) beside TF-IDF, MiniLM and BERTopic peers tuned "
                    "on ECB+ train, plus an order-robustness check. Prints a Markdown table.",
        epilog="example: HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/stories_quality.py "
               "--json /tmp/stories_quality.json")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results here")
    parser.add_argument("--peers", nargs="*", default=list(PEERS), choices=list(PEERS),
                        help="peers to run (default: all three)")
    parser.add_argument("--seeds", type=int, default=5,
                        help="permutations for the order-robustness check (default 5: 0..4)")
    args = parser.parse_args(argv)
    if story_corpora_missing("stories_quality"):
        return 2

    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_stories import evaluate_stories_file, score_clusters

    wall = time.perf_counter()
    measured = provenance()
    loads = {"start": load_avg()}
    minilm = MiniLMEmbedder(precision="fp32", runtime="torch")
    embedder = CachingEmbedder(minilm)
    peer_embed = memoize_embed(
        lambda texts: np.vstack([e.vector for e in minilm.embed(list(texts))]))
    peer_functions: dict[str, Callable[..., list[int]]] = {
        "tfidf": tfidf_average_link,
        "minilm": functools.partial(minilm_average_link, embed=peer_embed),
        "bertopic": functools.partial(bertopic_clusters, embed=peer_embed),
    }
    train = read_jsonl(ECB_TRAIN)
    rows: list[dict[str, Any]] = []

    for test, path in TESTS.items():
        result = evaluate_stories_file(path, embedder=embedder)
        rows.append(scores_row("Corroborate (online, DB path)", test, result.articles,
                               result.scores, setting="shipped link model (ECB+ train)",
                               seconds=round(result.seconds, 1),
                               articles_per_second=round(result.articles_per_second, 1),
                               load_avg=load_avg()))
        print(f"# {test}: Corroborate done ({result.seconds:.1f} s, "
              f"{result.articles_per_second:.1f} articles/s, load {load_avg()})",
              file=sys.stderr)
        test_rows = read_jsonl(path)
        gold = gold_labels(test_rows)
        for peer in args.peers:
            report: dict[str, Any] = {}
            started = time.perf_counter()
            try:
                pred = peer_functions[peer](train, test_rows, report=report)
            except RuntimeError as exc:
                rows.append({"system": PEERS[peer], "test": test, "n": len(test_rows),
                             "error": str(exc)})
                print(f"# {test}: {peer} unavailable: {exc}", file=sys.stderr)
                continue
            seconds = time.perf_counter() - started
            setting = ", ".join(f"{k}={v}" for k, v in report.items()
                                if not k.startswith("train_"))
            rows.append(scores_row(PEERS[peer], test, len(test_rows),
                                   score_clusters(gold, pred),
                                   setting=f"{setting} (train F1 {report['train_f1']:.3f})",
                                   seconds=round(seconds, 1), load_avg=load_avg()))
            print(f"# {test}: {peer} done ({seconds:.1f} s incl. tuning, load {load_avg()})",
                  file=sys.stderr)
    loads["after_table"] = load_avg()

    robustness = [
        order_robustness("ECB+ dev", TESTS["ECB+ dev"], embedder, args.seeds, by_day=False),
        order_robustness("BASIL", TESTS["BASIL"], embedder, args.seeds, by_day=True),
    ]
    for r in robustness:  # the in-memory file-order run should equal the database path
        r["db_path_b3_f1"] = next(row["b3_f1"] for row in rows
                                  if row["test"] == r["test"] and "articles_per_second" in row)
    loads["end"] = load_avg()
    total = time.perf_counter() - wall

    print("## Story clustering quality (peers tuned on ECB+ train only)\n")
    print("| system | test | n | B3 P | B3 R | B3 F1 | ARI | NMI | stories pred/gold "
          "| setting | s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for row in rows:
        if "error" in row:
            print(f"| {row['system']} | {row['test']} | {row['n']} | "
                  f"unavailable: {row['error']} ||||||||")
            continue
        speed = (f"; {row['articles_per_second']} articles/s"
                 if "articles_per_second" in row else "")
        print(f"| {row['system']} | {row['test']} | {row['n']} | {row['b3_precision']:.3f} | "
              f"{row['b3_recall']:.3f} | {row['b3_f1']:.3f} | {row['ari']:.3f} | "
              f"{row['nmi']:.3f} | {row['stories_predicted']}/{row['stories_gold']} | "
              f"{row['setting']}{speed} | {row['seconds']} |")
    print("\n## Order robustness (Corroborate, in-memory path, same features, "
          f"{args.seeds} permutations, seeds 0..{args.seeds - 1})\n")
    print("| test | shuffle | n | DB-path B3 F1 | file-order B3 F1 | permuted B3 F1 mean (min-max) "
          "| ARI vs file order mean (min) | stories (file order / permuted) |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for r in robustness:
        stories = sorted({run["stories_predicted"] for run in r["runs"]})
        print(f"| {r['test']} | {r['shuffle']} | {r['n']} | {r['db_path_b3_f1']:.3f} | "
              f"{r['file_order_b3_f1']:.3f} | "
              f"{r['b3_f1_mean']:.3f} ({r['b3_f1_min']:.3f}-{r['b3_f1_max']:.3f}) | "
              f"{r['ari_vs_file_order_mean']:.3f} ({r['ari_vs_file_order_min']:.3f}) | "
              f"{r['file_order_stories']} / {', '.join(map(str, stories))} |")
    basil = robustness[1]
    print(f"\nBASIL is dated and stories retire by publication date, so only articles of the "
          f"same calendar day were shuffled: {basil['articles_sharing_a_day']} of "
          f"{basil['n']} articles share their day with another; the others keep their place.")
    print(f"\nLoad average (1/5/15 min): start {loads['start']}, after the table "
          f"{loads['after_table']}, end {loads['end']}; {os.cpu_count()} CPUs; "
          f"total {total:.0f} s; {measured}.")
    if args.json:
        args.json.write_text(json.dumps({"schema": "corroborate.stories-quality/1",
                                         "train": str(ECB_TRAIN), "code": measured, "rows": rows,
                                         "order_robustness": robustness, "load_avg": loads,
                                         "cpus": os.cpu_count(), "seconds": round(total, 1)},
                                        indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
