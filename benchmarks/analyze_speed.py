"""Speed, memory and robustness of the per-article analyzer on real news corpora.

Reads JSON Lines corpora (one article a line: "id", "title", "text", "source", "date"; by
default BASIL and ECB+ train from ../shared), runs ``Analyzer().analyze_many`` over every
article and reports model load time, articles, words, sentences, crashes, articles/s and
words/s of the analysis (load excluded) and peak memory.

    .venv/bin/python benchmarks/analyze_speed.py [--files F.jsonl ...] [--n-process 2]
        [--batch-size 32] [--limit N] [--json]

Exits 0 with a "skipped" message when the shared corpora are absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corroborate.analyze import Analyzer
    from corroborate.model import Article

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = (
    ROOT.parent / "shared" / "data" / "basil" / "articles.jsonl",
    ROOT.parent / "shared" / "data" / "ecbplus" / "articles_train.jsonl",
)
_WORD = re.compile(r"\w+")


@dataclass
class Tally:
    """What the analysis produced, counted as it streams (the analyses themselves are dropped)."""

    analysed: int = 0
    sentences: int = 0
    quotes: int = 0
    attributions: int = 0
    crashes: list[dict[str, str]] = field(default_factory=list)
    fallback_at: int | None = None  # index where analyze_many raised, if it did
    stream_error: str | None = None


def load_articles(files: Sequence[Path], limit: int | None) -> list[Article]:
    """Articles from JSON Lines files, in file order, at most ``limit`` in all."""
    from corroborate.model import Article
    from corroborate.textnorm import article_id

    articles: list[Article] = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if limit is not None and len(articles) >= limit:
                    return articles
                if not line.strip():
                    continue
                row = json.loads(line)
                text = row.get("text") or ""
                source = row.get("source") or "unknown"
                articles.append(Article(id=article_id(text, source), text=text,
                                        title=row.get("title") or "", source=source,
                                        published=row.get("date")))
    return articles


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def analyse_all(analyzer: Analyzer, articles: list[Article], batch_size: int,
                n_process: int) -> Tally:
    """Run ``analyze_many`` over all articles. If it raises, fall back to ``Analyzer.analyze``
    one article at a time from the article that failed on, recording each failure as a crash."""
    tally = Tally()

    def count(analysis: Any) -> None:
        tally.analysed += 1
        tally.sentences += len(analysis.sentences)
        tally.quotes += len(analysis.quotes)
        tally.attributions += len(analysis.attributions)

    stream = analyzer.analyze_many(articles, batch_size=batch_size, n_process=n_process)
    try:
        for analysis in stream:
            count(analysis)
        return tally
    except Exception as exc:  # any failure inside analyze_many: go article by article
        tally.fallback_at = tally.analysed
        tally.stream_error = _describe(exc)
    for article in articles[tally.fallback_at :]:
        try:
            count(analyzer.analyze(article))
        except Exception as exc:
            tally.crashes.append({"id": article.id, "error": _describe(exc)})
    return tally


def peak_memory_mib(n_process: int) -> dict[str, float]:
    """Peak resident set size: this process, the largest reaped child, and the estimated peak
    of the whole tree (this process plus every worker at the largest worker's peak).

    On Linux ``ru_maxrss`` is in KiB, and RUSAGE_CHILDREN gives the largest single child
    (not the sum over children), hence the estimate.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS reports bytes
    workers = n_process if n_process > 1 else 0
    return {"self": round(own / scale, 1), "children": round(children / scale, 1),
            "total": round((own + workers * children) / scale, 1)}


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT.parent))
    except ValueError:
        return str(path)


