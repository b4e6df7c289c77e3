"""Scoring the aligner on sentence-pair files ("do these two sentences state the same fact?"),
side by side with two peers run in the same call: TF-IDF cosine and plain MiniLM cosine.

Without cross-validation the shipped aligner (weights and threshold fixed at calibration) and
the peers' calibrated thresholds are applied as they are: nothing is tuned on the file. With
``folds`` the whole calibration procedure (fit + threshold, for the aligner and the peers) is
re-run on the training folds and scored on the held-out fold, for files the aligner was
calibrated on.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corroborate.align.features import FEATURES
from corroborate.align.pairs import Pair, feature_rows
from corroborate.align.scorer import PairScorer, best_f1_threshold, fit_scorer
from corroborate.embed import Embedder

CALIBRATION_L2 = 1.0
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class PairScores:
    f1: float
    precision: float
    recall: float
    accuracy: float
    auc: float
    threshold: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"f1": round(self.f1, 4), "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "accuracy": round(self.accuracy, 4),
                "auc": round(self.auc, 4),
                "threshold": None if self.threshold is None else round(self.threshold, 4)}


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    pos = int(labels.sum())
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def score_predictions(scores: np.ndarray, predicted: np.ndarray, labels: np.ndarray,
                      threshold: float | None) -> PairScores:
    tp = float(np.sum(predicted & (labels == 1)))
    fp = float(np.sum(predicted & (labels == 0)))
    fn = float(np.sum(~predicted & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float(np.mean(predicted == (labels == 1)))
    return PairScores(f1, precision, recall, accuracy, auc(scores, labels), threshold)


def tfidf_cosines(pairs: Sequence[Pair]) -> np.ndarray:
    """The TF-IDF cosine peer: lower-cased words, smoothed IDF over the file's sentences,
    sublinear-free term counts, L2-normalised vectors."""
    texts = sorted({p.a for p in pairs} | {p.b for p in pairs})
    counts = {t: Counter(_WORDS.findall(t.lower())) for t in texts}
    df: Counter[str] = Counter()
    for c in counts.values():
        df.update(c.keys())
    n = len(texts)
    idf = {w: math.log((1 + n) / (1 + k)) + 1 for w, k in df.items()}

    def vector(text: str) -> dict[str, float]:
        v = {w: c * idf[w] for w, c in counts[text].items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    vectors = {t: vector(t) for t in texts}
    return np.asarray([sum(x * vectors[p.b].get(w, 0.0) for w, x in vectors[p.a].items())
                       for p in pairs])


@dataclass(frozen=True, slots=True)
class PairEvaluation:
    pairs: int
    positives: int
    mode: str
    seconds: float
    corroborate: PairScores
    peers: dict[str, PairScores]

    @property
    def pairs_per_second(self) -> float:
        return self.pairs / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs, "positives": self.positives, "mode": self.mode,
            "corroborate": {**self.corroborate.to_dict(),
                            "pairs_per_second": round(self.pairs_per_second, 1)},
            **{name: s.to_dict() for name, s in self.peers.items()},
        }


def evaluate_pairs(pairs: Sequence[Pair], embedder: Embedder, scorer: PairScorer, *,
                   peer_thresholds: dict[str, float] | None = None, folds: int = 0,
                   extra_train: Sequence[Pair] = (),
                   extra_rows: np.ndarray | None = None) -> PairEvaluation:
    """Score the aligner and its peers on ``pairs``.

    ``folds=0``: the shipped ``scorer`` and the calibrated ``peer_thresholds`` as they are.
    ``folds=K``: K-fold cross-validation of the calibration procedure; ``extra_train`` pairs
    (with their ``extra_rows`` when already computed) join every training fold with the same
    total weight as the fold, as in the shipped calibration."""
    labels = np.asarray([p.label for p in pairs])
    started = time.perf_counter()
    rows = feature_rows(pairs, embedder)
    probs = scorer.probabilities(rows)
    seconds = time.perf_counter() - started
    cosine = rows[:, FEATURES.index("cosine")]
    tfidf = tfidf_cosines(pairs)
    peers_raw = {"tfidf_cosine": tfidf, "minilm_cosine": cosine}
    if folds <= 1:
        thresholds = peer_thresholds or {}
        peers = {name: score_predictions(s, s >= thresholds.get(name, 0.5), labels,
                                         thresholds.get(name, 0.5))
                 for name, s in peers_raw.items()}
        ours = score_predictions(probs, probs >= scorer.threshold, labels, scorer.threshold)
        return PairEvaluation(len(pairs), int(labels.sum()), "fixed", seconds, ours, peers)

    if extra_train and extra_rows is None:
        extra_rows = feature_rows(extra_train, embedder)
    extra_labels = np.asarray([p.label for p in extra_train])
    fold_of = _stratified_folds(labels, folds)
    scores = np.zeros(len(pairs))
    predicted = np.zeros(len(pairs), dtype=bool)
    peer_pred = {name: np.zeros(len(pairs), dtype=bool) for name in peers_raw}
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        x, y = rows[train], labels[train]
        weights = np.ones(len(y))
        if extra_rows is not None and len(extra_rows):
            x = np.vstack([x, extra_rows])
            y = np.concatenate([y, extra_labels])
            weights = np.concatenate([weights, np.full(len(extra_labels),
                                                       train.sum() / len(extra_labels))])
        fitted = fit_scorer(x, y, weights=weights, l2=CALIBRATION_L2)
        p = fitted.probabilities(rows[test])
        scores[test] = p
        predicted[test] = p >= fitted.threshold
        for name, s in peers_raw.items():
            cut = best_f1_threshold(s[train], labels[train].astype(float))
            peer_pred[name][test] = s[test] >= cut
    ours = score_predictions(scores, predicted, labels, None)
    peers = {name: score_predictions(s, peer_pred[name], labels, None)
             for name, s in peers_raw.items()}
    return PairEvaluation(len(pairs), int(labels.sum()), f"{folds}-fold cross-validation",
                          seconds, ours, peers)


def _stratified_folds(labels: np.ndarray, folds: int) -> np.ndarray:
    """A fold number per pair: each class shuffled with a fixed seed and dealt round-robin."""
    rng = np.random.default_rng(0)
    fold_of = np.zeros(len(labels), dtype=int)
    for value in (0, 1):
        idx = np.flatnonzero(labels == value)
        rng.shuffle(idx)
        fold_of[idx] = np.arange(len(idx)) % folds
    return fold_of
