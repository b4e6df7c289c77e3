"""Measured quality, pinned: floors a little under the figures in docs/benchmarks.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corroborate.evaluate import evaluate_analysis, load_annotations, same_source
from corroborate.ingest import read_inputs
from corroborate.model import Article

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data"


def test_same_source() -> None:
    assert same_source("Fumio Kishida", "Kishida")
    assert same_source("the Foreign Ministry", "Foreign Ministry")
    assert not same_source("Kishida", "Yoon")
    assert not same_source("", "x")


def test_annotation_files_are_consistent() -> None:
    for name in ("analysis_dev.jsonl", "analysis_test.jsonl"):
        for record in load_annotations(DATA / name):
            for field in ("quotes", "quantities", "dates"):
                for item in record.gold[field]:
                    assert item["text"] in record.text, (record.id, item)


def test_scorer_counts_misses_and_false_alarms(analyzer) -> None:  # type: ignore[no-untyped-def]
    records = load_annotations(DATA / "analysis_dev.jsonl")[:5]
    result = evaluate_analysis(records, analyzer.analyze)
    for score in result.fields.values():
        assert score.matched <= min(score.gold, score.predicted)
    assert json.dumps(result.to_dict(include_errors=True))


def test_floors_on_the_annotated_test_set(analyzer) -> None:  # type: ignore[no-untyped-def]
    """Floors pinned under the measured figures (docs/benchmarks.md)."""
    result = evaluate_analysis(load_annotations(DATA / "analysis_test.jsonl"), analyzer.analyze)
    f = result.fields
    assert f["quotes"].f1 >= 0.92
    assert f["quotes"].attribute_hits["speaker"] / f["quotes"].matched >= 0.90
    assert f["attributions"].recall >= 0.84
    assert f["quantities"].f1 >= 0.95
    assert f["dates"].f1 >= 0.95
    assert f["dates"].attribute_hits["value"] / f["dates"].matched >= 0.92


@pytest.mark.shared
def test_no_crash_on_real_news(shared_data: Path, analyzer) -> None:  # type: ignore[no-untyped-def]
    """A sample of the shared corpora (the full run is benchmarks/analyze_speed.py)."""
    arts = [r for r in read_inputs([str(shared_data / "basil" / "articles.jsonl")])
            if isinstance(r, Article)][:40]
    assert len(arts) == 40
    analyses = list(analyzer.analyze_many(arts))
    assert all(a.sentences for a in analyses)
    assert sum(len(a.quotes) for a in analyses) > 40


# Floor a little under the measured ECB+ sentence-pairs dev figure of the shipped aligner
# (docs/benchmarks.md: F1 0.648, AUC 0.752).
ECB_DEV_F1_FLOOR = 0.62
ECB_DEV_AUC_FLOOR = 0.73


def test_aligner_floor_on_ecbplus_dev_pairs(shared_data: Path) -> None:
    from corroborate.align.pairs import load_pairs
    from corroborate.align.scorer import load_default_scorer, load_peer_thresholds
    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_pairs import evaluate_pairs

    pairs = load_pairs(shared_data / "ecbplus" / "sentpairs_dev.jsonl")
    result = evaluate_pairs(pairs, MiniLMEmbedder(precision="fp32"), load_default_scorer(),
                            peer_thresholds=load_peer_thresholds())
    assert result.corroborate.f1 >= ECB_DEV_F1_FLOOR
    assert result.corroborate.auc >= ECB_DEV_AUC_FLOOR