def run(files: Sequence[Path], n_process: int, batch_size: int,
        limit: int | None) -> dict[str, Any]:
    started = time.perf_counter()
    from corroborate.analyze import Analyzer

    import_s = time.perf_counter() - started
    articles = load_articles(files, limit)
    words = sum(len(_WORD.findall(a.text)) for a in articles)

    started = time.perf_counter()
    analyzer = Analyzer()
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    tally = analyse_all(analyzer, articles, batch_size, n_process)
    analysis_s = time.perf_counter() - started
    memory = peak_memory_mib(n_process)

    # Peer baseline in the same run: the bare spaCy pipeline over the same texts and processes,
    # with none of Corroborate's rules, as the floor of what the analysis can cost.
    started = time.perf_counter()
    for _doc in analyzer.nlp.pipe((a.text for a in articles), batch_size=batch_size,
                                  n_process=n_process):
        pass
    spacy_s = time.perf_counter() - started

    return {
        "files": [_display(f) for f in files],
        "n_process": n_process,
        "batch_size": batch_size,
        "limit": limit,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "spacy": version("spacy"),
        "analyzer": analyzer.version,
        "import_s": round(import_s, 2),
        "model_load_s": round(load_s, 2),
        "articles": len(articles),
        "words": words,
        "sentences": tally.sentences,
        "quotes": tally.quotes,
        "attributions": tally.attributions,
        "analysed": tally.analysed,
        "crashes": len(tally.crashes),
        "crash_list": tally.crashes,
        "fallback_at": tally.fallback_at,
        "stream_error": tally.stream_error,
        "analysis_s": round(analysis_s, 2),
        "articles_per_s": round(len(articles) / analysis_s, 1) if analysis_s else None,
        "words_per_s": round(words / analysis_s) if analysis_s else None,
        "peak_memory_mib": memory,
        "spacy_only_s": round(spacy_s, 2),
        "spacy_only_articles_per_s": round(len(articles) / spacy_s, 1) if spacy_s else None,
    }


def print_table(result: dict[str, Any]) -> None:
    memory = result["peak_memory_mib"]
    workers = result["n_process"] if result["n_process"] > 1 else 0
    rows: list[tuple[str, Any]] = [
        ("files", ", ".join(result["files"])),
        ("n_process / batch_size", f"{result['n_process']} / {result['batch_size']}"),
        ("cpus / python / spacy", f"{result['cpus']} / {result['python']} / {result['spacy']}"),
        ("import (s)", result["import_s"]),
        ("model load (s)", result["model_load_s"]),
        ("articles", result["articles"]),
        ("words", result["words"]),
        ("sentences", result["sentences"]),
        ("quotes / attributions", f"{result['quotes']} / {result['attributions']}"),
        ("crashes", result["crashes"]),
        ("analysis (s)", result["analysis_s"]),
        ("articles/s", result["articles_per_s"]),
        ("words/s", result["words_per_s"]),
        ("peak memory (MiB)",
         f"{memory['total']} (self {memory['self']} + {workers} x largest child "
         f"{memory['children']})"),
        ("peer: spaCy alone, articles/s", result["spacy_only_articles_per_s"]),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if result["fallback_at"] is not None:
        print(f"analyze_many raised at article {result['fallback_at']} "
              f"({result['stream_error']}); the rest ran one by one with Analyzer.analyze "
              "in this process, so the throughput above is not that of analyze_many")
    for crash in result["crash_list"]:
        print(f"crash {crash['id']}: {crash['error']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", nargs="+", type=Path, default=None,
                        help="JSON Lines corpora (default: BASIL and ECB+ train in ../shared)")
    parser.add_argument("--n-process", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="analyse at most N articles in all")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.n_process < 1 or args.batch_size < 1 or (args.limit is not None and args.limit < 0):
        parser.error("--n-process and --batch-size must be >= 1, --limit >= 0")

    files: list[Path] = list(args.files or DEFAULT_FILES)
    missing = [f for f in files if not f.is_file()]
    if missing and args.files is None:
        print("skipped: shared corpora not found: " + ", ".join(str(f) for f in missing))
        return 0
    if missing:
        parser.error("no such file: " + ", ".join(str(f) for f in missing))

    result = run(files, args.n_process, args.batch_size, args.limit)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
