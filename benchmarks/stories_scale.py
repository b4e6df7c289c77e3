"""Story assignment at scale: speed and memory, end to end and for the assignment stage alone.

This is a benchmark, not a test: it prints what it measured (and, with ``--json FILE``, writes
it) and judges nothing. Articles come from the synthetic stream of
``benchmarks/stream_corpus.py`` (sentences of the shared ECB+ and BASIL corpora recombined,
names and numbers redrawn per synthetic event, ~800 articles per simulated day at the default
200 events/day), so it needs ``../shared/data``.

``--end-to-end N`` (the real ingest path)
    Streams N synthetic articles, each turned into a Corroborate ``Article`` as ``corroborate
    ingest`` does for a JSON line (``read_bytes(line, name, IngestOptions(), kind="jsonl")``,
    the ``event`` field removed first), into a fresh SQLite database through
    ``corroborate.store.ingest_articles`` with a ``StoryBook`` and no analyzer (analysis is
    deferred until a brief needs it). ``features_for`` is the one the CLI and
    ``evaluate_stories_file`` use (``features_of`` with ``story_embedder()``: the int8 ONNX
    MiniLM; ``--embedding torch`` for PyTorch fp32 as before), split with timers
    into embedding (MiniLM title+lead, ``embed_leads``) and story features
    (``story_features``); the assigner's ``assign`` and ``StoryBook.add`` are wrapped with
    timers too, so the DB writes are ``add`` minus ``assign`` (article, features, membership
    changes, commit). Also: stream generation and JSON parsing, the remainder (ingest loop),
    peak RSS (``ru_maxrss``; the MiniLM model is loaded and warmed up before the clock starts),
    the database size (with its WAL file) and B-cubed F1 against the synthetic events.
    Then ``--analysis-sample K`` (default 200) of the same articles go through spaCy alone
    (``corroborate.analyze.Analyzer().analyze_stream``), model load timed apart, to show what
    assignment would cost if it waited for the analysis.

``--assign-only N1,N2,...`` (the assignment stage alone)
    MiniLM-embedding a million articles is impossible here (tens of articles/s on 2 cores), so
    each synthetic article gets an approximate vector: the normalised mean of the MiniLM
    vectors (all-MiniLM-L6-v2, float32) of its title and first 3 text lines (the first line
    skipped when it repeats the title, like ``lead_text``). Sentence vectors are memoised by
    *skeleton*: the sentence with every number replaced by ``#`` and every capitalised word by
    ``@``. The stream only recombines template sentences and redraws their names and numbers,
    so all renderings of one template sentence share one skeleton and one vector (the first
    rendering seen is embedded); the cache holds at most the ~18,000 template sentences, is
    kept on disk (``--sentence-cache``) and its misses are timed apart. Approximation: the
    real system embeds the title and lead as one text of up to 600 characters; and two
    synthetic events from one template get near-identical vectors, told apart only by the
    term features (names, numbers), which are exact.
    The term features are the real ones: ``story_features(article, vector)`` on an ``Article``
    built directly from the record (no JSON round trip). For each N a fresh
    ``StoryAssigner(default_link_model(), AssignSettings())`` takes the stream in chunks of
    ``--chunk`` articles: generate and featurise a chunk (timed as feature extraction), then
    assign it (timed: only the ``assign`` calls), so memory holds one chunk of features, never
    the stream. Reported per 10,000-article slice: assignment articles/s, active articles and
    stories in the window, HNSW index entries, current RSS (``/proc/self/statm``), load
    average; and totals with peak RSS (``ru_maxrss``, whole process: the MiniLM model
    included). ``--max-seconds`` stops a run after the slice that crosses that budget (of
    generation + features + assignment) and says so; nothing is extrapolated.

``--profile`` prints cProfile's top functions of the timed stage (the ``assign`` calls for
``--assign-only``; the whole ingest for ``--end-to-end``).

Examples::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/stories_scale.py --end-to-end 2000
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/stories_scale.py --assign-only 10000,100000
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/stories_scale.py --assign-only 10000 --profile

Targets to compare against (printed beside the figures, not asserted): assignment alone
>= 2,000 articles/s, end to end >= 50 articles/s, flat per-article cost and bounded memory
from 10k to 1M articles. Exits 2 with one line when ``../shared/data`` is missing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_info import load_avg, provenance
from stream_corpus import DEFAULT_DATA_DIR, SharedDataMissing, iter_articles, load_templates

ROOT = Path(__file__).resolve().parent.parent
SLICE = 10_000
TARGET_ASSIGN = 2000.0
TARGET_END_TO_END = 50.0
LEAD_SENTENCES = 3
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "corroborate-stories-scale-sentences"
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*\b")


# --------------------------------------------------------------------------- small helpers


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def current_rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def profile_text(profiler: cProfile.Profile, top: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def markdown(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Timer:
    """Accumulated seconds of the calls it wraps."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        return timed


