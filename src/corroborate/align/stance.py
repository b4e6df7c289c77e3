"""Stance of an article towards a claim: does the body ``agree`` with a headline, ``disagree``
with it, or merely ``discuss`` it (the FNC-1 task on related pairs)?

The body is split into sentences; the headline is compared with every sentence by the aligner
(:func:`~corroborate.align.features.pair_features` and the shipped pair scorer), and the stance
features read where and how well the headline is restated, and what surrounds the restatement:
refuting cues ("hoax", "denied", "no evidence"), hedges ("allegedly", "unconfirmed", "could"),
reporting cues ("according to", "reportedly", "claims"), negation and numbers that differ from
the headline's. A small softmax regression (numpy, Newton's method, L2, class weights for the
rare ``disagree``) maps them to the three labels. Nothing here is fitted at import: call
:meth:`StanceClassifier.fit` on labelled pairs, or load a fitted model with
:meth:`StanceModel.from_dict`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from corroborate.align.features import FEATURES, Idf, Statement, pair_features, prepare
from corroborate.align.scorer import PairScorer, load_default_scorer
from corroborate.embed import Embedder, MiniLMEmbedder, TextEmbedding

Array = npt.NDArray[np.float64]
LABELS: tuple[str, ...] = ("agree", "disagree", "discuss")
TOP_K = 3
MIN_SENTENCE_WORDS = 4
MAX_SENTENCES = 200

# -- cues ------------------------------------------------------------------------------------


def _cue(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<![\w'’])(?:" + "|".join(alternatives) + r")(?![\w'’])",
                      re.IGNORECASE)


REFUTING = _cue([
    r"false(?:ly|hood)?", r"fakes?", r"faked", r"hoax(?:es|ed)?", r"den(?:y|ies|ied|ying|ial)",
    r"debunk(?:s|ed|ing)?", r"fabricat(?:ed|ion|e)", r"satir(?:e|ical)", r"parody", r"spoof",
    r"retract(?:s|ed|ion)?", r"untrue", r"not true", r"isn['’]t true", r"wasn['’]t true",
    r"no evidence", r"no proof", r"no truth", r"no basis", r"bogus", r"myth", r"pranks?",
    r"fraud(?:ulent)?", r"doctored", r"photoshopped", r"misleading", r"refut(?:e|es|ed|ing)",
    r"baseless", r"unfounded", r"nonsense", r"made[- ]up", r"never happened", r"fictional",
    r"dismiss(?:es|ed)?", r"rebuff(?:s|ed)?", r"rejects?", r"rejected", r"scam",
    r"not real", r"urban legend", r"conspiracy theor(?:y|ies)", r"lies", r"lied",
    r"shot down", r"wrong", r"erroneous(?:ly)?", r"incorrect", r"inaccurate",
])
HEDGING = _cue([
    r"allegedly", r"alleged", r"rumou?rs?", r"rumou?red", r"unconfirmed", r"unverified",
    r"could", r"(?-i:may)", r"might", r"possibl[ey]", r"apparently", r"purportedly", r"purported",
    r"supposedly", r"appears?", r"seems?", r"suggests?", r"speculat(?:e|es|ed|ion)",
    r"believed", r"thought to", r"said to be", r"unclear", r"if true", r"perhaps",
    r"not yet (?:confirmed|clear|known)", r"cannot be (?:confirmed|verified)",
])
REPORTING = _cue([
    r"reportedly", r"according to", r"claims?", r"claimed", r"claiming", r"reports?",
    r"reported", r"sources? (?:say|said|says|told)", r"told", r"quoted", r"cited",
    r"circulat(?:ing|ed)", r"went viral", r"viral",
])
NEGATION = _cue([
    r"not", r"no", r"never", r"none", r"nobody", r"nothing", r"neither", r"nor", r"without",
    r"cannot", r"\w+n['’]t",
])

# -- features ---------------------------------------------------------------------------------

STANCE_FEATURES: tuple[str, ...] = (
    "score_max", "score_mean", "score_top3", "cosine_max", "cosine_mean", "cosine_top3",
    "token_f_max", "frac_aligned", "best_position", "top3_position", "best_in_lead",
    "headline_coverage", "best_coverage",
    "refute_body", "refute_rate", "refute_top3", "refute_lead", "refute_weighted",
    "refute_headline",
    "hedge_body", "hedge_rate", "hedge_top3", "hedge_weighted", "hedge_headline",
    "report_body", "report_rate", "report_top3", "report_headline", "headline_question",
    "negation_headline", "negation_best", "negation_mismatch", "negation_mismatch_top3",
    "numbers_mismatch_best", "numbers_equal_best", "names_mismatch_best",
    "refute_agreement", "refute_contrast", "sentences",
)
_SCORE = FEATURES.index("cosine")
_TOKEN_F = FEATURES.index("token_f")
_NUM_MISMATCH = FEATURES.index("numbers_mismatched")
_NUM_ANY = FEATURES.index("numbers_any")
_NUM_EQUAL = FEATURES.index("numbers_equal")
_NAMES = FEATURES.index("names_mismatched")

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"\w+")


def split_sentences(text: str) -> list[str]:
    """Sentences of a body: lines (paragraphs) cut after ``.``, ``!`` or ``?`` before a capital
    letter or digit. Pieces under :data:`MIN_SENTENCE_WORDS` words join the next one; at most
    :data:`MAX_SENTENCES` are kept."""
    pieces: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _SENTENCE_END.finditer(line):
            pieces.append(line[start : m.start() + len(m.group(0).rstrip())].strip())
            start = m.end()
        pieces.append(line[start:].strip())
    sentences: list[str] = []
    carry = ""
    for piece in pieces:
        joined = f"{carry} {piece}".strip() if carry else piece
        if len(_WORD.findall(joined)) < MIN_SENTENCE_WORDS:
            carry = joined
            continue
        sentences.append(joined)
        carry = ""
    if carry:
        if sentences:
            sentences[-1] = f"{sentences[-1]} {carry}"
        else:
            sentences.append(carry)
    return sentences[:MAX_SENTENCES]


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))


def _coverage(headline: Statement, stems: frozenset[str], idf: Idf) -> float:
    """IDF-weighted share of the headline's content stems found in ``stems``."""
    total = idf.weight(headline.stems)
    return idf.weight(headline.stems & stems) / total if total > 0 else 0.0


