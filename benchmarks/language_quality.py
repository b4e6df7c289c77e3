"""Language detection on real pages: the language Corroborate detects for each article of
``../shared/data/web/pages/eval`` against the language the page declares in ``<html lang>``.

The declaration is a weak reference (templates often say ``lang="en"`` around German text), so
the figure is agreement, not accuracy; the disagreements are listed for reading.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/language_quality.py
"""

from __future__ import annotations

import collections
import gzip
import re
import time
from pathlib import Path

from corroborate.ingest import read_inputs
from corroborate.model import Article

PAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "web" / "pages" / "eval"
DECLARED = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)


def main() -> None:
    if not PAGES.is_dir():
        raise SystemExit(f"needs the shared pages at {PAGES}")
    agree = total = 0
    disagreements: collections.Counter[tuple[str, str]] = collections.Counter()
    detected: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    for page in sorted(PAGES.glob("*.html.gz")):
        head = gzip.decompress(page.read_bytes())[:20000].decode("utf-8", "ignore")
        declared = DECLARED.search(head)
        if not declared:
            continue
        articles = [a for a in read_inputs([str(page)]) if isinstance(a, Article)]
        if not articles:
            continue
        reference = declared.group(1).lower()[:2]
        language = str(articles[0].metadata.get("language"))
        total += 1
        agree += language == reference
        detected[language] += 1
        if language != reference:
            disagreements[(reference, language)] += 1
    print(f"pages with <html lang> and an article: {total}; detected = declared: {agree} "
          f"({agree / max(total, 1):.1%}) in {time.perf_counter() - started:.0f} s")
    print("disagreements (declared -> detected):",
          ", ".join(f"{a}->{b} {n}" for (a, b), n in disagreements.most_common(8)))
    print("detected:", ", ".join(f"{code} {n}" for code, n in detected.most_common(10)))


if __name__ == "__main__":
    main()
