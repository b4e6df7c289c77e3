"""Shared fixtures: paths, the real analyzer (loaded once), a fresh database, a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Property-based tests (the readers' fuzz tests among them) run a bounded number of examples in
# CI; HYPOTHESIS_PROFILE=long runs many more, without a deadline (see README, "Testing"):
#   HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_ingest.py -k fuzz
# Tests that bound themselves (the fuzz tests: @settings(max_examples=60)) take the profile's
# numbers instead when it is "long" (see tests/test_ingest.py, _FUZZ).
settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("long", max_examples=20_000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared corpora at {SHARED} (absent on this machine)")
    return SHARED


@pytest.fixture(scope="session")
def analyzer():  # type: ignore[no-untyped-def]
    from corroborate.analyze import Analyzer

    return Analyzer()


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture()
def store(db_path: Path) -> Iterator[object]:
    from corroborate.store import Store

    with Store(db_path) as s:
        yield s


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def comparer():  # type: ignore[no-untyped-def]
    """The real comparison engine: packaged MiniLM in float32 (so results do not depend on
    whether the CPU has bf16), shipped scorer."""
    from corroborate.align import Comparer
    from corroborate.embed import MiniLMEmbedder

    return Comparer(MiniLMEmbedder(precision="fp32"))


@pytest.fixture(scope="session")
def example_analyses(analyzer):  # type: ignore[no-untyped-def]
    """The analyses of each bundled example story, by story folder name."""
    from corroborate.ingest import Rejection, read_inputs

    stories = {}
    before = Path.cwd()
    os.chdir(ROOT)  # paths in the briefs are relative ("examples/summit/...") for golden files
    try:
        for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
            relative = str(folder.relative_to(ROOT))
            articles = [a for a in read_inputs([relative]) if not isinstance(a, Rejection)]
            stories[folder.name] = list(analyzer.analyze_many(articles))
    finally:
        os.chdir(before)
    return stories


@pytest.fixture(scope="session")
def example_briefs(comparer, example_analyses):  # type: ignore[no-untyped-def]
    return {name: comparer.compare(analyses) for name, analyses in example_analyses.items()}