def stance_features(headline: str, headline_statement: Statement, sentences: Sequence[str],
                    statements: Sequence[Statement], scorer: PairScorer) -> list[float]:
    """The values of :data:`STANCE_FEATURES` for a headline and its body's sentences (with their
    prepared :class:`Statement` objects, in order). The IDF is the body's own (the headline
    and the sentences), so no corpus statistics are needed."""
    n = len(sentences)
    h_refute = _count(REFUTING, headline)
    h_hedge = _count(HEDGING, headline)
    h_report = _count(REPORTING, headline)
    h_negation = _count(NEGATION, headline)
    question = float("?" in headline)
    if n == 0:
        row = [0.0] * len(STANCE_FEATURES)
        row[STANCE_FEATURES.index("refute_headline")] = float(h_refute)
        row[STANCE_FEATURES.index("hedge_headline")] = float(h_hedge)
        row[STANCE_FEATURES.index("report_headline")] = float(h_report)
        row[STANCE_FEATURES.index("headline_question")] = question
        row[STANCE_FEATURES.index("negation_headline")] = float(h_negation)
        return row
    idf = Idf([headline_statement, *statements])
    pairs = np.asarray([pair_features(headline_statement, s, idf) for s in statements],
                       dtype=np.float64)
    scores = scorer.probabilities(pairs)
    cosines = pairs[:, _SCORE]
    order = np.argsort(-scores, kind="stable")
    top = [int(i) for i in order[:TOP_K]]
    best = top[0]
    refute = np.asarray([_count(REFUTING, s) for s in sentences], dtype=np.float64)
    hedge = np.asarray([_count(HEDGING, s) for s in sentences], dtype=np.float64)
    report = np.asarray([_count(REPORTING, s) for s in sentences], dtype=np.float64)
    negation = np.asarray([_count(NEGATION, s) for s in sentences], dtype=np.float64)
    weights = scores / max(1e-9, float(scores.sum()))
    last = max(1, n - 1)
    body_stems = frozenset().union(*(s.stems for s in statements))
    refute_top = float(refute[top].sum())
    has_h_neg = h_negation > 0
    best_row = pairs[best]
    numbers_both = best_row[_NUM_ANY] > 0 and bool(headline_statement.numbers) and bool(
        statements[best].numbers)
    values: dict[str, float] = {
        "score_max": float(scores[best]),
        "score_mean": float(scores.mean()),
        "score_top3": float(scores[top].mean()),
        "cosine_max": float(cosines.max()),
        "cosine_mean": float(cosines.mean()),
        "cosine_top3": float(np.sort(cosines)[::-1][:TOP_K].mean()),
        "token_f_max": float(pairs[:, _TOKEN_F].max()),
        "frac_aligned": float(np.mean(scores >= scorer.threshold)),
        "best_position": best / last if n > 1 else 0.0,
        "top3_position": float(np.mean(top)) / last if n > 1 else 0.0,
        "best_in_lead": float(best < 2),
        "headline_coverage": _coverage(headline_statement, body_stems, idf),
        "best_coverage": _coverage(headline_statement, statements[best].stems, idf),
        "refute_body": math.log1p(float(refute.sum())),
        "refute_rate": float(np.mean(refute > 0)),
        "refute_top3": math.log1p(refute_top),
        "refute_lead": math.log1p(float(refute[:3].sum())),
        "refute_weighted": float(weights @ (refute > 0)),
        "refute_headline": float(h_refute),
        "hedge_body": math.log1p(float(hedge.sum())),
        "hedge_rate": float(np.mean(hedge > 0)),
        "hedge_top3": math.log1p(float(hedge[top].sum())),
        "hedge_weighted": float(weights @ (hedge > 0)),
        "hedge_headline": float(h_hedge),
        "report_body": math.log1p(float(report.sum())),
        "report_rate": float(np.mean(report > 0)),
        "report_top3": math.log1p(float(report[top].sum())),
        "report_headline": float(h_report),
        "headline_question": question,
        "negation_headline": float(h_negation),
        "negation_best": float(negation[best]),
        "negation_mismatch": float(has_h_neg != (negation[best] > 0)),
        "negation_mismatch_top3": float(np.mean([has_h_neg != (negation[i] > 0) for i in top])),
        "numbers_mismatch_best": float(numbers_both and best_row[_NUM_MISMATCH] > 0),
        "numbers_equal_best": float(numbers_both and best_row[_NUM_EQUAL] > 0),
        "names_mismatch_best": float(best_row[_NAMES]),
        # a body that refutes a headline which itself calls the story false agrees with it
        "refute_agreement": float(h_refute > 0) * math.log1p(refute_top),
        "refute_contrast": float(h_refute == 0) * math.log1p(refute_top),
        "sentences": math.log1p(n),
    }
    return [values[name] for name in STANCE_FEATURES]


