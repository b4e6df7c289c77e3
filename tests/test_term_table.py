"""The compiled term table: a map from term ids to columns that agrees with a dict through any
sequence of insertions, removals and growth, and TermStatistics on it agrees with the dict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corroborate.stories.kernels as kernels
from corroborate.stories.features import TermStatistics
from corroborate.stories.term_table import TermTable

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE,
                                reason="compiled loops off: numba is not installed "
                                f"({kernels.INSTALL_HINT}) or CORROBORATE_COMPILED=0")

_IDS = st.integers(0, 2**32 - 1)
_OPS = st.lists(st.tuples(st.booleans(), st.lists(_IDS, max_size=40)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(_OPS, st.lists(_IDS, max_size=50))
def test_table_agrees_with_a_dict(ops, probes) -> None:  # type: ignore[no-untyped-def]
    table = TermTable(capacity=16)  # small: grows and rehashes along the way
    model: dict[int, int] = {}
    value = 0
    for insert, ids in ops:
        if insert:
            fresh = list(dict.fromkeys(i for i in ids if i not in model))
            values = list(range(value, value + len(fresh)))
            value += len(fresh)
            table.insert(np.array(fresh, dtype=np.int64), np.array(values, dtype=np.int64))
            model.update(zip(fresh, values, strict=True))
        else:
            gone = list(dict.fromkeys(i for i in ids if i in model))
            table.remove(np.array(gone, dtype=np.int64))
            for i in gone:
                del model[i]
        assert len(table) == len(model)
    queries = [*model, *probes]
    found = table.lookup(np.array(queries, dtype=np.int64)).tolist()
    assert found == [model.get(q, -1) for q in queries]
    assert dict(table.items()) == model


def test_table_stays_small_under_churn() -> None:
    """Removed keys leave tombstones; a rehash before the table is half full drops them, so a
    window that keeps ~1,000 terms while 100,000 pass through stays a few thousand slots."""
    table = TermTable()
    rng = np.random.default_rng(3)
    live: list[int] = []
    for step in range(100):
        fresh = rng.choice(2**31, 1000, replace=False) + step * 2**31
        table.insert(fresh.astype(np.int64), np.arange(1000, dtype=np.int64))
        if live:
            table.remove(np.array(live, dtype=np.int64))
        live = fresh.tolist()
    assert len(table) == 1000
    assert table._keys.size <= 8192
    assert table.lookup(np.array(live[:5], dtype=np.int64)).tolist() == [0, 1, 2, 3, 4]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(st.integers(0, 300), min_size=1,
                                                   max_size=30)), min_size=1, max_size=30))
def test_statistics_on_the_table_equal_statistics_on_a_dict(ops) -> None:  # type: ignore[no-untyped-def]
    """Documents added and the oldest taken out: the same columns, frequencies and counts
    whether TermStatistics keeps its map in the compiled table or in a dict."""
    runs = []
    for compiled in (True, False):
        on = kernels.AVAILABLE
        kernels.AVAILABLE = compiled
        try:
            stats = TermStatistics()
        finally:
            kernels.AVAILABLE = on
        assert isinstance(stats._table, TermTable) == compiled
        held: list[np.ndarray] = []
        trace = []
        for add, ids in ops:
            if add or not held:
                columns, distinct = stats.add_terms(ids)
                held.append(distinct)
                trace.append(columns.tolist())
            else:
                stats.discard_columns(held.pop(0))
            trace.append(stats.lookup(range(301)).tolist())
        runs.append((trace, stats.df, stats.documents))
    assert runs[0] == runs[1]


def test_a_negative_id_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        TermTable().insert(np.array([4, -2], dtype=np.int64), np.array([0, 1], dtype=np.int64))
