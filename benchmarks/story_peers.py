"""Peer baselines for grouping news articles into events (story clustering).

Each peer takes ``train_rows`` and ``test_rows`` (dicts as read from the shared JSONL files:
``id``, ``title``, ``text``, ``date`` (ISO or null), ``source``; the gold label is ``event``)
and returns one predicted cluster label (an int) per test row, in order. A peer reads the gold
``event`` of the *train* rows only, to tune its few parameters by B-cubed F1 (:func:`b3`); it
never reads a test row's label. Every peer is deterministic.

* :func:`tfidf_average_link`: TF-IDF (``sublinear_tf=True``, English stop words) of
  ``title + "\\n" + text``, average-link agglomerative clustering on cosine distance, cut at a
  distance threshold ``t``. The vectoriser is fitted on the set being clustered (on train while
  tuning ``t``, on test when predicting), so no vocabulary or IDF leaks from train to test.
  ``t`` is tuned on train over 0.30, 0.32, ..., 0.98.
* :func:`minilm_average_link`: the same average-link clustering on the cosine distance of
  sentence embeddings of the title and lead (:func:`title_lead`: the title, then the first three
  lines of the text; when the text's first line is the title, the first four lines, so the title
  is not read twice). ``embed`` defaults to the packaged all-MiniLM-L6-v2 in float32
  (:func:`minilm_embed`). Threshold tuned on train over the same grid.
* :func:`bertopic_clusters`: BERTopic (UMAP to 5 dimensions, then HDBSCAN) on the same
  precomputed title+lead embeddings; no model is loaded by BERTopic itself. UMAP has a fixed
  ``random_state`` (which also makes it single-threaded and deterministic). HDBSCAN's
  ``min_cluster_size`` (2..6) and ``cluster_selection_method`` ("eom", "leaf") are tuned on
  train; every HDBSCAN outlier (topic -1) becomes its own singleton cluster. Needs ``bertopic``
  (``pip install -c constraints.txt bertopic``: adds bertopic, umap-learn, hdbscan, numba,
  llvmlite, pynndescent, pandas, plotly, changes no pinned package); without it, or when it
  fails, the function raises :class:`RuntimeError` with the reason.

Ties in tuning go to the first setting of the grid that reaches the best train F1 (the lowest
threshold; the smallest ``min_cluster_size``, "eom" before "leaf"). Pass a dict as ``report=``
to receive the tuned setting and its train B-cubed figures (for BERTopic also ``train_grid``,
the train F1 of every setting tried).

As a script, every peer is tuned on ECB+ train and evaluated on ECB+ dev and on BASIL, with
B-cubed precision / recall / F1, ARI and NMI (printed; ``--json PATH`` writes them too)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/story_peers.py [--peers tfidf minilm bertopic]

From another benchmark (``benchmarks/`` on ``sys.path``)::

    from story_peers import b3, bertopic_clusters, minilm_average_link, tfidf_average_link
    labels = minilm_average_link(train_rows, test_rows)  # embed=minilm_embed by default
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

Row = Mapping[str, Any]
Matrix = npt.NDArray[np.float32]
Embed = Callable[[Sequence[str]], Matrix]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
ECB_TRAIN = SHARED / "ecbplus" / "articles_train.jsonl"
ECB_DEV = SHARED / "ecbplus" / "articles_dev.jsonl"
BASIL = SHARED / "basil" / "articles.jsonl"

THRESHOLDS: tuple[float, ...] = tuple(round(0.30 + 0.02 * i, 2) for i in range(35))  # ..0.98
MIN_CLUSTER_SIZES: tuple[int, ...] = (2, 3, 4, 5, 6)
SELECTION_METHODS: tuple[str, ...] = ("eom", "leaf")
LEAD_LINES = 3
UMAP_SEED = 42


# --------------------------------------------------------------------------- scoring


def b3(gold: Sequence[Any], pred: Sequence[Any]) -> tuple[float, float, float]:
    """B-cubed (Bagga & Baldwin 1998) precision, recall and F1 of ``pred`` against ``gold``.

    Per item: precision is the share of its predicted cluster that shares its gold label, recall
    the share of its gold cluster that shares its predicted cluster; both are averaged over
    items. Labels are any hashable values; an empty input scores (0, 0, 0)."""
    if len(gold) != len(pred):
        raise ValueError(f"b3: {len(gold)} gold labels but {len(pred)} predicted")
    n = len(gold)
    if n == 0:
        return 0.0, 0.0, 0.0
    gold_sizes = Counter(gold)
    pred_sizes = Counter(pred)
    pairs = Counter(zip(gold, pred, strict=True))
    precision = sum(c * c / pred_sizes[p] for (_, p), c in pairs.items()) / n
    recall = sum(c * c / gold_sizes[g] for (g, _), c in pairs.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def gold_labels(rows: Iterable[Row]) -> list[str]:
    """The gold ``event`` of each row (for tuning on train and for scoring)."""
    return [str(row["event"]) for row in rows]


# --------------------------------------------------------------------------- shared pieces


def title_lead(row: Row, lead_lines: int = LEAD_LINES) -> str:
    """The title and the lead: the first ``lead_lines`` non-empty lines of the text, or the
    first ``lead_lines + 1`` when the first line repeats the title (which is then dropped)."""
    title = str(row.get("title") or "").strip()
    lines = [line.strip() for line in str(row.get("text") or "").split("\n") if line.strip()]
    lead = lines[1:lead_lines + 1] if lines and lines[0] == title else lines[:lead_lines]
    return "\n".join([title, *lead]) if title else "\n".join(lead)


def _full_text(row: Row) -> str:
    return f"{row.get('title') or ''}\n{row.get('text') or ''}"


def _average_link(distances: npt.NDArray[np.float64], threshold: float) -> list[int]:
    """Average-link agglomerative clusters of a cosine-distance matrix, merging while the
    average distance is below ``threshold`` (sklearn's ``distance_threshold`` semantics)."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(distances)
    if n < 2:
        return list(range(n))
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=threshold)
    return [int(label) for label in model.fit_predict(distances)]