def window_shape(assigner: Any) -> dict[str, Any]:
    """The assigner's window: its largest story and the age of its oldest article (days of
    publication time before the newest), read from its (private) state for the report only."""
    stories = assigner.stories.values()
    days = [m.day for m in assigner.members.values()]
    return {"largest_story": max((len(st.members) for st in stories), default=0),
            "window_days_span": round(max(days) - min(days), 1) if days else 0.0}


def b3_f1(gold: Sequence[str], predicted: Sequence[int]) -> float:
    from corroborate.evaluate_stories import b_cubed

    return b_cubed(gold, predicted)[2]


# --------------------------------------------------------------------------- end to end


def end_to_end(n: int, seed: int, analysis_sample: int, profile: bool,
               embedding: str | None = None, slice_size: int = 10_000) -> dict[str, Any]:
    from corroborate.embed import story_embedder
    from corroborate.ingest import IngestOptions, Rejection, read_bytes
    from corroborate.model import Article
    from corroborate.store import Store, ingest_articles
    from corroborate.store.stories import StoryBook
    from corroborate.stories.features import story_features
    from corroborate.stories.stream import embed_leads

    embedder = story_embedder(embedding, precision="fp32")  # torch: PyTorch in float32
    embedder.embed(["warm-up"])  # model load is not part of the per-article speed
    rss_after_model = peak_rss_mb()
    options = IngestOptions()
    generate, parse, embed, featurise = Timer(), Timer(), Timer(), Timer()
    gold: dict[str, str] = {}
    sample: list[Article] = []
    rejected_at_parse = 0

    def articles() -> Iterator[Article | Rejection]:
        nonlocal rejected_at_parse
        stream = iter_articles(n, seed=seed)
        while True:
            started = time.perf_counter()
            record = next(stream, None)
            generate.seconds += time.perf_counter() - started
            if record is None:
                return
            started = time.perf_counter()
            event = record.pop("event")
            line = json.dumps(record, ensure_ascii=False).encode("utf-8")
            items = list(read_bytes(line, record["id"], options, kind="jsonl"))
            parse.seconds += time.perf_counter() - started
            for item in items:
                if isinstance(item, Article):
                    gold[item.id] = event
                    if len(sample) < analysis_sample:
                        sample.append(item)
                else:
                    rejected_at_parse += 1
                yield item

    def features_for(batch: Sequence[Article]) -> list[Any]:
        started = time.perf_counter()
        vectors = embed_leads(batch, embedder)
        middle = time.perf_counter()
        features = [story_features(a, v) for a, v in zip(batch, vectors, strict=True)]
        embed.seconds += middle - started
        featurise.seconds += time.perf_counter() - middle
        return features

    with tempfile.TemporaryDirectory(prefix="corroborate-scale-") as folder:
        db_path = Path(folder) / "scale.db"
        with Store(db_path) as store:
            book = StoryBook(store)
            assign, add = Timer(), Timer()
            book.assigner.assign = assign.wrap(book.assigner.assign)  # type: ignore[method-assign]
            book.add = add.wrap(book.add)  # type: ignore[method-assign]
            profiler = cProfile.Profile() if profile else None
            load_start = load_avg()
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            slices: list[dict[str, Any]] = []
            mark = {"done": 0, "at": time.perf_counter(), "cpu": time.process_time()}

            def on_result(_item: object, status: str) -> None:
                if status != "ingested":
                    return
                mark["done"] += 1
                if mark["done"] % slice_size:
                    return
                now, cpu = time.perf_counter(), time.process_time()
                slices.append({
                    "articles": mark["done"],
                    "articles_per_second": round(slice_size / (now - mark["at"]), 1),
                    "cpu_seconds": round(cpu - mark["cpu"], 1),
                    "active_articles": book.assigner.active_articles,
                    "rss_mb": round(current_rss_mb(), 1),
                    "db_mb": round(sum(p.stat().st_size for p in Path(folder).iterdir()
                                       if p.name.startswith("scale.db")) / 2**20, 1),
                    "load_avg": load_avg()})
                mark["at"], mark["cpu"] = now, cpu
                print(f"#   {mark['done']:>9,} ingested: slice {slices[-1]['articles_per_second']}"
                      f" articles/s, RSS {slices[-1]['rss_mb']} MB, DB {slices[-1]['db_mb']} MB,"
                      f" load {slices[-1]['load_avg']}", file=sys.stderr)

            report = ingest_articles(store, articles(), None, stories=book,
                                     features_for=features_for, on_result=on_result)
            if profiler:
                profiler.disable()
            total = time.perf_counter() - started
            cpu_total = time.process_time() - cpu_started
            load_end = load_avg()
            shape = {"active_articles": book.assigner.active_articles,
                     "active_stories": len(book.assigner.stories),
                     **window_shape(book.assigner)}
            story_of = dict(store.conn.execute(
                "SELECT article_id, story_id FROM story_articles").fetchall())
            stories = len(set(story_of.values()))
        db_bytes = sum(p.stat().st_size for p in Path(folder).iterdir()
                       if p.name.startswith("scale.db"))
    ingested = len(report.ingested)
    kept = [a for a in report.ingested if a in story_of]
    quality = b3_f1([gold[a] for a in kept], [story_of[a] for a in kept]) if kept else 0.0
    db_writes = add.seconds - assign.seconds
    # ingest_articles computes the next chunk's features on a second thread while this one
    # assigns and writes: the main thread's stages add up to the total, the features
    # thread's run beside them (its share is of the same wall time)
    rest = total - generate.seconds - parse.seconds - add.seconds
    split = {"stream generation (synthetic, not product)": generate.seconds,
             "JSON line -> Article (read_bytes)": parse.seconds,
             "assignment (StoryAssigner.assign)": assign.seconds,
             "DB writes (StoryBook.add minus assign)": db_writes,
             "ingest loop, duplicate checks, waiting for the features thread": rest,
             "[features thread] embedding (MiniLM title+lead)": embed.seconds,
             "[features thread] story features (terms)": featurise.seconds}
    result: dict[str, Any] = {
        "mode": "end-to-end", "embedder": embedder.name, "articles": n, "ingested": ingested,
        "rejected": len(report.rejected), "seed": seed,
        "seconds": round(total, 2), "articles_per_second": round(ingested / total, 1),
        "cpu_seconds": round(cpu_total, 2),
        "articles_per_second_without_generation":
            round(ingested / (total - generate.seconds), 1),
        "split_seconds": {k: round(v, 2) for k, v in split.items()},
        "split_share": {k: round(v / total, 3) for k, v in split.items()},
        "per_article_ms": {k: round(1000 * v / max(1, ingested), 3) for k, v in split.items()},
        "stories": stories, "synthetic_events_b3_f1": round(quality, 4),
        "window_at_end": shape, "slices": slices,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_mb_after_model_load": round(rss_after_model, 1),
        "db_mb": round(db_bytes / 2**20, 1),
        "db_kb_per_article": round(db_bytes / 1024 / max(1, ingested), 2),
        "load_avg_start": load_start, "load_avg_end": load_end,
    }
    if profiler:
        result["profile"] = profile_text(profiler)
    if analysis_sample > 0 and sample:
        from corroborate.analyze import Analyzer

        started = time.perf_counter()
        analyzer = Analyzer()
        loaded = time.perf_counter() - started
        load_a = load_avg()
        started = time.perf_counter()
        failures = sum(isinstance(outcome, Exception)
                       for _, outcome in analyzer.analyze_stream(sample))
        seconds = time.perf_counter() - started
        result["analysis"] = {
            "articles": len(sample), "model_load_seconds": round(loaded, 2),
            "seconds": round(seconds, 2),
            "articles_per_second": round(len(sample) / seconds, 2),
            "ms_per_article": round(1000 * seconds / len(sample), 1),
            "failures": failures, "load_avg_start": load_a, "load_avg_end": load_avg(),
        }
    return result


