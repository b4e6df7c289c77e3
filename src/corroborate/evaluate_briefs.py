"""Score briefs against hand-made claim-level gold (``corroborate.claims-gold/1``).

A gold file names, for one event, the facts two or more outlets state (``agreed``, with a
*locator* per supporting outlet), the facts one outlet alone states (``single``), the places
where outlets contradict each other (``disputed``) and direct quotes with their speakers. A
locator is 1–3 lowercase substrings that all occur in the sentence stating the fact, inside
the part of it that states this fact.

A claim of the brief *matches* a locator when its text holds every substring, or when its
sentence holds every substring and the claim holds at least one (the claim is a part of the
sentence that cuts through the locator). Comparison is on normalised text: lowercase, curly
quotes and dashes folded, whitespace collapsed.

Metrics (per event and summed over events):

- ``agreed_recall``: gold agreed facts for which one fact of the brief that several sources
  state (agreed or disputed) holds matching claims of at least two of the gold's supporting
  outlets.
- ``agreed_precision``: the brief's agreed and disputed facts that hold no claim matching a
  locator the gold marks single-outlet.
- ``single_accuracy``: gold single facts whose matching claims exist and all sit in facts the
  brief marks single-source.
- ``disputed_recall`` / ``disputed_precision``: a difference of the brief is right when the
  claims of two of its values, from two outlets, match the gold locators of those outlets in one
  gold dispute.
- ``quote_speakers``: gold quotes for which the article's quote holding the gold text has a
  speaker that names the gold speaker.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corroborate.errors import InputError
from corroborate.model import Analysis, Article, Brief, Claim, Fact

GOLD_SCHEMA = "corroborate.claims-gold/1"
BRIEFS_EVAL_SCHEMA = "corroborate.eval-briefs/1"

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-",
                       "\u00a0": " "})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lowercase text with quotes and dashes folded and whitespace collapsed."""
    return _SPACE.sub(" ", text.translate(_FOLD).lower()).strip()


Locator = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GoldEvent:
    """One gold file: the event, its outlets' article ids, and the gold items as written."""

    path: str
    event: str
    articles: Mapping[str, str]  # outlet key -> article id
    agreed: tuple[tuple[str, Mapping[str, Locator]], ...]
    single: tuple[tuple[str, str, Locator], ...]  # (name, outlet, locator)
    disputed: tuple[tuple[str, Mapping[str, Locator]], ...]
    quotes: tuple[tuple[str, str, str], ...]  # (outlet, speaker, text)


def _locator(value: Any, where: str) -> Locator:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip()
                                                           for v in value):
        raise InputError(where, "a locator must be a non-empty list of non-empty strings")
    return tuple(normalise(v) for v in value)


def load_gold(path: Path) -> GoldEvent:
    """Read and check one gold file; :class:`InputError` names the file and what is wrong."""
    name = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(name, f"cannot read the gold file ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(name, f"not a JSON gold file ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("schema") != GOLD_SCHEMA:
        raise InputError(name, f"expected a JSON object with \"schema\": \"{GOLD_SCHEMA}\"")
    articles = doc.get("articles")
    if not isinstance(articles, dict) or not articles or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in articles.items()):
        raise InputError(name, "\"articles\" must map outlet keys to article ids")
    try:
        agreed = tuple(
            (str(item["name"]), {o: _locator(loc, f"{name}: agreed {item['name']!r}")
                                 for o, loc in item["support"].items()})
            for item in doc.get("agreed", []))
        single = tuple((str(item["name"]), str(item["outlet"]),
                        _locator(item["loc"], f"{name}: single {item['name']!r}"))
                       for item in doc.get("single", []))
        disputed = tuple(
            (str(item["name"]), {o: _locator(v["loc"], f"{name}: disputed {item['name']!r}")
                                 for o, v in item["values"].items()})
            for item in doc.get("disputed", []))
        quotes = tuple((str(q["outlet"]), normalise(str(q["speaker"])),
                        normalise(str(q["text"][0] if isinstance(q["text"], list)
                                      else q["text"])))
                       for q in doc.get("quotes", []))
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise InputError(name, f"malformed gold item ({exc!r}); see claims FORMAT.md") from exc
    outlets = set(articles)
    used = ({o for _, sup in agreed for o in sup} | {o for _, o, _ in single}
            | {o for _, vals in disputed for o in vals} | {o for o, _, _ in quotes})
    if used - outlets:
        raise InputError(name, f"outlet keys {sorted(used - outlets)} are not in \"articles\"")
    return GoldEvent(name, str(doc.get("event", path.stem)), dict(articles), agreed, single,
                     disputed, quotes)


