"""The learned pair model: the shipped adapter over the packaged MiniLM, and the training
script's pure helpers (synthetic conflicts, MSRP detokenisation)."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corroborate.align.pair_model import CLASSES, CONFLICT, SAME, PairModel
from corroborate.errors import ModelUnavailableError, UsageError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import train_pair_model as training


@pytest.fixture(scope="module")
def model() -> PairModel:
    return PairModel(precision="fp32")


def test_probabilities_are_a_distribution_per_pair(model: PairModel) -> None:
    pairs = [("The fire killed 12 people.", "Twelve people died in the fire."),
             ("The bank cut rates.", "The team won the cup.")]
    probs = model.probabilities(pairs)
    assert probs.shape == (2, len(CLASSES))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert model.probabilities([]).shape == (0, len(CLASSES))
    assert model.paraphrase([]).shape == (0,)


def test_the_model_tells_same_fact_conflict_and_unrelated_apart(model: PairModel) -> None:
    same = ("Police arrested a 56-year-old man in Florida on Friday.",
            "A 56-year-old Florida man was arrested by police on Friday.")
    conflict = ("The indictment runs to 48 pages.", "The indictment runs to 47 pages.")
    unrelated = ("Police arrested a 56-year-old man in Florida on Friday.",
                 "The central bank left its key rate unchanged.")
    probs = model.probabilities([same, conflict, unrelated])
    related = probs[:, SAME] + probs[:, CONFLICT]
    assert related[0] > 0.5 > related[2]
    assert probs[1, CONFLICT] > probs[2, CONFLICT]
    assert probs[1, CONFLICT] > probs[0, CONFLICT]
    para = model.paraphrase([same, unrelated])
    assert para[0] > para[1]


def test_order_of_the_pair_matters_little(model: PairModel) -> None:
    a = "The summit lasted about 30 minutes, officials said."
    b = "Officials said the leaders met for 30 minutes."
    forward, backward = model.probabilities([(a, b), (b, a)])
    assert abs((forward[SAME] + forward[CONFLICT]) - (backward[SAME] + backward[CONFLICT])) < 0.25


def test_a_missing_or_broken_adapter_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="train_pair_model"):
        PairModel(tmp_path / "absent.safetensors").probabilities([("a b", "c d")])
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a safetensors file")
    with pytest.raises(ModelUnavailableError):
        PairModel(broken).probabilities([("a b", "c d")])
    with pytest.raises(UsageError, match="precision"):
        PairModel(precision="fp8")  # type: ignore[arg-type]


PAIRS = [("The fire killed 12 people.", "Twelve people died in the fire."),
         ("The bank cut rates.", "The team won the cup."),
         ("Officials said " + "the talks went on " * 60, "short"),  # truncated, longest first
         ("", "An empty first claim."),
         ("Police arrested a 56-year-old man in Florida on Friday.",
          "A 56-year-old Florida man was arrested by police on Friday.")]


def test_onnxruntime_scores_as_pytorch_does(model: PairModel,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """float32 runs in onnxruntime by default (the merged model exported once); PyTorch
    float32 gives the same ids and the same probabilities to rounding."""
    monkeypatch.delenv("CORROBORATE_RUNTIME", raising=False)
    model = PairModel(precision="fp32")
    torch_model = PairModel(precision="fp32", runtime="torch")
    assert model.runtime == "onnx" and torch_model.runtime == "torch"
    assert model.encode(PAIRS) == torch_model.encode(PAIRS)
    assert max(len(ids) for ids in model.encode(PAIRS)["input_ids"]) == 128
    assert np.abs(model.probabilities(PAIRS) - torch_model.probabilities(PAIRS)).max() < 1e-4
    assert np.abs(model.paraphrase(PAIRS) - torch_model.paraphrase(PAIRS)).max() < 1e-4


def test_a_new_adapter_gets_its_own_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """The export's name holds a digest of the adapter: a retrained adapter is never scored
    with the merged weights of the old one."""
    from importlib import resources

    from safetensors.numpy import load, save

    monkeypatch.setenv("CORROBORATE_CACHE_DIR", str(tmp_path / "cache"))
    data = resources.files("corroborate.align").joinpath("pair_model.safetensors").read_bytes()
    from corroborate.align.pair_model import _metadata

    tensors = load(data)
    tensors["head.bias"] = tensors["head.bias"] + np.float32(3.0) * np.array(
        [1, -1, 0], dtype=np.float32)  # pushes every pair towards "other"
    changed = tmp_path / "changed.safetensors"
    changed.write_bytes(save(tensors, metadata=_metadata(data)))
    shipped = PairModel(precision="fp32").probabilities(PAIRS[:1])
    other = PairModel(changed, precision="fp32").probabilities(PAIRS[:1])
    assert other[0, 0] > shipped[0, 0]
    assert len(list((tmp_path / "cache").glob("pair-model-*.onnx"))) == 2


def test_runtime_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORROBORATE_RUNTIME", "torch")
    assert PairModel(precision="fp32").runtime == "torch"
    monkeypatch.setenv("CORROBORATE_RUNTIME", "gpu")
    with pytest.raises(UsageError, match="CORROBORATE_RUNTIME"):
        PairModel(precision="fp32")
    monkeypatch.delenv("CORROBORATE_RUNTIME")
    with pytest.raises(UsageError, match="float32 only"):
        PairModel(precision="bf16", runtime="onnx")
    assert PairModel(precision="bf16").runtime == "torch"
    assert PairModel(runtime="onnx").precision == "fp32"  # onnx implies float32 under auto


def test_a_comparer_over_an_onnx_embedder_takes_its_runtime() -> None:
    from corroborate.align.compare import Comparer
    from corroborate.embed import OnnxMiniLMEmbedder

    embedder = OnnxMiniLMEmbedder(quantized=False)
    comparer = Comparer(embedder)
    assert comparer.pair_model is not None and comparer.pair_model.runtime == "onnx"
    assert comparer.pair_model.precision == "fp32"


def test_msrp_text_is_detokenised() -> None:
    assert training.detok("Yucaipa owned Dominick 's for $ 2.5 billion , he said .") == \
        "Yucaipa owned Dominick's for $2.5 billion, he said."
    assert training.detok("He said `` no '' .") == 'He said "no".'


def test_a_number_swap_changes_exactly_one_figure() -> None:
    for seed in range(20):
        text = "The fire killed 12 people in 2019."
        changed = training.swap_number(text, random.Random(seed))
        assert changed is not None
        before, after = re.findall(r"\d+", text), re.findall(r"\d+", changed)
        assert len(after) == 2 and sum(x != y for x, y in zip(before, after, strict=True)) == 1
    rng = random.Random(3)
    assert training.swap_number("No figures here.", rng) is None
    assert training.swap_number("Two people died.", rng) == "Three people died."


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=10**6))
def test_a_number_swap_never_keeps_the_value(value: int, seed: int) -> None:
    text = f"Officials counted {value:,} votes."
    changed = training.swap_number(text, random.Random(seed))
    assert changed is not None and changed != text


def test_negation_flips_the_auxiliary() -> None:
    assert training.negate("The law was passed.") == "The law was not passed."
    assert training.negate("The law was not passed.") == "The law was passed."
    assert training.negate("Lawmakers voted.") is None


def test_masked_training_pairs_read_as_the_comparer_reads_them() -> None:
    Example = training.Example
    data = [
        Example("The Senate voted 97-1 on Wednesday.", "The final tally was 97-1.", 1,
                "gold-agreed"),
        # a conflict made by changing a figure reads alike once figures are masked: dropped
        Example("Twelve devices and 3 packages were found.", "Twelve devices and 5 packages "
                "were found.", 2, "synth-conflict", 1.0, -1, 0),
        Example("Obama vetoed the bill.", "Bush vetoed the bill.", 2, "synth-conflict"),
    ]
    out = training.masked(data)
    assert [(e.a, e.b, e.label) for e in out] == [
        ("The Senate voted N-N on Wednesday.", "The final tally was N-N.", 1),
        ("Obama vetoed the bill.", "Bush vetoed the bill.", 2)]
    assert out[0].source == "gold-agreed" and data[0].a.startswith("The Senate voted 97")


def test_snli_pairs_are_a_balanced_sample_with_the_relation_labels(tmp_path: Path) -> None:
    rows = ([{"sentence1": f"A man rides a horse {k}.", "sentence2": "A man is outdoors.",
              "gold_label": "entailment"} for k in range(5)]
            + [{"sentence1": f"A dog runs {k}.", "sentence2": "A dog sleeps.",
                "gold_label": "contradiction"} for k in range(5)]
            + [{"sentence1": f"Kids play {k}.", "sentence2": "Kids play at school.",
                "gold_label": "neutral"} for k in range(5)]
            + [{"sentence1": "No agreement.", "sentence2": "None.", "gold_label": "-"}])
    file = tmp_path / "snli.jsonl"
    file.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = training.snli(file, random.Random(0), 6, 0.5)
    assert len(out) == 6 and {e.source for e in out} == {"snli"}
    assert {e.weight for e in out} == {0.5} and {e.para for e in out} == {-1}
    by_label = {label: [e for e in out if e.label == label] for label in (0, 1, 2)}
    assert [len(by_label[k]) for k in (0, 1, 2)] == [2, 2, 2]
    assert all(e.a.startswith("Kids play") for e in by_label[0])  # neutral -> other
    assert all(e.a.startswith("A man rides") for e in by_label[1])  # entailment -> same
    assert all(e.a.startswith("A dog runs") for e in by_label[2])  # contradiction -> conflict
    assert not any(e.a == "No agreement." for e in out)  # no gold label: left out
    # a sample of some labels only: balanced over those
    out = training.snli(file, random.Random(0), 4, 1.0, ("entailment", "contradiction"))
    assert sorted(e.label for e in out) == [1, 1, 2, 2]