def print_end_to_end(r: dict[str, Any]) -> None:
    print(f"\n## End to end: {r['ingested']} synthetic articles -> fresh SQLite DB with stories "
          f"(no analysis), seed {r['seed']}, embedder {r['embedder']}\n")
    rows = [[name, f"{s:.1f}", f"{100 * r['split_share'][name]:.1f} %",
             f"{r['per_article_ms'][name]:.2f}"]
            for name, s in r["split_seconds"].items()]
    rows.append(["**total**", f"{r['seconds']:.1f}", "100 %",
                 f"{1000 * r['seconds'] / max(1, r['ingested']):.2f}"])
    print(markdown(["stage", "seconds", "share", "ms/article"], rows))
    if r["slices"]:
        print("\n" + markdown(
            ["articles", "articles/s in the slice", "CPU s", "active articles", "RSS MB",
             "DB MB", "load avg"],
            [[f"{x['articles']:,}", x["articles_per_second"], x["cpu_seconds"],
              x["active_articles"], x["rss_mb"], x["db_mb"], x["load_avg"]]
             for x in r["slices"]]))
    print(f"\n* {r['articles_per_second']} articles/s overall "
          f"({r['articles_per_second_without_generation']} without the synthetic generator; "
          f"{r['cpu_seconds']} CPU s on up to {os.cpu_count()} threads); "
          f"target >= {TARGET_END_TO_END:.0f}/s")
    print(f"* {r['stories']} stories; B3 F1 vs synthetic events {r['synthetic_events_b3_f1']} "
          "(a sanity check, not a quality benchmark)")
    w = r["window_at_end"]
    print(f"* window at the end: {w['active_articles']} articles in {w['active_stories']} "
          f"stories, largest {w['largest_story']}, spanning {w['window_days_span']} days")
    print(f"* peak RSS {r['peak_rss_mb']} MB (after model load and warm-up: "
          f"{r['peak_rss_mb_after_model_load']} MB); DB {r['db_mb']} MB "
          f"({r['db_kb_per_article']} KB/article, WAL included)")
    print(f"* load average (1/5/15 min) start {r['load_avg_start']}, end {r['load_avg_end']}; "
          f"{os.cpu_count()} CPUs")
    a = r.get("analysis")
    if a:
        print(f"* spaCy analysis alone (Analyzer().analyze_stream) on {a['articles']} of these "
              f"articles: {a['articles_per_second']} articles/s ({a['ms_per_article']} "
              f"ms/article; model load {a['model_load_seconds']} s; {a['failures']} failures; "
              f"load {a['load_avg_start']} -> {a['load_avg_end']})")
    if "profile" in r:
        print("\n```\n" + r["profile"] + "```")


