"""The support model: its input row, the shipped weights, clear errors for a bad file, and
what it does inside a real comparison."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corroborate.align.features import FEATURES
from corroborate.align.scorer import fit_scorer
from corroborate.align.support import (
    SIGNALS,
    SUPPORT_FEATURES,
    SupportModel,
    load_support_model,
    support_row,
)
from corroborate.errors import ModelUnavailableError


def test_a_row_holds_the_signals_then_the_pair_features() -> None:
    features = [0.5] * len(FEATURES)
    read = support_row(features, 0.8, np.array([0.2, 0.6, 0.2]), (0.3, -0.1))
    unread = support_row(features, 0.8, None)
    assert len(read) == len(unread) == len(SUPPORT_FEATURES) == len(SIGNALS) + len(FEATURES)
    assert read[0] == pytest.approx(math.log(0.8 / 0.2))
    assert read[1:4] == pytest.approx([1.0, math.log(0.8 / 0.2), math.log(0.25 / 0.75)])
    assert unread[1:4] == [0.0, 0.0, 0.0]  # nothing read: the model's signals are absent
    assert read[4:6] == [-0.1, 0.3]  # margins, the smaller first
    assert read[len(SIGNALS):] == features


@given(st.floats(0.0, 1.0), st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3))
def test_rows_stay_finite_at_the_extremes(score: float, relation: list[float]) -> None:
    assert all(math.isfinite(v) for v in support_row([0.0] * len(FEATURES), score, relation))


def test_the_shipped_model_loads_and_was_fitted_on_claim_gold() -> None:
    model = load_support_model()
    assert model.scorer.features == SUPPORT_FEATURES
    assert 0.0 < model.threshold < 1.0
    assert "fit" in model.trained_on and "tune" in model.trained_on
    assert model.probabilities([]).shape == (0,)


def test_a_round_trip_through_the_file_keeps_the_model(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(80, len(SUPPORT_FEATURES)))
    y = (x[:, 0] + 0.3 * rng.normal(size=80) > 0).astype(float)
    model = SupportModel(fit_scorer(x, y, names=SUPPORT_FEATURES), 0.3, "test")
    path = tmp_path / "support.json"
    path.write_text(json.dumps(model.to_dict()))
    again = load_support_model(path)
    assert again == model
    assert np.allclose(again.probabilities(x), model.probabilities(x))


@pytest.mark.parametrize("content", ["", "{not json", '{"schema": "other/1"}',
                                     '{"schema": "corroborate.support-model/1"}'])
def test_a_missing_or_broken_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "support.json"
    path.write_text(content)
    with pytest.raises(ModelUnavailableError, match=r"calibrate_support\.py"):
        load_support_model(path)
    with pytest.raises(ModelUnavailableError, match="missing or broken"):
        load_support_model(tmp_path / "absent.json")


def test_weights_that_do_not_fit_the_features_are_refused(tmp_path: Path) -> None:
    model = SupportModel(fit_scorer(np.eye(len(SUPPORT_FEATURES)),
                                    np.arange(len(SUPPORT_FEATURES)) % 2,
                                    names=SUPPORT_FEATURES), 0.3, "test")
    raw = model.to_dict()
    raw["regression"]["coef"] = raw["regression"]["coef"][:3]
    path = tmp_path / "support.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ModelUnavailableError, match="do not fit"):
        load_support_model(path)


def test_a_model_fitted_for_other_features_is_refused(tmp_path: Path) -> None:
    model = SupportModel(fit_scorer(np.eye(4), np.array([0, 1, 0, 1.0])), 0.3, "old")
    path = tmp_path / "support.json"
    path.write_text(json.dumps(model.to_dict()))
    with pytest.raises(ModelUnavailableError, match="other features"):
        load_support_model(path)


def test_fit_scorer_checks_the_column_names() -> None:
    with pytest.raises(ValueError, match="names"):
        fit_scorer(np.eye(4), np.array([0, 1, 0, 1.0]), names=("a", "b"))


def test_margins_say_how_clearly_a_pair_is_each_claims_best_match() -> None:
    from corroborate.align.compare import PairSignals

    # claim 0 (article a) has two candidates in article b (1 and 2); claim 3 is in article c
    scores = {(0, 1): 0.9, (0, 2): 0.6, (0, 3): 0.4}
    signals = PairSignals(list(scores), [[0.0] * len(FEATURES)] * 3, scores, {},
                          ["a", "b", "b", "c"])
    margins = signals.margins()
    assert margins[(0, 1)] == pytest.approx((0.3, 0.9))  # 0.3 above 0's next best in b
    assert margins[(0, 2)] == pytest.approx((-0.3, 0.6))  # 0.3 below 0's best in b
    assert margins[(0, 3)] == pytest.approx((0.4, 0.4))  # alone: the whole score
    assert len(signals.support_rows()) == 3
    tied = {(0, 1): 0.9, (0, 2): 0.9}
    even = PairSignals(list(tied), [[0.0] * len(FEATURES)] * 2, tied, {}, ["a", "b", "b"])
    assert even.margins() == {(0, 1): pytest.approx((0.0, 0.9)),
                              (0, 2): pytest.approx((0.0, 0.9))}  # a tie: no clear best


def test_pairs_over_the_model_budget(comparer, example_analyses,  # type: ignore[no-untyped-def]
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_MODEL_PAIRS the pair model reads no more: the support model sees such a pair
    as unread, the pair model alone keeps its feature score undamped."""
    import importlib

    compare_module = importlib.import_module("corroborate.align.compare")
    from corroborate.align import Comparer

    monkeypatch.setattr(compare_module, "MAX_MODEL_PAIRS", 10)
    _, _, nodes = comparer.claim_nodes(example_analyses["factory-fire"])
    signals = comparer.pair_signals(nodes)
    over = [p for p, row in signals.relation.items() if np.isnan(row[0])]
    read = [p for p, row in signals.relation.items() if not np.isnan(row[0])]
    assert len(read) == 10 and over
    rows = dict(zip(signals.pairs, signals.support_rows(), strict=True))
    assert all(rows[p][1] == 0.0 for p in over) and all(rows[p][1] == 1.0 for p in read)
    assert all(math.isfinite(v) for row in rows.values() for v in row)
    alone = Comparer(comparer.embedder, pair_model=comparer.pair_model,
                     use_support_model=False)
    scores = alone._pair_scores(nodes)
    assert all(scores[p] == pytest.approx(signals.scores[p]) for p in over)


