"""A map from 32-bit term ids to window columns in numpy arrays, compiled with numba.

:class:`TermStatistics` looks up every term of every arriving article (about 430) and adds and
removes the terms that enter and leave the window (about 90 each). A Python ``dict`` of the
~500k terms of a full window spends about 0.7 µs a lookup on cache misses (boxed keys); an
open-addressing table with the keys and values inline in two int64 arrays, probed linearly by
compiled loops, does a whole article in a few µs. numba is an extra (``pip install
'corroborate[fast]'``): without it (``kernels.AVAILABLE`` False) :class:`TermStatistics` keeps
the map in a :class:`DictTable`, a ``dict`` behind the same four methods; both give the same
columns (the caller hands out the columns; a table only stores them), so the stories do not
depend on which one runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from corroborate.stories.kernels import jit

Int64s = npt.NDArray[np.int64]

EMPTY = -1  # a slot never used since the last resize
GONE = -2  # a slot whose key was removed (probing goes on past it)
# a key's first slot: the high bits of key * 2**64 / golden ratio (Fibonacci hashing)
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


@jit
def _lookup(keys: Int64s, values: Int64s, queries: Int64s, out: Int64s) -> None:
    mask = np.uint64(keys.size - 1)
    for i in range(queries.size):
        q = queries[i]
        s = ((np.uint64(q) * _FIBONACCI) >> np.uint64(32)) & mask
        result = -1
        while True:
            k = keys[s]
            if k == q:
                result = values[s]
                break
            if k == EMPTY:
                break
            s = (s + np.uint64(1)) & mask
        out[i] = result


@jit
def _insert(keys: Int64s, values: Int64s, new_keys: Int64s, new_values: Int64s) -> int:
    """Put keys that are not in the table; returns how many EMPTY slots were used."""
    mask = np.uint64(keys.size - 1)
    used = 0
    for i in range(new_keys.size):
        s = ((np.uint64(new_keys[i]) * _FIBONACCI) >> np.uint64(32)) & mask
        while keys[s] >= 0:
            s = (s + np.uint64(1)) & mask
        if keys[s] == EMPTY:
            used += 1
        keys[s] = new_keys[i]
        values[s] = new_values[i]
    return used


@jit
def _remove(keys: Int64s, queries: Int64s) -> int:
    """Remove keys (absent ones are skipped); returns how many were removed."""
    mask = np.uint64(keys.size - 1)
    removed = 0
    for i in range(queries.size):
        q = queries[i]
        s = ((np.uint64(q) * _FIBONACCI) >> np.uint64(32)) & mask
        while True:
            k = keys[s]
            if k == q:
                keys[s] = GONE
                removed += 1
                break
            if k == EMPTY:
                break
            s = (s + np.uint64(1)) & mask
    return removed


class TermTable:
    """Term id (``0 <= id < 2**62``) -> column, in open addressing with linear probing."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        size = 1 << max(4, int(capacity - 1).bit_length())
        self._keys = np.full(size, EMPTY, dtype=np.int64)
        self._values = np.zeros(size, dtype=np.int64)
        self._live = 0
        self._filled = 0  # slots not EMPTY (live or GONE)

    def __len__(self) -> int:
        return self._live

    def lookup(self, queries: Int64s) -> Int64s:
        """The value of each key, -1 for a key not in the table."""
        out = np.empty(queries.size, dtype=np.int64)
        _lookup(self._keys, self._values, queries, out)
        return out

    def insert(self, keys: Int64s, values: Int64s) -> None:
        """Add keys that are not in the table (distinct), with their values."""
        if keys.size and int(keys.min()) < 0:
            raise ValueError(f"term ids are 0 or more (32-bit hashes), not {int(keys.min())}")
        if (self._filled + keys.size) * 2 > self._keys.size:
            self._rehash(self._live + keys.size)
        self._filled += int(_insert(self._keys, self._values, keys, values))
        self._live += keys.size

    def remove(self, keys: Int64s) -> None:
        """Remove keys that are in the table."""
        self._live -= int(_remove(self._keys, keys))

    def items(self) -> Iterator[tuple[int, int]]:
        live = self._keys >= 0
        return zip(self._keys[live].tolist(), self._values[live].tolist(), strict=True)

    def _rehash(self, need: int) -> None:
        """A table at most a quarter full for ``need`` keys, without the GONE slots."""
        live = self._keys >= 0
        keys, values = self._keys[live], self._values[live]
        size = 1 << max(4, int(4 * need - 1).bit_length())
        self._keys = np.full(size, EMPTY, dtype=np.int64)
        self._values = np.zeros(size, dtype=np.int64)
        self._filled = int(_insert(self._keys, self._values, keys, values))


class DictTable:
    """The same map in a Python ``dict`` (where numba is missing): :class:`TermTable`'s
    methods with its arguments and results."""

    def __init__(self) -> None:
        self._map: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._map)

    def lookup(self, queries: Int64s) -> Int64s:
        return np.fromiter(map(self._map.get, queries.tolist(), itertools.repeat(-1)),
                           dtype=np.int64, count=queries.size)

    def insert(self, keys: Int64s, values: Int64s) -> None:
        self._map.update(zip(keys.tolist(), values.tolist(), strict=True))

    def remove(self, keys: Int64s) -> None:
        for key in keys.tolist():
            self._map.pop(key, None)

    def items(self) -> Iterator[tuple[int, int]]:
        return iter(self._map.items())
