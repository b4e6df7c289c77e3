"""How well each reader ranks the comparer's candidate pairs of claims, on claim-level gold: a
fast loop (minutes, no brief built) for work on the readers, beside `briefs_quality.py`.

For every event of the chosen gold sets, the comparer's claims and its candidate pairs (as in a
real comparison: the shipped embedder, feature scorer and pair model) are labelled as
``calibrate_support.py`` labels them: a pair is positive when both claims match the locators of
one gold agreed (or disputed) fact for their outlets. Printed per set:

- **candidate recall**: the positive pairs among the candidates, of all positive pairs of
  claims (a pair that is never a candidate can never support a fact);
- **average precision** (AP, the area under the precision-recall curve of the ranking) of each
  signal alone (the feature scorer, the pair model's P(same) + P(conflict), the sentence
  cosine, two lexical features) and of the shipped support model that combines them;
- ``--refit``: AP of the same logistic regression refitted on ``--fit`` sets, and of
  gradient-boosted trees (scikit-learn) on the same rows: does a non-linear combination of the
  same signals rank better?
- ``--embedder-steps N``: fine-tunes a LoRA adapter of the packaged MiniLM as a *bi-encoder*
  on the positive and negative pairs of ``--embedder-sets`` (CoSENT loss: every positive pair's
  cosine above every negative's in a batch of one event), then gives the AP of its cosine alone
  and of the regression with that cosine as one more column.

Sets as in ``briefs_quality.py`` (dev = ``../shared/data/claims``); choices are made on dev,
tune, fit, fit 2 and fit 3, never on the held-out sets.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/pair_signals.py --refit
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/pair_signals.py --embedder-steps 300

Exits 2 when the shared corpus is absent.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
SIGNALS = ("scorer_logit", "model_related_logit", "cosine", "token_f", "idf_jaccard")


@dataclass
class Event:
    texts: list[str]  # what the models read, per claim
    articles: list[str]
    facts: list[set[int]]  # the gold facts each claim matches
    pairs: list[tuple[int, int]]  # the candidate pairs
    rows: list[list[float]]  # their support rows
    labels: list[int]
    positives: list[tuple[int, int]]  # every positive pair of claims, candidate or not


def gold_dir(name: str) -> Path:
    return SHARED / "claims" if name == "dev" else ROOT / "benchmarks/data/claims" / name


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Mean of the precision at the rank of each positive (ties broken by input order)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    hits, total = 0, 0.0
    for rank, i in enumerate(order, start=1):
        if labels[i]:
            hits += 1
            total += hits / rank
    return total / max(1, hits)


def load_events(sets: Sequence[str]) -> dict[str, list[Event]]:
    from corroborate.align import Comparer
    from corroborate.analyze import Analyzer
    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_briefs import ClaimMatcher, load_gold, resolve_articles
    from corroborate.ingest import IngestOptions, Rejection, read_one

    golds = {s: [load_gold(p) for p in sorted(gold_dir(s).glob("*.gold.json"))] for s in sets}
    wanted = {aid for gs in golds.values() for g in gs for aid in g.articles.values()}
    articles = [a for a in read_one(str(SHARED / "basil/articles.jsonl"), IngestOptions())
                if not isinstance(a, Rejection) and a.metadata.get("id") in wanted]
    analyses = list(Analyzer().analyze_many(articles))
    comparer = Comparer(MiniLMEmbedder(), use_support_model=False)
    out: dict[str, list[Event]] = {}
    for name, gs in golds.items():
        for gold in gs:
            chosen = resolve_articles(gold, analyses)
            outlets = {a.article.id: o for o, a in chosen.items()}
            kept, _, nodes = comparer.claim_nodes(list(chosen.values()))
            matcher = ClaimMatcher({a.article.id: a for a in kept}.__getitem__)
            facts: list[set[int]] = [set() for _ in nodes]
            items = [s for _, s in gold.agreed] + [v for _, v in gold.disputed]
            for k, locators in enumerate(items):
                for i, node in enumerate(nodes):
                    outlet = outlets[node.claim.article]
                    if outlet in locators and matcher.matches(node.claim, locators[outlet]):
                        facts[i].add(k)
            arts = [n.claim.article for n in nodes]
            signals = comparer.pair_signals(nodes)
            out.setdefault(name, []).append(Event(
                [n.text for n in nodes], arts, facts, signals.pairs, signals.support_rows(),
                [int(bool(facts[i] & facts[j])) for i, j in signals.pairs],
                [(i, j) for i in range(len(nodes)) for j in range(i + 1, len(nodes))
                 if arts[i] != arts[j] and facts[i] & facts[j]]))
    return out


def columns(events: Sequence[Event]) -> tuple[Any, Any]:
    import numpy as np

    x = np.array([r for e in events for r in e.rows], dtype=np.float64)
    y = np.array([label for e in events for label in e.labels])
    return x, y


class ClaimEmbedder:
    """The packaged MiniLM with a LoRA adapter, mean-pooled and normalised as the shipped
    embedder pools; trained by :meth:`fit`."""

    def __init__(self, rank: int, seed: int) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from corroborate.align.pair_model import base_model_path, lora_targets

        torch.manual_seed(seed)
        self.tokenizer = AutoTokenizer.from_pretrained(base_model_path())
        self.model = AutoModel.from_pretrained(base_model_path())
        for p in self.model.parameters():
            p.requires_grad = False
        alpha = 2.0 * rank

        class LoRA(torch.nn.Module):
            def __init__(self, base: torch.nn.Linear) -> None:
                super().__init__()
                self.base = base
                self.A = torch.nn.Parameter(torch.randn(rank, base.in_features)
                                            / math.sqrt(base.in_features))
                self.B = torch.nn.Parameter(torch.zeros(base.out_features, rank))
                self.drop = torch.nn.Dropout(0.1)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return self.base(x) + (self.drop(x) @ self.A.t() @ self.B.t()) * (alpha / rank)

        self.params = []
        for name, module in lora_targets(self.model).items():
            parent = self.model.get_submodule(name.rsplit(".", 1)[0])
            adapter = LoRA(module)
            setattr(parent, name.rsplit(".", 1)[1], adapter)
            self.params += [adapter.A, adapter.B]

    def vectors(self, texts: Sequence[str], grad: bool = False) -> Any:
        import contextlib

        import torch

        from corroborate.embed import cpu_has_fast_bf16

        enc = self.tokenizer(list(texts), padding=True, truncation=True, max_length=128,
                             return_tensors="pt")
        with torch.set_grad_enabled(grad), (
                torch.autocast("cpu", dtype=torch.bfloat16) if cpu_has_fast_bf16()
                else contextlib.nullcontext()):
            hidden = self.model(**enc).last_hidden_state.float()
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def cosines(self, event: Event) -> list[float]:
        import torch

        self.model.eval()
        v = torch.cat([self.vectors(event.texts[k:k + 128])
                       for k in range(0, len(event.texts), 128)]).numpy()
        return [float(v[i] @ v[j]) for i, j in event.pairs]

    def fit(self, events: Sequence[Event], steps: int, lr: float, seed: int,
            log: Any = print) -> None:
        import torch

        rng = random.Random(seed)
        usable = [e for e in events if e.positives]
        opt = torch.optim.AdamW(self.params, lr=lr, weight_decay=0.01)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / 30) * max(0.0, 1 - s / steps))
        self.model.train()
        started = time.perf_counter()
        for step in range(steps):
            e = rng.choice(usable)
            hard = [p for p, y in zip(e.pairs, e.labels, strict=True) if not y]
            chosen_pos = rng.sample(e.positives, min(16, len(e.positives)))
            chosen_neg = rng.sample(hard, min(36, len(hard)))
            while len(chosen_neg) < 48:  # easy negatives: any two claims of no common fact
                i, j = rng.randrange(len(e.texts)), rng.randrange(len(e.texts))
                if e.articles[i] != e.articles[j] and not e.facts[i] & e.facts[j]:
                    chosen_neg.append((i, j))
            pairs = chosen_pos + chosen_neg
            ids = sorted({k for p in pairs for k in p})
            where = {k: x for x, k in enumerate(ids)}
            v = self.vectors([e.texts[k] for k in ids], grad=True)
            cos = (v[[where[i] for i, _ in pairs]] * v[[where[j] for _, j in pairs]]).sum(-1)
            pos, neg = cos[:len(chosen_pos)] * 20, cos[len(chosen_pos):] * 20
            # CoSENT: log(1 + sum over (positive, negative) of exp(neg - pos))
            loss = torch.logsumexp(torch.cat([torch.zeros(1),
                                              (neg[None, :] - pos[:, None]).ravel()]), 0)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            if (step + 1) % 50 == 0:
                log(f"  step {step + 1}/{steps} loss {loss.item():.3f} "
                    f"{time.perf_counter() - started:.0f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="dev,fit2,fit3",
                        help="sets to score (default %(default)s)")
    parser.add_argument("--fit", default="fit,tune",
                        help="sets the regression and the trees are refitted on (default "
                             "%(default)s, the support model's own)")
    parser.add_argument("--refit", action="store_true",
                        help="also refit the regression and fit gradient-boosted trees")
    parser.add_argument("--embedder-steps", type=int, default=0,
                        help="fine-tune a bi-encoder adapter for this many steps")
    parser.add_argument("--embedder-sets", default="fit2,fit3",
                        help="its training sets (default %(default)s; scored sets among them "
                             "are in-sample)")
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not (SHARED / "claims").is_dir():
        print(f"{SHARED / 'claims'} not found: the shared corpus is needed", file=sys.stderr)
        return 2
    import numpy as np

    from corroborate.align.scorer import fit_scorer
    from corroborate.align.support import SUPPORT_FEATURES, SupportModel, load_support_model

    scored = [s for s in args.sets.split(",") if s]
    fit_sets = [s for s in args.fit.split(",") if s] if (args.refit or args.embedder_steps) \
        else []
    embedder_sets = [s for s in args.embedder_sets.split(",") if s] if args.embedder_steps \
        else []
    events = load_events(list(dict.fromkeys(scored + fit_sets + embedder_sets)))
    shipped = load_support_model()
    models: dict[str, Any] = {}
    if args.refit:
        x, y = columns([e for s in fit_sets for e in events[s]])
        refit = fit_scorer(x, y, l2=10.0, names=SUPPORT_FEATURES)
        models["regression, refitted"] = SupportModel(refit, shipped.threshold).probabilities
        from sklearn.ensemble import HistGradientBoostingClassifier

        trees = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05,
                                               max_leaf_nodes=15, min_samples_leaf=40,
                                               l2_regularization=1.0, random_state=args.seed)
        trees.fit(x, y)
        models["gradient-boosted trees"] = lambda rows: trees.predict_proba(rows)[:, 1]
    cosines: dict[str, list[float]] = {}
    if args.embedder_steps:
        claims = ClaimEmbedder(args.rank, args.seed)
        print(f"fine-tuning the claim embedder on {', '.join(embedder_sets)}", flush=True)
        claims.fit([e for s in embedder_sets for e in events[s]], args.embedder_steps,
                   args.lr, args.seed)
        for s in dict.fromkeys(scored + fit_sets):
            cosines[s] = [c for e in events[s] for c in claims.cosines(e)]
        x, y = columns([e for s in fit_sets for e in events[s]])
        with_cos = fit_scorer(np.column_stack([x, [c for s in fit_sets for c in cosines[s]]]),
                              y, l2=10.0, names=(*SUPPORT_FEATURES, "claim_cosine"))
        models["regression + claim cosine"] = with_cos.probabilities

    print("| set | pairs | positive | candidate recall | " + " | ".join(SIGNALS)
          + " | support model | " + " | ".join(models)
          + (" | claim cosine" if cosines else "") + " |")
    print("|---" * (5 + len(SIGNALS) + len(models) + bool(cosines)) + "|")
    for s in scored:
        x, y = columns(events[s])
        read = x[:, SUPPORT_FEATURES.index("model_read")] > 0
        cells = []
        for name in SIGNALS:
            v = x[:, SUPPORT_FEATURES.index(name)].copy()
            if name.startswith("model_"):
                v[~read] = -1e9  # pairs the pair model did not read rank last
            cells.append(average_precision(y.tolist(), v.tolist()))
        cells.append(average_precision(y.tolist(), shipped.probabilities(x).tolist()))
        for name, predict in models.items():
            rows = np.column_stack([x, cosines[s]]) if name.endswith("cosine") else x
            cells.append(average_precision(y.tolist(), list(predict(rows))))
        if cosines:
            cells.append(average_precision(y.tolist(), cosines[s]))
        positives = sum(len(e.positives) for e in events[s])
        print(f"| {s} | {len(y)} | {int(y.sum())} | {int(y.sum()) / max(1, positives):.2f} "
              f"({int(y.sum())}/{positives}) | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
