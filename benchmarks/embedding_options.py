"""Embedding options for story assignment (issue 12 item 1): today's eager MiniLM embedding
against the lazy embedding of ``StoryAssigner(embed=...)``, on ECB+ dev and BASIL.

Today every article's title + 600 characters of lead is embedded (MiniLM) before assignment.
The lazy assigner (``corroborate.stories.assign``, module docstring) decides from the cheap
signals (TF-IDF term bags of six namespaces, dates through the window) when the embedding
cannot change the decision, and embeds an article, and the members of the stories it could
join, only when it can. ``lazy_floor`` is the least cosine assumed between an article and a
story's mean vector (and between an article and a member not embedded yet): -1 assumes
nothing (every decision is the eager one, up to the ANN's recall); higher floors decide more
joins without the embedding and are a measured assumption. The floors measured here
(-1, 0.0, 0.3, 0.5) were chosen on ECB+ train: 0.5 is the highest floor of 0.0, 0.1, ..., 0.6
that left the train stories identical to the eager assigner's (``--train`` re-checks it).

Two passes per test set:

* **quality**: every distinct lead is embedded once (one batch); the eager assigner and each
  lazy variant read the same vectors, so the comparison isolates the decision procedure.
  Reported: B-cubed P/R/F1 (``score_clusters``), the article pairs on which a variant's stories
  differ from today's, and the share of articles a variant embedded.
* **speed**: each configuration runs again, in the same process, with the real embedder
  (no cache): story features, embedding (today: in chunks of the ingest chunk size (32), as
  ``ingest`` does; lazy: on demand, one call per decision that needs it) and assignment, in
  articles/s. The model load and the first-use loads (wordfreq, faiss) are excluded by a
  warm-up. Timings on the 2 shared cores are noisy (other sessions work on the same machine).

Peers in the same run (as ``benchmarks/stories_quality.py``, tuned on ECB+ train only):
TF-IDF + average link and MiniLM title+lead + average link (``story_peers``).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/embedding_options.py [--json FILE]
        [--precision fp32|bf16] [--floors -1 0 0.3 0.5] [--no-peers] [--train]

Exits 2 with one line when ``../shared/data`` is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_info import load_avg, provenance

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
ECB_TRAIN = SHARED / "ecbplus" / "articles_train.jsonl"
TESTS = {
    "ECB+ dev": SHARED / "ecbplus" / "articles_dev.jsonl",
    "BASIL": SHARED / "basil" / "articles.jsonl",
}
FLOORS = (-1.0, 0.0, 0.3, 0.5)


def pair_disagreements(a: Sequence[int], b: Sequence[int]) -> int:
    """Article pairs together in one labelling and apart in the other."""
    x, y = np.asarray(a), np.asarray(b)
    same_a = x[:, None] == x[None, :]
    same_b = y[:, None] == y[None, :]
    return int(np.triu(same_a != same_b, 1).sum())


class Counting:
    """An ``embed(texts)`` for the lazy assigner that counts texts and time."""

    def __init__(self, embed: Callable[[Sequence[str]], list[Any]]) -> None:
        self.inner = embed
        self.texts = 0
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, texts: Sequence[str]) -> list[Any]:
        started = time.perf_counter()
        out = self.inner(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        self.calls += 1
        return out


def run_eager(features: Sequence[Any]) -> dict[str, int]:
    from corroborate.stories.stream import cluster_features

    return cluster_features(features)


def run_lazy(features: Sequence[Any], floor: float,
             embed: Callable[[Sequence[str]], list[Any]]) -> tuple[dict[str, int], Any]:
    from corroborate.stories import AssignSettings, StoryAssigner, default_link_model
    from corroborate.stories.stream import apply_changes

    assigner = StoryAssigner(default_link_model(), AssignSettings(lazy_floor=floor),
                             embed=embed)
    membership: dict[str, int] = {}
    for item in features:
        apply_changes(membership, assigner.assign(item))
    return membership, assigner


def evaluate_set(name: str, path: Path, embedder: Any, floors: Sequence[float],
                 speed: bool) -> list[dict[str, Any]]:
    from corroborate.evaluate_stories import adjusted_rand, load_gold_stream, score_clusters
    from corroborate.store.ingest import CHUNK_SIZE
    from corroborate.stories.features import StoryFeatures
    from corroborate.stories.stream import embed_texts, features_of, lazy_features_of

    stream = load_gold_stream(path)
    articles = list(stream.articles)
    gold = list(stream.gold)
    ids = [a.id for a in articles]
    n = len(articles)
    # ---- quality pass: one vector per distinct lead, shared by every configuration
    lazy = lazy_features_of(articles)
    leads = [f.lead or "" for f in lazy]
    cache = dict(zip(leads, embed_texts(leads, embedder), strict=True))
    eager = [StoryFeatures(f.article_id, cache[f.lead or ""], f.terms, f.priors, f.day)
             for f in lazy]
    today = run_eager(eager)
    base = [today[i] for i in ids]
    rows: list[dict[str, Any]] = []
    base_scores = score_clusters(gold, base)
    rows.append({"test": name, "n": n, "system": "today (eager MiniLM, ANN candidates)",
                 "floor": None, **base_scores.to_dict(), "embedded": n,
                 "pairs_differing": 0, "ari_vs_today": 1.0})
    quality_labels: list[list[int]] = []
    for floor in floors:
        counter = Counting(lambda texts: [cache[t] for t in texts])
        membership, assigner = run_lazy(lazy, floor, counter)
        labels = [membership[i] for i in ids]
        quality_labels.append(labels)
        rows.append({"test": name, "n": n, "system": f"lazy, floor {floor:+.1f}",
                     "floor": floor, **score_clusters(gold, labels).to_dict(),
                     "embedded": assigner.embedded, "embed_calls": counter.calls,
                     "decided_without_embedding": assigner.decided_cheaply,
                     "pairs_differing": pair_disagreements(base, labels),
                     "ari_vs_today": round(adjusted_rand(base, labels), 4)})
    if not speed:
        return rows
    # ---- speed pass: the real embedder, no cache
    started = time.perf_counter()
    features = []
    embed_seconds = 0.0
    for k in range(0, n, CHUNK_SIZE):
        t = time.perf_counter()
        features.extend(features_of(articles[k:k + CHUNK_SIZE], embedder))
        embed_seconds += time.perf_counter() - t
    membership = run_eager(features)
    seconds = time.perf_counter() - started
    rows[0].update(seconds=round(seconds, 2), articles_per_second=round(n / seconds, 1),
                   embed_seconds=round(embed_seconds, 2),
                   speed_pass_same=([membership[i] for i in ids] == base))
    for row, floor, expected in zip(rows[1:], floors, quality_labels, strict=True):
        counter = Counting(lambda texts: embed_texts(texts, embedder))
        started = time.perf_counter()
        membership, assigner = run_lazy(lazy_features_of(articles), floor, counter)
        seconds = time.perf_counter() - started
        # batch composition can move a float32 vector in its last bits: the same stories?
        row.update(seconds=round(seconds, 2), articles_per_second=round(n / seconds, 1),
                   embed_seconds=round(counter.seconds, 2),
                   speed_pass_same=[membership[i] for i in ids] == expected)
    return rows


def peers(train_path: Path, embedder: Any) -> list[dict[str, Any]]:
    from corroborate.evaluate_stories import score_clusters
    from story_peers import (
        gold_labels,
        memoize_embed,
        minilm_average_link,
        read_jsonl,
        tfidf_average_link,
    )

    embed = memoize_embed(
        lambda texts: np.vstack([e.vector for e in embedder.embed(list(texts))]))
    train = read_jsonl(train_path)
    out = []
    for test, path in TESTS.items():
        rows = read_jsonl(path)
        gold = gold_labels(rows)
        for label, function in (("TF-IDF + average link", tfidf_average_link),
                                ("MiniLM title+lead + average link", minilm_average_link)):
            report: dict[str, Any] = {}
            kwargs = {"embed": embed} if function is minilm_average_link else {}
            pred = function(train, rows, report=report, **kwargs)
            out.append({"test": test, "n": len(rows), "system": label,
                        **score_clusters(gold, pred).to_dict(),
                        "setting": ", ".join(f"{k}={v}" for k, v in report.items()
                                             if not k.startswith("train_")),
                        "train_f1": round(report["train_f1"], 4)})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results here")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16"),
                        help="MiniLM precision (default fp32, as the quality benchmarks)")
    parser.add_argument("--floors", type=float, nargs="+", default=list(FLOORS))
    parser.add_argument("--no-peers", action="store_true", help="skip the two peers")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed pass")
    parser.add_argument("--train", action="store_true",
                        help="also run the quality pass on ECB+ train (how the floors were "
                             "chosen: floors 0.0..0.6)")
    args = parser.parse_args(argv)
    for path in [ECB_TRAIN, *TESTS.values()]:
        if not path.is_file():
            print(f"embedding_options: {path} not found (the shared corpora belong in "
                  f"{SHARED}); nothing to do", file=sys.stderr)
            return 2

    from corroborate.embed import MiniLMEmbedder
    from corroborate.stories.features import background_document_frequency

    wall = time.perf_counter()
    loads = {"start": load_avg()}
    embedder = MiniLMEmbedder(precision=args.precision)
    embedder.embed(["warm up the model", "and its tokenizer"])
    background_document_frequency("words", "warm")  # loads wordfreq
    import faiss  # noqa: F401  (first import is slow)

    rows: list[dict[str, Any]] = []
    if args.train:
        rows += evaluate_set("ECB+ train", ECB_TRAIN, embedder,
                             [-1.0, *[k / 10 for k in range(7)]], speed=False)
    for test, path in TESTS.items():
        rows += evaluate_set(test, path, embedder, args.floors, speed=not args.no_speed)
        print(f"# {test} done (load {load_avg()})", file=sys.stderr)
    loads["after_assigners"] = load_avg()
    peer_rows = [] if args.no_peers else peers(ECB_TRAIN, embedder)
    loads["end"] = load_avg()
    total = time.perf_counter() - wall

    print(f"## Embedding options for story assignment (MiniLM {args.precision})\n")
    print("| test | system | B3 P | B3 R | B3 F1 | stories | pairs differing from today "
          "| articles embedded | articles/s (incl. embedding) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        speed = row.get("articles_per_second", "")
        same = "" if row.get("speed_pass_same", True) else " (speed pass differed!)"
        print(f"| {row['test']} ({row['n']}) | {row['system']} | {row['b3_precision']:.3f} | "
              f"{row['b3_recall']:.3f} | {row['b3_f1']:.4f} | {row['stories_predicted']} | "
              f"{row['pairs_differing']} | {row['embedded']} "
              f"({100 * row['embedded'] / row['n']:.0f} %) | {speed}{same} |")
    if peer_rows:
        print("\n| test | peer (tuned on ECB+ train) | B3 P | B3 R | B3 F1 | stories | setting |")
        print("|---|---|---:|---:|---:|---:|---|")
        for row in peer_rows:
            print(f"| {row['test']} | {row['system']} | {row['b3_precision']:.3f} | "
                  f"{row['b3_recall']:.3f} | {row['b3_f1']:.4f} | {row['stories_predicted']} | "
                  f"{row['setting']} (train F1 {row['train_f1']:.3f}) |")
    print(f"\nLoad average (1/5/15 min): start {loads['start']}, after the assigners "
          f"{loads['after_assigners']}, end {loads['end']}; {os.cpu_count()} CPUs; "
          f"total {total:.0f} s; {provenance()}.")
    if args.json:
        args.json.write_text(json.dumps({"schema": "corroborate.embedding-options/1",
                                         "precision": args.precision, "rows": rows,
                                         "peers": peer_rows, "load_avg": loads,
                                         "seconds": round(total, 1)}, indent=2) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
