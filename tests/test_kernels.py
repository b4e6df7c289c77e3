"""The compiled loops of story assignment give what the numpy paths give, bit for bit: term
selection and weighting, story sums, mean signals, and whole assignment runs (change logs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corroborate.stories.kernels as kernels
from corroborate.embed import HashingEmbedder
from corroborate.evaluate_stories import load_gold_stream
from corroborate.stories import AssignSettings, StoryAssigner, StoryFeatures, default_link_model
from corroborate.stories.assign import FIXED_SCALE, _Member, _merge_member, _Story
from corroborate.stories.features import NAMESPACES, TermStatistics, weigh_terms
from corroborate.stories.stream import features_of
from corroborate.stories.term_table import DictTable
from test_stories import event_articles  # tests/ is on sys.path under pytest

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE,
                                reason="compiled loops off: numba is not installed "
                                f"({kernels.INSTALL_HINT}) or CORROBORATE_COMPILED=0")


def _features(rng: np.random.Generator, ties: bool) -> StoryFeatures:
    terms: dict[str, dict[int, int]] = {}
    priors: dict[int, float] = {}
    for ns in NAMESPACES:
        size = int(rng.integers(0, 260))
        ids = rng.choice(1 << 31, size=size, replace=False).tolist()
        # ties: few distinct counts and priors, so many terms weigh exactly alike
        counts = rng.integers(1, 3 if ties else 9, size=size).tolist()
        terms[ns] = dict(zip(ids, counts, strict=True))
        for t in ids:
            priors[t] = 1e-5 if ties else float(rng.choice([1e-8, 1e-5, 1e-3, 0.2, 1.0]))
    return StoryFeatures("a", np.zeros(4, dtype=np.float32), terms, priors)


@pytest.mark.parametrize("ties", [False, True])
def test_selected_terms_and_weights_equal_the_numpy_path(ties: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7 + ties)
    stats = TermStatistics()
    for _ in range(40):
        features = _features(rng, ties)
        compiled = weigh_terms(features, stats)
        with monkeypatch.context() as m:
            m.setattr(kernels, "AVAILABLE", False)
            plain = weigh_terms(features, stats)
        for field in ("terms", "namespace", "weights", "entries"):
            assert np.array_equal(getattr(compiled, field), getattr(plain, field)), field
        stats.add_terms([t for ns in NAMESPACES for t in features.terms[ns]])


def _member(seq: int, keys: list[int], weights: list[float]) -> _Member:
    key_array = np.asarray(keys, dtype=np.int64)
    order = np.argsort(key_array)
    fixed = np.rint(np.asarray(weights)[order] * FIXED_SCALE).astype(np.int64)
    return _Member(f"m{seq}", None, np.zeros(0, dtype=np.int64), None,  # type: ignore[arg-type]
                   key_array, seq, 0.0, 1, sorted_keys=key_array[order], sorted_fixed=fixed,
                   key_order=order)


_MEMBERS = st.lists(
    st.dictionaries(st.integers(0, 60), st.floats(1e-6, 1.0), min_size=0, max_size=25),
    min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(_MEMBERS, st.data())
def test_story_sums_merged_in_any_order_equal_the_direct_sums(members, data) -> None:  # type: ignore[no-untyped-def]
    """Members added, then some taken out, in any order, by the kernel and by numpy: the
    same sorted keys, exact sums and holder counts as summing the members that stay."""
    built = [_member(i, list(m), list(m.values())) for i, m in enumerate(members)]
    leave = data.draw(st.sets(st.sampled_from(range(len(built)))))
    order = data.draw(st.permutations(range(len(built))))
    results = []
    for compiled in (True, False):
        kernels_on = kernels.AVAILABLE
        kernels.AVAILABLE = compiled
        try:
            keys = fixed = holders = np.zeros(0, dtype=np.int64)
            for i in order:
                keys, fixed, holders = _merge_member(keys, fixed, holders, built[i], 1)
            for i in sorted(leave):
                keys, fixed, holders = _merge_member(keys, fixed, holders, built[i], -1)
        finally:
            kernels.AVAILABLE = kernels_on
        results.append((keys.tolist(), fixed.tolist(), holders.tolist()))
    direct: dict[int, list[int]] = {}
    for i, m in enumerate(members):
        if i in leave:
            continue
        for key, weight in m.items():
            direct.setdefault(key, []).append(round(weight * FIXED_SCALE))
    expected = (sorted(direct), [sum(direct[k]) for k in sorted(direct)],
                [len(direct[k]) for k in sorted(direct)])
    assert results[0] == results[1] == (list(expected[0]), expected[1], expected[2])


def test_taking_out_a_member_that_was_not_summed_is_refused() -> None:
    a, b = _member(1, [1, 2], [0.5, 0.5]), _member(2, [3], [1.0])
    keys, fixed, holders = _merge_member(*(np.zeros(0, dtype=np.int64),) * 3, a, 1)
    with pytest.raises(ValueError, match="not summed"):
        _merge_member(keys, fixed, holders, b, -1)


def test_a_ctrl_c_reported_as_a_system_error_is_raised_as_an_interrupt() -> None:
    """A Ctrl-C landing while numba hands back a result surfaces as SystemError caused by the
    KeyboardInterrupt (an ingest then rejected an article and exited 1, not 130)."""
    def landed_at_return() -> None:  # in a call back into Python, inside the loop's call
        try:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as interrupt:
                raise SystemError("_numba_unpickle returned a result with an exception "
                                  "set") from interrupt
        except SystemError as inner:
            raise SystemError("CPUDispatcher(select_terms) returned a result with an "
                              "exception set") from inner

    def broken() -> None:
        try:
            raise ValueError("a cause")
        except ValueError as cause:
            raise SystemError("something else") from cause

    with pytest.raises(KeyboardInterrupt):
        kernels.interruptible(landed_at_return)()
    with pytest.raises(SystemError, match="something else"):
        kernels.interruptible(broken)()
    assert kernels.interruptible(lambda x: x + 1)(1) == 2
    kernels.warm_up()
    for name in ("merge_sums", "sparse_mean_signals", "select_terms"):
        compiled = getattr(kernels, name)
        assert compiled.__wrapped__.__class__.__name__ == "CPUDispatcher", name
    with pytest.raises(ValueError, match="not summed"):  # a loop's own error passes through
        kernels.merge_sums(*(np.zeros(0, dtype=np.int64),) * 3, np.ones(1, dtype=np.int64),
                           np.ones(1, dtype=np.int64), -1)


# -- whole runs: the same change log, compiled or not ------------------------------------------

def _log(features: list[StoryFeatures], settings_: AssignSettings | None = None
         ) -> tuple[str, list[np.ndarray]]:
    """A digest of every change of a run, and the mean signals of each article with its
    candidates as they were computed (to compare to the last bit)."""
    assigner = StoryAssigner(default_link_model(), settings_)
    signals: list[np.ndarray] = []
    original = assigner._mean_signals

    def recording(new: _Member, stories: list[_Story], **kw: bool) -> np.ndarray:
        out = original(new, stories, **kw)
        signals.append(out)
        return out

    assigner._mean_signals = recording  # type: ignore[method-assign]
    digest = hashlib.sha256()
    for f in features:
        for change in assigner.assign(f):
            digest.update(f"{change.kind}|{change.story}|{change.article_id}|"
                          f"{change.previous};".encode())
    return digest.hexdigest(), signals


def _same_runs(features: list[StoryFeatures], monkeypatch: pytest.MonkeyPatch,
               settings_: AssignSettings | None = None) -> int:
    compiled, compiled_signals = _log(features, settings_)
    with monkeypatch.context() as m:
        m.setattr(kernels, "AVAILABLE", False)
        plain, plain_signals = _log(features, settings_)
    assert compiled == plain
    assert len(compiled_signals) == len(plain_signals)
    for a, b in zip(compiled_signals, plain_signals, strict=True):
        assert np.array_equal(a, b)
    return len(compiled_signals)


def test_assignment_runs_compiled_and_in_numpy_are_identical(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    articles, _ = event_articles()
    features = features_of(articles, HashingEmbedder())
    assert _same_runs(features, monkeypatch) > 0
    # a window too small for the stream: members retire and stories lose them
    assert _same_runs(features, monkeypatch, AssignSettings(max_active_articles=5)) > 0


@pytest.mark.shared
def test_assignment_on_basil_compiled_and_in_numpy_is_identical(shared_data: Path,
                                                                monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = shared_data / "basil" / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is missing (../shared/data)")
    articles = list(load_gold_stream(path).articles)  # in arrival (date) order
    features = features_of(articles, HashingEmbedder())
    _same_runs(features, monkeypatch)
    _same_runs(features, monkeypatch, AssignSettings(window_days=30.0))


def test_a_numba_that_cannot_be_imported_leaves_the_numpy_paths(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """numba installed but broken (built for another numpy): one warning with the fix, and
    assignment goes on with the numpy paths."""
    import builtins
    import sys

    real_import = builtins.__import__

    def refuse(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "numba":
            raise ImportError("Numba needs NumPy 2.3 or less")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(kernels, "_warm", False)
    monkeypatch.setattr(kernels, "AVAILABLE", True)
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.warns(RuntimeWarning, match="numba cannot be imported.*corroborate\\[fast\\]"):
        assigner = StoryAssigner(default_link_model())
    assert not kernels.AVAILABLE and isinstance(assigner.stats._table, DictTable)
    articles, _ = event_articles()
    for f in features_of(articles, HashingEmbedder()):
        assigner.assign(f)
    assert len(assigner.stories) >= 3


def test_story_sums_do_not_overflow_for_a_window_of_heavy_members(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """20,000 members of weight 1 on one key (a one-name namespace in a huge story): the
    fixed-point sum is exact, compiled and in numpy; a window the sums could overflow in is
    refused when the assigner is made."""
    from corroborate.stories.assign import MAX_WINDOW

    member = _member(1, [7], [1.0])
    for compiled in (True, False):
        monkeypatch.setattr(kernels, "AVAILABLE", compiled)
        keys = fixed = holders = np.zeros(0, dtype=np.int64)
        for _ in range(20_000):
            keys, fixed, holders = _merge_member(keys, fixed, holders, member, 1)
        assert fixed.tolist() == [20_000 * int(FIXED_SCALE)] and holders.tolist() == [20_000]
    assert (MAX_WINDOW + 1) * FIXED_SCALE <= 2.0 ** 63
    with pytest.raises(ValueError, match="max_active_articles must be between 1 and"):
        StoryAssigner(default_link_model(), AssignSettings(max_active_articles=MAX_WINDOW + 1))
