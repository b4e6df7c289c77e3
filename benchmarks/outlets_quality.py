"""Outlets on real inputs (issue 11, item 4): what outlet each article gets, before (the old
rule: the site name as given, else the URL's host, else the JSON ``source_domain``) and after
(:mod:`corroborate.ingest.outlets`: the outlet map, real site names, registered domains,
archives unwrapped), from the same extraction in one run.

  pages     ../shared/data/web/pages/ (eval/ and cache/: 1,033 real pages, with the page's URL
            in evaldata.json for the checks against the domain)
  scrapers  ../shared/data/web/scrapers/ (news-please JSON)
  feeds     ../shared/data/web/feeds/trafilatura/ (a JSON Feed, an RSS and an Atom feed)

Each outlet is one of: a name; a hostname (``www.example.de``, ``example.de``); an archive's
host (``web.archive.org``); ``unknown``; junk — a string that is no outlet name: a copyright
line, a year or date, a URL or e-mail address, a template placeholder, the page's title or a
sentence (of 4 words or more), more than 8 words or 70 characters, or a tagline ("X | Y | Z"
of more than 6 words).
The junk rule overlaps the filter the new code applies, so the pages are also checked
against their real URLs (evaldata.json), which no rule sees: publishers split (a registered
domain whose pages get two or more outlets), outlets merged (one outlet over pages of two or
more registered domains), and pages whose outlet names their domain.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/outlets_quality.py [--limit N] [--json out.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import corroborate.ingest.base as base
from corroborate.errors import InputError
from corroborate.ingest import read_inputs
from corroborate.ingest.base import Fields, url_host
from corroborate.ingest.decode import decode_bytes
from corroborate.ingest.html import parse_html
from corroborate.ingest.outlets import (
    ARCHIVE_HOSTS,
    OutletChoice,
    OutletNames,
    archived_site,
    name_key,
    registered_domain,
    unwrap_archive,
)
from corroborate.model import Article

WEB = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "web"
_HOST = re.compile(r"^(?:[\w-]+\.)+[a-z]{2,}$", re.I)
_JUNK = re.compile(r"©|\(c\)|copyright|all rights reserved|(?<!\d)(?:1[89]|20)\d\d(?!\d)|"
                   r"://|\bwww\.|\w@\w+\.\w|\{\{|\{\$", re.I)
_SENTENCE = re.compile(r"\w{3,}[.?!:]\s+\w{2,}|\w{3,}[?!]$")


def legacy_outlet(fields: Fields) -> str:
    """The rule before issue 11 item 4 (``choose_outlet`` of 2026-12-01)."""
    for candidate in (fields.outlet, fields.site_name, url_host(fields.url),
                      fields.header_source):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return "unknown"


def kind(outlet: str, title: str | None) -> str:
    if outlet == "unknown":
        return "unknown"
    lowered = outlet.lower().removeprefix("www.")
    if lowered in ARCHIVE_HOSTS:
        return "archive host"
    if _HOST.match(outlet):
        return "hostname"
    words = outlet.split()
    tagline = len(re.split(r"\s+[|•–—-]\s+", outlet)) > 1 and len(words) > 6
    if (_JUNK.search(outlet) or len(words) > 8 or len(outlet) > 70 or tagline
            or (len(words) >= 4 and _SENTENCE.search(outlet))
            or (title and len(words) >= 4 and name_key(title) == name_key(outlet))):
        return "junk"
    return "name"


def _fold(text: str) -> str:
    from corroborate.ingest.outlets import _fold as fold

    return fold(text)


def names_domain(outlet: str, domain: str, names: OutletNames) -> bool:
    """Whether an outlet names a page's registered domain: the domain itself, the outlet
    map's name for it, or a name holding the domain's label (or held by it)."""
    if outlet.lower().removeprefix("www.") in (domain,) or outlet == names.for_host(domain):
        return True
    label, folded = _fold(domain.split(".")[0]), _fold(outlet)
    return len(folded) >= 3 and (label in folded or folded in label)


def page_fields(path: str) -> dict[str, Any]:
    data = gzip.decompress(Path(path).read_bytes())
    try:
        content = decode_bytes(data, path)
        fields = parse_html(content, path)
    except InputError as exc:
        return {"file": path, "rejected": exc.reason}
    before = legacy_outlet(fields)
    if not fields.url and not fields.header_source:  # as the HTML reader does
        site = archived_site(content)
        if site is not None:
            fields = dataclasses.replace(fields, header_source=site)
    after = base.outlet_choice(fields, None)
    return {"file": path, "title": fields.title, "site_name": fields.site_name,
            "before": before, "after": after.outlet,
            "after_from": after.outlet_from, "rejected_site_name":
                after.metadata.get("site_name_rejected")}


def summarise(rows: list[dict[str, Any]], which: str) -> dict[str, Any]:
    kinds = Counter(kind(r[which], r.get("title")) for r in rows)
    n = len(rows)
    return {"articles": n, "outlets": len({r[which] for r in rows}),
            **{k: kinds[k] for k in ("name", "hostname", "archive host", "unknown", "junk")},
            "share": {k: round(100 * v / n, 1) for k, v in kinds.items()} if n else {}}


def domain_checks(rows: list[dict[str, Any]], which: str, names: OutletNames
                  ) -> dict[str, Any]:
    by_domain: dict[str, set[str]] = defaultdict(set)
    by_outlet: dict[str, set[str]] = defaultdict(set)
    pages: Counter[str] = Counter()
    matching = checked = 0
    for r in rows:
        url = unwrap_archive(r["true_url"]) or r["true_url"]
        host = url_host(url) if url and "://" in url else None
        if not host:
            continue
        domain = registered_domain(host)
        checked += 1
        pages[domain] += 1
        by_domain[domain].add(r[which])
        if r[which] != "unknown":
            by_outlet[r[which]].add(domain)
        matching += names_domain(r[which], domain, names)
    split = sum(1 for d, o in by_domain.items() if pages[d] >= 2 and len(o) > 1)
    return {"pages_with_url": checked, "domains_with_2_pages": sum(1 for v in pages.values()
                                                                   if v >= 2),
            "publishers_split": split,
            "outlets_merged": sorted(o for o, d in by_outlet.items() if len(d) > 1),
            "outlet_names_domain": matching}


def _legacy_choice(fields: Fields, override: str | None,
                   names: OutletNames | None = None) -> OutletChoice:
    return OutletChoice(override or legacy_outlet(fields), "legacy", fields.url, {})


def read_both(paths: list[Path]) -> Iterator[dict[str, Any]]:
    """Articles of non-page inputs read twice: the new rule, then the old one patched in."""
    new = [r for r in read_inputs([str(p) for p in paths]) if isinstance(r, Article)]
    real = base.outlet_choice
    base.outlet_choice = _legacy_choice  # type: ignore[assignment]
    try:
        old = [r for r in read_inputs([str(p) for p in paths]) if isinstance(r, Article)]
    finally:
        base.outlet_choice = real  # type: ignore[assignment]
    for a, b in zip(new, old, strict=True):
        yield {"file": a.origin, "title": a.title, "before": b.source, "after": a.source,
               "after_from": a.metadata.get("outlet_from")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--jobs", type=int, default=2, help="processes for the pages")
    parser.add_argument("--json", type=Path, help="also write the figures (and rows) here")
    args = parser.parse_args()
    if not WEB.is_dir():
        raise SystemExit(f"needs the shared corpora at {WEB}")
    evaldata = json.loads((WEB / "pages" / "evaldata.json").read_text(encoding="utf-8"))
    url_of = {v["file"]: u for u, v in evaldata.items()}
    files = sorted((WEB / "pages" / "eval").glob("*.gz")) + \
        sorted((WEB / "pages" / "cache").glob("*.gz"))
    files = files[: args.limit] if args.limit else files
    started = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        found = list(pool.map(page_fields, [str(f) for f in files], chunksize=8))
    seconds = time.perf_counter() - started
    rows = [r for r in found if "rejected" not in r]
    for r in rows:
        r["true_url"] = url_of.get(Path(r["file"]).name.removesuffix(".gz"))
    names = OutletNames.shipped()
    report: dict[str, Any] = {"pages": {
        "files": len(files), "articles": len(rows), "seconds": round(seconds, 1),
        "before": {**summarise(rows, "before"), **domain_checks(rows, "before", names)},
        "after": {**summarise(rows, "after"), **domain_checks(rows, "after", names)},
        "after_from": Counter(r["after_from"] for r in rows).most_common(),
        "site_names_rejected": Counter(r["rejected_site_name"] for r in rows
                                       if r["rejected_site_name"]).most_common(),
    }}
    others = {"scrapers": sorted((WEB / "scrapers").glob("*.json")),
              "feeds": sorted(p for p in (WEB / "feeds" / "trafilatura").iterdir()
                              if p.suffix in (".json", ".atom", ".rss"))}
    for key, paths in others.items():
        got = list(read_both(paths))
        report[key] = {"before": summarise(got, "before"), "after": summarise(got, "after"),
                       "outlets_before": sorted(Counter(r["before"] for r in got).items()),
                       "outlets_after": sorted(Counter(r["after"] for r in got).items())}
    print(json.dumps(report, indent=1, ensure_ascii=False))
    changed = [r for r in rows if r["before"] != r["after"]]
    print(f"\n{len(changed)} of {len(rows)} page outlets changed; examples:")
    for r in changed[:: max(1, len(changed) // 40)]:
        print(f"  {r['before'][:60]!r:64} -> {r['after']!r} ({r['after_from']})")
    if args.json:
        args.json.write_text(json.dumps({**report, "rows": rows}, indent=1,
                                        ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
