"""How close two articles (or two groups of articles) are: linear kernels and a fitted link model.

Every signal is a dot product of per-article unit vectors (the MiniLM embedding and the TF-IDF
vectors of each namespace), so the *mean* of a signal over all article pairs between two groups
equals the dot product of the groups' mean vectors. That makes group-average clustering exact
and cheap on centroids: a story of fifty articles compares with a new one in one dot product per
signal. The link model is a logistic regression over the mean signals, fitted on ECB+ train only
by ``benchmarks/calibrate_stories.py``; two groups belong together when its logit reaches the
threshold fitted with it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from corroborate.errors import ModelUnavailableError
from corroborate.stories.features import FEATURES, NAMESPACES, FloatArray

WEIGHTS_FILE = "link_weights.json"


@dataclass(frozen=True, slots=True)
class NodeVectors:
    """A unit of clustering: one article, or a group held together (its mean vectors)."""

    embedding: FloatArray
    sparse: Mapping[str, tuple[npt.NDArray[np.int64], FloatArray]]
    size: int = 1


def to_arrays(vector: Mapping[int, float]) -> tuple[npt.NDArray[np.int64], FloatArray]:
    if not vector:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    ids = np.fromiter(vector.keys(), dtype=np.int64, count=len(vector))
    values = np.fromiter(vector.values(), dtype=np.float32, count=len(vector))
    return ids, values


def mean_node(nodes: Sequence[NodeVectors]) -> NodeVectors:
    """The group of several nodes as one node: size-weighted mean of their vectors."""
    total = sum(node.size for node in nodes)
    embedding = np.sum([node.embedding * node.size for node in nodes], axis=0) / total
    merged: dict[str, tuple[npt.NDArray[np.int64], FloatArray]] = {}
    for ns in NAMESPACES:
        ids = np.concatenate([node.sparse[ns][0] for node in nodes])
        values = np.concatenate([node.sparse[ns][1] * node.size for node in nodes])
        if ids.size:
            unique, inverse = np.unique(ids, return_inverse=True)
            sums = np.zeros(unique.size, dtype=np.float64)
            np.add.at(sums, inverse, values)
            merged[ns] = (unique, (sums / total).astype(np.float32))
        else:
            merged[ns] = (ids, values.astype(np.float32))
    return NodeVectors(embedding.astype(np.float32), merged, total)


#: a unit's sparse terms as flat arrays: (keys, weights, namespace index) per entry, entries
#: grouped by namespace in the order of NAMESPACES; a key names one term of one namespace
FlatTerms = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.intp]]


def flat_terms(node: NodeVectors) -> FlatTerms:
    """A node's sparse vectors as :data:`FlatTerms` (keys: term id times the number of
    namespaces plus the namespace's index, so one id in two namespaces is two keys)."""
    spaces = len(NAMESPACES)
    keys, weights, namespace = [], [], []
    for k, ns in enumerate(NAMESPACES):
        ids, values = node.sparse[ns]
        keys.append(ids.astype(np.int64) * spaces + k)
        weights.append(values.astype(np.float64))
        namespace.append(np.full(ids.size, k, dtype=np.intp))
    return np.concatenate(keys), np.concatenate(weights), np.concatenate(namespace)


#: signal_matrix multiplies dense blocks (BLAS) while units x distinct keys stays below this,
#: a sparse product above it (a dense matrix of this many float64 is 32 MB)
DENSE_LIMIT = 4_000_000


def signal_matrix(embeddings: npt.NDArray[np.float64], terms: Sequence[FlatTerms],
                  slots: npt.NDArray[np.int32] | None = None) -> npt.NDArray[np.float64]:
    """(n, n, len(FEATURES)) mean signals between every two of n units, from their embeddings
    (n, d) and their flat sparse terms. A key belongs to one namespace, so each namespace's
    signals are the Gram matrix of the units' weights over that namespace's keys: one dense
    product per namespace over the keys the units hold (a few units with a few thousand keys
    is the usual re-clustering, where a sparse product spent most of its time setting up),
    or one sparse product for all namespaces when the dense blocks would be large (the rows
    are then (unit, namespace) pairs, and only the blocks of one namespace are filled).
    ``slots``: scratch space longer than the largest key, any content (the keys are then
    numbered without sorting them)."""
    n = len(terms)
    spaces = len(NAMESPACES)
    out = np.zeros((n, n, len(FEATURES)), dtype=np.float64)
    out[:, :, 0] = embeddings @ embeddings.T
    sizes = [t[0].size for t in terms]
    if not sum(sizes):
        return out
    keys = np.concatenate([t[0] for t in terms])
    weights = np.concatenate([t[1] for t in terms])
    if slots is None:
        unique, columns = np.unique(keys, return_inverse=True)
        width = unique.size
    else:
        # number the distinct keys: each entry finds the last entry of its key, and those
        # last entries are numbered in order
        position = np.arange(keys.size, dtype=np.int32)
        slots[keys] = position
        last = slots[keys]
        number = np.cumsum(last == position) - 1
        columns = number[last]
        width = int(number[-1]) + 1
    if n * width <= DENSE_LIMIT:
        # columns renumbered namespace by namespace, so each namespace is one block
        namespace = np.empty(width, dtype=np.int64)
        namespace[columns] = keys % spaces
        order = np.argsort(namespace, kind="stable")
        rank = np.empty(width, dtype=np.int64)
        rank[order] = np.arange(width)
        dense = np.zeros((n, width), dtype=np.float64)
        dense[np.repeat(np.arange(n), sizes), rank[columns]] = weights
        bounds = np.searchsorted(namespace[order], np.arange(spaces + 1)).tolist()
        for k in range(spaces):
            if bounds[k + 1] > bounds[k]:
                block = dense[:, bounds[k]:bounds[k + 1]]
                out[:, :, 1 + k] = block @ block.T
        return out
    rows = np.concatenate([t[2] + spaces * i for i, t in enumerate(terms)])
    indptr = np.zeros(n * spaces + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n * spaces), out=indptr[1:])
    matrix = sparse.csr_matrix((weights, columns, indptr), shape=(n * spaces, width))
    gram = (matrix @ matrix.T).toarray().reshape(n, spaces, n, spaces)
    out[:, :, 1:] = gram.diagonal(axis1=1, axis2=3)
    return out


