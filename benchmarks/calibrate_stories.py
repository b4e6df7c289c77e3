"""Fit the story link model on ECB+ train only and write src/corroborate/stories/link_weights.json.

The link model is a logistic regression over the seven mean signals (see
corroborate.stories.linkage) between two articles, with vectors weighted as the online assigner
weighs them (document frequencies of the stream so far, in file order). Pairs of articles of
different topics are easy negatives and are down-weighted by a cross-topic weight. That weight
and the logit threshold are chosen by 5-fold cross-validation over train *topics*: for each fold
the regression is fitted without the fold's topics and the real online assigner clusters the
fold's articles in file order; the pair with the best mean held-out B-cubed F1 wins, and the
regression is refitted on all of train. Nothing here reads ECB+ dev or BASIL.

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
FOLDS = 5
CROSS_WEIGHTS = (0.01, 0.1, 1.0)
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
    features = features_of(articles, MiniLMEmbedder(precision="fp32", runtime="torch"))
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
    # choose the cross-topic weight and the threshold by cross-validation over train topics
    # (each fold's events never seen by the regression that clusters them), then refit on all
    topic_ids = sorted(set(topics), key=lambda t: (len(t), t))
    fold_of = {t: k % FOLDS for k, t in enumerate(topic_ids)}
    pair_fold_a = np.array([fold_of[topics[i]] for i in upper[0]])
    pair_fold_b = np.array([fold_of[topics[j]] for j in upper[1]])
    thresholds = [float(t) for t in np.arange(-3.0, 3.01, 0.25)]
    scores: dict[tuple[float, float], list[float]] = {}
    for cross_weight in CROSS_WEIGHTS:
        for fold in range(FOLDS):
            keep = (pair_fold_a != fold) & (pair_fold_b != fold)
            fit = LogisticRegression(C=1.0, max_iter=2000).fit(
                x[keep], same[keep], sample_weight=np.where(same_topic[keep], 1.0,
                                                            cross_weight))
            base = LinkModel(tuple(float(w) for w in fit.coef_[0]),
                             float(fit.intercept_[0]), 0.0)
            held = [i for i in range(n) if fold_of[topics[i]] == fold]
            for threshold in thresholds:
                membership = cluster_features([features[i] for i in held],
                                              base.with_threshold(threshold))
                f1 = b_cubed([events[i] for i in held],
                             [membership[articles[i].id] for i in held])[2]
                scores.setdefault((cross_weight, threshold), []).append(f1)
    for (cross_weight, threshold), values in sorted(scores.items()):
        print(f"cross-topic weight {cross_weight:<5} threshold {threshold:+.2f}: "
              f"held-out B3 F1 {np.mean(values):.4f} (folds {min(values):.3f}.."
              f"{max(values):.3f})")
    (cross_weight, threshold), values = max(
        scores.items(), key=lambda kv: (float(np.mean(kv[1])), -abs(kv[0][1])))
    fit = LogisticRegression(C=1.0, max_iter=2000).fit(
        x, same, sample_weight=np.where(same_topic, 1.0, cross_weight))
    model = LinkModel(tuple(float(w) for w in fit.coef_[0]), float(fit.intercept_[0]),
                      threshold)
    membership = cluster_features(features, model)
    train_f1 = b_cubed(events, [membership[a.id] for a in articles])[2]
    details = {"fitted_on": "ECB+ articles_train.jsonl (file order)",
               "cross_topic_weight": cross_weight,
               "heldout_topics_b3_f1": round(float(np.mean(values)), 4),
               "train_b3_f1": round(train_f1, 4)}
    model = LinkModel(model.weights, model.bias, threshold, details)
    print(json.dumps(model.to_dict(), indent=2))
    if args.write:
        target = ROOT / "src" / "corroborate" / "stories" / WEIGHTS_FILE
        target.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
