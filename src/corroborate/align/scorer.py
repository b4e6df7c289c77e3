"""The pair scorer: a logistic regression over :data:`~corroborate.align.features.FEATURES`.

Its weights ship with the package (``aligner_weights.json``), fitted by
``benchmarks/calibrate_aligner.py`` on MSRP train and ECB+ sentence pairs train only. Fitting is
plain numpy (Newton's method with an L2 penalty), so that the evaluation can cross-validate the
same procedure without extra dependencies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from corroborate.align.features import FEATURES
from corroborate.errors import ModelUnavailableError

WEIGHTS_FILE = "aligner_weights.json"
Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PairScorer:
    """Standardise, then a logistic regression; ``threshold`` is the F1-optimal cut on the
    training pairs."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    trained_on: str = ""

    def probabilities(self, rows: Sequence[Sequence[float]] | Array) -> Array:
        x = np.asarray(rows, dtype=np.float64)
        if x.size == 0:
            return np.zeros(0)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.coef) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30))))

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "coef": list(self.coef),
                "intercept": self.intercept, "threshold": self.threshold,
                "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PairScorer:
        return cls(tuple(raw["features"]), tuple(raw["mean"]), tuple(raw["scale"]),
                   tuple(raw["coef"]), float(raw["intercept"]), float(raw["threshold"]),
                   str(raw.get("trained_on", "")))


def _shipped_weights() -> dict[str, Any]:
    """The weights file that ships with the package (scorer and the peers' thresholds)."""
    try:
        raw: dict[str, Any] = json.loads(resources.files("corroborate.align")
                                         .joinpath(WEIGHTS_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise ModelUnavailableError(
            f"the aligner weights ({WEIGHTS_FILE}) are missing or broken: reinstall Corroborate "
            "or run benchmarks/calibrate_aligner.py") from exc
    return raw


def load_default_scorer() -> PairScorer:
    """The shipped scorer. Its feature list must match this version's features."""
    scorer = PairScorer.from_dict(_shipped_weights())
    if scorer.features != FEATURES:
        raise ModelUnavailableError(
            f"{WEIGHTS_FILE} was fitted for other features: run benchmarks/calibrate_aligner.py")
    return scorer


def load_peer_thresholds() -> dict[str, float]:
    """The peers' thresholds calibrated with the shipped scorer (TF-IDF and MiniLM cosine)."""
    raw = _shipped_weights().get("peer_thresholds", {})
    return {str(k): float(v) for k, v in raw.items()}


def fit_scorer(rows: Sequence[Sequence[float]] | Array, labels: Sequence[int] | Array, *,
               weights: Sequence[float] | Array | None = None, l2: float = 1.0,
               trained_on: str = "", names: Sequence[str] | None = None) -> PairScorer:
    """Fit the logistic regression (L2 penalty ``l2`` on standardised features; ``weights``
    per pair, e.g. to give two corpora equal say) and choose the threshold that maximises
    (weighted) F1 on the same pairs. ``names`` names the columns (default: :data:`FEATURES`
    when there are as many columns)."""
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    sw = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    sw = sw * (len(x) / max(1e-9, sw.sum()))
    mean = np.average(x, axis=0, weights=sw)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=sw))
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (sw * (p - y)) + penalty * w
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    probs = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
    if names is not None and len(names) != x.shape[1]:
        raise ValueError(f"{len(names)} names for {x.shape[1]} columns")
    columns = (tuple(names) if names is not None else FEATURES if x.shape[1] == len(FEATURES)
               else tuple(f"f{i}" for i in range(x.shape[1])))
    return PairScorer(columns,
                      tuple(float(v) for v in mean), tuple(float(v) for v in scale),
                      tuple(float(v) for v in w[:-1]), float(w[-1]),
                      best_f1_threshold(probs, y, sw), trained_on)


def best_f1_threshold(scores: Array, labels: Array, weights: Array | None = None) -> float:
    """The cut on ``scores`` that maximises (weighted) F1 of ``labels``."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    w = np.ones(len(s)) if weights is None else np.asarray(weights)[order]
    tp = np.cumsum(w * y)
    fp = np.cumsum(w * (1 - y))
    positives = (w * y).sum()
    f1 = 2 * tp / np.maximum(1e-9, tp + fp + positives)
    # only cut between distinct scores
    distinct = np.r_[s[1:] != s[:-1], True]
    f1 = np.where(distinct, f1, -1)
    best = int(np.argmax(f1))
    if best + 1 < len(s):
        return float((s[best] + s[best + 1]) / 2)
    return float(s[best]) - 1e-9