# -- the regression ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StanceModel:
    """Standardise, then a softmax regression: ``coef`` is one row per label."""

    labels: tuple[str, ...]
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    trained_on: str = ""

    def probabilities(self, rows: Sequence[Sequence[float]] | Array) -> Array:
        x = np.asarray(rows, dtype=np.float64)
        if x.size == 0:
            return np.zeros((0, len(self.labels)))
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.coef).T + np.asarray(self.intercept)
        return _softmax(logits)

    def predict(self, rows: Sequence[Sequence[float]] | Array) -> list[str]:
        probs = self.probabilities(rows)
        return [self.labels[int(i)] for i in probs.argmax(axis=1)] if len(probs) else []

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "features": list(self.features),
                "mean": list(self.mean), "scale": list(self.scale),
                "coef": [list(r) for r in self.coef], "intercept": list(self.intercept),
                "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> StanceModel:
        return cls(tuple(str(v) for v in raw["labels"]), tuple(str(v) for v in raw["features"]),
                   tuple(float(v) for v in raw["mean"]), tuple(float(v) for v in raw["scale"]),
                   tuple(tuple(float(v) for v in r) for r in raw["coef"]),
                   tuple(float(v) for v in raw["intercept"]), str(raw.get("trained_on", "")))


def _softmax(logits: Array) -> Array:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    result: Array = e / e.sum(axis=1, keepdims=True)
    return result


