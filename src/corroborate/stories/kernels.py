"""Compiled loops of story assignment (numba), each equal to a numpy path it replaces.

Assigning one article is a few dozen small array operations, each costing a few µs of
interpreter and numpy overhead more than its arithmetic; these loops do the same arithmetic,
in the same order (so the same floating-point results, bit for bit), without that overhead.
numba is an extra (``pip install 'corroborate[fast]'``): without it :data:`AVAILABLE` is False
and the callers keep their numpy paths, which give the same stories (tests run both);
``CORROBORATE_COMPILED=0`` in the environment chooses the numpy paths with numba installed.
:func:`warm_up` (called when a ``StoryAssigner`` is made) compiles every loop, or loads it
from numba's on-disk cache (``__pycache__`` beside this file, or ``NUMBA_CACHE_DIR``); a loop
used before any assigner exists compiles on its first call.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Int64s = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: numba is installed (and ``CORROBORATE_COMPILED=0`` is not set): the compiled paths run
AVAILABLE = (importlib.util.find_spec("numba") is not None
             and os.environ.get("CORROBORATE_COMPILED", "1") != "0")
INSTALL_HINT = "pip install 'corroborate[fast]'"


def jit(function: Callable[..., Any]) -> Callable[..., Any]:
    """``numba.njit`` with an on-disk cache, applied on the first call (numba is imported
    only then: commands that assign no story do not pay for it); the compiled function,
    wrapped by :func:`interruptible`, then replaces the wrapper in its module. Callers check
    :data:`AVAILABLE` first. The loops keep the GIL (no ``nogil``: releasing it let a Ctrl-C
    land inside a loop more often)."""

    @functools.wraps(function)
    def first_call(*args: Any) -> Any:
        import numba

        compiled = interruptible(numba.njit(cache=True)(function))
        function.__globals__[function.__name__] = compiled
        return compiled(*args)

    return first_call


def interruptible(compiled: Callable[..., Any]) -> Callable[..., Any]:
    """``compiled`` raising a Ctrl-C as ``KeyboardInterrupt``. A compiled loop calls back
    into Python (numba's ``_numba_unpickle``, for its constants); a Ctrl-C whose handler runs
    there is set beside that call's result, and CPython then raises ``SystemError``
    ("returned a result with an exception set") caused by it, once per level it crosses. An
    ingest took that for a failed article, rejected it and exited 1 instead of 130 (3 runs in
    16 under load)."""

    @functools.wraps(compiled)
    def call(*args: Any) -> Any:
        try:
            return compiled(*args)
        except SystemError as exc:
            cause: BaseException | None = exc
            while isinstance(cause, SystemError):
                cause = cause.__cause__
            if isinstance(cause, KeyboardInterrupt):
                raise cause from None
            raise

    return call


@jit
def sparse_mean_signals(sorted_keys: Int64s, order: Int64s, weights: Floats,
                        namespace: npt.NDArray[np.intp], story_keys: Int64s,
                        story_fixed: Int64s, unit: float, out: Floats) -> None:
    """The sparse signals of one article with one story, not yet divided by the story's
    size: ``out[1 + k]`` gets the sum, over the article's entries of namespace ``k`` in
    their order, of the entry's weight times the story's sum of its key (fixed point times
    ``unit``). The article's keys come ascending (``sorted_keys``, entry ``order[i]`` holding
    the i-th) and meet the story's ascending keys in one merge pass; the arithmetic and its
    order are those of ``StoryAssigner._sparse_mean_signals_numpy`` (``np.bincount`` adds in
    index order)."""
    m, n = sorted_keys.size, story_keys.size
    sums = np.zeros(m, dtype=np.float64)
    hit = np.zeros(m, dtype=np.bool_)
    i = j = 0
    while i < m and j < n:
        if sorted_keys[i] < story_keys[j]:
            i += 1
        elif sorted_keys[i] > story_keys[j]:
            j += 1
        else:
            e = order[i]
            sums[e] = np.float64(story_fixed[j]) * unit
            hit[e] = True
            i += 1
            j += 1
    for e in range(m):
        if hit[e]:
            out[1 + namespace[e]] += weights[e] * sums[e]


@jit
def merge_sums(keys: Int64s, fixed: Int64s, holders: Int64s, member_keys: Int64s,
               member_fixed: Int64s, sign: int) -> tuple[Int64s, Int64s, Int64s]:
    """Story sums (keys ascending, fixed-point sums, members holding each key) with one
    member's entries (keys ascending) added (``sign`` 1) or taken out (-1: a key no member
    holds any more leaves). Exact integers: the order of merges does not matter."""
    n, m = keys.size, member_keys.size
    size = n + m if sign > 0 else n
    out_keys = np.empty(size, dtype=np.int64)
    out_fixed = np.empty(size, dtype=np.int64)
    out_holders = np.empty(size, dtype=np.int64)
    i = j = k = 0
    while i < n or j < m:
        if j >= m or (i < n and keys[i] < member_keys[j]):
            out_keys[k], out_fixed[k], out_holders[k] = keys[i], fixed[i], holders[i]
            i += 1
        elif i >= n or member_keys[j] < keys[i]:
            if sign < 0:
                raise ValueError("a member taken out of a story was not summed in it")
            out_keys[k], out_fixed[k], out_holders[k] = member_keys[j], member_fixed[j], 1
            j += 1
        else:
            out_keys[k] = keys[i]
            out_fixed[k] = fixed[i] + sign * member_fixed[j]
            out_holders[k] = holders[i] + sign
            i += 1
            j += 1
            if out_holders[k] == 0:
                continue
        k += 1
    return out_keys[:k], out_fixed[:k], out_holders[:k]


@jit
def select_terms(terms: Int64s, namespace: npt.NDArray[np.intp], weights: Floats,
                 limits: Int64s) -> tuple[npt.NDArray[np.intp], Floats]:
    """The entries :func:`corroborate.stories.features.weigh_terms` keeps, in its order, and
    their weights made unit length per namespace (the same arithmetic in the same order).

    Entries come grouped by namespace; those of weight 0 or less go; when some namespace
    holds more than its limit, every namespace is ordered heaviest first (ties: the lower
    term id, as ``np.lexsort((terms, -weights, namespace))`` orders them) and cut to its
    limit. Returns the kept entries' positions and their unit weights."""
    spaces = limits.size
    kept = np.flatnonzero(weights > 0)
    per = np.zeros(spaces, dtype=np.int64)
    for e in kept:
        per[namespace[e]] += 1
    over = False
    for k in range(spaces):
        if per[k] > limits[k]:
            over = True
    if over:
        order = np.empty(0, dtype=np.int64)
        start = 0
        for k in range(spaces):
            block = kept[start:start + per[k]]
            start += per[k]
            by_term = block[np.argsort(terms[block], kind="mergesort")]
            by_weight = by_term[np.argsort(-weights[by_term], kind="mergesort")]
            order = np.concatenate((order, by_weight[:limits[k]]))
        kept = order
    squares = np.zeros(spaces, dtype=np.float64)
    for e in kept:
        squares[namespace[e]] += weights[e] * weights[e]
    norms = np.sqrt(squares)
    for k in range(spaces):
        if norms[k] == 0:
            norms[k] = 1.0
    unit = np.empty(kept.size, dtype=np.float64)
    for i in range(kept.size):
        e = kept[i]
        unit[i] = weights[e] / norms[namespace[e]]
    return kept, unit


