"""The support model: does one claim state a fact that another claim of another outlet states?

A logistic regression that reads, for one candidate pair of claims, what the two earlier
readers say — the feature scorer's probability (fitted on MSRP and ECB+ sentence pairs), the
learned pair model's relation probabilities when it read the pair — beside the 48 pair
features themselves (:data:`~corroborate.align.features.FEATURES`, number evidence left out:
values are compared afterwards). It is fitted on *claim-level* gold (pairs of claims that gold
says state one fact, against every other candidate pair of the same comparisons), which is the
question the brief asks; MSRP's "paraphrase or not" and ECB+'s "same event or not" are
neighbours of it, not the question.

Its weights and the grouping threshold ship with the package (``support_weights.json``),
fitted by ``benchmarks/calibrate_support.py`` on the ``fit`` and ``tune`` claim gold only
(never on the dev, held-out or example gold that ``benchmarks/briefs_quality.py`` reports).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corroborate.align.features import FEATURES
from corroborate.align.scorer import PairScorer
from corroborate.errors import ModelUnavailableError

WEIGHTS_FILE = "support_weights.json"
SIGNALS: tuple[str, ...] = ("scorer_logit", "model_read", "model_related_logit",
                            "model_conflict_logit", "margin_min", "margin_max")
SUPPORT_FEATURES: tuple[str, ...] = SIGNALS + FEATURES
SUPPORT_SCHEMA = "corroborate.support-model/1"


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1.0 - 1e-4)
    return math.log(p / (1.0 - p))


def support_row(features: Sequence[float], scorer_probability: float,
                relation: Sequence[float] | npt.NDArray[np.float64] | None,
                margins: tuple[float, float] = (0.0, 0.0)) -> list[float]:
    """The values of :data:`SUPPORT_FEATURES` for one pair: its pair features (number evidence
    already left out), the feature scorer's probability, the pair model's probabilities
    (other, same, conflict) when it read the pair (``None`` when it did not), and how far the
    pair's feature score is above each claim's next best candidate in the other's article."""
    if relation is None:
        model = [0.0, 0.0, 0.0]
    else:
        related = float(relation[1]) + float(relation[2])
        model = [1.0, _logit(related), _logit(float(relation[2]) / max(1e-6, related))]
    return [_logit(scorer_probability), *model, min(margins), max(margins),
            *map(float, features)]


@dataclass(frozen=True, slots=True)
class SupportModel:
    """The regression and the probability two claims need to state one fact."""

    scorer: PairScorer
    threshold: float
    trained_on: str = ""

    def probabilities(self, rows: Sequence[Sequence[float]] | npt.NDArray[np.float64]
                      ) -> npt.NDArray[np.float64]:
        return self.scorer.probabilities(rows)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SUPPORT_SCHEMA, "threshold": self.threshold,
                "trained_on": self.trained_on, "regression": self.scorer.to_dict()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SupportModel:
        return cls(PairScorer.from_dict(raw["regression"]), float(raw["threshold"]),
                   str(raw.get("trained_on", "")))


def load_support_model(path: str | os.PathLike[str] | None = None) -> SupportModel:
    """The shipped support model (or the one in ``path``); :class:`ModelUnavailableError`
    when the file is missing, broken, or fitted for other features."""
    try:
        text = (Path(path).read_text(encoding="utf-8") if path is not None else
                resources.files("corroborate.align").joinpath(WEIGHTS_FILE)
                .read_text(encoding="utf-8"))
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("schema") != SUPPORT_SCHEMA:
            raise ValueError(f"not a {SUPPORT_SCHEMA} file")
        model = SupportModel.from_dict(raw)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(
            f"the support model ({WEIGHTS_FILE}) is missing or broken ({exc}): reinstall "
            "Corroborate or run benchmarks/calibrate_support.py") from exc
    if model.scorer.features != SUPPORT_FEATURES:
        raise ModelUnavailableError(
            f"{WEIGHTS_FILE} was fitted for other features: run benchmarks/calibrate_support.py")
    sizes = {len(model.scorer.mean), len(model.scorer.scale), len(model.scorer.coef)}
    if sizes != {len(SUPPORT_FEATURES)} or min(model.scorer.scale) <= 0:
        raise ModelUnavailableError(
            f"{WEIGHTS_FILE} is broken (weights do not fit its features): reinstall Corroborate "
            "or run benchmarks/calibrate_support.py")
    return model
