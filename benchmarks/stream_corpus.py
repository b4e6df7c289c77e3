"""Synthetic news stream for scale benchmarks of online story clustering.

The stream recombines sentences of the shared real corpora (read at run time from
``../shared/data`` relative to the repository root; nothing is copied into the repository):
ECB+ (``ecbplus/articles_train.jsonl``, ``ecbplus/articles_dev.jsonl``) and BASIL
(``basil/articles.jsonl``), 134 real gold events in all. It is a benchmark for speed and memory
at scale (hundreds of thousands to millions of articles), not for clustering quality: the
articles read like news, with realistic lengths, vocabulary, names and numbers, and the gold
``event`` labels are consistent, but the text is a remix and many synthetic events share one
real event's wording.

Design (everything is deterministic given ``--seed``; the outlet and pseudonym pools are fixed):

* Templates. Every real gold event (the ``event`` field) is a template: the pooled, de-duplicated
  sentences of its articles, each with its relative position in its article (sentence index /
  article length), the sentences among the first three of an article (the lead pool), and the
  titles and first sentences (the title pool). Bylines and date stamps (fewer than four words
  with a digit, or fewer than two words) are dropped, and ECB+'s PTB quote marks (two
  backquotes, two apostrophes) are turned back into ``"``.
* Synthetic events. Each synthetic event picks a template uniformly at random; a template is
  reused for many synthetic events (about 1.5 a day per template at 200 events/day, so events
  from one template overlap in time: hard negatives by construction).
* Articles. An article is a title drawn from the title pool, then 8-25 sentences (uniform,
  capped by the pool size) drawn without replacement inside the article: the first two from
  the lead pool, the rest from the whole pool, put in order of their relative position in
  their original articles, so leads come first and closing sentences last.
* Detail substitution, so that two synthetic events from one template differ in places, names
  and numbers like two real earthquakes would:
  - numbers: every number token (``\\d+`` groups joined by ``.,:/``) is rewritten with a value
    drawn once per synthetic event and reused by all its articles. The first group keeps its
    digit count and is drawn between half and twice its value; years (1900-2035) are shifted
    by one offset per event (-6..+6), so a story's years stay coherent; groups after a
    separator keep their length (two-digit values below 60 stay below 60, for times);
  - names: a template's proper-name vocabulary is the capitalised words (``Reid``,
    ``McCain``) that occur in it at least once not sentence-initially, whose lower-case form
    never occurs in the corpora (this keeps ``The``, ``Bank``, ``President`` ...), that are not
    month or weekday names and that occur in fewer than 8 % of the templates (this keeps
    generic words such as ``American``, ``Obama``, ``Texas``, ``John``). Every occurrence of
    such a word in the template, sentence-initial or not and titles included, is replaced by a
    pseudonym drawn once per synthetic event from a fixed pool of 14,400 syllable-built names
    (``Varholm``, ``Keswick``; the event walks the shuffled pool from a random offset with a
    random stride coprime with its size, so its pseudonyms are distinct); multi-word names are
    replaced word by word (``Tara Reid`` -> ``Osilwick Brenaford``, ``John Boehner`` ->
    ``John Varholm``). Every template has at least 5 replaceable names.
  The substitution is a regex heuristic: generic capitalised words are sometimes renamed,
  ``COVID-19`` may become ``COVID-23`` and dates may be impossible (``4/47/2011``). Topic words
  (earthquake, rehab, lawsuit) are never replaced.
* Timeline. Events start as a Poisson process at ``--events-per-day`` (default 200) from
  2024-01-01T00:00Z, so the stream spans about N / (4 x events per day) days for N articles.
  An event has 1-12 articles (truncated geometric, p = 0.21, mean ~4.0); its first article is
  published 0-3 h after the start, the others after an exponential delay (mean 10 h), all within
  3 days of the start. Each article of an event comes from a different outlet, drawn with
  Zipf-like weights (exponent 0.8; the most popular outlet gets about 10 % of the
  articles) from a fixed pool of 60 fake outlets (``The Harbour Times``, ``Meridian Ledger``);
  ``url`` is ``https://<outlet-slug>.example/<article number>``.
* Streaming. Events are generated in start order and their rendered articles wait in a heap
  keyed by publication time; an article is emitted once the next event starts after it, so
  memory is the templates plus about 3 days of pending articles, whatever ``-n`` (peak RSS
  53 MB for ``-n 1000000``, ~40 MB for ``-n 100000``; about 10,000 articles/s on 2 cores).

Output: JSON Lines, one article per line in publication order, fields ``id`` (``syn-000000123``,
in emission order), ``title``, ``text`` (sentences joined by ``\\n``), ``source``, ``published``
(ISO 8601, UTC offset), ``url``, ``event`` (synthetic event id ``sev-000000045``, for optional
quality checks). The last events of a stream may be cut short by ``-n``.

Usage::

    .venv/bin/python benchmarks/stream_corpus.py -n 10000 [--seed 0] [--events-per-day 200]
        [-o FILE] [--stats]

From another benchmark script (with ``benchmarks/`` on ``sys.path``)::

    from stream_corpus import iter_articles
    for article in iter_articles(100_000, seed=0):
        ...

Exits 2 with a one-line message when ``../shared/data`` is absent.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import itertools
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TextIO

_encode_str: Callable[[str], str] = json.encoder.encode_basestring

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
CORPUS_FILES = (
    "ecbplus/articles_train.jsonl",
    "ecbplus/articles_dev.jsonl",
    "basil/articles.jsonl",
)
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)

DAY_S = 86_400.0
MAX_ARTICLES_PER_EVENT = 12
GEOMETRIC_P = 0.21  # truncated to 1..12 this gives a mean of about 4.0
MIN_SENTENCES, MAX_SENTENCES = 8, 25
LEAD_LINES = 3
LEAD_SENTENCES = 2
FIRST_ARTICLE_DELAY_S = 3 * 3600.0
FOLLOW_UP_MEAN_DELAY_S = 10 * 3600.0
MAX_DELAY_S = 3 * DAY_S - 1.0
YEAR_SHIFT = 6
GENERIC_NAME_SHARE = 0.08

_NUMBER = r"\d+(?:[.,:/]\d+)*"
_NAME = r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*\b"
_TOKEN_RE = re.compile(rf"(?P<num>{_NUMBER})|(?P<name>{_NAME})")
_NAME_RE = re.compile(_NAME)
_LOWER_WORD_RE = re.compile(r"\b[a-z][a-z]+\b")
_FIRST_WORD_RE = re.compile(r"^[^A-Za-z0-9]*([A-Za-z]+)")
_GROUP_RE = re.compile(r"\d+|[.,:/]")
_DIGIT_RE = re.compile(r"\d")

_CALENDAR_WORDS = frozenset(
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday".split()
)

# Syllables of the pseudonym pool and words of the outlet pool (fixed, independent of --seed).
_ONSETS = (
    "Var Kes Mor Ald Bren Cal Dun El Fen Gar Hal Ire Jor Kel Lan Mar Nor Os Pel Quin Ros Sel "
    "Tor Ul Ven Wes Yar Zel Ash Bel Cor Dra Eth Fal Gil Hav Ith Kar Lor Mel Nev Ord Pry Rav "
    "Sto Thal Val Wyn"
).split()
_MIDDLES = ("", "", "a", "e", "i", "o", "en", "ar", "il", "or", "an")
_ENDINGS = (
    "holm wick ford ton by ley mere stead dale worth more ridge gate field mouth ham ster bury "
    "croft well shaw en ard ric son ell ine ova ani ez"
).split()
_OUTLET_PLACES = (
    "Harbour Meridian Northgate Riverside Summit Lakeshore Granite Capital Evergreen Coastal "
    "Highland Valley Prairie Bayside Ironwood Silver Crescent Pinecrest Westfield Eastbrook "
    "Redstone Oakridge Union Liberty Frontier Cedar Beacon Atlantic Metro Midland"
).split()
_OUTLET_KINDS = (
    "Herald Post Times Gazette Chronicle Courier Tribune Observer Ledger Dispatch Sentinel "
    "Journal Record Review Bulletin Examiner Standard Monitor Telegraph Express"
).split()
N_OUTLETS = 60


class SharedDataMissing(FileNotFoundError):
    """The shared corpora (``../shared/data``) are not there."""


@dataclass(frozen=True)
class NumberSpec:
    """How to redraw one number token: its groups (digit strings) and separators."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    """One real gold event, compiled for fast rendering with ``str.format_map``."""

    event: str
    sentences: tuple[str, ...]  # format strings, sorted by relative position
    lead: tuple[int, ...]  # indices into ``sentences`` of lines among the first three
    titles: tuple[str, ...]  # format strings
    numbers: dict[str, NumberSpec]  # slot key ("n3") -> spec


class _EventSlots(dict[str, str]):
    """Per-event substitutions, drawn lazily on first use and then reused by every article."""

    __slots__ = ("_next", "_numbers", "_pool", "_random", "_stride", "_year_shift")

    def __init__(
        self,
        template: Template,
        pool: tuple[str, ...],
        strides: tuple[int, ...],
        rng: random.Random,
    ) -> None:
        super().__init__()
        rand = rng.random
        self._numbers = template.numbers
        self._pool = pool
        self._random = rand
        # Pseudonyms walk the pool from a random offset with a random stride coprime with its
        # size: distinct within the event, no bookkeeping.
        self._next = int(rand() * len(pool))
        self._stride = strides[int(rand() * len(strides))]
        self._year_shift = int(rand() * (2 * YEAR_SHIFT + 1)) - YEAR_SHIFT

    def __missing__(self, key: str) -> str:
        if key[0] == "p":
            value = self._pool[self._next]
            self._next = (self._next + self._stride) % len(self._pool)
        else:
            value = self._number(self._numbers[key])
        self[key] = value
        return value

    def _number(self, spec: NumberSpec) -> str:
        rand = self._random
        out: list[str] = []
        first = True
        for part in spec.parts:
            if not part.isdigit():
                out.append(part)
                continue
            width, value = len(part), int(part)
            if width == 4 and 1900 <= value <= 2035:
                out.append(str(value + self._year_shift))
            elif first and not (width > 1 and part[0] == "0"):
                lo = 0 if width == 1 else 10 ** (width - 1)
                hi = 10**width - 1
                low, high = max(lo, value // 2), max(lo, min(hi, 2 * value))
                out.append(str(low + int(rand() * (high - low + 1))))
            elif width == 2 and value < 60:
                out.append(f"{int(rand() * 60):02d}")
            else:
                out.append(f"{int(rand() * 10**width):0{width}d}")
            first = False
        return "".join(out)


def _clean(sentence: str) -> str:
    sentence = sentence.replace("`` ", '"').replace("``", '"')
    sentence = sentence.replace(" ''", '"').replace("''", '"')
    return " ".join(sentence.split())


def _keep(sentence: str) -> bool:
    words = sentence.split()
    if len(words) < 2:
        return False
    return not (len(words) < 4 and _DIGIT_RE.search(sentence))


def _load_rows(data_dir: Path) -> list[dict[str, object]]:
    missing = [name for name in CORPUS_FILES if not (data_dir / name).is_file()]
    if missing:
        raise SharedDataMissing(
            f"shared corpus not found: {data_dir / missing[0]} (expected ../shared/data next to "
            "the repository; see ../shared/data/README.md)"
        )
    rows: list[dict[str, object]] = []
    for name in CORPUS_FILES:
        with (data_dir / name).open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def _article_lines(row: dict[str, object]) -> list[str]:
    sentences = row.get("sentences")
    if isinstance(sentences, list) and sentences:
        lines = [str(s["text"]) for s in sentences]
    else:
        lines = str(row.get("text") or "").split("\n")
    return [_clean(line) for line in lines]


@lru_cache(maxsize=4)
def load_templates(data_dir: Path = DEFAULT_DATA_DIR) -> tuple[Template, ...]:
    """Compile every real gold event of the shared corpora into a template (cached)."""
    rows = _load_rows(data_dir)
    by_event: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_event.setdefault(str(row["event"]), []).append(row)

    lower_words: set[str] = set()
    candidates: dict[str, set[str]] = {}  # event -> capitalised words seen not sentence-initially
    lines_by_event: dict[str, list[list[str]]] = {}
    for event, event_rows in by_event.items():
        seen: set[str] = set()
        lines_by_event[event] = article_lines = [_article_lines(row) for row in event_rows]
        for lines in article_lines:
            for line in lines:
                lower_words.update(_LOWER_WORD_RE.findall(line))
                first = _FIRST_WORD_RE.match(line)
                start = first.end(1) if first else 0
                seen.update(m.group() for m in _NAME_RE.finditer(line, start))
        candidates[event] = seen
    spread = Counter(word for words in candidates.values() for word in words)
    generic_limit = GENERIC_NAME_SHARE * len(by_event)

    templates: list[Template] = []
    for event in sorted(by_event):
        names = {
            word
            for word in candidates[event]
            if word.lower() not in lower_words
            and word not in _CALENDAR_WORDS
            and spread[word] < generic_limit
        }
        slots: dict[str, str] = {}
        numbers: dict[str, NumberSpec] = {}

        def compile_line(
            line: str,
            names: set[str] = names,
            slots: dict[str, str] = slots,
            numbers: dict[str, NumberSpec] = numbers,
        ) -> str:
            out: list[str] = []
            pos = 0
            for match in _TOKEN_RE.finditer(line):
                token = match.group()
                if match.lastgroup == "name" and token not in names:
                    continue
                out.append(line[pos : match.start()].replace("{", "{{").replace("}", "}}"))
                key = slots.get(token)
                if key is None:
                    if match.lastgroup == "num":
                        key = f"n{len(slots)}"
                        numbers[key] = NumberSpec(tuple(_GROUP_RE.findall(token)))
                    else:
                        key = f"p{len(slots)}"
                    slots[token] = key
                out.append("{" + key + "}")
                pos = match.end()
            out.append(line[pos:].replace("{", "{{").replace("}", "}}"))
            return "".join(out)

        pooled: dict[str, float] = {}  # cleaned line -> smallest relative position
        lead_lines: set[str] = set()
        titles: dict[str, None] = {}
        for row, lines in zip(by_event[event], lines_by_event[event], strict=True):
            title = _clean(str(row.get("title") or ""))
            for candidate in (title, lines[0] if lines else ""):
                if len(candidate.split()) >= 3:
                    titles[candidate] = None
            kept = [(i, line) for i, line in enumerate(lines) if _keep(line)]
            for rank, (i, line) in enumerate(kept):
                rel = i / max(1, len(lines))
                pooled[line] = min(rel, pooled.get(line, rel))
                if rank < LEAD_LINES:
                    lead_lines.add(line)
        ordered = sorted(pooled, key=lambda line: (pooled[line], line))
        if len(ordered) < LEAD_SENTENCES or not titles:
            continue
        lead = tuple(i for i, line in enumerate(ordered) if line in lead_lines)
        if len(lead) < LEAD_SENTENCES:
            lead = tuple(range(LEAD_SENTENCES))
        templates.append(
            Template(
                event=event,
                sentences=tuple(compile_line(line) for line in ordered),
                lead=lead,
                titles=tuple(compile_line(t) for t in titles),
                numbers=numbers,
            )
        )
    return tuple(templates)


@lru_cache(maxsize=1)
def pseudonym_pool() -> tuple[str, ...]:
    """14,400 distinct syllable-built names, in a fixed shuffled order."""
    names = {onset + mid + end for onset in _ONSETS for mid in _MIDDLES for end in _ENDINGS}
    ordered = sorted(names)
    random.Random(20240101).shuffle(ordered)
    return tuple(ordered)


@lru_cache(maxsize=1)
def _pool_strides() -> tuple[int, ...]:
    size = len(pseudonym_pool())
    return tuple(s for s in range(7, 2000) if math.gcd(s, size) == 1)


@lru_cache(maxsize=1)
def outlet_pool() -> tuple[tuple[str, str], ...]:
    """60 fake outlets as (name, url slug), most popular first (fixed)."""
    rng = random.Random(60)
    combos = [(p, k) for p in _OUTLET_PLACES for k in _OUTLET_KINDS]
    rng.shuffle(combos)
    outlets: list[tuple[str, str]] = []
    used_places: Counter[str] = Counter()
    for place, kind in combos:
        if used_places[place] >= 2:
            continue
        used_places[place] += 1
        name = f"The {place} {kind}" if rng.random() < 0.5 else f"{place} {kind}"
        outlets.append((name, f"{place}-{kind}".lower()))
        if len(outlets) == N_OUTLETS:
            break
    return tuple(outlets)


def _count_cum_weights() -> list[float]:
    weights = [(1 - GEOMETRIC_P) ** (k - 1) for k in range(1, MAX_ARTICLES_PER_EVENT + 1)]
    return list(itertools.accumulate(weights))


def iter_articles(
    n: int,
    seed: int = 0,
    events_per_day: float = 200.0,
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    start: datetime = DEFAULT_START,
) -> Iterator[dict[str, str]]:
    """Yield ``n`` synthetic articles in publication order (see the module docstring).

    Raises ``SharedDataMissing`` (a ``FileNotFoundError``) when the corpora are absent.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if events_per_day <= 0:
        raise ValueError("events_per_day must be > 0")
    templates = load_templates(Path(data_dir))
    if not templates:
        raise SharedDataMissing(f"no usable events in {data_dir}")
    pool = pseudonym_pool()
    strides = _pool_strides()
    outlets = outlet_pool()
    outlet_cum = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(outlets))))
    count_values = list(range(1, MAX_ARTICLES_PER_EVENT + 1))
    count_cum = _count_cum_weights()
    rng = random.Random(seed)
    rand = rng.random
    base = start.timestamp()
    tz = start.tzinfo or UTC
    mean_gap = DAY_S / events_per_day

    heap: list[tuple[float, int, str, str, int, int]] = []
    seq = itertools.count()
    now = 0.0
    emitted = 0
    for event_no in itertools.count():
        now += rng.expovariate(1.0 / mean_gap)
        while heap and heap[0][0] <= now:
            published, _, title, text, outlet_idx, ev = heapq.heappop(heap)
            name, slug = outlets[outlet_idx]
            yield {
                "id": f"syn-{emitted:09d}",
                "title": title,
                "text": text,
                "source": name,
                "published": datetime.fromtimestamp(base + published, tz).isoformat(
                    timespec="seconds"
                ),
                "url": f"https://{slug}.example/{emitted}",
                "event": f"sev-{ev:09d}",
            }
            emitted += 1
            if emitted >= n:
                return
        if n == 0:
            return

        template = templates[int(rand() * len(templates))]
        slots = _EventSlots(template, pool, strides, rng)
        sentences, lead, titles = template.sentences, template.lead, template.titles
        n_pool, n_lead = len(sentences), len(lead)
        k_articles = count_values[bisect.bisect(count_cum, rand() * count_cum[-1])]
        chosen: list[int] = []
        while len(chosen) < k_articles:
            idx = bisect.bisect(outlet_cum, rand() * outlet_cum[-1])
            if idx not in chosen:
                chosen.append(idx)
        delays = [rng.uniform(0.0, FIRST_ARTICLE_DELAY_S)]
        delays += [
            min(delays[0] + rng.expovariate(1.0 / FOLLOW_UP_MEAN_DELAY_S), MAX_DELAY_S)
            for _ in range(k_articles - 1)
        ]
        delays.sort()
        for delay, outlet_idx in zip(delays, chosen, strict=True):
            length = min(MIN_SENTENCES + int(rand() * (MAX_SENTENCES - MIN_SENTENCES + 1)), n_pool)
            first = int(rand() * n_lead)
            second = int(rand() * (n_lead - 1))
            second += second >= first
            leads = [lead[first], lead[second]]
            if 3 * length <= n_pool:  # rejection sampling, cheaper than rng.sample here
                picked = set(leads)
                while len(picked) < length:
                    picked.add(int(rand() * n_pool))
                picked.difference_update(leads)
                rest = sorted(picked)
            else:
                others = [i for i in range(n_pool) if i not in leads]
                rest = sorted(rng.sample(others, length - LEAD_SENTENCES))
            body = leads + rest
            title = titles[int(rand() * len(titles))].format_map(slots)
            text = "\n".join([sentences[i].format_map(slots) for i in body])
            heapq.heappush(heap, (now + delay, next(seq), title, text, outlet_idx, event_no))
    raise AssertionError("unreachable")  # pragma: no cover


