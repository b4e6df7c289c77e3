"""Speed of the cross-outlet comparison on a 10-article story, in fp32 and bf16.

The story is built from BASIL (``../shared/data/basil``): the event whose three articles (Fox
News, NYT, HuffPost) have the most sentences together (141) gives a pool of sentences. Each of
the 10 synthetic articles draws 40 of them at random (seeded, ``random.Random(1000 + k)`` for
article k, without replacement inside an article) and orders them by a shifted outlet order:
article k first gives the sentences of original outlet ``k mod 3`` in their original order,
then those of the next outlet, and so on, so the lead of every article comes from a different
outlet in turn. Article k takes the headline and the date of original article ``k mod 3`` and
is published under its own outlet name "Outlet k+1", so no two articles count as one outlet.
Two articles share about 28 % of their sentences on average (40 of 141; at most 38 % of their
word 5-grams), below the lineage finder's copy threshold (60 %), so the comparison sees ten
independent sources that repeat each other's facts in the same words: a worst case for the
number of candidate pairs.

Reported, each precision apart: model load time (imports of torch and sentence-transformers
apart, once), the embedder's throughput on the claim texts (sentences/s), the time of
``Comparer.compare`` on the ten analyses (median of ``--repeats`` runs after one warm-up; it
includes splitting the sentences into claims and embedding them), where its time goes (per
stage, wall and CPU seconds of all threads, medians over the same runs: the parse, the claim
embeddings, the pair features, the pair model's reads, the support model, and the rest:
candidates, grouping, differences, lineages), the cosine agreement between the fp32 and bf16
sentence vectors (min / mean), whether both precisions produce the same facts, and peak RSS.
The analysis of the ten articles is timed apart. Target (issue 10): compare in at most 2 s
after model load, on 2 cores.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/compare_speed.py --json /tmp/compare_speed.json
        [--repeats 3] [--precisions fp32 bf16]

Exits 2 with a message when the shared corpus is absent.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if TYPE_CHECKING:
    from corroborate.model import Analysis, Article, Brief

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "basil" / "articles.jsonl"
ARTICLES = 10
SENTENCES = 40
TARGET_S = 2.0
STAGES = ("parse", "embedding", "pair features", "pair model", "support model", "rest")

FactKey = tuple[str, tuple[tuple[str, str, int, int], ...]]


def build_story(path: Path) -> tuple[str, list[Article]]:
    """The event id and the 10 synthetic articles (see the module docstring)."""
    from corroborate.model import Article

    by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                by_event[row["event"]].append(row)
    event = max(by_event, key=lambda e: (sum(len(r["sentences"]) for r in by_event[e]), e))
    originals = sorted(by_event[event], key=lambda r: r["source"])
    pool = [(o, i, s["text"]) for o, row in enumerate(originals)
            for i, s in enumerate(row["sentences"])]
    articles = []
    for k in range(ARTICLES):
        picked = random.Random(1000 + k).sample(pool, min(SENTENCES, len(pool)))
        picked.sort(key=lambda p: ((p[0] - k) % len(originals), p[1]))
        base = originals[k % len(originals)]
        text = "\n".join(p[2] for p in picked)
        articles.append(Article(id=f"story-{k + 1:02d}", text=text, title=base["title"],
                                source=f"Outlet {k + 1}", published=base.get("date"),
                                metadata={"built_from": event, "lead_outlet": base["source"]}))
    return event, articles


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def fact_keys(brief: Brief) -> set[FactKey]:
    return {(f.status, tuple(sorted((c.article, c.field, c.start, c.end) for c in f.claims)))
            for f in brief.facts}


def max_containment(articles: Sequence[Article]) -> float:
    from corroborate.align.lineage import containment, shingles

    grams = [shingles(a.text) for a in articles]
    return max(containment(grams[i], grams[j]) for i in range(len(grams))
               for j in range(i + 1, len(grams)))


class StageTimer:
    """Wall and CPU seconds (all threads of the process) spent inside some functions, by
    stage; the functions are wrapped in place and put back by :meth:`restore`."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._wrapped: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.wall[stage] += time.perf_counter() - wall
                self.cpu[stage] += time.process_time() - cpu

        setattr(owner, name, timed)
        self._wrapped.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self._wrapped):
            setattr(owner, name, original)
        self._wrapped.clear()

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()


