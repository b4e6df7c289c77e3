"""Pair files (``a``, ``b``, ``label`` per JSON line) and their feature rows, for calibrating
and evaluating the aligner on exactly the features :mod:`corroborate.align.compare` uses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corroborate.align.features import Idf, pair_features, prepare
from corroborate.embed import Embedder
from corroborate.errors import InputError


@dataclass(frozen=True, slots=True)
class Pair:
    a: str
    b: str
    label: int


def load_pairs(path: Path) -> list[Pair]:
    """Read a pair file; a malformed line is an :class:`InputError` naming file and line."""
    pairs: list[Pair] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read ({exc})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            label = int(raw["label"])
            if label not in (0, 1):
                raise ValueError(f"label {label} is not 0 or 1")
            pairs.append(Pair(str(raw["a"]), str(raw["b"]), label))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}:{number}", f"not a pair record with a, b and a 0/1 "
                                                 f"label ({exc})") from exc
    if not pairs:
        raise InputError(str(path), "holds no pairs")
    return pairs


def feature_rows(pairs: Sequence[Pair], embedder: Embedder) -> np.ndarray:
    """One row of features per pair. Each distinct sentence is embedded once; the IDF comes
    from the distinct sentences of the file (no labels are read)."""
    texts = sorted({p.a for p in pairs} | {p.b for p in pairs})
    index = {t: i for i, t in enumerate(texts)}
    statements = [prepare(t, e) for t, e in zip(texts, embedder.embed(texts), strict=True)]
    idf = Idf(statements)
    return np.asarray([pair_features(statements[index[p.a]], statements[index[p.b]], idf)
                       for p in pairs], dtype=np.float64)