def article_json(article: dict[str, str]) -> str:
    """One JSON Lines record (no newline) of an article, keys in the documented order."""
    enc = _encode_str
    return (
        f'{{"id": {enc(article["id"])}, "title": {enc(article["title"])}, '
        f'"text": {enc(article["text"])}, "source": {enc(article["source"])}, '
        f'"published": {enc(article["published"])}, "url": {enc(article["url"])}, '
        f'"event": {enc(article["event"])}}}'
    )


def _write_stats(stats: dict[str, object], out: TextIO) -> None:
    out.write(json.dumps(stats, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a synthetic news stream (JSON Lines, publication order) by "
        "recombining sentences of the shared ECB+ and BASIL corpora.",
        epilog="example:\n  .venv/bin/python benchmarks/stream_corpus.py -n 10000 --seed 0 "
        "-o /tmp/stream.jsonl --stats\n  .venv/bin/python benchmarks/stream_corpus.py -n 100000 "
        "-o /dev/null --stats  # speed",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-n", type=int, required=True, help="number of articles to generate")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--events-per-day", type=float, default=200.0, help="new events per day (default 200)"
    )
    parser.add_argument("-o", "--output", type=Path, help="output file (default stdout)")
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="shared corpora folder"
    )
    parser.add_argument(
        "--stats", action="store_true", help="print speed and size statistics to stderr"
    )
    args = parser.parse_args(argv)
    if args.n < 0 or args.events_per_day <= 0:
        parser.error("-n must be >= 0 and --events-per-day > 0")

    try:
        load_templates(args.data_dir)
    except SharedDataMissing as exc:
        print(f"stream_corpus: {exc}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    words = sentences = 0
    per_event: Counter[str] = Counter()
    first = last = ""
    out = sys.stdout if args.output is None else args.output.open("w", encoding="utf-8")
    try:
        write = out.write
        for article in iter_articles(args.n, args.seed, args.events_per_day, args.data_dir):
            write(article_json(article) + "\n")
            if args.stats:
                text = article["text"]
                words += len(text.split())
                sentences += text.count("\n") + 1
                per_event[article["event"]] += 1
                first = first or article["published"]
                last = article["published"]
    finally:
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    elapsed = time.perf_counter() - started
    if args.stats:
        n = max(1, args.n)
        sizes = Counter(per_event.values())
        _write_stats(
            {
                "articles": args.n,
                "events": len(per_event),
                "seconds": round(elapsed, 2),
                "articles_per_s": round(args.n / elapsed) if elapsed else None,
                "mean_words": round(words / n, 1),
                "mean_sentences": round(sentences / n, 2),
                "mean_articles_per_event": round(args.n / max(1, len(per_event)), 2),
                "articles_per_event": {str(k): sizes[k] for k in sorted(sizes)},
                "first_published": first,
                "last_published": last,
                "span_days": round(
                    (datetime.fromisoformat(last) - datetime.fromisoformat(first))
                    / timedelta(days=1),
                    1,
                )
                if first
                else 0,
            },
            sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