def time_stages(comparer: Any) -> StageTimer:
    """A timer on the stages of ``comparer.compare`` (see :data:`STAGES`; "rest" is what
    the others leave of the whole)."""
    from corroborate.align.compare import PairSignals
    from corroborate.align.support import SupportModel

    module = sys.modules["corroborate.align.compare"]
    timer = StageTimer()
    timer.wrap(comparer.splitter, "split", "parse")
    timer.wrap(comparer.embedder, "embed", "embedding")
    timer.wrap(module, "pair_features", "pair features")
    if comparer.pair_model is not None:
        timer.wrap(comparer.pair_model, "probabilities", "pair model")
    timer.wrap(PairSignals, "support_rows", "support model")
    timer.wrap(SupportModel, "probabilities", "support model")
    return timer


#: configuration -> (precision, runtime of the embedder and the pair model)
CONFIGS = {"fp32": ("fp32", "onnx"), "fp32-torch": ("fp32", "torch"), "bf16": ("bf16", "torch")}


def measure(config: str, analyses: Sequence[Analysis], texts: Sequence[str], repeats: int
            ) -> tuple[dict[str, Any], Any, Brief]:
    import numpy as np

    from corroborate.align.compare import Comparer
    from corroborate.align.pair_model import PairModel
    from corroborate.embed import MiniLMEmbedder

    precision, runtime = CONFIGS[config]
    t0 = time.perf_counter()
    embedder = MiniLMEmbedder(precision=precision, runtime=runtime)  # type: ignore[arg-type]
    embedder.embed(["load the model"])
    pair_model = PairModel(precision=precision, runtime=runtime)  # type: ignore[arg-type]
    pair_model.probabilities([("load", "the model")])
    load = time.perf_counter() - t0
    comparer = Comparer(embedder, pair_model=pair_model)
    print(f"{config}: models loaded in {load:.2f} s; warm-up compare ...", file=sys.stderr)
    brief = comparer.compare(analyses)  # warm-up
    runs, cpu_runs = [], []
    stages: dict[str, dict[str, list[float]]] = {s: {"wall": [], "cpu": []} for s in STAGES}
    timer = time_stages(comparer)
    try:
        for n in range(repeats):
            timer.reset()
            t0, c0 = time.perf_counter(), time.process_time()
            brief = comparer.compare(analyses)
            runs.append(time.perf_counter() - t0)
            cpu_runs.append(time.process_time() - c0)
            for kind, spent, total in (("wall", timer.wall, runs[-1]),
                                       ("cpu", timer.cpu, cpu_runs[-1])):
                for stage in STAGES[:-1]:
                    stages[stage][kind].append(spent.get(stage, 0.0))
                stages["rest"][kind].append(total - sum(spent.values()))
            print(f"{config}: compare run {n + 1}: {runs[-1]:.2f} s", file=sys.stderr)
    finally:
        timer.restore()
    t0 = time.perf_counter()
    embedded = embedder.embed(texts)
    embed_s = time.perf_counter() - t0
    vectors = np.stack([e.vector for e in embedded])
    counts = {s: sum(1 for f in brief.facts if f.status == s)
              for s in ("agreed", "single", "disputed")}
    return ({
        "precision": config, "runtime": runtime,
        "model_load_s": round(load, 2),
        "embed_s": round(embed_s, 2),
        "sentences_per_s": round(len(texts) / embed_s, 1),
        "compare_runs_s": [round(r, 3) for r in runs],
        "compare_median_s": round(statistics.median(runs), 3),
        "compare_cpu_median_s": round(statistics.median(cpu_runs), 3),
        "stages_median_s": {stage: {kind: round(statistics.median(v), 3)
                                    for kind, v in spent.items()}
                            for stage, spent in stages.items()},
        "meets_target": statistics.median(runs) <= TARGET_S,
        "facts": len(brief.facts),
        "counts": counts,
        "lineages": len(brief.lineages),
        "peak_rss_mib": peak_rss_mib(),
    }, vectors, brief)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from corroborate.align.propositions import PropositionSplitter
    from corroborate.analyze import Analyzer

    event, articles = build_story(args.data)
    t0 = time.perf_counter()
    analyzer = Analyzer()
    analyzer_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    analyses = list(analyzer.analyze_many(articles))
    analysis_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    propositions = [p for ps in PropositionSplitter(analyzer.nlp).split(analyses) for p in ps]
    split_s = time.perf_counter() - t0
    claims = [p.claim for p in propositions]
    texts = [p.text for p in propositions]
    print(f"{len(articles)} articles, {sum(len(a.sentences) for a in analyses)} sentences, "
          f"{len(claims)} claims; analysed in {analysis_s:.2f} s, split in {split_s:.2f} s",
          file=sys.stderr)

    t0 = time.perf_counter()
    import sentence_transformers  # noqa: F401
    import torch

    import_s = time.perf_counter() - t0
    load_before = os.getloadavg()[0]
    results: dict[str, dict[str, Any]] = {}
    vectors: dict[str, Any] = {}
    keys: dict[str, set[FactKey]] = {}
    for config in args.precisions:
        results[config], vectors[config], brief = measure(config, analyses, texts, args.repeats)
        keys[config] = fact_keys(brief)
    runtimes: dict[str, Any] = {}
    if "fp32" in vectors and "fp32-torch" in vectors:
        cos = (vectors["fp32"] * vectors["fp32-torch"]).sum(axis=1)
        runtimes = {"cosine_min": round(float(cos.min()), 6),
                    "facts_identical": keys["fp32"] == keys["fp32-torch"],
                    "facts_only_onnx": len(keys["fp32"] - keys["fp32-torch"]),
                    "facts_only_torch": len(keys["fp32-torch"] - keys["fp32"])}
    agreement: dict[str, Any] = {}
    if "fp32" in vectors and "bf16" in vectors:
        cos = (vectors["fp32"] * vectors["bf16"]).sum(axis=1)
        same = keys["fp32"] == keys["bf16"]
        agreement = {
            "cosine_min": round(float(cos.min()), 5), "cosine_mean": round(float(cos.mean()), 5),
            "facts_identical": same,
            "facts_only_fp32": len(keys["fp32"] - keys["bf16"]),
            "facts_only_bf16": len(keys["bf16"] - keys["fp32"]),
        }
    return {
        "benchmark": "compare_speed",
        "command": command_line(args),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "torch_threads": torch.get_num_threads(), "platform": platform.platform(),
                    "torch": torch.__version__,
                    "load_average_1min": {"before": round(load_before, 2),
                                          "after": round(os.getloadavg()[0], 2)}},
        "story": {"built_from_event": event, "articles": len(articles),
                  "sentences": sum(len(a.sentences) for a in analyses),
                  "words": sum(len(a.article.text.split()) for a in analyses),
                  "claims": len(claims),
                  "max_pairwise_5gram_containment": round(max_containment(articles), 3)},
        "analysis": {"analyzer_load_s": round(analyzer_load, 2),
                     "analysis_s": round(analysis_s, 2), "n_process": 1},
        "imports_s": round(import_s, 2),
        "precisions": results,
        "fp32_vs_bf16": agreement,
        "onnx_vs_torch_fp32": runtimes,
        "peak_rss_mib": peak_rss_mib(),
        "target_s": TARGET_S,
    }