def _cosine_distances(matrix: Any) -> npt.NDArray[np.float64]:
    """Cosine distances (dense or sparse rows), clipped to [0, 2] with a zero diagonal: the same
    matrix AgglomerativeClustering(metric="cosine") computes internally."""
    from sklearn.metrics.pairwise import cosine_distances

    distances: npt.NDArray[np.float64] = np.clip(cosine_distances(matrix), 0.0, 2.0).astype(
        np.float64)
    np.fill_diagonal(distances, 0.0)
    return distances


def _tune_threshold(distances: npt.NDArray[np.float64], gold: Sequence[str],
                    grid: Sequence[float] = THRESHOLDS) -> tuple[float, tuple[float, ...]]:
    """The threshold of ``grid`` with the best train B-cubed F1 (first one on ties), with its
    (precision, recall, F1)."""
    best: tuple[float, tuple[float, ...]] | None = None
    for threshold in grid:
        scores = b3(gold, _average_link(distances, threshold))
        if best is None or scores[2] > best[1][2]:
            best = (threshold, scores)
    assert best is not None, "empty threshold grid"
    return best


def _fill(report: dict[str, Any] | None, setting: Mapping[str, Any],
          train_scores: Sequence[float]) -> None:
    if report is not None:
        report.update(setting)
        report.update(train_p=train_scores[0], train_r=train_scores[1], train_f1=train_scores[2])


# --------------------------------------------------------------------------- peer 1: TF-IDF


def _tfidf_distances(rows: Sequence[Row]) -> npt.NDArray[np.float64]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    return _cosine_distances(vectorizer.fit_transform([_full_text(row) for row in rows]))


def tfidf_average_link(train_rows: Sequence[Row], test_rows: Sequence[Row], *,
                       report: dict[str, Any] | None = None) -> list[int]:
    """TF-IDF of title and text, average-link cosine clustering; threshold tuned on train
    (vectoriser fitted on train for tuning and on test for predicting)."""
    threshold, scores = _tune_threshold(_tfidf_distances(train_rows), gold_labels(train_rows))
    _fill(report, {"threshold": threshold}, scores)
    if not test_rows:
        return []
    return _average_link(_tfidf_distances(test_rows), threshold)


