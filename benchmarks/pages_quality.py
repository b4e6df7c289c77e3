"""Main text, titles and dates of real web pages (issue 11 items 3, 6 and 7): the HTML reader
(``corroborate.ingest.read_inputs``, as ``corroborate ingest`` reads a saved page) beside
trafilatura's default settings (``trafilatura.extract(html, output_format="json",
with_metadata=True)``: the defaults of ``trafilatura.extract``, comments included, plus its
default metadata, extensive date search included) in the same run, on the pages of
trafilatura's evaluation set in ``../shared/data/web/pages/`` with ``evaldata.json``.

  recall       share of expected main-text snippets (``with``) present in title + text
  boilerplate  share of known boilerplate snippets (``without``) present in title + text
  rejected     pages that gave no article, by reason (snippets of a rejected page count as
               missing, its boilerplate as absent)
  title        the title equals the page's own headline metadata (the reference: JSON-LD
               ``headline`` of an Article-like object, else ``og:title``, else
               ``twitter:title``), compared case-, space-, quote- and dash-insensitively;
               mismatches split into "suffix kept" (reference + more), "cut" (a prefix of
               the reference) and other
  date         against the page's own publication metadata (the reference: JSON-LD
               ``datePublished``, else ``article:published_time`` / ``og:published_time``,
               read by this script's own code, not the reader's): the same instant when both
               have a time, else the same calendar day (the reference's own day); pages
               without such metadata are split into those with some other date signal
               (``<meta name=date>``-like tags, ``<time datetime>``, a dated URL path) and
               those with none, where any date given can only come from the body text
  speed        pages/s through the reader (reading only: no analysis, no database)

The set: ``eval`` (923 pages, the reported figures), ``cache`` (110 pages, the one used to
tune the stub threshold and the title-suffix rules), or ``all``.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/pages_quality.py [--set eval|cache|all]
        [--limit N] [--no-peer] [--json out.json] [--errors dates|titles|stubs]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

PAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "web" / "pages"

_ARTICLE_TYPES = re.compile(r"article|posting|report|news", re.IGNORECASE)
_DATE_META = re.compile(r"date|time|publish|issued|created", re.IGNORECASE)
_URL_DATE = re.compile(r"/(?:19|20)\d{2}[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)|/(?:19|20)\d{6}(?:/|$)")


# --- the reference, read from the raw page by this script's own code ---------------------------

def _jsonld_objects(tree: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            found.append(node)
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                if key in node:
                    walk(node[key])

    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), '
                             '"ld+json")]'):
        try:
            walk(json.loads(script.text_content().strip() or "null", strict=False))
        except ValueError:
            continue
    return found


def _types(obj: dict[str, Any]) -> str:
    kind = obj.get("@type", "")
    return " ".join(map(str, kind)) if isinstance(kind, list) else str(kind)


@dataclass
class Reference:
    date: str | None = None
    other_date_signal: bool = False
    title: str | None = None
    #: the site's names (og:site_name, JSON-LD publisher, the host's name), to recognise a
    #: site suffix the reference title itself carries
    names: tuple[str, ...] = ()


def reference(html: str) -> Reference:
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", html))
    except (ValueError, lxml.etree.ParserError):
        return Reference()
    objects = _jsonld_objects(tree)
    articles = [o for o in objects if _ARTICLE_TYPES.search(_types(o))]
    ref = Reference()
    for obj in articles + objects:
        value = obj.get("datePublished")
        if isinstance(value, str) and value.strip() and not value.startswith("1970-01-01"):
            ref.date = value.strip()
            break
    metas = {(m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower():
             m.get("content")
             for m in tree.xpath("//meta[@content]")}
    if ref.date is None:
        for key in ("article:published_time", "og:published_time",
                    "og:article:published_time"):
            if metas.get(key):
                ref.date = str(metas[key]).strip()
                break
    ref.other_date_signal = bool(
        any(_DATE_META.search(key) and not re.search(r"modif|updat", key) for key in metas)
        or tree.xpath("//time[@datetime]|//*[@itemprop='datePublished']")
        or any(o.get("dateCreated") for o in objects)
        or any(_URL_DATE.search(str(v or "")) for v in (
            metas.get("og:url"), *tree.xpath("//link[@rel='canonical']/@href"))))
    for obj in articles:
        if isinstance(obj.get("headline"), str) and obj["headline"].strip():
            ref.title = obj["headline"]
            break
    else:
        ref.title = metas.get("og:title") or metas.get("twitter:title")
    names = [metas.get("og:site_name"), metas.get("application-name")]
    for obj in objects:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
    for url in (metas.get("og:url"), *tree.xpath("//link[@rel='canonical']/@href")):
        host = re.sub(r"^https?://(?:www\.)?", "", str(url or "")).split("/")[0]
        if "." in host:
            names += [host, host.split(".")[-2]]
    ref.names = tuple(n for n in names if n and n.strip())
    return ref


_REF_SEPARATOR = re.compile(r"\s+[|\-–—·]\s+")


def reference_headline(ref: Reference) -> str:
    """The reference title less a last segment that is exactly a site name or a date in
    digits (this script's own strict rule: "... | DW | 19.01.2020", "... - The Guardian")."""
    title = (ref.title or "").strip()
    keys = {re.sub(r"\W", "", n.casefold()) for n in ref.names}
    keys |= {k.removeprefix("the") for k in keys}
    keys.discard("")
    while True:
        parts = _REF_SEPARATOR.split(title)
        if len(parts) < 2:
            return title
        last = parts[-1].strip()
        if re.sub(r"\W", "", last.casefold()) in keys or re.fullmatch(r"[\d./ -]{6,}", last):
            title = re.sub(r"\s+[|\-–—·]\s*$", "", title[: title.rfind(parts[-1])])
        else:
            return title


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[\u2018\u2019\u201a\u201b`´]", "'", text)
    text = re.sub(r"[\u201c\u201d\u201e\u201f«»]", '"', text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return " ".join(text.split())


def _instant(value: str) -> tuple[str, datetime | None]:
    """(calendar day as written, aware datetime when a time and offset are given)."""
    value = value.strip()
    if not re.match(r"^\d{4}-\d{2}", value):  # "Tue Jan 28 15:28:56 CET 2020"
        import dateparser

        order = "DMY" if re.search(r"\d\.\d", value) else "MDY"
        parsed_free = dateparser.parse(value, languages=["en", "de", "fr", "es"],
                                       settings={"DATE_ORDER": order})
        if parsed_free is None:
            return value[:10], None
        value = parsed_free.isoformat()
    day = value[:10]
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return day, None
    if len(value) <= 10 or parsed.tzinfo is None:
        return day, None
    return day, parsed.replace(microsecond=0)  # the reader keeps whole seconds


def date_verdict(found: str | None, ref: str) -> str:
    """"right", "wrong" or "missing" for a date found against the reference."""
    if not found:
        return "missing"
    ref_day, ref_at = _instant(ref)
    day, at = _instant(found)
    if ref_at is not None and at is not None:
        return "right" if ref_at == at else "wrong"
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", ref_day):
        return "right" if day.startswith(ref_day[:7]) else "wrong"  # reference unreadable
    return "right" if day == ref_day else "wrong"


def title_verdict(found: str | None, ref: Reference) -> str:
    a, b = _norm(found), _norm(reference_headline(ref))
    if a == b:
        return "right"
    if a.startswith(b):
        return "suffix kept"
    if b.startswith(a) and a:
        return "cut"
    return "other"


# --- the systems --------------------------------------------------------------------------------

@dataclass
class Result:
    text: str | None = None  # None: rejected
    title: str | None = None
    date: str | None = None
    reason: str | None = None
    source: str | None = None  # published_source
    flags: dict[str, Any] = field(default_factory=dict)


def ours(path: Path) -> Result:
    from corroborate.ingest import Rejection, read_inputs

    results = list(read_inputs([str(path)]))
    article = next((r for r in results if not isinstance(r, Rejection)), None)
    if article is None:
        reason = results[0].reason if results else "nothing read"
        return Result(reason=reason)
    meta = article.metadata or {}
    return Result(text=article.text, title=article.title, date=article.published,
                  source=meta.get("published_source"),
                  flags={k: meta[k] for k in ("stub",) if k in meta})


def peer(html: str) -> Result:
    import trafilatura

    out = trafilatura.extract(html, output_format="json", with_metadata=True)
    if not out:
        return Result(reason="trafilatura.extract gave nothing")
    data = json.loads(out)
    text = "\n".join(x for x in (data.get("text"), data.get("comments")) if x)
    return Result(text=text, title=data.get("title"), date=data.get("date"))


# --- scoring --------------------------------------------------------------------------------

@dataclass
class Score:
    pages: int = 0
    seconds: float = 0.0
    with_total: int = 0
    with_found: int = 0
    without_total: int = 0
    without_found: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    title: Counter[str] = field(default_factory=Counter)
    date: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    stubs: int = 0
    errors: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        dated_ref = sum(self.date[k] for k in ("right", "wrong", "missing"))
        given_ref = self.date["right"] + self.date["wrong"]
        titled = sum(self.title[k] for k in ("right", "suffix kept", "cut", "other", "missing"))
        return {
            "pages": self.pages,
            "articles": self.pages - sum(self.rejected.values()),
            "rejected": sum(self.rejected.values()),
            "rejected_by_reason": self.rejected.most_common(),
            "flagged_stub": self.stubs,
            "snippet_recall": round(self.with_found / max(1, self.with_total), 4),
            "boilerplate_rate": round(self.without_found / max(1, self.without_total), 4),
            "title_right": round(self.title["right"] / max(1, titled), 4),
            "title_verdicts": dict(self.title),
            "date_pages_with_reference": dated_ref,
            "date_right_of_reference": round(self.date["right"] / max(1, dated_ref), 4),
            "date_wrong_of_given": round(self.date["wrong"] / max(1, given_ref), 4),
            "date_verdicts": dict(self.date),
            "published_source": dict(self.sources),
            "pages_per_second": round(self.pages / self.seconds, 1) if self.seconds else None,
        }


def _reason_key(reason: str) -> str:
    reason = re.sub(r"\d+", "N", reason)
    return reason.split(":")[0][:70]


def score_page(score: Score, name: str, result: Result, ref: Reference,
               snippets: dict[str, list[str]] | None) -> None:
    score.pages += 1
    if result.text is None:
        score.rejected[_reason_key(result.reason or "")] += 1
    if "stub" in result.flags:
        score.stubs += 1
    if snippets is not None:
        body = _norm(f"{result.title or ''}\n{result.text or ''}") if result.text else ""
        for snippet in snippets.get("with", []):
            score.with_total += 1
            score.with_found += bool(body) and _norm(snippet) in body
        for snippet in snippets.get("without", []):
            score.without_total += 1
            score.without_found += bool(body) and _norm(snippet) in body
    if result.text is None:
        return
    if ref.title:
        verdict = title_verdict(result.title, ref) if result.title else "missing"
        score.title[verdict] += 1
        if verdict != "right":
            score.errors.append(f"title {name}: {verdict}: {result.title!r} / ref {ref.title!r}")
    if result.date and result.date[5:10] == "01-01":
        score.date["given as 1 January"] += 1
    if result.source is not None:
        score.sources[result.source] += 1
    if ref.date:
        verdict = date_verdict(result.date, ref.date)
        score.date[verdict] += 1
        if verdict != "right":
            score.errors.append(f"date {name}: {verdict}: {result.date} ({result.source}) "
                                f"/ ref {ref.date}")
    elif ref.other_date_signal:
        score.date["no reference, other signal: dated" if result.date
                   else "no reference, other signal: undated"] += 1
    else:
        score.date["no date metadata at all: dated" if result.date
                   else "no date metadata at all: undated"] += 1
        if result.date:
            score.errors.append(f"date {name}: invented? {result.date} ({result.source})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("eval", "cache", "all"), default="eval")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-peer", action="store_true", help="skip trafilatura's defaults")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--errors", choices=("dates", "titles"), default=None,
                        help="list the pages where the reader's date or title is not right")
    args = parser.parse_args()
    if not PAGES.is_dir():
        raise SystemExit(f"needs the shared corpora at {PAGES}")
    figures = run(args.set, args.limit, peer_too=not args.no_peer, errors=args.errors)
    for system, row in figures.items():
        print(f"== {system}")
        for key, value in row.items():
            print(f"  {key}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


def page_files(which: str) -> list[Path]:
    sets = ("eval", "cache") if which == "all" else (which,)
    return sorted(p for s in sets for p in (PAGES / s).glob("*.html.gz"))


def run(which: str, limit: int | None = None, *, peer_too: bool = True,
        errors: str | None = None) -> dict[str, dict[str, Any]]:
    from corroborate.ingest.decode import decode_bytes

    evaldata = json.loads((PAGES / "evaldata.json").read_text(encoding="utf-8"))
    by_file = {v["file"]: v for v in evaldata.values()}
    files = page_files(which)[:limit]
    mine, theirs = Score(), Score()
    for path in files:
        raw = gzip.decompress(path.read_bytes())
        html = decode_bytes(raw, path.name)
        ref = reference(html)
        snippets = by_file.get(path.name.removesuffix(".gz"))
        started = time.perf_counter()
        result = ours(path)
        mine.seconds += time.perf_counter() - started
        score_page(mine, path.name, result, ref, snippets)
        if peer_too:
            started = time.perf_counter()
            other = peer(html)
            theirs.seconds += time.perf_counter() - started
            score_page(theirs, path.name, other, ref, snippets)
    if errors:
        for line in mine.errors:
            if line.startswith(errors[:-1]):
                print(line, file=sys.stderr)
    out = {"corroborate": mine.figures()}
    if peer_too:
        out["trafilatura defaults"] = theirs.figures()
    return out


if __name__ == "__main__":
    main()
