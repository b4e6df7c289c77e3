"""Fit the story link model on ECB+ train only and write src/corroborate/stories/link_weights.json.

The link model is a logistic regression over the seven mean signals (see
corroborate.stories.linkage) between two articles, with vectors weighted as the online assigner
weighs them (document frequencies of the stream so far, in file order). Pairs of articles of
different topics are easy negatives and are down-weighted by ``--cross-topic-weight`` (chosen
on train); the logit threshold is chosen by running the real online assigner over train in file
order and keeping the best B-cubed F1. Nothing here reads ECB+ dev or BASIL.

    .venv/bin/python benchmarks/calibrate_stories.py [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from corroborate.embed import MiniLMEmbedder
from corroborate.evaluate_stories import b_cubed, load_gold_stream
from corroborate.model import Article
from corroborate.stories.features import NAMESPACES, TermStatistics, weigh
from corroborate.stories.linkage import WEIGHTS_FILE, LinkModel, NodeVectors, pairwise_signals
from corroborate.stories.linkage import to_arrays as arrays
from corroborate.stories.stream import cluster_features, features_of

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT.parent / "shared" / "data" / "ecbplus" / "articles_train.jsonl"


def load(path: Path) -> tuple[list[Article], list[str], list[str]]:
    if not path.exists():
        sys.exit(f"{path}: not found (the shared data lives beside the repository)")
    stream = load_gold_stream(path)
    for rejection in stream.rejected:
        print(f"skipped {rejection}")
    topics = [event.split("_")[0] for event in stream.gold]  # ECB+ events are <topic>_<sub>
    return list(stream.articles), list(stream.gold), topics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write stories/{WEIGHTS_FILE}")
    args = parser.parse_args()
    articles, events, topics = load(TRAIN)
    started = time.perf_counter()
    features = features_of(articles, MiniLMEmbedder(precision="fp32"))
    stats = TermStatistics()
    nodes = []
    for item in features:  # weigh as the stream does: frequencies of the articles before it
        vectors = weigh(item, stats)
        stats.add(item)
        nodes.append(NodeVectors(item.embedding, {ns: arrays(vectors[ns]) for ns in NAMESPACES}))
    signals = pairwise_signals(nodes)
    n = len(nodes)
    upper = np.triu_indices(n, 1)
    x = signals[upper]
    same = np.array([events[i] == events[j] for i, j in zip(*upper, strict=True)])
    same_topic = np.array([topics[i] == topics[j] for i, j in zip(*upper, strict=True)])
    print(f"{n} articles, {len(x)} pairs ({same.sum()} same event) in "
          f"{time.perf_counter() - started:.1f} s")
    best: tuple[float, float, float, LinkModel] | None = None
    for cross_weight in (0.01, 0.1, 1.0):
        fit = LogisticRegression(C=1.0, max_iter=2000).fit(
            x, same, sample_weight=np.where(same_topic, 1.0, cross_weight))
        base = LinkModel(tuple(float(w) for w in fit.coef_[0]), float(fit.intercept_[0]), 0.0)
        for threshold in np.arange(-3.0, 3.01, 0.25):
            model = base.with_threshold(float(threshold))
            membership = cluster_features(features, model)
            f1 = b_cubed(events, [membership[a.id] for a in articles])[2]
            print(f"cross-topic weight {cross_weight:<5} threshold {threshold:+.2f}: "
                  f"B3 F1 {f1:.4f}")
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, cross_weight, float(threshold), model)
    assert best is not None
    f1, cross_weight, threshold, model = best
    details = {"fitted_on": "ECB+ articles_train.jsonl (file order)",
               "cross_topic_weight": cross_weight, "train_b3_f1": round(f1, 4)}
    model = LinkModel(model.weights, model.bias, threshold, details)
    print(json.dumps(model.to_dict(), indent=2))
    if args.write:
        target = ROOT / "src" / "corroborate" / "stories" / WEIGHTS_FILE
        target.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
