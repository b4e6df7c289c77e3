"""What a benchmark run says about its own conditions (the machine's load and the commit
measured; others may edit the tree while one runs) and the story benchmarks' shared corpora."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
#: the story benchmarks' training set (every choice is made on it) and their two test sets
ECB_TRAIN = SHARED / "ecbplus" / "articles_train.jsonl"
STORY_TESTS = {
    "ECB+ dev": SHARED / "ecbplus" / "articles_dev.jsonl",
    "BASIL": SHARED / "basil" / "articles.jsonl",
}


def story_corpora_missing(script: str) -> bool:
    """True, after one line on stderr naming the file, when a story corpus is absent."""
    import sys

    for path in [ECB_TRAIN, *STORY_TESTS.values()]:
        if not path.is_file():
            print(f"{script}: {path} not found (the shared corpora belong in {SHARED}); "
                  "nothing to do", file=sys.stderr)
            return True
    return False


def load_avg() -> str:
    """The 1, 5 and 15 minute load averages, as one line."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def provenance() -> str:
    """The commit measured, and whether src/ differs from it (others edit while we run)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" with uncommitted changes in src/" if dirty else "")
