"""Clustering metrics (B-cubed, ARI, NMI) on hand-checked cases and against scikit-learn, the
gold stream reader, and the story-quality floors on the shared corpora."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corroborate.evaluate_stories import (
    adjusted_rand,
    b_cubed,
    evaluate_stories_file,
    load_gold_stream,
    normalized_mutual_info,
    score_clusters,
)

# -- hand-checked cases ----------------------------------------------------------------------


def test_b_cubed_by_hand() -> None:
    # gold {0,1} {2,3}; predicted {0,1,2} {3}
    # precision per item: 2/3, 2/3, 1/3, 1 -> 2/3; recall: 1, 1, 1/2, 1/2 -> 3/4
    p, r, f = b_cubed(["a", "a", "b", "b"], [1, 1, 1, 2])
    assert p == pytest.approx(2 / 3)
    assert r == pytest.approx(3 / 4)
    assert f == pytest.approx(12 / 17)


def test_b_cubed_extremes() -> None:
    gold = ["a", "a", "b", "b"]
    assert b_cubed(gold, [1, 2, 3, 4]) == pytest.approx((1.0, 0.5, 2 / 3))  # all singletons
    assert b_cubed(gold, [1, 1, 1, 1]) == pytest.approx((0.5, 1.0, 2 / 3))  # one lump
    assert b_cubed([], []) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="differ in length"):
        b_cubed(["a"], [1, 2])


def test_adjusted_rand_by_hand() -> None:
    gold = ["a", "a", "b", "b"]
    # pairs together: gold 2, predicted 3 (of 6), both 1 = expected 2*3/6: ARI 0
    assert adjusted_rand(gold, [1, 1, 1, 2]) == pytest.approx(0.0)
    assert adjusted_rand(gold, [7, 7, 3, 3]) == pytest.approx(1.0)
    assert adjusted_rand(gold, [1, 2, 1, 2]) == pytest.approx(-0.5)  # every pair wrong
    assert adjusted_rand(["a"], [1]) == 1.0


def test_nmi_by_hand() -> None:
    gold = ["a", "a", "b", "b"]
    assert normalized_mutual_info(gold, [5, 5, 6, 6]) == pytest.approx(1.0)
    # all singletons: MI = H(gold) = log 2, H(pred) = log 4 -> log2 / (1.5 log2)
    assert normalized_mutual_info(gold, [1, 2, 3, 4]) == pytest.approx(2 / 3)
    assert normalized_mutual_info(gold, [1, 1, 1, 1]) == pytest.approx(0.0)
    assert normalized_mutual_info(["a", "a"], [1, 1]) == 1.0
    assert normalized_mutual_info([], []) == 0.0


def test_score_clusters_counts_and_rounded_dict() -> None:
    scores = score_clusters(["a", "a", "b", "b"], [1, 1, 1, 2])
    assert (scores.stories_predicted, scores.stories_gold) == (2, 2)
    doc = scores.to_dict()
    assert set(doc) == {"b3_precision", "b3_recall", "b3_f1", "ari", "nmi",
                        "stories_predicted", "stories_gold"}
    assert doc["b3_precision"] == 0.6667 and doc["b3_f1"] == 0.7059


# -- properties ------------------------------------------------------------------------------

labelings = st.integers(min_value=1, max_value=30).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 6), min_size=n, max_size=n),
                        st.lists(st.integers(0, 6), min_size=n, max_size=n)))


@given(st.lists(st.integers(0, 8), min_size=1, max_size=40))
def test_perfect_clustering_scores_one_everywhere(gold: list[int]) -> None:
    predicted = [f"story-{g}" for g in gold]  # same partition, other names
    scores = score_clusters(gold, predicted)
    assert scores.b3_precision == pytest.approx(1.0)
    assert scores.b3_recall == pytest.approx(1.0)
    assert scores.b3_f1 == pytest.approx(1.0)
    assert scores.ari == pytest.approx(1.0)
    assert scores.nmi == pytest.approx(1.0)
    assert scores.stories_predicted == scores.stories_gold


@given(labelings, st.permutations(list(range(7))), st.permutations(list(range(7))))
def test_metrics_are_invariant_under_relabelling(pair: tuple[list[int], list[int]],
                                                 rename_gold: list[int],
                                                 rename_pred: list[int]) -> None:
    gold, predicted = pair
    gold2 = [rename_gold[g] for g in gold]
    predicted2 = [f"s{rename_pred[p]}" for p in predicted]
    assert b_cubed(gold2, predicted2) == pytest.approx(b_cubed(gold, predicted))
    assert adjusted_rand(gold2, predicted2) == pytest.approx(adjusted_rand(gold, predicted))
    assert normalized_mutual_info(gold2, predicted2) == pytest.approx(
        normalized_mutual_info(gold, predicted))
    # ARI and NMI are symmetric; B-cubed swaps precision and recall
    assert adjusted_rand(predicted, gold) == pytest.approx(adjusted_rand(gold, predicted))
    p, r, _ = b_cubed(gold, predicted)
    assert b_cubed(predicted, gold)[:2] == pytest.approx((r, p))


@settings(max_examples=200, deadline=None)  # the first example imports scikit-learn
@given(labelings)
def test_ari_and_nmi_match_scikit_learn(pair: tuple[list[int], list[int]]) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    gold, predicted = pair
    assert adjusted_rand(gold, predicted) == pytest.approx(
        metrics.adjusted_rand_score(gold, predicted), abs=1e-9)
    assert normalized_mutual_info(gold, predicted) == pytest.approx(
        metrics.normalized_mutual_info_score(gold, predicted), abs=1e-9)


@given(labelings)
def test_scores_stay_in_range(pair: tuple[list[int], list[int]]) -> None:
    scores = score_clusters(*pair)
    for value in (scores.b3_precision, scores.b3_recall, scores.b3_f1, scores.nmi):
        assert 0.0 <= value <= 1.0 + 1e-12
    assert -1.0 - 1e-12 <= scores.ari <= 1.0 + 1e-12
    assert not math.isnan(scores.ari)


# -- the gold stream -------------------------------------------------------------------------

BODY = ("Officials said on Monday that the harbour bridge would stay closed for repairs "
        "while engineers inspect every cable, the city council said.")


def _line(**fields: object) -> str:
    return json.dumps({"text": BODY, "source": "Wire", **fields}) + "\n"


def test_gold_stream_hides_event_and_topic_and_orders_by_date(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        _line(title="third", event="e1", topic="t", published="2026-01-03", section="World",
              text=BODY + " Third.")
        + _line(title="undated first", event="e2", topic="t", text=BODY + " Undated one.")
        + _line(title="first", event=7, topic="t", published="2026-01-01", text=BODY + " One.")
        + _line(title="undated second", event="e2", text=BODY + " Undated two.")
        + _line(title="second", event="e1", topic=None, published="2026-01-02",
                text=BODY + " Two.")
    )
    stream = load_gold_stream(path)
    assert [a.title for a in stream.articles] == [
        "first", "second", "third", "undated first", "undated second"]
    assert stream.gold == ("7", "e1", "e1", "e2", "e2")
    for article in stream.articles:
        assert "event" not in article.metadata and "topic" not in article.metadata
        assert article.path == str(path)
    assert stream.articles[2].metadata["section"] == "World"  # other fields stay metadata
    assert stream.rejected == () and stream.duplicates == 0


def test_gold_stream_rejects_bad_lines_by_file_and_line_and_keeps_the_rest(
        tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        _line(title="good one", event="a", text=BODY + " One.")
        + "{broken\n"
        + _line(title="no event", text=BODY + " Two.")
        + "\n"
        + _line(title="too short", event="a", text="Too short.")
        + json.dumps(["not", "an", "object"]) + "\n"
        + _line(title="good two", event="b", text=BODY + " Three.")
        + _line(title="same again", event="b", text=BODY + " Three.")  # same text and outlet
    )
    stream = load_gold_stream(path)
    assert [a.title for a in stream.articles] == ["good one", "good two"]
    assert stream.gold == ("a", "b")
    reasons = {r.input: r.reason for r in stream.rejected}
    assert set(reasons) == {f"{path}:2", f"{path}:3", f"{path}:5", f"{path}:6"}
    assert "malformed JSON" in reasons[f"{path}:2"]
    assert "event" in reasons[f"{path}:3"] and "event" in reasons[f"{path}:6"]
    assert "near-empty" in reasons[f"{path}:5"]
    assert stream.duplicates == 1


def test_gold_stream_of_a_missing_file(tmp_path: Path) -> None:
    from corroborate.errors import InputError

    with pytest.raises(InputError, match="cannot be read"):
        load_gold_stream(tmp_path / "absent.jsonl")


def test_evaluate_a_small_stream_with_a_fake_embedder(tmp_path: Path) -> None:
    """The whole evaluation path (fresh database, ingest with stories, scoring) on two
    unmistakable events; the hashing embedder stands in for MiniLM to keep it fast."""
    from corroborate.embed import HashingEmbedder

    fire = ("A fire at the Voltara battery recycling plant in Ostrava killed 12 people early "
            "on Wednesday, firefighters in the Czech city said.")
    rate = ("Chile's central bank cut its benchmark rate by 25 basis points to 4.25% on "
            "Wednesday and ended its dollar sales, the bank in Santiago said.")
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(
        _line(title=title, text=f"{body} {extra}", source=outlet, event=event,
              published="2026-10-14")
        for event, title, body in (("fire", "Ostrava battery plant fire kills 12", fire),
                                   ("rate", "Chile cuts rate to 4.25%", rate))
        for outlet, extra in (("Wire", "More follows."), ("Herald", "Officials confirmed it."),
                              ("Ledger", "Reporting by staff."))
    ) + "{broken\n")
    result = evaluate_stories_file(path, embedder=HashingEmbedder())
    assert result.articles == 6
    assert result.scores.b3_f1 == pytest.approx(1.0)
    assert result.scores.stories_gold == result.scores.stories_predicted == 2
    assert [r.input for r in result.rejected] == [f"{path}:7"]
    doc = result.to_dict()
    assert doc["schema"] == "corroborate.eval-stories/1" and doc["rejected"] == 1
    assert "6 articles, 2 gold events, 2 stories predicted" in result.to_text()


# -- floors on the shared corpora ------------------------------------------------------------

# FLOORS, a little under the B-cubed F1 measured with the shipped link model and fp32 MiniLM
# (`corroborate eval stories`, 2026-11-23: ECB+ dev 0.865, BASIL 0.964; before the refit of
# c6126f9 0.869 and 0.960). Not targets: a drop below them is a regression.
ECB_DEV_B3_F1_FLOOR = 0.85
BASIL_B3_F1_FLOOR = 0.94


@pytest.fixture(scope="module")
def fp32_minilm():  # type: ignore[no-untyped-def]
    from corroborate.embed import MiniLMEmbedder

    return MiniLMEmbedder(precision="fp32")


@pytest.mark.shared
@pytest.mark.slow
def test_story_floor_on_ecbplus_dev(shared_data: Path, fp32_minilm) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_stories_file(shared_data / "ecbplus" / "articles_dev.jsonl",
                                   embedder=fp32_minilm)
    assert not result.rejected
    assert result.scores.b3_f1 >= ECB_DEV_B3_F1_FLOOR, result.to_text()


@pytest.mark.shared
@pytest.mark.slow
def test_story_floor_on_basil(shared_data: Path, fp32_minilm) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_stories_file(shared_data / "basil" / "articles.jsonl",
                                   embedder=fp32_minilm)
    assert not result.rejected
    assert result.scores.b3_f1 >= BASIL_B3_F1_FLOOR, result.to_text()