def balanced_weights(labels: Sequence[str], classes: Sequence[str]) -> Array:
    """Per-example weights ``n / (k * n_class)``: each class counts as much in the loss."""
    counts = {c: sum(1 for y in labels if y == c) for c in classes}
    present = [c for c in classes if counts[c]]
    return np.asarray([len(labels) / (len(present) * counts[y]) for y in labels])


def fit_softmax(rows: Sequence[Sequence[float]] | Array, labels: Sequence[str], *,
                classes: Sequence[str] = LABELS, weights: Sequence[float] | Array | None = None,
                l2: float = 1.0, feature_names: Sequence[str] | None = None,
                trained_on: str = "") -> StanceModel:
    """Fit a multinomial logistic regression by Newton's method (L2 penalty ``l2`` on the
    standardised coefficients, a tiny one on the intercepts, ``weights`` per example)."""
    x = np.asarray(rows, dtype=np.float64)
    classes = tuple(classes)
    unknown = set(labels) - set(classes)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among {classes}")
    if len(x) != len(labels) or len(x) == 0:
        raise ValueError("fit_softmax needs one row per label and at least one row")
    k, d = len(classes), x.shape[1]
    sw = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    sw = sw * (len(x) / max(1e-9, float(sw.sum())))
    mean = np.average(x, axis=0, weights=sw)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=sw))
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    index = {c: i for i, c in enumerate(classes)}
    y = np.zeros((len(x), k))
    y[np.arange(len(x)), [index[v] for v in labels]] = 1.0
    penalty = np.tile(np.r_[np.full(d, l2), 1e-4], k)  # parameters laid out class by class
    w = np.zeros((k, d + 1))

    def loss(params: Array) -> float:
        p = _softmax(z @ params.T)
        nll = -float(np.sum(sw * np.log(np.maximum(1e-300, (p * y).sum(axis=1)))))
        return nll + 0.5 * float(np.sum(penalty * params.ravel() ** 2))

    current = loss(w)
    for _ in range(100):
        p = _softmax(z @ w.T)
        grad = ((sw[:, None] * (p - y)).T @ z).ravel() + penalty * w.ravel()
        hess = np.zeros((k * (d + 1), k * (d + 1)))
        for a in range(k):
            for b in range(a, k):
                c = sw * p[:, a] * ((a == b) - p[:, b])
                block = (z * c[:, None]).T @ z
                hess[a * (d + 1):(a + 1) * (d + 1), b * (d + 1):(b + 1) * (d + 1)] = block
                hess[b * (d + 1):(b + 1) * (d + 1), a * (d + 1):(a + 1) * (d + 1)] = block.T
        hess += np.diag(penalty)
        step = np.linalg.solve(hess, grad).reshape(k, d + 1)
        rate = 1.0
        while rate > 1e-4:
            candidate = w - rate * step
            value = loss(candidate)
            if value <= current + 1e-12:
                break
            rate /= 2
        w, improvement = candidate, current - value
        current = value
        if np.max(np.abs(rate * step)) < 1e-8 or improvement < 1e-10 * max(1.0, abs(current)):
            break
    names = tuple(feature_names) if feature_names is not None else tuple(
        f"f{i}" for i in range(d))
    return StanceModel(classes, names, tuple(float(v) for v in mean),
                       tuple(float(v) for v in scale),
                       tuple(tuple(float(v) for v in row[:-1]) for row in w),
                       tuple(float(row[-1]) for row in w), trained_on)


# -- the classifier ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Body:
    sentences: list[str]
    statements: list[Statement] = field(default_factory=list)