@cache
def _blas_threads() -> Any:
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped,unused-ignore]

    return ThreadpoolController()


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """numpy's BLAS limited to one thread while a re-clustering multiplies its small
    matrices (a few units by a few thousand keys): a second BLAS thread only waits on the
    first there (story assignment alone ran at 759-807 articles/s with two and 916 with one
    on 2 cores, and used 1.7 cores for it). The controller is made once (~13 µs a use)."""
    limit: contextlib.AbstractContextManager[Any] = _blas_threads().limit(limits=1,
                                                                         user_api="blas")
    return limit


def pairwise_signals(nodes: Sequence[NodeVectors]) -> npt.NDArray[np.float64]:
    """(n, n, len(FEATURES)) mean signals between every two nodes."""
    emb = np.stack([node.embedding for node in nodes]).astype(np.float64)
    return signal_matrix(emb, [flat_terms(node) for node in nodes])


@dataclass(frozen=True, slots=True)
class LinkModel:
    """Logistic regression over the mean signals; ``threshold`` is on the logit."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    details: Mapping[str, Any] | None = None

    def logits(self, signals: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        result: npt.NDArray[np.float64] = signals @ np.asarray(self.weights) + self.bias
        return result

    def with_threshold(self, threshold: float) -> LinkModel:
        return LinkModel(self.weights, self.bias, threshold, self.details)

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, **dict(self.details or {})}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkModel:
        if list(data.get("features", [])) != list(FEATURES):
            raise ModelUnavailableError(
                f"story link weights were fitted on features {data.get('features')}, this "
                f"version computes {list(FEATURES)}: run benchmarks/calibrate_stories.py"
            )
        details = {k: v for k, v in data.items()
                   if k not in {"features", "weights", "bias", "threshold"}}
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]),
                   float(data["threshold"]), details)


@cache
def default_link_model() -> LinkModel:
    """The shipped link model (``stories/link_weights.json``)."""
    try:
        text = resources.files("corroborate.stories").joinpath(WEIGHTS_FILE).read_text("utf-8")
        return LinkModel.from_dict(json.loads(text))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailableError(
            f"the story link weights ({WEIGHTS_FILE}) cannot be read ({exc}); reinstall "
            "Corroborate or run benchmarks/calibrate_stories.py"
        ) from exc


def group_average(signals: npt.NDArray[np.float64], sizes: Sequence[int],
                  model: LinkModel) -> list[int]:
    """Group-average agglomerative clustering of nodes: repeatedly join the two groups whose
    mean signals give the highest logit, while it reaches the model's threshold. Returns a
    group label per node (the smallest node index of its group). Deterministic: ties go to
    the lowest indices."""
    n = len(sizes)
    labels = list(range(n))
    if n < 2:
        return labels
    mean = signals.copy()
    weight = np.asarray(sizes, dtype=np.float64)
    alive = np.ones(n, dtype=bool)
    logit = model.logits(mean)
    np.fill_diagonal(logit, -np.inf)
    while True:
        flat = int(np.argmax(logit))
        i, j = divmod(flat, n)
        if not np.isfinite(logit[i, j]) or logit[i, j] < model.threshold:
            break
        i, j = min(i, j), max(i, j)
        wi, wj = weight[i], weight[j]
        mean[i, :, :] = (mean[i, :, :] * wi + mean[j, :, :] * wj) / (wi + wj)
        mean[:, i, :] = mean[i, :, :]
        weight[i] = wi + wj
        alive[j] = False
        row = model.logits(mean[i])
        row[~alive] = -np.inf
        row[i] = -np.inf
        logit[i, :] = row
        logit[:, i] = row
        logit[j, :] = -np.inf
        logit[:, j] = -np.inf
        for k in range(n):
            if labels[k] == j:
                labels[k] = i
    # labels[k] is the surviving index; make chains point to roots
    for k in range(n):
        root = labels[k]
        while labels[root] != root:
            root = labels[root]
        labels[k] = root
    return labels