# --------------------------------------------------------------------------- assign only


def skeleton(sentence: str) -> str:
    """The sentence with numbers as ``#`` and capitalised words as ``@`` (the memo key)."""
    return _CAPITALISED.sub("@", _NUMBER.sub("#", sentence.strip()))


class SentenceVectors:
    """MiniLM vectors of sentences memoised by skeleton, optionally kept on disk."""

    def __init__(self, cache: Path | None) -> None:
        from corroborate.embed import MiniLMEmbedder

        self.embedder = MiniLMEmbedder(precision="fp32", runtime="torch")
        self.cache = cache
        self.vectors: dict[str, np.ndarray] = {}
        self.loaded = 0
        self.embedded = 0
        self.embed_seconds = 0.0
        if cache is not None and cache.with_suffix(".json").is_file():
            keys = json.loads(cache.with_suffix(".json").read_text(encoding="utf-8"))
            matrix = np.load(cache.with_suffix(".npy"))
            if len(keys) == len(matrix):
                self.vectors = dict(zip(keys, matrix, strict=True))
                self.loaded = len(keys)

    def ensure(self, sentences: Sequence[str]) -> None:
        """Embed (batched) every sentence whose skeleton is not cached yet."""
        missing: dict[str, str] = {}
        for sentence in sentences:
            key = skeleton(sentence)
            if key not in self.vectors and key not in missing:
                missing[key] = sentence
        if not missing:
            return
        started = time.perf_counter()
        embedded = self.embedder.embed(list(missing.values()))
        self.embed_seconds += time.perf_counter() - started
        self.embedded += len(missing)
        for key, item in zip(missing, embedded, strict=True):
            self.vectors[key] = np.asarray(item.vector, dtype=np.float32)

    def mean(self, sentences: Sequence[str]) -> np.ndarray:
        vector = np.mean([self.vectors[skeleton(s)] for s in sentences], axis=0)
        return (vector / (float(np.linalg.norm(vector)) or 1.0)).astype(np.float32)

    def save(self) -> None:
        if self.cache is None or self.embedded == 0:
            return
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.vectors)
        np.save(self.cache.with_suffix(".npy"), np.stack([self.vectors[k] for k in keys]))
        self.cache.with_suffix(".json").write_text(json.dumps(keys), encoding="utf-8")