class StanceClassifier:
    """Headline–body stance: :meth:`features` per pair, :meth:`fit` on labelled pairs, then
    :meth:`predict`. Embeddings are cached in memory per distinct text (headlines and body
    sentences), so a body shared by many headlines is embedded once; :meth:`clear_cache`
    empties the cache."""

    def __init__(self, embedder: Embedder | None = None, scorer: PairScorer | None = None, *,
                 l2: float = 1.0, balanced: bool = True, model: StanceModel | None = None
                 ) -> None:
        self.embedder: Embedder = embedder if embedder is not None else MiniLMEmbedder()
        self.scorer = scorer if scorer is not None else load_default_scorer()
        self.l2 = l2
        self.balanced = balanced
        self.model = model
        self._embeddings: dict[str, TextEmbedding] = {}
        self._bodies: dict[str, _Body] = {}

    @property
    def name(self) -> str:
        return f"corroborate-stance/1+{self.embedder.name}"

    def clear_cache(self) -> None:
        self._embeddings.clear()
        self._bodies.clear()

    def _embed_missing(self, texts: Iterable[str]) -> None:
        missing = sorted({t for t in texts if t not in self._embeddings})
        if missing:
            self._embeddings.update(zip(missing, self.embedder.embed(missing), strict=True))

    def _body(self, text: str) -> _Body:
        body = self._bodies.get(text)
        if body is None:
            body = _Body(split_sentences(text))
            self._bodies[text] = body
        return body

    def prepare(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Split the bodies and embed every headline and sentence not yet cached, in one batch."""
        bodies = [self._body(b) for _, b in pairs]
        self._embed_missing([h for h, _ in pairs] + [s for b in bodies for s in b.sentences])
        for body in bodies:
            if len(body.statements) != len(body.sentences):
                body.statements = [prepare(s, self._embeddings[s]) for s in body.sentences]

    def features(self, headline: str, body: str) -> list[float]:
        """The :data:`STANCE_FEATURES` of one pair."""
        return [float(v) for v in self.feature_rows([(headline, body)])[0]]

    def feature_rows(self, pairs: Sequence[tuple[str, str]]) -> Array:
        """One row of :data:`STANCE_FEATURES` per ``(headline, body)`` pair."""
        self.prepare(pairs)
        rows = []
        headlines: dict[str, Statement] = {}
        for headline, text in pairs:
            h = headlines.get(headline)
            if h is None:
                h = headlines[headline] = prepare(headline, self._embeddings[headline])
            body = self._bodies[text]
            rows.append(stance_features(headline, h, body.sentences, body.statements,
                                        self.scorer))
        return np.asarray(rows, dtype=np.float64).reshape(len(pairs), len(STANCE_FEATURES))

    def fit(self, pairs: Sequence[tuple[str, str]], labels: Sequence[str], *,
            trained_on: str = "") -> StanceModel:
        """Fit the regression on labelled pairs (labels among :data:`LABELS`); returns the
        model, which is also kept for :meth:`predict`."""
        return self.fit_rows(self.feature_rows(pairs), labels, trained_on=trained_on)

    def fit_rows(self, rows: Array, labels: Sequence[str], *, trained_on: str = "") -> StanceModel:
        """:meth:`fit` on precomputed :meth:`feature_rows`."""
        weights = balanced_weights(labels, LABELS) if self.balanced else None
        self.model = fit_softmax(rows, labels, classes=LABELS, weights=weights, l2=self.l2,
                                 feature_names=STANCE_FEATURES, trained_on=trained_on)
        return self.model

    def predict_proba(self, pairs: Sequence[tuple[str, str]]) -> Array:
        """Probabilities of :data:`LABELS` (columns in that order), one row per pair."""
        return self._fitted().probabilities(self.feature_rows(pairs))

    def predict(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        return self._fitted().predict(self.feature_rows(pairs))

    def _fitted(self) -> StanceModel:
        if self.model is None:
            raise ValueError("the stance classifier is not fitted: call fit() first")
        return self.model
