"""The embedders: PyTorch MiniLM, its ONNX export (fp32 and int8), the story embedder choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corroborate.embed import (
    MiniLMEmbedder,
    OnnxMiniLMEmbedder,
    cache_dir,
    onnx_model_file,
    story_embedder,
)
from corroborate.errors import ModelUnavailableError, UsageError

TEXTS = [
    "A magnitude 6.1 earthquake struck off the coast of Sumatra on Tuesday, officials said.",
    "hi",
    "Police arrested two men after the robbery in Brooklyn; a third is being sought. " * 20,
    "Le président a rencontré le premier ministre à Paris.",
    "",
]


@pytest.fixture(scope="module")
def torch_fp32() -> list:  # type: ignore[type-arg]
    return MiniLMEmbedder(precision="fp32", runtime="torch").embed(TEXTS)


def test_onnx_fp32_gives_the_vectors_of_pytorch(torch_fp32: list) -> None:  # type: ignore[type-arg]
    onnx = OnnxMiniLMEmbedder(quantized=False).embed(TEXTS)
    assert len(onnx) == len(TEXTS)
    for a, b in zip(onnx, torch_fp32, strict=True):
        assert a.tokens.shape == b.tokens.shape  # same word pieces, same truncation (256)
        assert float(a.vector @ b.vector) > 0.99999
        assert np.abs(a.tokens - b.tokens).max() < 1e-4
    assert onnx[2].tokens.shape[0] == 254  # 256 minus [CLS] and [SEP]


def test_float32_runs_in_onnxruntime_unless_told_otherwise(
        torch_fp32: list, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    monkeypatch.delenv("CORROBORATE_RUNTIME", raising=False)
    embedder = MiniLMEmbedder(precision="fp32")
    assert embedder.runtime == "onnx" and embedder.name == "all-MiniLM-L6-v2/fp32"
    for a, b in zip(embedder.embed(TEXTS), torch_fp32, strict=True):
        assert np.abs(a.tokens - b.tokens).max() < 1e-4
    assert MiniLMEmbedder(precision="bf16").runtime == "torch"
    monkeypatch.setenv("CORROBORATE_RUNTIME", "torch")
    assert MiniLMEmbedder(precision="fp32").runtime == "torch"
    with pytest.raises(UsageError, match="float32 only"):
        MiniLMEmbedder(precision="bf16", runtime="onnx")


def test_onnx_int8_stays_close_to_pytorch(torch_fp32: list) -> None:  # type: ignore[type-arg]
    onnx = OnnxMiniLMEmbedder().embed(TEXTS)
    cosines = [float(a.vector @ b.vector) for a, b in zip(onnx, torch_fp32, strict=True)]
    assert min(cosines) > 0.95, cosines
    assert float(np.mean(cosines)) > 0.98, cosines
    for item in onnx:
        assert item.vector.dtype == np.float32
        assert abs(float(np.linalg.norm(item.vector)) - 1.0) < 1e-5


@pytest.mark.parametrize("quantized", [True, False])
def test_results_keep_the_input_order_whatever_the_batching(quantized: bool) -> None:
    embedder = OnnxMiniLMEmbedder(quantized=quantized, batch_size=2)  # batched by length
    together = embedder.embed(TEXTS)
    alone = [embedder.embed([t])[0] for t in TEXTS]
    for a, b in zip(together, alone, strict=True):
        if quantized:  # one text per call: a text's vector never depends on its batch
            assert np.array_equal(a.vector, b.vector) and np.array_equal(a.tokens, b.tokens)
        else:
            assert float(a.vector @ b.vector) > 0.99999
    assert embedder.embed([]) == []


def test_the_export_is_made_once_and_renamed_into_place(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    made = onnx_model_file(quantized=False, folder=folder)
    assert made.parent == folder and made.suffix == ".onnx" and "fp32" in made.name
    stamp = made.stat().st_mtime_ns
    assert onnx_model_file(quantized=False, folder=folder) == made
    assert made.stat().st_mtime_ns == stamp  # found, not made again
    assert [p.name for p in folder.iterdir()] == [made.name]  # no half-written leftovers
    vectors = OnnxMiniLMEmbedder(quantized=False, folder=folder).embed(["a short text"])
    assert vectors[0].vector.shape == (384,)


def test_an_unwritable_cache_says_what_to_set(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelUnavailableError, match="CORROBORATE_CACHE_DIR"):
        onnx_model_file(quantized=False, folder=blocker / "cache")


def test_a_broken_export_says_to_delete_it(tmp_path: Path) -> None:
    from corroborate.embed import _export_key

    tmp_path.joinpath(_export_key(True)).write_bytes(b"not an onnx model")
    with pytest.raises(ModelUnavailableError, match="delete it"):
        OnnxMiniLMEmbedder(folder=tmp_path).embed(["text"])


def test_cache_dir_follows_the_environment(tmp_path: Path) -> None:
    assert cache_dir({"CORROBORATE_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "corroborate"
    assert cache_dir({}) == Path.home() / ".cache" / "corroborate"


def test_story_embedder_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORROBORATE_STORY_EMBEDDING", raising=False)
    assert story_embedder().name == "all-MiniLM-L6-v2/onnx-int8"
    assert story_embedder("onnx-fp32").name == "all-MiniLM-L6-v2/onnx-fp32"
    assert isinstance(story_embedder("torch"), MiniLMEmbedder)
    torch_fp32 = story_embedder("torch", precision="fp32")
    assert isinstance(torch_fp32, MiniLMEmbedder)
    assert (torch_fp32.precision, torch_fp32.runtime) == ("fp32", "torch")
    monkeypatch.setenv("CORROBORATE_STORY_EMBEDDING", "torch")
    assert isinstance(story_embedder(), MiniLMEmbedder)
    monkeypatch.setenv("CORROBORATE_STORY_EMBEDDING", "fast")
    with pytest.raises(UsageError, match="onnx-int8, onnx-fp32, torch"):
        story_embedder()


def test_ingest_without_analysis_embeds_with_onnx_and_never_loads_pytorch(
        tmp_path: Path, examples: Path, cli_in_fresh_process) -> None:  # type: ignore[no-untyped-def]
    onnx_model_file()  # made once per machine (the first ingest on a machine would make it)
    code, loaded, stderr = cli_in_fresh_process(
        ["ingest", str(examples), "--no-analyze", "--db", str(tmp_path / "s.db")],
        ["torch", "sentence_transformers", "onnxruntime"])
    assert code in (0, None), stderr
    assert loaded == {"torch": False, "sentence_transformers": False, "onnxruntime": True}
    from corroborate.store import Store

    with Store(tmp_path / "s.db") as store:
        assert store.count_articles() == 10
        stories = {s for (s,) in store.conn.execute("SELECT story_id FROM story_articles")}
    assert len(stories) == 3  # the three example events
