"""Comparison quality on claim-level gold: the current comparer beside the frozen v1 peer
(`benchmarks/comparer_v1.py`, the comparer before comparison v2), in one run, on the same
analyses.

Gold sets (``corroborate.claims-gold/1``):
- dev: ``../shared/data/claims/*.gold.json`` (4 BASIL events, shared);
- tune: ``benchmarks/data/claims/tune/*.gold.json`` (5 BASIL events, ours, used for choices:
  the pair model's training pairs and the support model's fitting pairs);
- fit: ``benchmarks/data/claims/fit/*.gold.json`` (6 BASIL events, ours: the support model's
  fitting pairs and threshold);
- fit 2: ``benchmarks/data/claims/fit2/*.gold.json`` (9 more BASIL events written 2026-12-02 by
  helpers from the articles alone: fitting pairs and threshold of the support model since
  then, so in-sample);
- held-out: ``benchmarks/data/claims/heldout/*.gold.json`` (3 BASIL events, ours, never used for
  any choice: report only);
- held-out 2: ``benchmarks/data/claims/heldout2/*.gold.json`` (4 BASIL events written
  2026-12-02 by helpers from the articles alone, never used for any choice: report only; their
  articles were among the unlabelled synthetic training pairs of the pair model);
- held-out 3: ``benchmarks/data/claims/heldout3/*.gold.json`` (4 more BASIL events, written
  2026-12-02 by a helper from the articles alone, as held-out 2; report only);
- fit 3: ``benchmarks/data/claims/fit3/*.gold.json`` (8 more BASIL events written 2026-12-03 by
  helpers from the articles alone, drawn at random from the events no gold used: used for
  choices; ``train_pair_model.py --gold-sets`` may train on it, which the shipped model does
  not);
- held-out 4: ``benchmarks/data/claims/heldout4/*.gold.json`` (4 more BASIL events written and
  drawn the same way the same day, never used for any choice: report only);
- held-out 5: ``benchmarks/data/claims/heldout5/*.gold.json`` (6 more BASIL events written
  2026-12-04 by three helpers from the articles alone, drawn at random (seed 20261204) from the
  21 events no gold used; never used for any choice: report only);
- examples: ``benchmarks/data/claims/examples/*.gold.json`` (the three bundled example stories,
  written from the articles alone; report only).

Comparers: the shipped one (claims from the parse, the feature scorer, the pair model, the
support model over both), the same without the support model and without either learned
model (``--ablation``), and the v1 peer.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/briefs_quality.py [--misses] [--json FILE]

Exits 2 with a message when the shared corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list what each brief gets wrong")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--sets", default="dev,heldout,heldout2,heldout3,heldout4,heldout5,"
                                          "examples,"
                                          "tune,fit,fit2,fit3")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--ablation", action="store_true",
                        help="also run the comparer without the support model (the pair "
                             "model's scores alone) and without either (the feature scorer)")
    parser.add_argument("--adapter", help="score with this pair model file (a "
                        "pair_model.safetensors being trained) instead of the shipped one")
    parser.add_argument("--support", help="with this support model file (support_weights.json) "
                        "instead of the shipped one")
    args = parser.parse_args()
    if not (SHARED / "claims").is_dir():
        print(f"{SHARED / 'claims'} not found: the shared corpus is needed", file=sys.stderr)
        return 2

    from comparer_v1 import Comparer as PeerComparer
    from corroborate.align import Comparer
    from corroborate.align.pair_model import PairModel
    from corroborate.align.support import load_support_model
    from corroborate.analyze import Analyzer
    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_briefs import briefs_table, evaluate_briefs, load_gold
    from corroborate.ingest import IngestOptions, Rejection, read_inputs, read_one

    sets = {
        "dev": sorted((SHARED / "claims").glob("*.gold.json")),
        "tune": sorted((ROOT / "benchmarks/data/claims/tune").glob("*.gold.json")),
        "heldout": sorted((ROOT / "benchmarks/data/claims/heldout").glob("*.gold.json")),
        "heldout2": sorted((ROOT / "benchmarks/data/claims/heldout2").glob("*.gold.json")),
        "heldout3": sorted((ROOT / "benchmarks/data/claims/heldout3").glob("*.gold.json")),
        "fit": sorted((ROOT / "benchmarks/data/claims/fit").glob("*.gold.json")),
        "fit2": sorted((ROOT / "benchmarks/data/claims/fit2").glob("*.gold.json")),
        "fit3": sorted((ROOT / "benchmarks/data/claims/fit3").glob("*.gold.json")),
        "heldout4": sorted((ROOT / "benchmarks/data/claims/heldout4").glob("*.gold.json")),
        "heldout5": sorted((ROOT / "benchmarks/data/claims/heldout5").glob("*.gold.json")),
        "examples": sorted((ROOT / "benchmarks/data/claims/examples").glob("*.gold.json")),
    }
    chosen = [s for s in args.sets.split(",") if s]
    golds = {name: [load_gold(p) for p in sets[name]] for name in chosen}
    wanted = {aid for gs in golds.values() for g in gs for aid in g.articles.values()}
    articles = [a for a in read_one(str(SHARED / "basil/articles.jsonl"), IngestOptions())
                if not isinstance(a, Rejection) and a.metadata.get("id") in wanted]
    if "examples" in chosen:
        before = Path.cwd()
        os.chdir(ROOT)  # the gold names the examples by their paths from the repository root
        try:
            articles += [a for a in read_inputs(["examples"]) if not isinstance(a, Rejection)]
        finally:
            os.chdir(before)
    analyses = list(Analyzer().analyze_many(articles))
    embedder = MiniLMEmbedder()
    pair_model = (PairModel(args.adapter, precision=embedder.precision, runtime=embedder.runtime)
                  if args.adapter else None)
    support = load_support_model(args.support) if args.support else None
    comparers = [Comparer(embedder, pair_model=pair_model, support=support)]
    if args.ablation:
        comparers.append(Comparer(embedder, pair_model=comparers[0].pair_model,
                                  use_support_model=False))
        comparers.append(Comparer(embedder, use_pair_model=False))
    if not args.no_peer:
        comparers.append(PeerComparer(embedder))
    report = {}
    for name in chosen:
        for comparer in comparers:
            result = evaluate_briefs(golds[name], analyses, comparer.compare, comparer.name)
            print(f"\n## {name} ({len(golds[name])} events)")
            print(briefs_table(result, include_misses=args.misses))
            report.setdefault(name, {})[comparer.name] = result.to_dict()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
