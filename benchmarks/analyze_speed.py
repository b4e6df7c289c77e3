"""Speed, memory and robustness of the per-article analysis on real news.

Runs the analyzer over every article of the shared corpora (BASIL and ECB+ train by default)
and prints model load time, articles/s, words/s, crashes and peak memory.

    .venv/bin/python benchmarks/analyze_speed.py [--n-process 2] [--files F.jsonl ...]

Skips (exit 0) with a message when ../shared is absent.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = [
    ROOT.parent / "shared" / "data" / "basil" / "articles.jsonl",
    ROOT.parent / "shared" / "data" / "ecbplus" / "articles_train.jsonl",
]


def peak_mib(n_process: int) -> tuple[float, float, float]:
    """Peak resident memory of this process, of the largest worker, and the estimated peak of
    the whole process tree (this process plus every worker at the largest worker's peak)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    workers = n_process if n_process > 1 else 0
    return own, child, own + workers * child


def load_articles(files: list[Path], limit: int | None) -> list[object]:
    from corroborate.model import Article
    from corroborate.textnorm import article_id

    articles: list[object] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            source = row.get("source") or "unknown"
            articles.append(Article(id=article_id(row["text"], source), text=row["text"],
                                    title=row.get("title") or "", source=source,
                                    published=row.get("date")))
            if limit and len(articles) >= limit:
                return articles
    return articles


def run(files: list[Path], n_process: int, batch_size: int, limit: int | None) -> dict[str, object]:
    from corroborate.analyze import Analyzer

    articles = load_articles(files, limit)
    words = sum(len(re.findall(r"\w+", a.text)) for a in articles)  # type: ignore[attr-defined]
    started = time.perf_counter()
    analyzer = Analyzer()
    analyzer.nlp("Warm up.")
    load_s = time.perf_counter() - started
    crashes: list[str] = []
    sentences = quotes = attributions = 0
    started = time.perf_counter()
    stream: Iterator[tuple[object, object]] = analyzer.analyze_stream(
        articles, batch_size=batch_size, n_process=n_process)  # type: ignore[arg-type]
    for article, result in stream:
        if isinstance(result, Exception):
            crashes.append(f"{article.id}: {type(result).__name__}: {result}")  # type: ignore[attr-defined]
            continue
        sentences += len(result.sentences)  # type: ignore[attr-defined]
        quotes += len(result.quotes)  # type: ignore[attr-defined]
        attributions += len(result.attributions)  # type: ignore[attr-defined]
    seconds = time.perf_counter() - started
    return {
        "files": [str(f.relative_to(ROOT.parent)) if f.is_relative_to(ROOT.parent) else str(f)
                  for f in files],
        "n_process": n_process, "batch_size": batch_size, "articles": len(articles),
        "words": words, "sentences": sentences, "quotes": quotes,
        "attributions": attributions, "crashes": len(crashes), "crash_ids": crashes,
        "model_load_s": round(load_s, 2), "analysis_s": round(seconds, 2),
        "articles_per_s": round(len(articles) / seconds, 1),
        "words_per_s": round(words / seconds),
        "peak_memory_main_mib": round(peak_mib(n_process)[0]),
        "peak_memory_worker_mib": round(peak_mib(n_process)[1]),
        "peak_memory_total_mib": round(peak_mib(n_process)[2]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    missing = [f for f in args.files if not f.exists()]
    if missing:
        print(f"skipped: shared corpora not found ({', '.join(map(str, missing))})")
        return 0
    result = run(args.files, args.n_process, args.batch_size, args.limit)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            if key != "crash_ids":
                print(f"{key:>16}: {value}")
        for crash in result["crash_ids"]:  # type: ignore[attr-defined]
            print(f"crash: {crash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
