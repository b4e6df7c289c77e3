"""Fit the support model (`corroborate.align.support`) on claim-level gold and choose its
grouping threshold; writes ``src/corroborate/align/support_weights.json``.

Fitting gold (``--sets``): ``benchmarks/data/claims/fit`` (6 BASIL events written for this
from the articles alone), ``benchmarks/data/claims/tune`` (5 BASIL events) and
``benchmarks/data/claims/fit2`` (9 more BASIL events, written 2026-12-02 by three helpers from
the articles alone). Never the dev gold
(``../shared/data/claims``), the held-out gold or the example gold: those are what
``benchmarks/briefs_quality.py`` reports.

Pairs: every candidate pair of claims the comparer scores on each fitting event (the shipped
feature scorer and pair model read them as in a real comparison). A pair is positive when both
claims match the locators of one gold agreed (or disputed) fact for their outlets, negative
otherwise (gold aims to list every agreed fact, so an unlisted pair is very likely two
facts). The regression is L2-penalised (``--l2``) on standardised inputs.

Threshold: the one of ``--grid`` whose briefs on the fitting events have the best harmonic
mean of agreed recall, agreed precision and single-source accuracy (summed counts, as
``corroborate eval briefs`` scores them): the brief's three lists count alike.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/calibrate_support.py [--dry-run]

``--folds`` also reports a leave-events-out estimate (fit on the other fitting events, score
the left-out ones at the chosen threshold). Exits 2 when the shared corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src/corroborate/align/support_weights.json"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
FIT_SETS = ("fit", "tune")  # fit2 tried 2026-12-02 (`--sets fit,tune,fit2`): not shipped


def labelled_pairs(comparer: Any, gold: Any, analyses: Sequence[Any]
                   ) -> tuple[list[list[float]], list[int]]:
    """The support rows and labels of every candidate pair of one gold event."""
    from corroborate.evaluate_briefs import ClaimMatcher, resolve_articles

    chosen = resolve_articles(gold, analyses)
    outlets = {a.article.id: o for o, a in chosen.items()}
    kept, _, nodes = comparer.claim_nodes(list(chosen.values()))
    by_id = {a.article.id: a for a in kept}
    matcher = ClaimMatcher(by_id.__getitem__)
    facts_of: dict[int, set[int]] = defaultdict(set)
    items = [support for _, support in gold.agreed] + [values for _, values in gold.disputed]
    for k, locators in enumerate(items):
        for i, node in enumerate(nodes):
            outlet = outlets[node.claim.article]
            if outlet in locators and matcher.matches(node.claim, locators[outlet]):
                facts_of[i].add(k)
    signals = comparer.pair_signals(nodes)
    labels = [int(bool(facts_of[i] & facts_of[j])) for i, j in signals.pairs]
    return signals.support_rows(), labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--l2", type=float, default=10.0)
    parser.add_argument("--grid", default="0.1,0.125,0.15,0.2,0.25,0.3,0.35,0.4")
    parser.add_argument("--folds", type=int, default=0,
                        help="also report a leave-events-out estimate with this many folds")
    parser.add_argument("--dry-run", action="store_true", help="do not write the weights")
    parser.add_argument("--sets", default=",".join(FIT_SETS),
                        help="fitting gold sets under benchmarks/data/claims (default %(default)s)")
    parser.add_argument("--adapter", help="read pairs with this pair model file instead of the "
                        "shipped one (a pair_model.safetensors being trained)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="where to write the weights (default: the shipped file)")
    args = parser.parse_args()
    if not (SHARED / "basil").is_dir():
        print(f"{SHARED / 'basil'} not found: the shared corpus is needed", file=sys.stderr)
        return 2

    import numpy as np

    from corroborate.align import Comparer
    from corroborate.align.scorer import fit_scorer
    from corroborate.align.support import SUPPORT_FEATURES, SupportModel
    from corroborate.analyze import Analyzer
    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_briefs import evaluate_briefs, load_gold
    from corroborate.ingest import IngestOptions, Rejection, read_one

    fit_sets = tuple(name for name in args.sets.split(",") if name)
    golds = [load_gold(p) for name in fit_sets
             for p in sorted((ROOT / "benchmarks/data/claims" / name).glob("*.gold.json"))]
    wanted = {aid for g in golds for aid in g.articles.values()}
    articles = [a for a in read_one(str(SHARED / "basil/articles.jsonl"), IngestOptions())
                if not isinstance(a, Rejection) and a.metadata.get("id") in wanted]
    analyses = list(Analyzer().analyze_many(articles))
    embedder = MiniLMEmbedder()
    from corroborate.align.pair_model import PairModel

    reader = Comparer(embedder, use_support_model=False,
                      pair_model=(PairModel(args.adapter, precision=embedder.precision,
                                            runtime=embedder.runtime)
                                  if args.adapter else None))
    per_event = [labelled_pairs(reader, g, analyses) for g in golds]
    print(f"{len(golds)} events, {sum(len(y) for _, y in per_event)} candidate pairs, "
          f"{sum(sum(y) for _, y in per_event)} positive", flush=True)

    def fit(events: Sequence[int], threshold: float = 0.5) -> SupportModel:
        x = np.array([row for k in events for row in per_event[k][0]])
        y = np.array([label for k in events for label in per_event[k][1]])
        scorer = fit_scorer(x, y, l2=args.l2, names=SUPPORT_FEATURES,
                            trained_on="claim gold: " + ", ".join(fit_sets))
        return SupportModel(scorer, threshold, scorer.trained_on)

    def balance(counts: Any) -> float:
        m = counts.metrics()
        parts = [m["agreed_recall"] or 0.0, m["agreed_precision"] or 0.0,
                 m["single_accuracy"] or 0.0]
        return 0.0 if min(parts) <= 0 else len(parts) / sum(1 / v for v in parts)

    grid = [float(t) for t in args.grid.split(",")]
    model = fit(range(len(golds)))
    comparer = Comparer(embedder, pair_model=reader.pair_model, support=model)
    best: tuple[float, float] | None = None
    for threshold in grid:
        comparer.threshold = threshold
        result = evaluate_briefs(golds, analyses, comparer.compare, comparer.name)
        m = result.total.metrics()
        score = balance(result.total)
        print(f"threshold {threshold:.3f}: agreed recall {m['agreed_recall']:.3f} precision "
              f"{m['agreed_precision']:.3f} single {m['single_accuracy']:.3f} (harmonic mean "
              f"{score:.3f})", flush=True)
        if best is None or score > best[1]:
            best = (threshold, score)
    assert best is not None
    chosen = SupportModel(model.scorer, best[0], model.trained_on)
    print(f"chosen threshold {best[0]:.3f}")

    if args.folds:
        from corroborate.evaluate_briefs import Counts

        total = Counts()
        for fold in range(args.folds):
            held = [k for k in range(len(golds)) if k % args.folds == fold]
            fold_model = fit([k for k in range(len(golds)) if k % args.folds != fold], best[0])
            result = evaluate_briefs([golds[k] for k in held], analyses,
                                     Comparer(embedder, pair_model=reader.pair_model,
                                              support=fold_model).compare, "fold")
            total.add(result.total)
        m = total.metrics()
        print(f"leave-events-out ({args.folds} folds) at {best[0]:.2f}: agreed recall "
              f"{m['agreed_recall']:.3f} precision {m['agreed_precision']:.3f} single "
              f"{m['single_accuracy']:.3f}")
    if not args.dry_run:
        args.out.write_text(json.dumps(chosen.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