def command_line(args: argparse.Namespace) -> str:
    parts = ["HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/compare_speed.py"]
    if args.json:
        parts.append(f"--json {args.json}")
    if args.repeats != 3:
        parts.append(f"--repeats {args.repeats}")
    if list(args.precisions) != list(CONFIGS):
        parts.append("--precisions " + " ".join(args.precisions))
    return " ".join(parts)


def markdown(result: dict[str, Any]) -> str:
    s, m, a = result["story"], result["machine"], result["analysis"]
    lines = [
        "## Comparison speed: a 10-article story",
        "",
        f"Story: {s['articles']} articles built from the sentences of BASIL event "
        f"`{s['built_from_event']}` (see the script's docstring), {s['sentences']} sentences, "
        f"{s['words']:,} words, {s['claims']} claims incl. headlines; the largest share of "
        f"word 5-grams two articles have in common is {s['max_pairwise_5gram_containment']}. "
        f"Analysis (one process): {a['analysis_s']} s (spaCy load {a['analyzer_load_s']} s). "
        f"Imports of torch and sentence-transformers: {result['imports_s']} s. "
        f"{m['cpus']} CPUs, torch {m['torch']} with {m['torch_threads']} threads; the machine "
        f"was shared (1-minute load average {m['load_average_1min']['before']} before, "
        f"{m['load_average_1min']['after']} after).",
        "",
        "Command:",
        "",
        "```",
        result["command"],
        "```",
        "",
        "| precision | model load | embedder, claims/s | embedding the claims | compare, median "
        f"| runs | ≤ {result['target_s']:g} s | facts (agreed / single / disputed) | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in result["precisions"].values():
        c = p["counts"]
        lines.append(
            f"| {p['precision']} | {p['model_load_s']} s | {p['sentences_per_s']} | "
            f"{p['embed_s']} s | {p['compare_median_s']} s | "
            f"{', '.join(f'{r:.2f}' for r in p['compare_runs_s'])} | "
            f"{'yes' if p['meets_target'] else 'no'} | {p['facts']} ({c['agreed']} / "
            f"{c['single']} / {c['disputed']}) | {p['peak_rss_mib']} MiB |")
    lines += ["", "Where `compare` spends its time (median of the timed runs, seconds; CPU: "
              "all threads of the process):", "",
              "| precision | " + " | ".join(STAGES) + " | compare |",
              "|---|" + "---|" * (len(STAGES) + 1)]
    for p in result["precisions"].values():
        spent = p["stages_median_s"]
        cells = [f"{spent[s]['wall']:.2f} (CPU {spent[s]['cpu']:.2f})" for s in STAGES]
        lines.append(f"| {p['precision']} | " + " | ".join(cells)
                     + f" | {p['compare_median_s']:.2f} (CPU {p['compare_cpu_median_s']:.2f}) |")
    agreement = result["fp32_vs_bf16"]
    if agreement:
        lines += [
            "",
            f"fp32 vs bf16 sentence vectors of the {s['claims']} claims: cosine min "
            f"{agreement['cosine_min']}, mean {agreement['cosine_mean']}; facts identical: "
            f"{'yes' if agreement['facts_identical'] else 'no'} ("
            f"{agreement['facts_only_fp32']} facts only in fp32, "
            f"{agreement['facts_only_bf16']} only in bf16).",
        ]
    runtimes = result.get("onnx_vs_torch_fp32")
    if runtimes:
        lines += [
            "",
            f"fp32 in onnxruntime vs PyTorch: sentence vectors cosine min "
            f"{runtimes['cosine_min']}; facts identical: "
            f"{'yes' if runtimes['facts_identical'] else 'no'} ({runtimes['facts_only_onnx']} "
            f"only with onnxruntime, {runtimes['facts_only_torch']} only with PyTorch).",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="BASIL articles.jsonl")
    parser.add_argument("--json", type=Path, help="write the result as JSON here")
    parser.add_argument("--repeats", type=int, default=3, help="timed compare runs")
    parser.add_argument("--precisions", nargs="+", default=list(CONFIGS),
                        choices=list(CONFIGS),
                        help="fp32: onnxruntime (the default runtime of float32); fp32-torch: "
                             "PyTorch float32 (before 2026-12-02); bf16: PyTorch bfloat16")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"needs the BASIL corpus: missing {args.data}", file=sys.stderr)
        return 2
    result = run(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
