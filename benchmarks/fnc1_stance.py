"""Stance on FNC-1 related pairs (agree / disagree / discuss): Corroborate's stance classifier
against a peer baseline, both fitted on one half of the bodies and scored on the other.

    .venv/bin/python benchmarks/fnc1_stance.py [--shared ../shared/data] [--json out.json]

The split is by body: a deterministic hash of ``body_id`` sends each body (with all of its
headlines) to the fit half or to the report half, so no body is on both sides; nothing is
tuned on the report half. ``--cv`` instead prints a body-grouped 5-fold cross-validation on the
fit half only (for development) and never reads the report half's labels.

Peer: the FNC-1 organisers' kind of baseline in the same softmax regression with the same class
weights: TF-IDF cosine of headline and body (IDF from the fit half's texts), word overlap, and
the baseline's refuting-word counts and polarity of headline and body; and the majority class.
Prints a Markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from corroborate.align.stance import (  # noqa: E402
    LABELS,
    STANCE_FEATURES,
    StanceClassifier,
    balanced_weights,
    fit_softmax,
)

Pair = dict[str, str]
_WORDS = re.compile(r"\w+")
# The FNC-1 baseline's refuting words (fnc-1-baseline, feature_engineering.py).
PEER_REFUTING = ("fake", "fraud", "hoax", "false", "deny", "denies", "not", "despite", "nope",
                 "doubt", "doubts", "bogus", "debunk", "pranks", "retract")


def fit_half(body_id: str) -> bool:
    """The deterministic split: first byte of SHA-256 of the body id, even → fit half."""
    return hashlib.sha256(body_id.encode("utf-8")).digest()[0] % 2 == 0


def load(path: Path, limit: int | None) -> list[Pair]:
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    pairs = [{"id": str(p["id"]), "a": str(p["a"]), "b": str(p["b"]), "label": str(p["label"]),
              "body_id": str(p["body_id"])} for p in pairs]
    return pairs[:limit] if limit else pairs


# -- metrics ----------------------------------------------------------------------------------

def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    per_class = {}
    for c in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == c and p == c)
        npred = sum(1 for p in predicted if p == c)
        ngold = sum(1 for g in gold if g == c)
        precision = tp / npred if npred else 0.0
        recall = tp / ngold if ngold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "gold": ngold,
                        "predicted": npred}
    confusion = [[sum(1 for g, p in zip(gold, predicted, strict=True) if g == gc and p == pc)
                  for pc in LABELS] for gc in LABELS]
    return {
        "per_class": per_class,
        "macro_f1": float(np.mean([per_class[c]["f1"] for c in LABELS])),
        "disagree_f1": per_class["disagree"]["f1"],
        "accuracy": sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold),
        "confusion": {"rows_gold_columns_predicted": list(LABELS), "matrix": confusion},
    }


# -- the peer ---------------------------------------------------------------------------------

class TfidfPeer:
    """TF-IDF cosine + word overlap + refuting words and polarity, softmax regression."""

    def __init__(self, fit_texts: Sequence[str]) -> None:
        df: Counter[str] = Counter()
        for t in set(fit_texts):
            df.update(set(_WORDS.findall(t.lower())))
        n = len(set(fit_texts))
        self.idf = {w: math.log((1 + n) / (1 + k)) + 1 for w, k in df.items()}
        self.default_idf = math.log(1 + n) + 1
        self.model: Any = None

    def _vector(self, text: str) -> dict[str, float]:
        counts = Counter(_WORDS.findall(text.lower()))
        v = {w: c * self.idf.get(w, self.default_idf) for w, c in counts.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    def rows(self, pairs: Sequence[Pair]) -> np.ndarray:
        cache: dict[str, dict[str, float]] = {}

        def vec(t: str) -> dict[str, float]:
            if t not in cache:
                cache[t] = self._vector(t)
            return cache[t]

        out = []
        for p in pairs:
            va, vb = vec(p["a"]), vec(p["b"])
            cosine = sum(x * vb.get(w, 0.0) for w, x in va.items())
            wa = set(_WORDS.findall(p["a"].lower()))
            wb = set(_WORDS.findall(p["b"].lower()))
            overlap = len(wa & wb) / max(1, len(wa | wb))
            ref_a = sum(1 for w in _WORDS.findall(p["a"].lower()) if w in PEER_REFUTING)
            ref_b = sum(1 for w in _WORDS.findall(p["b"].lower()) if w in PEER_REFUTING)
            out.append([cosine, overlap, float(ref_a), math.log1p(ref_b), float(ref_a % 2),
                        float(ref_b % 2)])
        return np.asarray(out, dtype=np.float64)

    def fit(self, pairs: Sequence[Pair]) -> None:
        labels = [p["label"] for p in pairs]
        self.model = fit_softmax(self.rows(pairs), labels,
                                 weights=balanced_weights(labels, LABELS))

    def predict(self, pairs: Sequence[Pair]) -> list[str]:
        return list(self.model.predict(self.rows(pairs)))


# -- runs -------------------------------------------------------------------------------------

def _tuples(pairs: Sequence[Pair]) -> list[tuple[str, str]]:
    return [(p["a"], p["b"]) for p in pairs]


def cross_validate(pairs: Sequence[Pair], clf: StanceClassifier, folds: int = 5) -> None:
    """Body-grouped CV on the fit half (development only)."""
    t0 = time.perf_counter()
    rows = clf.feature_rows(_tuples(pairs))
    print(f"features: {len(pairs)} pairs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    fold = np.asarray([hashlib.sha256(p["body_id"].encode()).digest()[1] % folds
                       for p in pairs])
    labels = np.asarray([p["label"] for p in pairs])
    for l2 in (0.3, 1.0, 3.0, 10.0):
        predicted = np.empty(len(pairs), dtype=object)
        peer_pred = np.empty(len(pairs), dtype=object)
        for f in range(folds):
            train, test = fold != f, fold == f
            model = fit_softmax(rows[train], list(labels[train]), l2=l2,
                                weights=balanced_weights(list(labels[train]), LABELS))
            predicted[test] = model.predict(rows[test])
            tr = [p for p, m in zip(pairs, train, strict=True) if m]
            te = [p for p, m in zip(pairs, test, strict=True) if m]
            peer = TfidfPeer([t for p in tr for t in (p["a"], p["b"])])
            peer.fit(tr)
            peer_pred[test] = peer.predict(te)
        s = scores(list(labels), list(predicted))
        ps = scores(list(labels), list(peer_pred))
        print(f"l2={l2}: macro-F1 {s['macro_f1']:.3f} disagree F1 {s['disagree_f1']:.3f} "
              f"acc {s['accuracy']:.3f} | peer macro-F1 {ps['macro_f1']:.3f} "
              f"disagree {ps['disagree_f1']:.3f}")


def run(fit: Sequence[Pair], report: Sequence[Pair], clf: StanceClassifier) -> dict[str, Any]:
    t0 = time.perf_counter()
    fit_rows = clf.feature_rows(_tuples(fit))
    model = clf.fit_rows(fit_rows, [p["label"] for p in fit],
                         trained_on="fnc1 pairs_related, fit half of the bodies")
    fit_seconds = time.perf_counter() - t0
    clf.clear_cache()  # the report half is embedded from scratch inside the timed run
    t0 = time.perf_counter()
    predicted = clf.predict(_tuples(report))
    report_seconds = time.perf_counter() - t0
    gold = [p["label"] for p in report]
    ours = scores(gold, predicted)
    ours.update(pairs_per_second=len(report) / report_seconds, seconds=report_seconds,
                fit_seconds=fit_seconds)

    t0 = time.perf_counter()
    peer = TfidfPeer([t for p in fit for t in (p["a"], p["b"])])
    peer.fit(fit)
    t1 = time.perf_counter()
    peer_pred = peer.predict(report)
    peer_seconds = time.perf_counter() - t1
    theirs = scores(gold, peer_pred)
    theirs.update(pairs_per_second=len(report) / max(1e-9, peer_seconds),
                  seconds=peer_seconds, fit_seconds=t1 - t0)
    majority_label = Counter(p["label"] for p in fit).most_common(1)[0][0]
    majority = scores(gold, [majority_label] * len(report))
    coef = {label: dict(zip(STANCE_FEATURES, (round(v, 4) for v in row), strict=True))
            for label, row in zip(model.labels, model.coef, strict=True)}
    return {"ours": ours, "peer_tfidf_refuting": theirs,
            "peer_majority": {**majority, "label": majority_label}, "model": model.to_dict(),
            "coef_by_label": coef}


def markdown(result: dict[str, Any], command: str) -> str:
    meta = result["meta"]
    lines = [
        "## Stance: FNC-1 related pairs (agree / disagree / discuss)",
        "",
        f"Data: `../shared/data/fnc1/pairs_related.jsonl` ({meta['pairs']} pairs, "
        f"{meta['bodies']} bodies), split by body (SHA-256 of `body_id`, first byte even → fit): "
        f"fit half {meta['fit_pairs']} pairs / {meta['fit_bodies']} bodies, report half "
        f"{meta['report_pairs']} pairs / {meta['report_bodies']} bodies "
        f"(gold: {meta['report_gold']}). Fitted on the fit half only; the report half was "
        f"scored once. Embedder {meta['embedder']}.",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "| system | macro-F1 | F1 agree | F1 disagree | F1 discuss | accuracy | pairs/s |",
        "|---|---|---|---|---|---|---|",
    ]
    names = (("ours", "**Corroborate stance** (aligner + cues, softmax)"),
             ("peer_tfidf_refuting", "peer: TF-IDF cosine + refuting words (FNC-1 baseline "
                                     "features, same regression)"),
             ("peer_majority", f"peer: majority class (`{result['peer_majority']['label']}`)"))
    for key, label in names:
        s = result[key]
        pc = s["per_class"]
        speed = f"{s['pairs_per_second']:,.1f}" if "pairs_per_second" in s else ""
        lines.append(f"| {label} | {s['macro_f1']:.3f} | {pc['agree']['f1']:.3f} | "
                     f"{pc['disagree']['f1']:.3f} | {pc['discuss']['f1']:.3f} | "
                     f"{s['accuracy']:.3f} | {speed} |")
    lines += ["", "Per class (report half):", "",
              "| system | class | gold | predicted | precision | recall | F1 |",
              "|---|---|---|---|---|---|---|"]
    for key, label in names[:2]:
        for c in LABELS:
            m = result[key]["per_class"][c]
            lines.append(f"| {label.split(' (')[0]} | {c} | {m['gold']} | {m['predicted']} | "
                         f"{m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |")
    lines += ["", "Confusion matrices (rows gold, columns predicted; agree, disagree, discuss):",
              ""]
    for key, label in names[:2]:
        matrix = result[key]["confusion"]["matrix"]
        lines.append(f"- {label.split(' (')[0]}: " + "; ".join(
            f"{g}: {' / '.join(str(v) for v in row)}"
            for g, row in zip(LABELS, matrix, strict=True)))
    ours = result["ours"]
    lines += ["", f"Speed: {ours['pairs_per_second']:.1f} pairs/s on the report half, end to end "
              f"({ours['seconds']:.1f} s for {meta['report_pairs']} pairs: sentence splitting, "
              f"embedding every distinct headline and body sentence once, features, "
              f"prediction; model load excluded, {meta['cpu']} threads). Fitting (embedding and "
              f"features of the fit half, then the regression) took {ours['fit_seconds']:.1f} s."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, help="write the result as JSON here")
    parser.add_argument("--limit", type=int, help="first N pairs only (smoke runs)")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--cv", action="store_true",
                        help="body-grouped 5-fold CV on the fit half only, then stop")
    parser.add_argument("--hashing", action="store_true",
                        help="HashingEmbedder instead of MiniLM (no model; dry runs)")
    args = parser.parse_args()
    path = args.shared / "fnc1" / "pairs_related.jsonl"
    if not path.exists():
        print(f"needs the shared corpora: missing {path}", file=sys.stderr)
        return 2
    from corroborate.embed import Embedder, HashingEmbedder, MiniLMEmbedder

    pairs = load(path, args.limit)
    fit = [p for p in pairs if fit_half(p["body_id"])]
    report = [p for p in pairs if not fit_half(p["body_id"])]
    embedder: Embedder = HashingEmbedder() if args.hashing else MiniLMEmbedder(
        precision=args.precision)
    clf = StanceClassifier(embedder, l2=args.l2)
    if args.cv:
        cross_validate(fit, clf)
        return 0
    t0 = time.perf_counter()
    embedder.embed(["warm-up sentence for the model load"])
    load_seconds = time.perf_counter() - t0
    result = run(fit, report, clf)
    result["meta"] = {
        "pairs": len(pairs), "bodies": len({p["body_id"] for p in pairs}),
        "fit_pairs": len(fit), "fit_bodies": len({p["body_id"] for p in fit}),
        "report_pairs": len(report), "report_bodies": len({p["body_id"] for p in report}),
        "report_gold": dict(Counter(p["label"] for p in report)),
        "fit_gold": dict(Counter(p["label"] for p in fit)),
        "shared_headlines": len({p["a"] for p in fit} & {p["a"] for p in report}),
        "embedder": embedder.name, "l2": args.l2, "model_load_seconds": load_seconds,
        "cpu": os.cpu_count(), "python": platform.python_version(),
    }
    command = " ".join(["HF_HUB_OFFLINE=1", ".venv/bin/python", "benchmarks/fnc1_stance.py",
                        *sys.argv[1:]])
    print(markdown(result, command))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