# --------------------------------------------------------------------------- peer 2: MiniLM


@functools.cache
def _minilm() -> Any:
    from corroborate.embed import MiniLMEmbedder

    return MiniLMEmbedder(precision="fp32", runtime="torch")


def minilm_embed(texts: Sequence[str]) -> Matrix:
    """Unit-length all-MiniLM-L6-v2 (packaged, float32) sentence vectors, one row per text."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack([item.vector for item in _minilm().embed(list(texts))]).astype(np.float32)


def memoize_embed(embed: Embed) -> Embed:
    """``embed`` with a per-text cache, so that peers sharing one embedder embed a text once."""
    cache: dict[str, Matrix] = {}

    def cached(texts: Sequence[str]) -> Matrix:
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            for text, vector in zip(missing, embed(missing), strict=True):
                cache[text] = np.asarray(vector, dtype=np.float32)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([cache[t] for t in texts])

    return cached


def _embed_rows(rows: Sequence[Row], embed: Embed) -> tuple[list[str], Matrix]:
    texts = [title_lead(row) for row in rows]
    vectors = np.asarray(embed(texts), dtype=np.float32)
    if vectors.shape[0] != len(texts):
        raise ValueError(f"embed returned {vectors.shape[0]} rows for {len(texts)} texts")
    return texts, vectors


def minilm_average_link(train_rows: Sequence[Row], test_rows: Sequence[Row],
                        embed: Embed = minilm_embed, *,
                        report: dict[str, Any] | None = None) -> list[int]:
    """Average-link cosine clustering of title+lead embeddings; threshold tuned on train."""
    _, train_vectors = _embed_rows(train_rows, embed)
    threshold, scores = _tune_threshold(_cosine_distances(train_vectors),
                                        gold_labels(train_rows))
    _fill(report, {"threshold": threshold}, scores)
    if not test_rows:
        return []
    _, test_vectors = _embed_rows(test_rows, embed)
    return _average_link(_cosine_distances(test_vectors), threshold)


# --------------------------------------------------------------------------- peer 3: BERTopic


def _bertopic_labels(texts: Sequence[str], vectors: Matrix, min_cluster_size: int,
                     selection: str) -> list[int]:
    """BERTopic topics of precomputed embeddings, each outlier (-1) a singleton cluster."""
    try:
        from bertopic import BERTopic
        from hdbscan import HDBSCAN
        from umap import UMAP
    except ImportError as exc:
        raise RuntimeError(
            f"BERTopic is unavailable: {type(exc).__name__}: {exc} "
            "(pip install -c constraints.txt bertopic)") from exc
    n = len(texts)
    if n < 3:  # UMAP needs a neighbourhood; nothing to cluster
        return list(range(n))
    umap_model = UMAP(n_neighbors=min(15, n - 1), n_components=min(5, n - 2), min_dist=0.0,
                      metric="cosine", random_state=UMAP_SEED, low_memory=False)
    hdbscan_model = HDBSCAN(min_cluster_size=min_cluster_size, metric="euclidean",
                            cluster_selection_method=selection, prediction_data=False)
    model = BERTopic(embedding_model=None, umap_model=umap_model, hdbscan_model=hdbscan_model,
                     calculate_probabilities=False, verbose=False)
    try:
        topics, _ = model.fit_transform(list(texts), embeddings=np.asarray(vectors))
    except Exception as exc:  # surface BERTopic/UMAP/numba failures as one kind of error
        raise RuntimeError(f"BERTopic failed: {type(exc).__name__}: {exc}") from exc
    top = max(topics, default=-1) + 1
    labels: list[int] = []
    for topic in topics:
        if topic < 0:
            labels.append(top)
            top += 1
        else:
            labels.append(int(topic))
    return labels


def bertopic_clusters(train_rows: Sequence[Row], test_rows: Sequence[Row],
                      embed: Embed = minilm_embed, *,
                      report: dict[str, Any] | None = None) -> list[int]:
    """BERTopic (UMAP + HDBSCAN) on title+lead embeddings; ``min_cluster_size`` and the
    cluster selection method tuned on train; outliers become singletons. Raises
    :class:`RuntimeError` when BERTopic is not installed or fails."""
    train_texts, train_vectors = _embed_rows(train_rows, embed)
    gold = gold_labels(train_rows)
    best: tuple[dict[str, Any], tuple[float, ...]] | None = None
    grid: dict[str, float] = {}
    for selection in SELECTION_METHODS:
        for size in MIN_CLUSTER_SIZES:
            scores = b3(gold, _bertopic_labels(train_texts, train_vectors, size, selection))
            grid[f"{size}/{selection}"] = scores[2]
            if best is None or scores[2] > best[1][2]:
                best = ({"min_cluster_size": size, "cluster_selection_method": selection}, scores)
    assert best is not None
    setting, train_scores = best
    _fill(report, setting, train_scores)
    if report is not None:
        report["train_grid"] = grid  # train B-cubed F1 of every setting tried
    if not test_rows:
        return []
    test_texts, test_vectors = _embed_rows(test_rows, embed)
    return _bertopic_labels(test_texts, test_vectors, setting["min_cluster_size"],
                            setting["cluster_selection_method"])


# --------------------------------------------------------------------------- script


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(gold: Sequence[str], pred: Sequence[int]) -> dict[str, float]:
    """B-cubed P/R/F1, adjusted Rand index and normalised mutual information."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    precision, recall, f1 = b3(gold, pred)
    return {"b3_p": precision, "b3_r": recall, "b3_f1": f1,
            "ari": float(adjusted_rand_score(gold, pred)),
            "nmi": float(normalized_mutual_info_score(gold, pred)),
            "clusters": float(len(set(pred))), "gold_clusters": float(len(set(gold)))}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Story-clustering peer baselines.")
    parser.add_argument("--train", type=Path, default=ECB_TRAIN)
    parser.add_argument("--test", type=Path, nargs="+", default=[ECB_DEV, BASIL])
    parser.add_argument("--peers", nargs="+", default=["tfidf", "minilm", "bertopic"],
                        choices=["tfidf", "minilm", "bertopic"])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    for path in [args.train, *args.test]:
        if not path.is_file():
            print(f"story_peers: {path} not found (the shared corpora)", file=sys.stderr)
            return 2
    train = read_jsonl(args.train)
    embed = memoize_embed(minilm_embed)
    peers: dict[str, Callable[..., list[int]]] = {
        "tfidf": tfidf_average_link,
        "minilm": functools.partial(minilm_average_link, embed=embed),
        "bertopic": functools.partial(bertopic_clusters, embed=embed),
    }
    results: list[dict[str, Any]] = []
    header = (f"{'peer':<9} {'test':<22} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'ARI':>6} "
              f"{'NMI':>6} {'k/gold':>8}  setting (train F1)   secs")
    print(f"train: {args.train} ({len(train)} articles)")
    print(header)
    for test_path in args.test:
        test = read_jsonl(test_path)
        gold = gold_labels(test)
        name = f"{test_path.parent.name}/{test_path.stem}"
        for peer in args.peers:
            report: dict[str, Any] = {}
            start = time.perf_counter()
            try:
                pred = peers[peer](train, test, report=report)
            except RuntimeError as exc:
                print(f"{peer:<9} {name:<22} unavailable: {exc}")
                results.append({"peer": peer, "test": name, "error": str(exc)})
                continue
            seconds = time.perf_counter() - start
            scores = evaluate(gold, pred)
            setting = {k: v for k, v in report.items() if not k.startswith("train_")}
            shown = " ".join(f"{v}" for v in setting.values())
            print(f"{peer:<9} {name:<22} {scores['b3_p']:6.3f} {scores['b3_r']:6.3f} "
                  f"{scores['b3_f1']:6.3f} {scores['ari']:6.3f} {scores['nmi']:6.3f} "
                  f"{int(scores['clusters']):>3}/{int(scores['gold_clusters']):<4}  "
                  f"{shown} ({report['train_f1']:.3f})  {seconds:6.1f}")
            results.append({"peer": peer, "test": name, "n": len(test), **scores,
                            **report, "seconds": seconds})
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
