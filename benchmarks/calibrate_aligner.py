"""Fit the aligner's pair scorer on MSRP train and ECB+ sentence pairs train (never on dev or
anything reported as held out) and write src/corroborate/align/aligner_weights.json.

    .venv/bin/python benchmarks/calibrate_aligner.py [--shared ../shared/data]

The two corpora get equal total weight. The peers' thresholds (TF-IDF cosine, MiniLM cosine)
are calibrated on the same pairs, so that `corroborate eval pairs` compares like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    from corroborate.align.features import FEATURES
    from corroborate.align.pairs import feature_rows, load_pairs
    from corroborate.align.scorer import WEIGHTS_FILE, best_f1_threshold, fit_scorer
    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_pairs import CALIBRATION_L2, tfidf_cosines

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = parser.parse_args()
    files = [args.shared / "msrp" / "pairs_train.jsonl",
             args.shared / "ecbplus" / "sentpairs_train.jsonl"]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        print(f"needs the shared corpora: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    embedder = MiniLMEmbedder(precision=args.precision)
    rows, labels, weights = [], [], []
    tfidf, cosine = [], []
    for path in files:
        pairs = load_pairs(path)
        x = feature_rows(pairs, embedder)
        rows.append(x)
        labels.append(np.asarray([p.label for p in pairs]))
        weights.append(np.full(len(pairs), 1.0 / len(pairs)))
        tfidf.append(tfidf_cosines(pairs))
        cosine.append(x[:, FEATURES.index("cosine")])
        print(f"{path.name}: {len(pairs)} pairs", file=sys.stderr)
    x, y, w = np.vstack(rows), np.concatenate(labels), np.concatenate(weights)
    scorer = fit_scorer(x, y, weights=w, l2=CALIBRATION_L2,
                        trained_on="msrp/pairs_train + ecbplus/sentpairs_train (equal weight)")
    doc = scorer.to_dict()
    doc["peer_thresholds"] = {
        "tfidf_cosine": best_f1_threshold(np.concatenate(tfidf), y.astype(float), w),
        "minilm_cosine": best_f1_threshold(np.concatenate(cosine), y.astype(float), w),
    }
    out = ROOT / "src" / "corroborate" / "align" / WEIGHTS_FILE
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} (threshold {scorer.threshold:.4f})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
