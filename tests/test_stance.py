"""Headline–body stance (agree / disagree / discuss): sentence splitting, cues, features, the
softmax regression, and a small real run on FNC-1 (the full run is benchmarks/fnc1_stance.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from corroborate.align.stance import (
    HEDGING,
    LABELS,
    NEGATION,
    REFUTING,
    REPORTING,
    STANCE_FEATURES,
    StanceClassifier,
    StanceModel,
    balanced_weights,
    fit_softmax,
    split_sentences,
)
from corroborate.embed import HashingEmbedder, TextEmbedding

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> list[TextEmbedding]:
        self.seen.extend(texts)
        return super().embed(texts)


def feature(row: Sequence[float], name: str) -> float:
    return row[STANCE_FEATURES.index(name)]


def test_split_sentences() -> None:
    text = ("The mayor resigned on Monday. She said \"I am done.\" "
            "Officials confirmed it on Tuesday.\n\n"
            "Short one. A second paragraph follows here with more words.")
    assert split_sentences(text) == [
        "The mayor resigned on Monday.", "She said \"I am done.\"",
        "Officials confirmed it on Tuesday.",
        "Short one. A second paragraph follows here with more words.",
    ]
    assert split_sentences("") == []
    assert split_sentences("Too short.") == ["Too short."]
    assert split_sentences("A long first sentence here. Too short.") == [
        "A long first sentence here. Too short."]


def test_cues() -> None:
    assert len(REFUTING.findall("Police denied it; the photo was a hoax, not true at all.")) == 3
    assert REFUTING.search("the story was debunked") and not REFUTING.search("falsetto")
    assert HEDGING.search("he may have left") and not HEDGING.search("on 3 May 2014")
    assert HEDGING.search("the allegedly stolen car")
    assert REPORTING.search("according to local media")
    assert len(NEGATION.findall("He didn't go and never will, not now")) == 3
    assert not NEGATION.search("Nothingness is a noted idea")  # no partial words


def test_features_find_the_restatement_and_its_cues() -> None:
    clf = StanceClassifier(HashingEmbedder())
    headline = "Rebels captured the airport in Donetsk"
    body = ("Fighting continued across the region on Tuesday. Aid convoys waited at the border. "
            "Officials denied that rebels captured the airport in Donetsk, calling it a hoax. "
            "Markets were calm all day.")
    row = clf.features(headline, body)
    assert len(row) == len(STANCE_FEATURES)
    assert feature(row, "score_max") > feature(row, "score_mean")
    assert feature(row, "best_position") == pytest.approx(2 / 3)
    assert feature(row, "refute_top3") > 0 and feature(row, "refute_contrast") > 0
    assert feature(row, "refute_agreement") == 0
    assert feature(row, "negation_mismatch") == 0  # neither has a negation word
    assert feature(row, "sentences") == pytest.approx(np.log1p(4))

    negated = clf.features("Rebels did not capture the airport in Donetsk", body)
    assert feature(negated, "negation_headline") == 1 and feature(negated, "negation_mismatch") == 1
    numbers = clf.features("12 soldiers killed near the airport in Donetsk",
                           "Officials said 15 soldiers were killed near the airport in Donetsk.")
    assert feature(numbers, "numbers_mismatch_best") == 1
    assert feature(numbers, "numbers_equal_best") == 0
    empty = clf.features("Is the airport closed?", "")
    assert feature(empty, "headline_question") == 1 and feature(empty, "score_max") == 0


def test_embeddings_are_cached_per_distinct_text() -> None:
    embedder = CountingEmbedder()
    clf = StanceClassifier(embedder)
    body = "The river flooded the old town. Hundreds of homes were evacuated overnight."
    clf.feature_rows([("The river flooded the town", body), ("Homes evacuated after flood", body)])
    clf.feature_rows([("The river flooded the town", body)])
    assert sorted(embedder.seen) == sorted(set(embedder.seen))
    assert len(embedder.seen) == 4  # two headlines, two sentences
    clf.clear_cache()
    clf.features("The river flooded the town", body)
    assert len(embedder.seen) == 7


def test_fit_softmax_separates_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    centres = {"agree": (2.0, 0.0), "disagree": (-2.0, 0.0), "discuss": (0.0, 2.0)}
    labels = ["agree"] * 40 + ["disagree"] * 10 + ["discuss"] * 60
    x = np.asarray([centres[y] for y in labels]) + rng.normal(0, 0.5, (len(labels), 2))
    weights = balanced_weights(labels, LABELS)
    assert weights[labels.index("disagree")] == pytest.approx(110 / 30)
    model = fit_softmax(x, labels, weights=weights, l2=0.1)
    probs = model.probabilities(x)
    assert probs.shape == (110, 3) and np.allclose(probs.sum(axis=1), 1)
    assert np.mean(np.asarray(model.predict(x)) == np.asarray(labels)) > 0.95
    again = StanceModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert np.allclose(again.probabilities(x), probs)
    with pytest.raises(ValueError):
        fit_softmax(x, ["unrelated"] * len(labels))


def _synthetic() -> tuple[list[tuple[str, str]], list[str]]:
    topics = ["the minister resigned over the scandal", "a shark was seen in the city canal",
              "the band cancelled its world tour", "a meteor lit up the night sky",
              "the zoo welcomed twin panda cubs", "the factory closed after the fire",
              "a rare coin sold at the auction", "the bridge reopened to traffic"]
    pairs, labels = [], []
    for topic in topics:
        headline = topic.capitalize()
        filler = "The weather was mild. Traffic moved slowly downtown. Shops opened as usual."
        pairs.append((headline, f"Officials confirmed that {topic}. {filler}"))
        labels.append("agree")
        pairs.append((headline, f"{filler} Officials denied that {topic}, calling the story a "
                                "fake hoax. The report was false and was later retracted."))
        labels.append("disagree")
        pairs.append((headline, f"{filler} Reportedly {topic}, according to unconfirmed "
                                "rumours. It may or could be true, sources claimed."))
        labels.append("discuss")
    return pairs, labels


def test_classifier_fit_predict_round_trip() -> None:
    pairs, labels = _synthetic()
    clf = StanceClassifier(HashingEmbedder(), l2=0.3)
    with pytest.raises(ValueError, match="not fitted"):
        clf.predict(pairs[:1])
    model = clf.fit(pairs, labels, trained_on="synthetic")
    assert model.features == STANCE_FEATURES and model.labels == LABELS
    predicted = clf.predict(pairs)
    assert np.mean(np.asarray(predicted) == np.asarray(labels)) >= 0.9
    probs = clf.predict_proba(pairs)
    assert probs.shape == (len(pairs), 3)
    loaded = StanceClassifier(HashingEmbedder(), model=StanceModel.from_dict(model.to_dict()))
    assert loaded.predict(pairs) == predicted


def _fnc1_subset(limit: int = 200) -> list[dict[str, str]]:
    """Whole bodies (ordered by a hash of the body id) while the pairs stay within ``limit``."""
    rows = [json.loads(line) for line in (SHARED / "fnc1" / "pairs_related.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    by_body: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_body.setdefault(str(r["body_id"]), []).append(r)
    chosen: list[dict[str, str]] = []
    for body_id in sorted(by_body, key=lambda b: hashlib.sha256(b.encode()).hexdigest()):
        if len(chosen) + len(by_body[body_id]) > limit:
            continue
        chosen.extend(by_body[body_id])
    return chosen


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"needs the shared corpora at {SHARED}")
def test_fnc1_subset_macro_f1_floor() -> None:
    """≤ 200 FNC-1 related pairs (whole bodies), split by body as the benchmark does; MiniLM
    embeddings. Measured macro-F1 on the report side: see :data:`FNC1_SUBSET_FLOOR`."""
    pytest.importorskip("sentence_transformers")
    from corroborate.embed import MiniLMEmbedder

    pairs = _fnc1_subset()
    assert len(pairs) <= 200
    side = {p["body_id"]: hashlib.sha256(p["body_id"].encode()).digest()[0] % 2 == 0
            for p in pairs}
    fit = [p for p in pairs if side[p["body_id"]]]
    report = [p for p in pairs if not side[p["body_id"]]]
    clf = StanceClassifier(MiniLMEmbedder(precision="fp32"))
    clf.fit([(p["a"], p["b"]) for p in fit], [p["label"] for p in fit])
    predicted = clf.predict([(p["a"], p["b"]) for p in report])
    gold = [p["label"] for p in report]
    f1s = []
    for c in LABELS:
        tp = sum(1 for g, q in zip(gold, predicted, strict=True) if g == q == c)
        npred, ngold = predicted.count(c), gold.count(c)
        precision, recall = tp / max(1, npred), tp / max(1, ngold)
        f1s.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    macro = float(np.mean(f1s))
    assert macro >= FNC1_SUBSET_FLOOR, (macro, f1s)


# Measured 0.358 on this subset (117 fit pairs, 83 report pairs of which only 3 disagree, so
# the disagree F1 is 0 here and the figure is noisy; the majority class gets about 0.27).
# The full benchmark (docs/benchmarks.md) is the real measure.
FNC1_SUBSET_FLOOR = 0.33
