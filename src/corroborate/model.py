"""The data model: frozen dataclasses that every layer shares.

The article owns its text. Everything else (sentences, mentions, quotes, attributions) holds
character offsets into ``Article.text`` plus normalised values, never a loose copy of the text.
This module imports nothing of ours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

ANALYSIS_SCHEMA = "corroborate.analysis/1"

AttributionKind = Literal["person", "organisation", "government", "media", "anonymous"]
QuantityKind = Literal["count", "duration", "money", "percent", "ordinal", "measure"]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


_CLOSING = {")": "(", "]": "["}
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


def _without_orphan_brackets(text: str) -> str:
    """``text`` less the brackets that have no partner in it (and the space they leave)."""
    stack: list[int] = []
    orphans: set[int] = set()
    for i, ch in enumerate(text):
        if ch in "([":
            stack.append(i)
        elif ch in _CLOSING:
            if stack and text[stack[-1]] == _CLOSING[ch]:
                stack.pop()
            else:
                orphans.add(i)
    orphans.update(stack)
    kept = "".join(ch for i, ch in enumerate(text) if i not in orphans)
    emptied = _EMPTY_BRACKETS.sub(" ", kept)
    return text if emptied == text else " ".join(emptied.split())


@dataclass(frozen=True, slots=True)
class Article:
    """One news report. ``id`` is a stable hash of the normalised text and the outlet."""

    id: str
    text: str
    title: str
    source: str
    published: str | None = None
    url: str | None = None
    path: str | None = None
    author: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=lambda: _frozen_mapping(None))
    #: where this run read it from ("feed.jsonl:12", "<stdin>:3"), for messages about it;
    #: not stored, not part of its identity
    origin: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.metadata, MappingProxyType):
            object.__setattr__(self, "metadata", _frozen_mapping(self.metadata))

    def __reduce__(self) -> tuple[type[Article], tuple[Any, ...]]:
        """Pickle support (worker processes, Ray): a read-only mapping does not pickle, so the
        metadata travels as a plain dict and comes back read-only; ``origin`` travels too."""
        return (Article, (self.id, self.text, self.title, self.source, self.published,
                          self.url, self.path, self.author, dict(self.metadata), self.origin))

    def span(self, start: int, end: int) -> str:
        """The article text between two character offsets."""
        return self.text[start:end]

    def field_text(self, name: ClaimField) -> str:
        """The string a claim's offsets point into: the title or the text."""
        return self.title if name == "title" else self.text

    def claim_text(self, claim: Claim) -> str:
        """The words of a claim: its span, less the gaps that belong to other claims (each gap
        becomes one space)."""
        text = self.field_text(claim.field)
        if not claim.gaps:
            return text[claim.start : claim.end]
        parts, cursor = [], claim.start
        for start, end in claim.gaps:
            parts.append(text[cursor:start].rstrip(" ,"))
            cursor = end
        parts.append(text[cursor : claim.end].lstrip(" ,"))
        # a bracket whose partner lay in a gap ("OSTRAVA, Czech Republic, [Oct 14 (Pacific
        # Wire]) - At least 12 ...") goes with it
        return _without_orphan_brackets(" ".join(p for p in parts if p))


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity; ``key`` is shared by every mention of one real entity in the article."""

    sentence: int
    start: int
    end: int
    label: str
    key: str


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit: counts, durations, money, percentages, ordinals, measures.

    ``value`` is in ``unit`` (durations are normalised to the smallest unit written: "two years
    and 10 months" is 34 month; money is in full currency units).
    """

    sentence: int
    start: int
    end: int
    value: float
    unit: str
    kind: QuantityKind
    approximate: bool
    qualifier: str | None = None  # "about", "at least", "more than" ...


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression; ``value`` is an ISO date or a partial one ("2019-12", "2019"), or None."""

    sentence: int
    start: int
    end: int
    value: str | None


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation. ``start``/``end`` cover the quoted words, without the quotation marks.

    ``speaker`` is the person or body as written in full where the article gives it;
    ``speaker_start``/``speaker_end`` point at the mention that introduced it in this quote's
    context (a pronoun such as "he" for "he added"), or are None when the speaker is inherited from
    an earlier quote.
    """

    sentence: int
    start: int
    end: int
    speaker: str | None
    speaker_role: str | None
    cue: str | None
    anonymous: bool
    speaker_kind: AttributionKind | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    """A statement reported rather than quoted, and who it is attributed to.

    ``source`` is the source as written in full ("the South Korean presidential office",
    "Yonhap News Agency", "sources"); ``start``/``end`` point at its mention.
    """

    sentence: int
    start: int
    end: int
    source: str
    kind: AttributionKind
    named: bool
    cue: str


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the per-article analysis finds, each item pointing into ``article.text``."""

    article: Article
    sentences: tuple[Sentence, ...]
    entities: tuple[Entity, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    dates: tuple[DateMention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    analyzer: str = ""

    def text_of(self, start: int, end: int) -> str:
        return self.article.text[start:end]

    def sentence_text(self, index: int) -> str:
        sentence = self.sentences[index]
        return self.article.text[sentence.start : sentence.end]


# -- Cross-source comparison ---------------------------------------------------------------

BRIEF_SCHEMA = "corroborate.brief/3"

ClaimField = Literal["text", "title"]
FactStatus = Literal["agreed", "single", "disputed"]
DifferenceKind = Literal["quantity", "date", "entity", "wording"]


@dataclass(frozen=True, slots=True)
class Claim:
    """One proposition of one article: a sentence, a part of a sentence that states one fact
    (a coordinated clause, a relative or appositive clause, what a reporting frame reports), or
    the headline. ``start``/``end`` are offsets into ``Article.text`` (``field="text"``,
    ``sentence`` is the sentence index) or into ``Article.title`` (``field="title"``,
    ``sentence`` is None). ``gaps`` are spans inside ``start:end`` that belong to other claims
    ("Farenthold[, who used $84,000 …,] resigned"), in text order."""

    article: str
    sentence: int | None
    start: int
    end: int
    field: ClaimField = "text"
    gaps: tuple[tuple[int, int], ...] = ()

    def covers(self, start: int, end: int) -> bool:
        """True when ``start:end`` lies inside the claim and outside its gaps."""
        return self.start <= start and end <= self.end and not any(
            start < g_end and g_start < end for g_start, g_end in self.gaps)


@dataclass(frozen=True, slots=True)
class DifferenceValue:
    """One side of a difference: the value as one claim states it, with the span of the value
    (offsets into the same field as the claim) and who the article attributes it to."""

    claim: Claim
    start: int
    end: int
    value: str
    attributed_to: str | None = None


@dataclass(frozen=True, slots=True)
class Difference:
    """Aligned claims that state one fact with values that conflict. ``label`` names what
    differs ("minute", "dead", "reference date", "event called")."""

    kind: DifferenceKind
    label: str
    values: tuple[DifferenceValue, ...]
    slot: str = ""  # what the values are of: "quantity: person", "reference date (since)"
    compatible: bool = False  # True when the values differ but the hedges allow both

    def __post_init__(self) -> None:
        if not self.slot:
            object.__setattr__(self, "slot", f"{self.kind}: {self.label}")


@dataclass(frozen=True, slots=True)
class Lineage:
    """Articles that are one source: verbatim/near-verbatim copies, or an article that says it
    takes its facts from another outlet in the set. ``root`` is the article the others derive
    from; ``reasons`` say why each other member joined (``"near-verbatim copy of …"``)."""

    id: str
    articles: tuple[str, ...]
    root: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Fact:
    """Claims from one or more articles that state the same fact.

    ``claims[representative]`` gives the wording shown; ``outlets`` counts distinct outlets,
    ``independent_sources`` counts distinct lineages, after removing claims that the article
    itself credits to another outlet of the set."""

    id: str
    status: FactStatus
    claims: tuple[Claim, ...]
    representative: int
    outlets: int
    independent_sources: int
    differences: tuple[Difference, ...] = ()
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Mention:
    """A pointer to a span of an article's text (entities and dates in the brief)."""

    article: str
    sentence: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class StoryEntity:
    """One real entity across the articles of a story: its shared key, the most frequent
    label, the most frequent written form, and every mention."""

    key: str
    label: str
    name: str
    mentions: tuple[Mention, ...]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A calendar point the articles refer to (ISO date or partial date) and where."""

    value: str
    mentions: tuple[Mention, ...]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An article of the story that the comparison left out, and why (``language``: the
    language it was detected to be written in, when that is the reason)."""

    article: Article
    reason: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Brief:
    """The comparison of a set of reports of one event. The analyses own the articles and
    their text; facts, lineages, entities and the timeline point into them."""

    analyses: tuple[Analysis, ...]
    facts: tuple[Fact, ...]
    lineages: tuple[Lineage, ...]
    entities: tuple[StoryEntity, ...]
    timeline: tuple[TimelineEntry, ...]
    headline: str  # article id whose title is the most representative
    summary: tuple[str, ...]  # fact ids, most corroborated first
    aligner: str = ""
    excluded: tuple[Exclusion, ...] = ()  # articles not compared (not in English), and why

    def analysis_of(self, article_id: str) -> Analysis:
        for analysis in self.analyses:
            if analysis.article.id == article_id:
                return analysis
        raise KeyError(article_id)

    def claim_text(self, claim: Claim) -> str:
        return self.analysis_of(claim.article).article.claim_text(claim)