_warm = False


def warm_up() -> None:
    """Compile (or load from numba's cache) every loop now, on tiny inputs of the types
    assignment passes: an assigner made before an ingest starts then pays the one-time
    compilation (≈ 6 s on a new machine, ≈ 0.4 s to load after) before the first article,
    not in the middle of a stream. Idempotent; a no-op where :data:`AVAILABLE` is False."""
    global _warm, AVAILABLE
    if _warm or not AVAILABLE:
        return
    try:
        import numba  # noqa: F401
    except ImportError as exc:  # installed but broken (e.g. built for another numpy)
        AVAILABLE = False
        warnings.warn(f"numba cannot be imported ({exc}): story assignment runs its numpy "
                      f"paths (the same stories, slower); to fix it: {INSTALL_HINT}",
                      RuntimeWarning, stacklevel=2)
        return
    from corroborate.stories.term_table import TermTable

    table = TermTable()
    ids = np.array([3, 5], dtype=np.int64)
    table.insert(ids, np.array([0, 1], dtype=np.int64))
    table.lookup(ids)
    table.remove(ids[:1])
    keys = np.array([2, 9], dtype=np.int64)
    fixed = np.array([4, 6], dtype=np.int64)
    merged = merge_sums(keys, fixed, np.ones(2, dtype=np.int64), keys, fixed, 1)
    namespace = np.array([0, 1], dtype=np.intp)
    weights = np.array([0.5, 1.0])
    sparse_mean_signals(keys, np.arange(2, dtype=np.int64), weights, namespace, merged[0],
                        merged[1], 1.0, np.zeros(7))
    select_terms(keys, namespace, weights, np.array([1, 1], dtype=np.int64))
    _warm = True