def test_in_a_real_comparison_it_scores_a_shared_fact_above_unrelated_claims(
        comparer, example_analyses) -> None:  # type: ignore[no-untyped-def]
    assert comparer.support is not None
    assert comparer.threshold == comparer.support.threshold
    analyses = example_analyses["factory-fire"]
    _, _, nodes = comparer.claim_nodes(analyses)
    signals = comparer.pair_signals(nodes)
    scores = comparer._pair_scores(nodes)
    assert set(scores) == set(signals.pairs)
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    text = {i: n.text.lower() for i, n in enumerate(nodes)}
    deaths = [p for p in signals.pairs if all("killed" in text[k] for k in p)]
    assert deaths, "the outlets' death tolls are candidate pairs"
    assert max(scores[p] for p in deaths) >= comparer.threshold
    assert max(scores[p] for p in deaths) > float(np.median(list(scores.values())))


def test_the_pair_signals_benchmark_scores_average_precision_as_scikit_learn_does() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from sklearn.metrics import average_precision_score

    import pair_signals

    # positives at ranks 1 and 3 of 4: (1/1 + 2/3) / 2
    assert pair_signals.average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == \
        pytest.approx((1 + 2 / 3) / 2)
    assert pair_signals.average_precision([0, 0], [0.3, 0.2]) == 0.0
    rng = np.random.default_rng(7)
    for _ in range(20):
        labels = rng.integers(0, 2, 50)
        labels[0] = 1
        scores = rng.permutation(50) / 50.0  # distinct scores: no ties to break
        assert pair_signals.average_precision(labels.tolist(), scores.tolist()) == \
            pytest.approx(average_precision_score(labels, scores))


def test_claims_sharing_rare_words_are_candidates_whatever_their_cosine(
        comparer, example_analyses, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Each claim's best matches in every other article by IDF-weighted Jaccard of its stems
    are candidate pairs too (a paraphrase far apart in sentence vectors may share its rare
    words); the matrix is the pair feature ``idf_jaccard``."""
    import importlib

    from corroborate.align.features import Idf

    compare_module = importlib.import_module("corroborate.align.compare")
    _, _, nodes = comparer.claim_nodes(example_analyses["factory-fire"])
    signals = comparer.pair_signals(nodes)
    everyone = np.arange(len(nodes))
    lexical = compare_module._StemOverlap([n.statement.stems for n in nodes],
                                          Idf([n.statement for n in nodes])
                                          ).block(everyone, everyone)
    column = FEATURES.index("idf_jaccard")
    for pair, row in zip(signals.pairs, signals.rows, strict=True):
        assert lexical[pair] == pytest.approx(row[column])
    assert np.allclose(lexical, lexical.T) and np.all((lexical >= 0) & (lexical <= 1 + 1e-9))
    pairs, articles = set(signals.pairs), signals.articles
    k = compare_module.LEXICAL_CANDIDATES_PER_ARTICLE
    assert k >= 1
    for i in range(len(nodes)):
        for other in set(articles) - {articles[i]}:
            theirs = [j for j in range(len(nodes)) if articles[j] == other]
            best = sorted(theirs, key=lambda j: -lexical[i, j])[:k]
            cut = lexical[i, best[-1]]
            # the k best (any of those tied at the k-th value) with a shared stem are in
            for j in theirs:
                if lexical[i, j] > cut + 1e-12 and lexical[i, j] > 0:
                    assert (min(i, j), max(i, j)) in pairs
    monkeypatch.setattr(compare_module, "LEXICAL_CANDIDATES_PER_ARTICLE", 0)
    by_vectors = set(comparer.pair_signals(nodes).pairs)
    added = pairs - by_vectors
    assert by_vectors <= pairs and added, "words add candidates the vectors do not rank"
    assert all(lexical[p] > 0 for p in added)


def test_stem_overlap_is_idf_weighted_jaccard_block_by_block() -> None:
    from types import SimpleNamespace
    from typing import Any, cast

    from corroborate.align.compare import _StemOverlap
    from corroborate.align.features import Idf

    stems = [frozenset({"quake", "kill"}), frozenset({"quake", "sumatra", "kill"}),
             frozenset(), frozenset({"rescu"})]
    idf = Idf(cast(Any, [SimpleNamespace(stems=s) for s in stems]))
    overlap = _StemOverlap(stems, idf)
    found = overlap.block(np.arange(4), np.arange(4))
    shared = idf["quake"] + idf["kill"]
    assert found[0, 1] == pytest.approx(shared / (shared + idf["sumatra"]))
    assert found[0, 0] == pytest.approx(1.0) and found[2, 2] == 0.0  # nothing held: 0
    assert found[0, 3] == found[2, 0] == 0.0
    assert np.array_equal(overlap.block(np.array([3, 0]), np.array([1])), found[[3, 0]][:, [1]])
    nothing = _StemOverlap([frozenset(), frozenset()], idf)
    assert nothing.block(np.arange(2), np.arange(2)).tolist() == [[0.0, 0.0], [0.0, 0.0]]