def lead_sentences(record: dict[str, str]) -> list[str]:
    """Title and first 3 text lines (the first skipped when it repeats the title)."""
    title = record["title"].strip()
    lines = [line.strip() for line in record["text"].split("\n") if line.strip()]
    if lines and lines[0] == title:
        lines = lines[1:]
    return [title, *lines[:LEAD_SENTENCES]] if title else lines[:LEAD_SENTENCES]


def assign_only(n: int, seed: int, chunk: int, sentences: SentenceVectors,
                profiler: cProfile.Profile | None, max_seconds: float | None,
                quality_limit: int) -> dict[str, Any]:
    from corroborate.model import Article
    from corroborate.stories import AssignSettings, StoryAssigner, default_link_model
    from corroborate.stories.features import story_features
    from corroborate.stories.stream import apply_changes

    settings = AssignSettings()
    assigner = StoryAssigner(default_link_model(), settings)
    stream = iter_articles(n, seed=seed)
    track = n <= quality_limit
    membership: dict[str, int] = {}
    gold: list[tuple[str, str]] = []
    generate_s = features_s = assign_s = assign_cpu = 0.0
    embed_before, embedded_before = sentences.embed_seconds, sentences.embedded
    slices: list[dict[str, Any]] = []
    slice_assign = slice_cpu = 0.0
    kinds: dict[str, int] = {}
    slice_count = 0
    done = 0
    stopped = False
    load_start = load_avg()
    wall = time.perf_counter()
    while done < n and not stopped:
        started = time.perf_counter()
        records = []
        for record in stream:
            records.append(record)
            if len(records) >= min(chunk, SLICE - slice_count):
                break
        generate_s += time.perf_counter() - started
        if not records:
            break
        started = time.perf_counter()
        leads = [lead_sentences(r) for r in records]
        sentences.ensure([s for lead in leads for s in lead])
        features = [
            story_features(Article(id=r["id"], text=r["text"], title=r["title"],
                                   source=r["source"], published=r["published"], url=r["url"]),
                           sentences.mean(lead))
            for r, lead in zip(records, leads, strict=True)]
        features_s += time.perf_counter() - started
        if track:
            gold.extend((r["id"], r["event"]) for r in records)
        del records, leads
        assign = assigner.assign
        if profiler:
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        for item in features:
            changes = assign(item)
            if len(changes) > 1:
                for change in changes:
                    kinds[change.kind] = kinds.get(change.kind, 0) + 1
            if track:
                apply_changes(membership, changes)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        if profiler:
            profiler.disable()
        count = len(features)
        del features
        assign_s += seconds
        slice_assign += seconds
        assign_cpu += cpu
        slice_cpu += cpu
        done += count
        slice_count += count
        if slice_count >= SLICE or done >= n:
            index = assigner._index  # the HNSW segments (private; read for the report only)
            slices.append({
                "upto": done, "articles": slice_count,
                "assign_articles_per_second": round(slice_count / slice_assign, 1),
                "assign_articles_per_cpu_second": round(slice_count / slice_cpu, 1),
                "cumulative_assign_seconds": round(assign_s, 2),
                "cumulative_assign_articles_per_second": round(done / assign_s, 1),
                "active_articles": assigner.active_articles,
                "active_stories": len(assigner.stories),
                "index_entries": len(index) if index is not None else 0,
                "index_segments": len(index.segments) if index is not None else 0,
                **window_shape(assigner), "moves": kinds.get("move", 0),
                "merges": kinds.get("merge", 0),
                "rss_mb": round(current_rss_mb(), 1), "load_avg": load_avg(),
                # MiniLM (~0.5 GB) is loaded only when a new sentence skeleton needs a vector
                "model_loaded": sentences.embedder._model is not None,
            })
            print(f"#   {done:>9,} assigned: slice {slices[-1]['assign_articles_per_second']:>7} "
                  f"articles/s, window {assigner.active_articles} articles, RSS "
                  f"{slices[-1]['rss_mb']} MB, load {load_avg()}", file=sys.stderr)
            slice_assign, slice_cpu, slice_count = 0.0, 0.0, 0
            kinds = {}
            if max_seconds is not None and time.perf_counter() - wall > max_seconds:
                stopped = done < n
    embedded = sentences.embedded - embedded_before
    embed_s = sentences.embed_seconds - embed_before
    result: dict[str, Any] = {
        "mode": "assign-only", "requested": n, "assigned": done, "seed": seed,
        "stopped_early": stopped, "max_seconds": max_seconds,
        "assign_seconds": round(assign_s, 2),
        "assign_articles_per_second": round(done / assign_s, 1) if assign_s else None,
        "assign_ms_per_article": round(1000 * assign_s / max(1, done), 3),
        "assign_cpu_seconds": round(assign_cpu, 2),
        "assign_articles_per_cpu_second": round(done / assign_cpu, 1) if assign_cpu else None,
        "feature_extraction_seconds": round(features_s, 2),
        "feature_extraction_articles_per_second": round(done / features_s, 1) if features_s
        else None,
        "sentence_embedding_seconds": round(embed_s, 2),
        "sentences_embedded": embedded,
        "generation_seconds": round(generate_s, 2),
        "wall_seconds": round(time.perf_counter() - wall, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "slices": slices, "load_avg_start": load_start, "load_avg_end": load_avg(),
        "settings": {k: getattr(settings, k) for k in settings.__slots__},
    }
    if track:
        kept = [(g, membership[a]) for a, g in gold if a in membership]
        result["synthetic_events_b3_f1"] = round(b3_f1([g for g, _ in kept],
                                                       [p for _, p in kept]), 4)
        result["stories"] = len(set(membership.values()))
    return result


def print_assign_only(r: dict[str, Any]) -> None:
    cut = (f" (stopped after {r['assigned']:,} of {r['requested']:,}: over --max-seconds "
           f"{r['max_seconds']:.0f}; nothing extrapolated)" if r["stopped_early"] else "")
    print(f"\n## Assignment alone: {r['assigned']:,} articles, seed {r['seed']}{cut}\n")
    rows = [[f"{s['upto'] - s['articles'] + 1:,}-{s['upto']:,}",
             f"{s['assign_articles_per_second']:,.0f}",
             f"{s['assign_articles_per_cpu_second']:,.0f}",
             f"{s['cumulative_assign_articles_per_second']:,.0f}", s["active_articles"],
             s["active_stories"], s["largest_story"], s["window_days_span"],
             f"{s['moves']}/{s['merges']}", s["index_entries"], s["index_segments"],
             f"{s['rss_mb']}{'*' if s['model_loaded'] else ''}", s["load_avg"]]
            for s in r["slices"]]
    print(markdown(["articles", "assign articles/s (wall)", "per CPU s",
                    "cumulative articles/s", "active articles", "active stories",
                    "largest story", "window span (days)", "moves/merges", "HNSW entries",
                    "segments", "RSS MB", "load avg"], rows))
    speeds = [s["assign_articles_per_second"] for s in r["slices"]]
    print(f"\n* assignment: {r['assign_articles_per_second']:,} articles/s overall "
          f"({r['assign_ms_per_article']} ms/article, {r['assign_seconds']} s wall; "
          f"{r['assign_articles_per_cpu_second']:,} articles per CPU second); slices "
          f"{min(speeds):,.0f}-{max(speeds):,.0f}/s; target >= {TARGET_ASSIGN:,.0f}/s")
    print(f"* feature extraction (first pass, not in the assignment figure): "
          f"{r['feature_extraction_seconds']} s = {r['feature_extraction_articles_per_second']} "
          f"articles/s, of which {r['sentence_embedding_seconds']} s embedding "
          f"{r['sentences_embedded']} new sentence skeletons; stream generation "
          f"{r['generation_seconds']} s; wall {r['wall_seconds']} s")
    quality = (f"; {r['stories']:,} stories, B3 F1 vs synthetic events "
               f"{r['synthetic_events_b3_f1']} (sanity check only)"
               if "synthetic_events_b3_f1" in r else "")
    print(f"* peak RSS (ru_maxrss, whole process) {r['peak_rss_mb']} MB{quality}; RSS MB "
          "marked * includes MiniLM (~0.5 GB), loaded once a new sentence skeleton needed "
          "embedding")
    print(f"* load average (1/5/15 min) start {r['load_avg_start']}, end {r['load_avg_end']}; "
          f"{os.cpu_count()} CPUs")


# --------------------------------------------------------------------------- main


def sizes(text: str) -> list[int]:
    try:
        values = [int(v.replace("_", "")) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected N1,N2,... (integers), got {text!r}") from exc
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Scale and speed of story assignment on a synthetic stream: end to end "
                    "through the database, and the assignment stage alone on precomputed "
                    "vectors. Prints Markdown; see the module docstring for the method.",
        epilog="examples:\n  HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/stories_scale.py "
               "--end-to-end 2000\n  HF_HUB_OFFLINE=1 .venv/bin/python "
               "benchmarks/stories_scale.py --assign-only 10000,100000,1000000 "
               "--max-seconds 900",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--end-to-end", type=int, metavar="N",
                        help="ingest N synthetic articles into a fresh DB with stories")
    parser.add_argument("--analysis-sample", type=int, default=200, metavar="K",
                        help="with --end-to-end: time spaCy analysis alone on K of the "
                             "articles (default 200; 0 skips)")
    parser.add_argument("--assign-only", type=sizes, metavar="N1,N2,...",
                        help="time StoryAssigner.assign alone on streams of these sizes")
    parser.add_argument("--chunk", type=int, default=2000,
                        help="assign-only: articles featurised at a time (default 2000)")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="assign-only: stop a size after the 10k slice that passes this "
                             "wall time (default: no limit)")
    parser.add_argument("--quality-limit", type=int, default=100_000,
                        help="assign-only: keep membership for a B3 sanity check only up to "
                             "this N (default 100000; it grows with N)")
    parser.add_argument("--sentence-cache", type=Path, default=DEFAULT_CACHE,
                        help="assign-only: sentence-vector memo on disk (stem; .json/.npy "
                             f"added; default {DEFAULT_CACHE}); '' keeps it in memory only")
    parser.add_argument("--embedding", choices=("onnx-int8", "onnx-fp32", "torch"),
                        default=None, help="story embedding for --end-to-end (default: the "
                        "product's, CORROBORATE_STORY_EMBEDDING or onnx-int8; torch = PyTorch "
                        "fp32)")
    parser.add_argument("--slice", type=int, default=10_000, metavar="K",
                        help="end-to-end: report speed, RSS and DB size every K ingested "
                             "articles (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="stream seed (default 0)")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile's top functions of the timed stage")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results here")
    args = parser.parse_args(argv)
    if args.end_to_end is None and args.assign_only is None:
        parser.error("give --end-to-end N and/or --assign-only N1,N2,...")
    if args.chunk <= 0:
        parser.error("--chunk must be positive")
    try:
        load_templates(DEFAULT_DATA_DIR)
    except SharedDataMissing as exc:
        print(f"stories_scale: {exc}", file=sys.stderr)
        return 2

    results: list[dict[str, Any]] = []
    measured = provenance()
    from corroborate.stories import kernels

    compiled = "compiled loops (numba)" if kernels.AVAILABLE else "numpy paths (no numba)"
    print(f"# stories_scale: {os.cpu_count()} CPUs, load average {load_avg()}, {measured}, "
          f"{compiled}")
    if args.end_to_end:
        result = end_to_end(args.end_to_end, args.seed, args.analysis_sample, args.profile,
                            args.embedding, args.slice)
        print_end_to_end(result)
        results.append(result)
    if args.assign_only:
        cache = args.sentence_cache if str(args.sentence_cache) else None
        sentences = SentenceVectors(cache)
        print(f"# sentence memo: {sentences.loaded} skeleton vectors loaded from "
              f"{cache}", file=sys.stderr)
        for n in args.assign_only:
            profiler = cProfile.Profile() if args.profile else None
            result = assign_only(n, args.seed, args.chunk, sentences, profiler,
                                 args.max_seconds, args.quality_limit)
            sentences.save()
            print_assign_only(result)
            if profiler:
                result["profile"] = profile_text(profiler)
                print("\n```\n" + result["profile"] + "```")
            results.append(result)
            sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps({"schema": "corroborate.stories-scale/1",
                                         "cpus": os.cpu_count(), "code": measured,
                                         "compiled_loops": kernels.AVAILABLE,
                                         "results": results},
                                        indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
