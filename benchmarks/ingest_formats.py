"""Feeds and web archives on the real inputs in ../shared/data/web/ (issue 11): how many files
give articles, how many entries/records are named, and the reading speed (no analysis, no
database: ``corroborate.ingest.read_inputs`` alone).

  feedparser  every file of feedparser's corpus (feeds/feedparser/: every RSS/Atom/RDF dialect,
              encodings, hostile markup, ill-formed XML)
  trafilatura the real feeds and sitemaps of trafilatura's tests (feeds/trafilatura/)
  warc        every WARC/ARC sample of warcio (warc/, truncated and broken ones included)

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/ingest_formats.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from corroborate.ingest import Rejection, read_inputs
from corroborate.model import Article

WEB = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "web"


def measure(files: list[Path]) -> dict[str, Any]:
    started = time.perf_counter()
    with_articles = articles = named = 0
    reasons: Counter[str] = Counter()
    for path in files:
        results = list(read_inputs([str(path)]))
        found = [r for r in results if isinstance(r, Article)]
        with_articles += bool(found)
        articles += len(found)
        for r in results:
            if isinstance(r, Rejection):
                named += 1
                reason = re.sub(r"'[^']*'", "'...'", r.reason)  # feed titles in the reason
                reasons[reason.split(":")[0].split("(")[0].strip()[:60]] += 1
    seconds = time.perf_counter() - started
    return {"files": len(files), "files_with_articles": with_articles, "articles": articles,
            "rejections": named, "seconds": round(seconds, 2),
            "files_per_second": round(len(files) / seconds, 1) if seconds else None,
            "top_reasons": reasons.most_common(6)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not WEB.is_dir():
        raise SystemExit(f"needs the shared corpora at {WEB}")
    sets = {
        "feedparser": sorted(p for p in (WEB / "feeds" / "feedparser").rglob("*")
                             if p.is_file()),
        "trafilatura": sorted(p for p in (WEB / "feeds" / "trafilatura").iterdir()
                              if p.is_file()),
        "warc": sorted(p for p in (WEB / "warc").iterdir() if p.is_file()),
    }
    figures = {name: measure(files) for name, files in sets.items()}
    for name, row in figures.items():
        print(f"{name:12} {row['files']:5} files, {row['files_with_articles']:4} with articles, "
              f"{row['articles']:4} articles, {row['rejections']:5} named, "
              f"{row['seconds']:6.2f} s ({row['files_per_second']} files/s)")
        for reason, count in row["top_reasons"]:
            print(f"{'':14}{count:5}  {reason}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
