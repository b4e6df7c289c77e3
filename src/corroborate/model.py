"""The data model: frozen dataclasses that every layer shares.

The article owns its text. Everything else (sentences, mentions, quotes, attributions) holds
character offsets into ``Article.text`` plus normalised values, never a loose copy of the text.
This module imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

ANALYSIS_SCHEMA = "corroborate.analysis/1"

AttributionKind = Literal["person", "organisation", "government", "media", "anonymous"]
QuantityKind = Literal["count", "duration", "money", "percent", "ordinal", "measure"]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


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

    def __post_init__(self) -> None:
        if not isinstance(self.metadata, MappingProxyType):
            object.__setattr__(self, "metadata", _frozen_mapping(self.metadata))

    def span(self, start: int, end: int) -> str:
        """The article text between two character offsets."""
        return self.text[start:end]


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