@dataclass(slots=True)
class Counts:
    """Numerators and denominators of every metric (summable over events)."""

    agreed_found: int = 0
    agreed_gold: int = 0
    agreed_facts: int = 0
    agreed_mixed: int = 0
    single_right: int = 0
    single_gold: int = 0
    disputed_found: int = 0
    disputed_gold: int = 0
    differences: int = 0
    differences_right: int = 0
    quotes_right: int = 0
    quotes_gold: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _ratio(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    def metrics(self) -> dict[str, float | None]:
        return {
            "agreed_recall": self._ratio(self.agreed_found, self.agreed_gold),
            "agreed_precision": self._ratio(self.agreed_facts - self.agreed_mixed,
                                            self.agreed_facts),
            "single_accuracy": self._ratio(self.single_right, self.single_gold),
            "disputed_recall": self._ratio(self.disputed_found, self.disputed_gold),
            "disputed_precision": self._ratio(self.differences_right, self.differences),
            "quote_speakers": self._ratio(self.quotes_right, self.quotes_gold),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics(),
                "counts": {name: getattr(self, name) for name in self.__slots__}}


@dataclass(frozen=True, slots=True)
class EventScore:
    event: str
    counts: Counts
    misses: tuple[str, ...] = field(default=())  # names of gold items the brief gets wrong


class ClaimMatcher:
    """Normalised text of claims and of the sentences they lie in, and whether a claim
    matches a gold locator; ``analysis_of`` gives the analysis of an article id (a brief's
    :meth:`~corroborate.model.Brief.analysis_of`)."""

    def __init__(self, analysis_of: Callable[[str], Analysis]) -> None:
        self.analysis_of = analysis_of
        self._cache: dict[Claim, tuple[str, str]] = {}

    def texts(self, claim: Claim) -> tuple[str, str]:
        found = self._cache.get(claim)
        if found is None:
            analysis = self.analysis_of(claim.article)
            own = normalise(analysis.article.claim_text(claim))
            if claim.field == "title" or claim.sentence is None:
                whole = normalise(analysis.article.title)
            else:
                whole = normalise(analysis.sentence_text(claim.sentence))
            found = self._cache[claim] = (own, whole)
        return found

    def matches(self, claim: Claim, locator: Locator) -> bool:
        own, whole = self.texts(claim)
        if all(part in own for part in locator):
            return True
        return all(part in whole for part in locator) and any(part in own for part in locator)


def article_keys_of(article: Article) -> set[str]:
    """The names a gold file may use for an article: its source id (a JSON Lines ``id``),
    its own id, and its path."""
    keys = {article.id}
    source_id = article.metadata.get("id")
    if isinstance(source_id, str | int):
        keys.add(str(source_id))
    if article.path:
        keys.add(article.path)
    return keys


def resolve_articles(gold: GoldEvent, analyses: Iterable[Analysis]) -> dict[str, Analysis]:
    """Outlet key -> analysis of the article the gold names; :class:`InputError` when one
    is missing from the articles given."""
    by_key: dict[str, Analysis] = {}
    for analysis in analyses:
        for key in article_keys_of(analysis.article):
            by_key[key] = analysis
    found: dict[str, Analysis] = {}
    for outlet, aid in gold.articles.items():
        chosen: Analysis | None = by_key.get(aid)
        if chosen is None:
            matches = [a for k, a in by_key.items() if k.endswith("/" + aid.lstrip("./"))]
            chosen = matches[0] if matches else None
        if chosen is None:
            raise InputError(gold.path, f"article {aid!r} ({outlet}) is not among the articles "
                                        "given with --articles")
        found[outlet] = chosen
    return found


def score_brief(gold: GoldEvent, brief: Brief, outlets: Mapping[str, str]) -> EventScore:
    """Score one brief; ``outlets`` maps article id -> gold outlet key."""
    index = ClaimMatcher(brief.analysis_of)
    counts = Counts()
    misses: list[str] = []
    multi = [f for f in brief.facts if f.status in ("agreed", "disputed")]

    def claims_of(fact: Fact, outlet: str) -> list[Claim]:
        return [c for c in fact.claims if outlets.get(c.article) == outlet]

    def outlets_matched(claims: Sequence[Claim], locators: Mapping[str, Locator]) -> int:
        """How many outlets have a claim among ``claims`` that their locator points at."""
        return len({outlets[c.article] for c in claims
                    if outlets.get(c.article) in locators
                    and index.matches(c, locators[outlets[c.article]])})

    for name, support in gold.agreed:
        counts.agreed_gold += 1
        if any(outlets_matched(f.claims, support) >= 2 for f in multi):
            counts.agreed_found += 1
        else:
            misses.append(f"agreed not found: {name}")

    single_locs = [(outlet, loc) for _, outlet, loc in gold.single]
    for fact in multi:
        counts.agreed_facts += 1
        if any(index.matches(c, loc) for outlet, loc in single_locs
               for c in claims_of(fact, outlet)):
            counts.agreed_mixed += 1
            misses.append(f"{fact.id} mixes in a single-outlet claim")

    for name, outlet, loc in gold.single:
        counts.single_gold += 1
        holding = [f for f in brief.facts
                   if any(index.matches(c, loc) for c in claims_of(f, outlet))]
        if holding and all(f.status == "single" for f in holding):
            counts.single_right += 1
        else:
            misses.append(f"single {'not found' if not holding else 'merged'}: {name}")

    differences = [tuple(v.claim for v in d.values) for f in brief.facts
                   for d in f.differences]
    for name, dispute in gold.disputed:
        counts.disputed_gold += 1
        if any(outlets_matched(values, dispute) >= 2 for values in differences):
            counts.disputed_found += 1
        else:
            misses.append(f"dispute not found: {name}")
    for values in differences:
        counts.differences += 1
        if any(outlets_matched(values, dispute) >= 2 for _, dispute in gold.disputed):
            counts.differences_right += 1

    by_outlet = {outlets[a.article.id]: a for a in brief.analyses if a.article.id in outlets}
    for outlet, speaker, text in gold.quotes:
        counts.quotes_gold += 1
        analysis = by_outlet.get(outlet)
        quote = None
        if analysis is not None:
            quote = next((q for q in analysis.quotes
                          if text in normalise(analysis.text_of(q.start, q.end))), None)
        if quote is not None and _names(quote.speaker, speaker):
            counts.quotes_right += 1
        else:
            got = "no quote" if quote is None else repr(quote.speaker)
            misses.append(f"quote of {speaker} ({outlet}): {got}")
    return EventScore(gold.event, counts, tuple(misses))


def _names(predicted: str | None, gold: str) -> bool:
    """True when the predicted speaker names the gold one (every gold word in it)."""
    if not predicted:
        return False
    words = set(re.findall(r"\w+", normalise(predicted)))
    return all(w in words for w in re.findall(r"\w+", gold))


@dataclass(frozen=True, slots=True)
class BriefsEval:
    comparer: str
    events: tuple[EventScore, ...]
    seconds: float

    @property
    def total(self) -> Counts:
        total = Counts()
        for e in self.events:
            total.add(e.counts)
        return total

    def to_dict(self, include_misses: bool = False) -> dict[str, Any]:
        events = []
        for e in self.events:
            item: dict[str, Any] = {"event": e.event, **e.counts.to_dict()}
            if include_misses:
                item["misses"] = list(e.misses)
            events.append(item)
        return {"comparer": self.comparer, "events": events, "total": self.total.to_dict(),
                "seconds": round(self.seconds, 2)}


METRIC_COLUMNS = ("agreed_recall", "agreed_precision", "single_accuracy", "disputed_recall",
                  "disputed_precision", "quote_speakers")
_SHORT = {"agreed_recall": "agr.R", "agreed_precision": "agr.P", "single_accuracy": "single",
          "disputed_recall": "disp.R", "disputed_precision": "disp.P",
          "quote_speakers": "quotes"}


def briefs_table(result: BriefsEval, include_misses: bool = False) -> str:
    """A plain-text table: one row per event and the total."""
    head = f"{'event':<38}" + "".join(f"{_SHORT[m]:>8}" for m in METRIC_COLUMNS)
    lines = [f"comparer: {result.comparer}", head]

    def row(label: str, counts: Counts) -> str:
        values = counts.metrics()
        cells = "".join(f"{'-' if values[m] is None else format(values[m], '.2f'):>8}"
                        for m in METRIC_COLUMNS)
        return f"{label[:38]:<38}{cells}"

    for e in result.events:
        lines.append(row(e.event, e.counts))
    total = result.total
    lines.append(row("total", total))
    c = total
    lines.append(f"counts: agreed {c.agreed_found}/{c.agreed_gold} found, "
                 f"{c.agreed_mixed}/{c.agreed_facts} multi-source facts mix in a single-outlet "
                 f"claim, single {c.single_right}/{c.single_gold}, disputes "
                 f"{c.disputed_found}/{c.disputed_gold} found, "
                 f"{c.differences_right}/{c.differences} flagged are real, quotes "
                 f"{c.quotes_right}/{c.quotes_gold}; {result.seconds:.1f} s")
    if include_misses:
        for e in result.events:
            lines.append(f"\n{e.event}")
            lines.extend(f"  {m}" for m in e.misses)
    return "\n".join(lines)


def evaluate_briefs(golds: Sequence[GoldEvent], analyses: Sequence[Analysis],
                    compare: Callable[[Sequence[Analysis]], Brief], name: str) -> BriefsEval:
    """Compare each gold event's articles with ``compare`` and score the brief."""
    scores = []
    started = time.perf_counter()
    for gold in golds:
        chosen = resolve_articles(gold, analyses)
        brief = compare(list(chosen.values()))
        outlets = {a.article.id: outlet for outlet, a in chosen.items()}
        scores.append(score_brief(gold, brief, outlets))
    return BriefsEval(name, tuple(scores), time.perf_counter() - started)
