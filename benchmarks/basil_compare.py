"""Cross-outlet comparison on BASIL: what Fox News, The New York Times and HuffPost agree on,
what only one of them says, where they differ, and where the gold informational bias falls.

BASIL (Fan et al., EMNLP 2019; ``../shared/data/basil``) has 68 events, each reported by the
three outlets, with gold sentence-level spans of informational bias ("inf": what is told or
left out, a selection of facts) and lexical bias ("lex": wording). Every article is analysed
once (``Analyzer``), then ``Comparer().compare`` runs on each event's three articles.

Reported: totals and per-event means of agreed / single-source / disputed facts, differences
by kind, the time of the analysis and of each comparison (model load excluded, reported
apart), and where the bias spans land. Each span is placed in the article text (``text`` is
the ``sentences`` joined by "\\n", so a sentence id gives a character range; spans on the
headline, ``sid == "title"``, go to the headline claim), matched to the claim it overlaps most,
and counted under that claim's fact status ("none" when the sentence gave no claim: under four
words, a credit line). The same count over every sentence (and over sentences with no bias
span) is the base rate: if informational bias were over-represented among single-source
facts, the "single" share of ``inf`` spans would exceed the base rate. A bootstrap over events
gives an interval for that difference.

The briefs of the first five events (sorted ids) are written to ``--dump`` as Markdown
(``<event>.md``) and JSON (``<event>.json``), with the three articles beside them
(``<event>.articles.md``, sentences numbered by BASIL sid), for reading.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/basil_compare.py \\
        --json /tmp/basil_compare.json --dump /tmp/basil_briefs [--n-process 2]

Exits 2 with a message when the shared corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if TYPE_CHECKING:
    from corroborate.model import Analysis, Article, Brief

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "basil"
STATUSES = ("agreed", "single", "disputed", "none")
DUMP_EVENTS = 5
BOOTSTRAP = 2000


@dataclass(frozen=True, slots=True)
class Record:
    """One BASIL article as read from ``articles.jsonl``."""

    id: str
    event: str
    source: str
    date: str | None
    title: str
    text: str
    sids: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]  # character range of each sentence in ``text``


@dataclass(frozen=True, slots=True)
class Span:
    article: str
    sid: str
    start: int
    end: int
    bias: str


@dataclass(frozen=True, slots=True)
class Unit:
    """A located piece of an article (bias span or whole sentence) and the status it got."""

    event: str
    article: str
    outlet: str
    status: str


def load_records(path: Path) -> list[Record]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            ranges, offset = [], 0
            for sentence in row["sentences"]:
                ranges.append((offset, offset + len(sentence["text"])))
                offset += len(sentence["text"]) + 1
            text = row["text"]
            if "\n".join(s["text"] for s in row["sentences"]) != text:
                raise ValueError(f"{row['id']}: text is not the sentences joined by newlines")
            records.append(Record(row["id"], row["event"], row["source"], row.get("date"),
                                  row.get("title") or "", text,
                                  tuple(str(s["sid"]) for s in row["sentences"]),
                                  tuple(ranges)))
    return records


def load_spans(path: Path) -> list[Span]:
    with path.open(encoding="utf-8") as handle:
        return [Span(r["article_id"], str(r["sid"]), int(r["start"]), int(r["end"]), r["bias"])
                for r in (json.loads(line) for line in handle if line.strip())]


def to_article(record: Record) -> Article:
    from corroborate.model import Article

    return Article(id=record.id, text=record.text, title=record.title, source=record.source,
                   published=record.date, metadata={"event": record.event})


# -- placing spans ---------------------------------------------------------------------------


class StatusIndex:
    """The fact status of every claim of one brief, by article and field."""

    def __init__(self, brief: Brief) -> None:
        self.text: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self.title: dict[str, str] = {}
        for fact in brief.facts:
            for claim in fact.claims:
                if claim.field == "title":
                    self.title[claim.article] = fact.status
                else:
                    self.text[claim.article].append((claim.start, claim.end, fact.status))

    def status(self, article: str, start: int, end: int) -> str:
        """The status of the claim overlapping ``[start, end)`` most (``none`` if none)."""
        best, best_overlap = "none", 0
        for c_start, c_end, status in self.text.get(article, ()):
            overlap = min(end, c_end) - max(start, c_start)
            if overlap > best_overlap:
                best, best_overlap = status, overlap
        return best

    def title_status(self, article: str) -> str:
        return self.title.get(article, "none")


def locate(record: Record, index: StatusIndex, sid: str, start: int | None = None,
           end: int | None = None) -> str | None:
    """The status of a span of sentence ``sid`` (the whole sentence when no offsets)."""
    if sid == "title":
        return index.title_status(record.id)
    if sid not in record.sids:
        return None
    s_start, s_end = record.ranges[record.sids.index(sid)]
    lo = s_start + (start or 0)
    hi = s_start + end if end is not None else s_end
    return index.status(record.id, lo, max(hi, lo + 1))


def shares(units: Sequence[Unit]) -> dict[str, Any]:
    counts = Counter(u.status for u in units)
    total = len(units)
    return {"n": total, "counts": {s: counts.get(s, 0) for s in STATUSES},
            "share": {s: round(counts.get(s, 0) / total, 4) if total else None
                      for s in STATUSES}}


def bootstrap_single_gap(biased: Sequence[Unit], base: Sequence[Unit], events: Sequence[str],
                         seed: int = 13) -> dict[str, float]:
    """Bootstrap over events of (single share among ``biased``) - (single share in ``base``):
    the point value and a 95 % percentile interval."""
    import numpy as np

    def per_event(units: Sequence[Unit]) -> dict[str, tuple[int, int]]:
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for u in units:
            table[u.event][0] += u.status == "single"
            table[u.event][1] += 1
        return {e: (v[0], v[1]) for e, v in table.items()}

    b, a = per_event(biased), per_event(base)
    bs = np.array([b.get(e, (0, 0))[0] for e in events], float)
    bn = np.array([b.get(e, (0, 0))[1] for e in events], float)
    as_ = np.array([a.get(e, (0, 0))[0] for e in events], float)
    an = np.array([a.get(e, (0, 0))[1] for e in events], float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(events), size=(BOOTSTRAP, len(events)))
    gaps = bs[draws].sum(1) / np.maximum(bn[draws].sum(1), 1) - \
        as_[draws].sum(1) / np.maximum(an[draws].sum(1), 1)
    point = bs.sum() / max(bn.sum(), 1) - as_.sum() / max(an.sum(), 1)
    return {"gap": round(float(point), 4), "ci95_low": round(float(np.quantile(gaps, 0.025)), 4),
            "ci95_high": round(float(np.quantile(gaps, 0.975)), 4)}


# -- the run ---------------------------------------------------------------------------------


def peak_rss_mib() -> dict[str, float]:
    return {"self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "children": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def analyse(records: Sequence[Record], n_process: int) -> tuple[dict[str, Analysis], float,
                                                                  float]:
    from corroborate.analyze import Analyzer

    t0 = time.perf_counter()
    analyzer = Analyzer()
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    analyses = {a.article.id: a for a in analyzer.analyze_many(
        [to_article(r) for r in records], n_process=n_process)}
    return analyses, load, time.perf_counter() - t0


def run(args: argparse.Namespace) -> dict[str, Any]:
    from corroborate.align.compare import Comparer
    from corroborate.embed import MiniLMEmbedder
    from corroborate.report.brief_json import brief_to_dict
    from corroborate.report.brief_markdown import brief_to_markdown

    records = load_records(args.data / "articles.jsonl")
    spans = load_spans(args.data / "bias_spans.jsonl")
    by_event: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_event[r.event].append(r)
    events = sorted(by_event)[: args.limit] if args.limit else sorted(by_event)
    chosen = [r for e in events for r in by_event[e]]
    print(f"{len(chosen)} articles, {len(events)} events: analysing ...", file=sys.stderr)
    load_before = os.getloadavg()[0]
    analyses, analyzer_load, analysis_s = analyse(chosen, args.n_process)
    rss_after_analysis = peak_rss_mib()

    t0 = time.perf_counter()
    embedder = MiniLMEmbedder(precision=args.precision)
    comparer = Comparer(embedder)
    embedder.embed(["Warm-up sentence for the model."])
    model_load = time.perf_counter() - t0

    record_of = {r.id: r for r in chosen}
    spans_of: dict[str, list[Span]] = defaultdict(list)
    for s in spans:
        if s.article in record_of:
            spans_of[s.article].append(s)
    dump_events = events[:DUMP_EVENTS]
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)

    per_event: list[dict[str, Any]] = []
    diff_kinds: Counter[str] = Counter()
    diff_labels: Counter[str] = Counter()
    fact_outlets: Counter[int] = Counter()
    units: dict[str, list[Unit]] = defaultdict(list)  # inf, lex, all, unbiased
    inf_sentences: list[Unit] = []
    unplaced = 0
    for n, event in enumerate(events, start=1):
        group = [analyses[r.id] for r in by_event[event]]
        t0 = time.perf_counter()
        brief = comparer.compare(group)
        elapsed = time.perf_counter() - t0
        counts = Counter(f.status for f in brief.facts)
        kinds = Counter(d.kind for f in brief.facts for d in f.differences)
        diff_kinds.update(kinds)
        diff_labels.update(d.label for f in brief.facts for d in f.differences)
        fact_outlets.update(f.outlets for f in brief.facts)
        per_event.append({
            "event": event, "seconds": round(elapsed, 4),
            "claims": sum(len(f.claims) for f in brief.facts), "facts": len(brief.facts),
            **{s: counts.get(s, 0) for s in ("agreed", "single", "disputed")},
            "differences": dict(kinds), "lineages": len(brief.lineages)})
        index = StatusIndex(brief)
        for r in by_event[event]:
            biased: dict[str, set[str]] = defaultdict(set)
            for span in spans_of.get(r.id, ()):
                status = locate(r, index, span.sid, span.start, span.end)
                if status is None:
                    unplaced += 1
                    continue
                units[span.bias].append(Unit(event, r.id, r.source, status))
                biased[span.bias].add(span.sid)
            for sid in ("title", *r.sids):
                status = locate(r, index, sid)
                assert status is not None
                unit = Unit(event, r.id, r.source, status)
                units["all"].append(unit)
                if sid in biased["inf"]:
                    inf_sentences.append(unit)
                if not any(sid in found for found in biased.values()):
                    units["unbiased"].append(unit)
        if args.dump and event in dump_events:
            doc = brief_to_dict(brief)
            (args.dump / f"{event}.md").write_text(brief_to_markdown(doc), encoding="utf-8")
            (args.dump / f"{event}.json").write_text(json.dumps(doc, indent=1) + "\n",
                                                     encoding="utf-8")
            (args.dump / f"{event}.articles.md").write_text(articles_markdown(by_event[event]),
                                                            encoding="utf-8")
        if n % 10 == 0:
            print(f"  {n}/{len(events)} events compared", file=sys.stderr)

    seconds = [e["seconds"] for e in per_event]
    totals = {s: sum(e[s] for e in per_event) for s in ("facts", "agreed", "single", "disputed")}
    return {
        "benchmark": "basil_compare",
        "command": command_line(args),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "aligner": comparer.name,
        "events": len(events),
        "articles": len(chosen),
        "claims": sum(e["claims"] for e in per_event),
        "facts": {"totals": totals,
                  "per_event_mean": {k: round(v / len(events), 2) for k, v in totals.items()},
                  "by_outlets": {str(k): v for k, v in sorted(fact_outlets.items())}},
        "differences": {"by_kind": dict(diff_kinds.most_common()),
                        "by_label": dict(diff_labels.most_common(15))},
        "timing": {
            "analyzer_load_s": round(analyzer_load, 2),
            "analysis_s": round(analysis_s, 2),
            "analysis_per_article_s": round(analysis_s / len(chosen), 4),
            "n_process": args.n_process,
            "embedder_load_s": round(model_load, 2),
            "compare_total_s": round(sum(seconds), 2),
            "compare_per_event_mean_s": round(statistics.mean(seconds), 3),
            "compare_per_event_median_s": round(statistics.median(seconds), 3),
            "compare_per_event_max_s": round(max(seconds), 3),
        },
        "load_average_1min": {"before_analysis": round(load_before, 2),
                              "after_compare": round(os.getloadavg()[0], 2)},
        "peak_rss_mib": {"main": peak_rss_mib()["self"],
                         "analysis_workers": rss_after_analysis["children"]},
        "bias": {
            "inf_spans": shares(units["inf"]),
            "inf_sentences": shares(inf_sentences),
            "lex_spans": shares(units["lex"]),
            "all_sentences": shares(units["all"]),
            "unbiased_sentences": shares(units["unbiased"]),
            "unplaced_spans": unplaced,
            "single_gap_inf_spans_vs_all": bootstrap_single_gap(units["inf"], units["all"],
                                                                events),
            "single_gap_lex_spans_vs_all": bootstrap_single_gap(units["lex"], units["all"],
                                                                events),
            "by_outlet": {
                outlet: {"inf_single_share": shares(
                    [u for u in units["inf"] if u.outlet == outlet])["share"]["single"],
                         "all_single_share": shares(
                    [u for u in units["all"] if u.outlet == outlet])["share"]["single"]}
                for outlet in sorted({r.source for r in chosen})},
        },
        "dumped_events": dump_events if args.dump else [],
        "per_event": per_event,
    }


def articles_markdown(records: Sequence[Record]) -> str:
    lines: list[str] = []
    for r in records:
        lines += [f"# {r.source} — {r.title}", "", f"{r.id} · {r.date}", ""]
        lines += [f"{i}. {r.text[s:e]}" for i, (s, e) in enumerate(r.ranges)]
        lines.append("")
    return "\n".join(lines)


def command_line(args: argparse.Namespace) -> str:
    parts = ["HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/basil_compare.py"]
    if args.json:
        parts.append(f"--json {args.json}")
    if args.dump:
        parts.append(f"--dump {args.dump}")
    parts.append(f"--n-process {args.n_process}")
    if args.precision != "auto":
        parts.append(f"--precision {args.precision}")
    if args.limit:
        parts.append(f"--limit {args.limit}")
    return " ".join(parts)


def pct(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f} %"


def markdown(result: dict[str, Any]) -> str:
    t, f, b = result["timing"], result["facts"], result["bias"]
    mean, tot = f["per_event_mean"], f["totals"]
    lines = [
        "## Cross-outlet comparison on BASIL",
        "",
        f"Data: BASIL (`../shared/data/basil`), {result['events']} events × Fox News, NYT, "
        f"HuffPost ({result['articles']} articles, {result['claims']:,} claims incl. "
        "headlines). Each event's three articles go through `Comparer().compare` "
        f"(aligner `{result['aligner']}`).",
        "",
        "Command:",
        "",
        "```",
        result["command"],
        "```",
        "",
        "| | facts | agreed | single-source | disputed |",
        "|---|---|---|---|---|",
        f"| total | {tot['facts']:,} | {tot['agreed']:,} | {tot['single']:,} | "
        f"{tot['disputed']:,} |",
        f"| per event (mean) | {mean['facts']} | {mean['agreed']} | {mean['single']} | "
        f"{mean['disputed']} |",
        "",
        "Facts by number of outlets: " + ", ".join(
            f"{k} outlet{'s' if k != '1' else ''}: {v:,}" for k, v in f["by_outlets"].items())
        + ".",
        "",
        "Differences by kind: " + (", ".join(
            f"{k} {v}" for k, v in result["differences"]["by_kind"].items()) or "none") + "; "
        "most frequent labels: " + (", ".join(
            f"{k} {v}" for k, v in list(result["differences"]["by_label"].items())[:8])
            or "none") + ".",
        "",
        f"Time ({result['machine']['cpus']} CPUs): analysis of the {result['articles']} "
        f"articles {t['analysis_s']} s with {t['n_process']} process(es) "
        f"({t['analysis_per_article_s'] * 1000:.0f} ms/article; spaCy load "
        f"{t['analyzer_load_s']} s); embedder load {t['embedder_load_s']} s; comparison "
        f"{t['compare_per_event_mean_s']} s per event on average (median "
        f"{t['compare_per_event_median_s']} s, max {t['compare_per_event_max_s']} s, "
        f"{t['compare_total_s']} s for all events). Peak RSS "
        f"{result['peak_rss_mib']['main']} MiB (largest analysis worker "
        f"{result['peak_rss_mib']['analysis_workers']} MiB). The machine was shared: 1-minute "
        f"load average {result['load_average_1min']['before_analysis']} before the analysis, "
        f"{result['load_average_1min']['after_compare']} after the comparisons.",
        "",
        "Where the gold bias falls (each span counted under the fact status of the claim it "
        "overlaps most; \"no claim\": the sentence gave none):",
        "",
        "| units | n | agreed | single-source | disputed | no claim |",
        "|---|---|---|---|---|---|",
    ]
    rows = (("informational-bias spans", "inf_spans"),
            ("sentences with an informational-bias span", "inf_sentences"),
            ("lexical-bias spans", "lex_spans"),
            ("all sentences and headlines (base rate)", "all_sentences"),
            ("sentences with no bias span", "unbiased_sentences"))
    for label, key in rows:
        s = b[key]["share"]
        lines.append(f"| {label} | {b[key]['n']:,} | {pct(s['agreed'])} | "
                     f"{pct(s['single'])} | {pct(s['disputed'])} | {pct(s['none'])} |")
    gi, gl = b["single_gap_inf_spans_vs_all"], b["single_gap_lex_spans_vs_all"]
    lines += [
        "",
        f"Single-source share of `inf` spans minus the base rate: {100 * gi['gap']:+.1f} points "
        f"(95 % bootstrap interval over events {100 * gi['ci95_low']:+.1f} to "
        f"{100 * gi['ci95_high']:+.1f}); for `lex` spans {100 * gl['gap']:+.1f} "
        f"({100 * gl['ci95_low']:+.1f} to {100 * gl['ci95_high']:+.1f}). By outlet, single-"
        "source share of `inf` spans vs all sentences: " + "; ".join(
            f"{o} {pct(v['inf_single_share'])} vs {pct(v['all_single_share'])}"
            for o, v in b["by_outlet"].items()) + f". Unplaced spans: {b['unplaced_spans']}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder with articles.jsonl and bias_spans.jsonl")
    parser.add_argument("--json", type=Path, help="write the result as JSON here")
    parser.add_argument("--dump", type=Path, default=Path("/tmp/basil_briefs"),
                        help="folder for the Markdown briefs of the first 5 events")
    parser.add_argument("--n-process", type=int, default=2, help="analysis processes (1 or 2)")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    parser.add_argument("--limit", type=int, help="only the first N events (sorted ids)")
    args = parser.parse_args(argv)
    missing = [p for p in (args.data / "articles.jsonl", args.data / "bias_spans.jsonl")
               if not p.exists()]
    if missing:
        print(f"needs the BASIL corpus: missing {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    result = run(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
