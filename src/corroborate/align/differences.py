"""Differences between claims that state one fact: numbers, dates and reference points, named
entities in the same role, and characterisation (the same event called different names).

Each finder gets two claims with what the analysis found inside them and returns the values
that conflict, or nothing. Hedges are honoured: "about 30 minutes" and "30 minutes" agree,
"three years" and "two years and 10 months" are compatible (a round figure in years), "about
30 minutes" and "about 25 minutes" differ, "12 dead" and "15 dead" differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Protocol, TypeVar

from corroborate.analyze.dates import MONTHS
from corroborate.analyze.entities import name_tokens
from corroborate.analyze.numbers import SMALL
from corroborate.analyze.quantities import IN_SECONDS
from corroborate.model import (
    Analysis,
    Claim,
    DateMention,
    Difference,
    DifferenceValue,
    Entity,
    Quantity,
)

# Nouns that name an event, by class; two claims characterise one event differently when they
# name it with nouns of the same class that share no word ("one-on-one meeting" vs "informal
# talks"; "fire" vs "explosion").
EVENT_CLASSES: dict[str, frozenset[str]] = {
    "encounter": frozenset([
        "meeting", "meetings", "talks", "summit", "dialogue", "conversation", "encounter", "visit",
        "session", "consultations", "negotiations", "chat", "exchange"
    ]),
    "incident": frozenset([
        "fire", "blaze", "explosion", "blast", "inferno", "accident", "incident", "disaster",
        "tragedy", "crash", "collision"
    ]),
    "violence": frozenset([
        "attack", "attacks", "raid", "bombing", "shooting", "massacre", "clash", "clashes", "riot",
        "riots", "protest", "protests", "demonstration", "demonstrations", "uprising", "coup",
        "strike", "strikes", "invasion", "incursion", "operation", "offensive"
    ]),
}
EVENT_NOUNS = frozenset().union(*EVENT_CLASSES.values())
_PHRASE_WORD = r"[a-z]+(?:-[a-z]+)*"
_DETERMINERS = frozenset([
    "a", "an", "the", "this", "that", "its", "their", "his", "her", "our", "first", "second", "last"
])
_NOT_MODIFIERS = frozenset([
    "and", "or", "but", "of", "to", "in", "on", "at", "for", "by", "with", "from", "as", "is",
    "was", "were", "be", "been", "are", "said", "says", "say", "had", "has", "have", "will",
    "would", "not", "no", "it", "they", "he", "she", "we", "which", "who", "that", "than", "then",
    "also", "after", "before", "since", "about", "over", "its", "their", "his", "her", "our", "new",
    "same", "such", "other"
])
_CALLED = re.compile(r"\b([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*|[Tt]he\s+[\w\s’'-]{2,40}?)\s+"
                     r"(?:called|described|termed|labelled|labeled|characterised|characterized)"
                     r"\s+(?:it|the\s+\w+|this)\s+(?:as\s+)?", re.UNICODE)


class _Located(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_Span = TypeVar("_Span", bound=_Located)


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """A claim with the analysis of its article (for values and who said what)."""

    claim: Claim
    analysis: Analysis

    @property
    def text(self) -> str:
        return self.analysis.article.claim_text(self.claim)

    def _inside(self, start: int, end: int) -> bool:
        return self.claim.field == "text" and self.claim.covers(start, end)

    def _within(self, items: Sequence[_Span]) -> list[_Span]:
        """The items of the article that lie inside the claim (as :meth:`_inside`; the
        claim's bounds are checked first, its gaps only for what lies within them)."""
        claim = self.claim
        if claim.field != "text":
            return []
        first, last = claim.start, claim.end
        return [x for x in items
                if first <= x.start and x.end <= last and claim.covers(x.start, x.end)]

    def quantities(self) -> list[Quantity]:
        return self._within(self.analysis.quantities)

    def dates(self) -> list[DateMention]:
        return self._within(self.analysis.dates)

    def entities(self) -> list[Entity]:
        return self._within(self.analysis.entities)

    def attributed_to(self, start: int, end: int) -> str | None:
        """Who the article says the value at ``start:end`` comes from: the speaker of the quote
        around it, the subject of "X called it ...", or the source of the sentence's
        attribution nearest to it; None for the article's own voice."""
        if self.claim.field == "title":
            return None
        for quote in self.analysis.quotes:
            if quote.start <= start and end <= quote.end and quote.speaker:
                return quote.speaker
        text = self.analysis.article.text
        window_start = self.claim.start
        for m in _CALLED.finditer(text, window_start, end):
            if m.end() <= start + 1 and text[m.end() : start].strip() in ("", "a", "an", "the"):
                return m.group(1).strip()
        near: tuple[int, str] | None = None
        for x in self.analysis.attributions:
            if x.sentence != self.claim.sentence:
                continue
            distance = min(abs(x.start - start), abs(x.end - end))
            if near is None or distance < near[0]:
                near = (distance, x.source)
        return near[1] if near else None

    def value(self, start: int, end: int, value: str) -> DifferenceValue:
        return DifferenceValue(self.claim, start, end, value, self.attributed_to(start, end))


# -- quantities --------------------------------------------------------------------------------

def _in_base_unit(q: Quantity) -> tuple[str, float, float]:
    """(dimension, value, tolerance) in a common unit. The tolerance reflects hedges and the
    roundness of the figure: an approximate value allows 10 %, a duration in a coarse unit
    half of that unit, an exact count nothing."""
    if q.kind == "duration" and q.unit in IN_SECONDS:
        size = IN_SECONDS[q.unit]
        value = q.value * size
        tolerance = value * 0.1 if q.approximate else 0.0
        if q.unit in ("year", "decade", "century", "month") and float(q.value).is_integer():
            tolerance = max(tolerance, size / 2 if q.unit != "month" else size * 0.25)
        return "duration", value, tolerance
    tolerance = abs(q.value) * 0.1 if q.approximate else 0.0
    if q.qualifier in ("at least", "more than", "over", "upwards of", "no fewer than"):
        tolerance = abs(q.value) * 0.05
    return f"{q.kind}:{q.unit}", q.value, tolerance


def _quantity_label(q: Quantity) -> str:
    return q.unit if q.kind != "percent" else "percent"


ALL_KINDS = frozenset({"count", "duration", "money", "percent", "measure"})


def quantity_differences(a: ClaimContext, b: ClaimContext, kinds: frozenset[str] = ALL_KINDS
                         ) -> list[Difference]:
    """Figures of the same kind and unit that conflict, beyond what hedges allow."""
    found: list[Difference] = []
    qa_all = [(q, _in_base_unit(q)) for q in a.quantities() if q.kind in kinds]
    qb_all = [(q, _in_base_unit(q)) for q in b.quantities() if q.kind in kinds]
    used: set[int] = set()
    for qa, (dim_a, va, ta) in qa_all:
        same_dim = [(i, q, v, t) for i, (q, (d, v, t)) in enumerate(qb_all)
                    if d == dim_a and i not in used]
        if not same_dim:
            continue
        # pair with the closest value of the same dimension
        i, qb, vb, tb = min(same_dim, key=lambda item: abs(item[2] - va))
        used.add(i)
        if abs(va - vb) <= max(ta, tb) + 1e-9:
            continue
        if len(same_dim) > 1 and any(abs(v - va) <= max(ta, t) for _, _, v, t in same_dim):
            continue
        # the other value may be something else that a states too ("3%" target vs "3.6%"
        # inflation), or b may state a's figure in words the scanner did not read ("4-1")
        if _states([u for _, u in qa_all], dim_a, vb, tb):
            continue
        if _mentions_number(b.text, qa.value) or _mentions_number(a.text, qb.value):
            continue
        found.append(Difference("quantity", _quantity_label(qa), (
            a.value(qa.start, qa.end, _format_quantity(qa)),
            b.value(qb.start, qb.end, _format_quantity(qb)),
        ), compatible=_within_bounds(qa, qb) or _within_bounds(qb, qa)))
    return found


_LOWER_BOUNDS = frozenset({"at least", "more than", "over", "upwards of", "no fewer than"})
_UPPER_BOUNDS = frozenset({"at most", "less than", "fewer than", "under", "up to",
                           "no more than"})


def _states(values: Sequence[tuple[str, float, float]], dim: str, value: float,
            tolerance: float) -> bool:
    """Whether one of ``values`` (:func:`_in_base_unit` of a claim's figures) is ``value`` in
    dimension ``dim``, within either tolerance."""
    return any(d == dim and abs(v - value) <= max(t, tolerance) + 1e-9 for d, v, t in values)


def _within_bounds(bound: Quantity, other: Quantity) -> bool:
    """True when ``other`` lies within what the hedge of ``bound`` allows ("at least 12"
    and "15": different figures, both possible)."""
    if bound.qualifier in _LOWER_BOUNDS:
        return other.value >= bound.value
    if bound.qualifier in _UPPER_BOUNDS:
        return other.value <= bound.value
    return False


_SMALL_NUMBERS = {value: word for word, value in SMALL.items()}


def _mentions_number(text: str, value: float) -> bool:
    """True when ``text`` writes ``value`` as a bare number ("4-1", "one voted")."""
    if not float(value).is_integer() or not 0 <= value <= 12:
        return False
    word = _SMALL_NUMBERS[int(value)]
    return bool(re.search(rf"(?<![\d.]){int(value)}(?![\d.%])|\b{word}\b", text,
                          re.IGNORECASE))


def _format_quantity(q: Quantity) -> str:
    number = f"{q.value:g}"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(q.value) >= size:
            number = f"{q.value / size:g} {word}"
            break
    hedge = f"{q.qualifier} " if q.qualifier else ("~" if q.approximate else "")
    unit = "%" if q.kind == "percent" else f" {q.unit}"
    return f"{hedge}{number}{unit}".strip()


# -- dates and reference points -------------------------------------------------------------

def _date_parts(d: DateMention, text: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) as far as known: from the resolved value, else from month/year words
    in the expression itself."""
    if d.value:
        parts = d.value.split("-")
        nums = [int(p) if p.isdigit() else None for p in parts] + [None, None, None]
        return nums[0], nums[1], nums[2]
    raw = text[d.start : d.end].lower()
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", raw)
    return (int(year.group(1)) if year else None), _month_word(raw), None


def _month_word(raw: str) -> int | None:
    """The month a lower-cased date expression names in words, if any."""
    return next((MONTHS[word] for word in re.findall(r"[a-z]+", raw) if word in MONTHS), None)


def _conflict(pa: tuple[int | None, ...], pb: tuple[int | None, ...]) -> bool:
    """Two partial dates conflict when a component known in both differs."""
    compared = False
    for x, y in zip(pa, pb, strict=True):
        if x is None or y is None:
            break
        if x != y:
            return True
        compared = True
    return False if compared else pa[:2] != pb[:2] and all(
        v is not None for v in (pa[1], pb[1])) and pa[1] != pb[1]


def _year_inferred(d: DateMention, text: str) -> bool:
    """Whether the date names a month but no year ("in January"): its year is the analysis's
    guess from the article's date, not something the outlet says."""
    raw = text[d.start : d.end].lower()
    return not re.search(r"\d{4}|\byear\b", raw) and _month_word(raw) is not None


def _dates_conflict(x: tuple[DateMention, tuple[int | None, int | None, int | None], str],
                    y: tuple[DateMention, tuple[int | None, int | None, int | None], str],
                    text_a: str, text_b: str) -> bool:
    """Whether two dates conflict: by what both outlets wrote when neither writes the year
    ("In January" in two articles of different dates is one month, whatever year each
    article's date suggests), else by their resolved parts."""
    if _year_inferred(x[0], text_a) and _year_inferred(y[0], text_b):
        (ma, da), (mb, db) = x[1][1:], y[1][1:]
        if ma is None or mb is None:
            return False
        return ma != mb or (da is not None and db is not None and da != db)
    return _conflict(x[1], y[1])


def _precision(parts: tuple[int | None, int | None, int | None]) -> int:
    return sum(1 for p in parts if p is not None)


def _is_reference(text: str, start: int) -> bool:
    before = text[max(0, start - 60) : start].lower()
    return bool(re.search(r"\bsince\s+(?:\w+\s+){0,8}$", before)) or before.rstrip().endswith(
        "since")


_YEAR_BEFORE_NOUN = re.compile(r"\d{4}\s+([A-Za-z][\w-]*)")
_DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|his|her|their|its|our|this|that)\s+$",
                                re.IGNORECASE)


def _date_role(text: str, start: int, end: int) -> str:
    """What a date dates in its claim: a "since ..." reference point, the thing a year
    modifies ("the 1996 Defense of Marriage Act", "his 2008 campaign": the act's year, not the
    day the act was struck down), or the claim's event."""
    if _is_reference(text, start):
        return "since"
    noun = _YEAR_BEFORE_NOUN.match(text, start)
    if noun is not None and end - start == 4 and \
            _DETERMINER_BEFORE.search(text[max(0, start - 12) : start]):
        return "year of " + noun.group(1).lower()  # compared only with the same noun's
    return "event"


_DATE_LABELS = {"since": "reference date (since)", "event": "date"}


def date_differences(a: ClaimContext, b: ClaimContext) -> list[Difference]:
    text_a, text_b = a.analysis.article.text, b.analysis.article.text
    da = [(d, _date_parts(d, text_a), _date_role(text_a, d.start, d.end)) for d in a.dates()]
    db = [(d, _date_parts(d, text_b), _date_role(text_b, d.start, d.end)) for d in b.dates()]
    found: list[Difference] = []
    for role in ("since", "event", *sorted({x[2] for x in da} & {y[2] for y in db}
                                            - {"since", "event"})):
        left = [x for x in da if x[2] == role and any(p is not None for p in x[1])]
        right = [x for x in db if x[2] == role and any(p is not None for p in x[1])]
        if not left or not right:
            continue
        # differ only when no date of one side is compatible with any date of the other, and
        # (outside "since ...") only between dates of the same precision: "Wednesday" and
        # "May" in one fact are usually two different moments, not a conflict
        if any(not _dates_conflict(x, y, text_a, text_b) for x in left for y in right):
            continue
        if role != "since" and _precision(left[0][1]) != _precision(right[0][1]):
            continue
        x, y = left[0], right[0]
        label = _DATE_LABELS.get(role, role)
        found.append(Difference("date", label, (
            a.value(x[0].start, x[0].end, x[0].value or text_a[x[0].start : x[0].end]),
            b.value(y[0].start, y[0].end, y[0].value or text_b[y[0].start : y[0].end]),
        )))
    return found


def reference_dates_conflict(a: ClaimContext, b: ClaimContext) -> bool:
    """True when the two claims date the same "since ..." reference point differently ("the
    first dialogue since June" vs "the first meeting since December 2019")."""
    return any(d.label == "reference date (since)" for d in date_differences(a, b))


# -- named entities in the same role ------------------------------------------------------

_ROLE_LABELS = {"GPE": "place", "LOC": "place", "FAC": "place", "PERSON": "person"}


def entity_differences(a: ClaimContext, b: ClaimContext) -> list[Difference]:
    """A place or person named by one claim where the other names a different one of the same
    kind in the same construction (both introduced by the same preposition or both the
    subject), e.g. "in Auckland" vs "in Wellington"."""
    found: list[Difference] = []
    text_a, text_b = a.analysis.article.text, b.analysis.article.text
    for label, role in _ROLE_LABELS.items():
        ea = [e for e in a.entities() if e.label == label]
        eb = [e for e in b.entities() if e.label == label]
        if not ea or not eb:
            continue
        keys_a = {_entity_key(e) for e in ea}
        keys_b = {_entity_key(e) for e in eb}
        if keys_a & keys_b or any(_contains_name(x, y) or _contains_name(y, x)
                                  for x in keys_a for y in keys_b):
            continue
        for x in ea:
            prep_x = _preposition_before(text_a, x.start)
            for y in eb:
                if prep_x and prep_x == _preposition_before(text_b, y.start):
                    found.append(Difference("entity", f"{role} ({prep_x})", (
                        a.value(x.start, x.end, text_a[x.start : x.end]),
                        b.value(y.start, y.end, text_b[y.start : y.end]),
                    )))
                    break
            if found:
                break
    return found


def _entity_key(e: Entity) -> str:
    return e.key.split(":", 1)[-1]


def _contains_name(a: str, b: str) -> bool:
    return bool(b) and all(part in a.split("-") for part in b.split("-"))


def _preposition_before(text: str, start: int) -> str | None:
    m = re.search(r"\b(in|at|near|from|to|by|of)\s+(?:the\s+)?$", text[max(0, start - 12) :
                                                                         start])
    return m.group(1) if m else None


# -- characterisation -------------------------------------------------------------------------

def event_phrases(text: str) -> list[tuple[int, int, str]]:
    """Phrases that name an event: up to three modifiers and an event noun ("a one-on-one
    meeting", "informal talks", "summit meeting", "blaze"). Returns (start, end, normalised)."""
    found: list[tuple[int, int, str]] = []
    lower = text.lower()
    for m in re.finditer(rf"\b{_PHRASE_WORD}\b", lower):
        word = m.group(0)
        if word not in EVENT_NOUNS:
            continue
        start = m.start()
        modifiers: list[str] = []
        cursor = start
        while len(modifiers) < 3:
            prev = re.search(rf"({_PHRASE_WORD})\s+$", lower[:cursor])
            if prev is None:
                break
            w = prev.group(1)
            if (w in _DETERMINERS or w in _NOT_MODIFIERS or w in _VERBS
                    or (w in EVENT_NOUNS and w != word) or not text[prev.start(1)].islower()):
                break
            modifiers.insert(0, w)
            cursor = prev.start(1)
        norm = " ".join([*modifiers, _singular(word)])
        found.append((cursor, m.end(), norm))
    return found


def _singular(word: str) -> str:
    if word in ("talks", "consultations", "negotiations") or not word.endswith("s"):
        return word
    return word[:-2] if word.endswith(("shes", "ches", "sses")) else word[:-1]


# Words before an encounter noun that show the phrase names the event itself ("held informal
# talks", "called it a one-on-one meeting", "described the encounter as a summit").
_NAMING_CONTEXT = re.compile(
    r"\b(?:held|hold|holds|holding|had|have|has|conducted|called|calls|call|describe[ds]?"
    r"|termed|labell?ed|dubbed|as|was|is)\s+(?:(?:it|them|this|the\s+\w+)\s+)?(?:as\s+)?"
    r"(?:(?:a|an|the|their|its)\s+)?[‘'\"“]?$", re.IGNORECASE)
_VERBS = frozenset(["held", "hold", "holds", "had", "have", "has", "made", "make", "took",
                    "take", "gave", "give", "began", "begin", "led", "lead", "met", "meet",
                    "spoke", "speak", "sat", "called", "call", "described", "describe",
                    "speed", "up", "resume", "resumed", "continue", "continued", "agreed",
                    "avoid", "avoids", "avoided", "hailed", "named", "say", "says", "said"])


def _names_event(text: str, start: int, cls: str | None) -> bool:
    return cls != "encounter" or bool(_NAMING_CONTEXT.search(text[max(0, start - 40) : start]))


def _event_class(phrase: str) -> str | None:
    head = phrase.split()[-1]
    for name, nouns in EVENT_CLASSES.items():
        if head in nouns or head + "s" in nouns:
            return name
    return None


def wording_differences(a: ClaimContext, b: ClaimContext) -> list[Difference]:
    """The same event named differently ("a one-on-one meeting" vs "informal talks"):
    reported when both claims name an event of the same class and the names share no word."""
    base_a = a.claim.start if a.claim.field == "text" else 0
    base_b = b.claim.start if b.claim.field == "text" else 0
    found: list[Difference] = []
    for x in event_phrases(a.text):
        cls = _event_class(x[2])
        if not _names_event(a.text, x[0], cls):
            continue
        same = [y for y in event_phrases(b.text)
                if _event_class(y[2]) == cls and _names_event(b.text, y[0], cls)]
        if not same:
            continue
        words_b = {w for y in same for w in y[2].split()}
        if set(x[2].split()) & words_b or x[2].split()[-1] in b.text.lower():
            continue
        y = same[0]
        if y[2].split()[-1] in a.text.lower():
            continue
        found.append(Difference("wording", f"{cls} called", (
            a.value(base_a + x[0], base_a + x[1], x[2]),
            b.value(base_b + y[0], base_b + y[1], y[2]),
        )))
        break
    return found


# -- quotations: two outlets quote the same words differently --------------------------------

# a word, with the apostrophes, hyphens and full stops inside it ("don't", "e-mail",
# "I.R.S"), never a mark around it ("will...fight" is two words and an ellipsis)
_QUOTED_WORD = re.compile(r"\w+(?:[’'.-]\w+)*")
# a quotation compared needs this many words inside the claim, and the two must share
# QUOTE_MIN_SHARED_WORDS words in order and QUOTE_MIN_SHARED of the shorter one: the same
# passage quoted twice
QUOTE_MIN_WORDS = 4
QUOTE_MIN_SHARED_WORDS = 3
QUOTE_MIN_SHARED = 0.6
# words that differ at either end of both quotations ("we reject his visit" vs "... his
# message"): at most this many on each side, else the two quote different passages
QUOTE_MAX_END_CHANGE = 3


# the written forms of spoken contractions: one utterance transcribed two ways is one quote
_SPOKEN = {"gonna": ("going", "to"), "wanna": ("want", "to"), "gotta": ("got", "to")}


def _spoken(word: str) -> tuple[str, ...]:
    return _SPOKEN.get(word, (word,))


def _quoted_words(c: ClaimContext) -> list[tuple[str | None, list[tuple[int, int, str]]]]:
    """Per quotation of the article that lies (at least partly) in the claim, its speaker and
    its words between the claim's bounds: (start, end, normalised word), folded to lower case
    without hyphens, apostrophes or full stops ("e-mail" and "email", "I.R.S." and "IRS" are
    one word), "gonna" read as "going to"."""
    if c.claim.field != "text":
        return []
    text = c.analysis.article.text
    found = []
    for q in c.analysis.quotes:
        start, end = max(q.start, c.claim.start), min(q.end, c.claim.end)
        if end <= start:
            continue
        # every quoted word from the claim's start to its end, those in a gap of the claim
        # (a clause that another claim states) too: the gap is the split, not the outlet's
        words = [(m.start(), m.end(), word)
                 for m in _QUOTED_WORD.finditer(text, start, end)
                 for word in _spoken(re.sub(r"[-’'.]", "", m.group().lower())) if word]
        if len(words) >= QUOTE_MIN_WORDS:
            found.append((q.speaker, words))
    return found


# words whose presence or absence does not change what a quotation says ("on the part of" /
# "on part of", "is being put" / "is put", "rules and regulations" / "rules or regulations",
# "&" / "and"); negations and pronouns are not among them
_MINOR_WORDS = frozenset({"the", "a", "an", "and", "or", "of", "to", "in", "on", "at", "for",
                          "is", "are", "was", "were", "be", "been", "being", "that", "this",
                          "it", "its", "so", "just", "then"})


def _skeleton(word: str) -> str:
    """The consonants of a word, runs of one letter as one: spellings of one name or word
    ("Momma" / "Mama", "Muammar" / "Moammar") share it."""
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouy]", "", word))


def _same_words(a: Sequence[tuple[int, int, str]], b: Sequence[tuple[int, int, str]],
                text_a: str, text_b: str) -> bool:
    """Whether words that differ between two quotations of one passage are one wording
    written two ways: a compound written as one word or two ("tax-filing" / "tax filing"),
    minor words only, a spelling variant, an abbreviation ("Sen." / "Senator")."""
    left, right = [w[2] for w in a], [w[2] for w in b]
    if "".join(left) == "".join(right):
        return True
    if all(w in _MINOR_WORDS for w in (*left, *right)):
        return True
    if len(left) != 1 or len(right) != 1:
        return False
    x, y = left[0], right[0]
    if min(len(x), len(y)) >= 4 and x[0] == y[0] and \
            _skeleton(x) == _skeleton(y):
        return True
    (short, text), long_word = ((a[0], text_a), y) if len(x) < len(y) else ((b[0], text_b), x)
    return (len(short[2]) >= 3 and long_word.startswith(short[2])
            and text[short[1] : short[1] + 1] == ".")


def _changed_words(a: Sequence[tuple[int, int, str]], b: Sequence[tuple[int, int, str]],
                   text_a: str, text_b: str) -> bool:
    """True when the quoted words ``a`` and ``b`` are one passage with words changed: they share
    enough words in order, and some words differ between shared words (inserted, dropped or
    replaced, where neither side marks an omission with an ellipsis or an insertion with
    brackets) or are replaced at an end of both. Words only one side has at an end make a
    shorter excerpt of the same passage, not a change."""
    left, right = [w[2] for w in a], [w[2] for w in b]
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    blocks = [m for m in matcher.get_matching_blocks() if m.size]
    shared = sum(m.size for m in blocks)
    if not blocks or shared < QUOTE_MIN_SHARED_WORDS or shared < QUOTE_MIN_SHARED * min(len(left),
                                                                                 len(right)):
        return False
    first, last = blocks[0], blocks[-1]

    def marked(words: Sequence[tuple[int, int, str]], text: str, i1: int, i2: int) -> bool:
        # the text from the shared word before the change to the shared word after it
        span = text[words[i1 - 1][1]:words[i2][0]] if i1 > 0 and i2 < len(words) else ""
        return any(mark in span for mark in ("…", "...", "[", "]", "(", ")"))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or _same_words(a[i1:i2], b[j1:j2], text_a, text_b):
            continue
        inside = (first.a + first.size <= i1 and i2 <= last.a
                  and first.b + first.size <= j1 and j2 <= last.b)
        if inside and not marked(a, text_a, i1, i2) and not marked(b, text_b, j1, j2):
            return True
        at_end = (i1 == 0 and j1 == 0) or (i2 == len(left) and j2 == len(right))
        if tag == "replace" and at_end and max(i2 - i1, j2 - j1) <= QUOTE_MAX_END_CHANGE:
            return True
    return False


def _same_speaker(a: str, b: str) -> bool:
    """True when one name's words are all in the other ("Pelosi" and "Nancy Pelosi"), as the
    analysis compares names (:func:`~corroborate.analyze.entities.name_tokens`)."""
    words_a, words_b = set(name_tokens(a)), set(name_tokens(b))
    return words_a <= words_b or words_b <= words_a


def quotation_differences(a: ClaimContext, b: ClaimContext) -> list[Difference]:
    """The same passage quoted with other words ("What have you guys been debating, John?" vs
    "... doing, John?"): one difference per pair of claims, each side's quoted words as its
    value, attributed to the quotation's speaker. Quotations of two known speakers that do not
    name one person ("Pelosi" is "Nancy Pelosi") are not compared."""
    text_a, text_b = a.analysis.article.text, b.analysis.article.text
    quoted_b = _quoted_words(b)
    for speaker_a, wa in _quoted_words(a):
        for speaker_b, wb in quoted_b:
            if speaker_a and speaker_b and not _same_speaker(speaker_a, speaker_b):
                continue
            if _changed_words(wa, wb, text_a, text_b):
                return [Difference("wording", "quoted words", (
                    a.value(wa[0][0], wa[-1][1], text_a[wa[0][0]:wa[-1][1]]),
                    b.value(wb[0][0], wb[-1][1], text_b[wb[0][0]:wb[-1][1]]),
                ), slot="quotation")]
    return []


def differences_between(a: ClaimContext, b: ClaimContext) -> list[Difference]:
    return [*quantity_differences(a, b), *date_differences(a, b), *entity_differences(a, b),
            *wording_differences(a, b), *quotation_differences(a, b)]


def merge_differences(found: Sequence[Difference]) -> list[Difference]:
    """One difference per (kind, label, slot) listing each claim's value once; the same values
    under a generic and a precise slot are one difference."""
    merged: dict[tuple[str, str, str], list[DifferenceValue]] = {}
    compatible: dict[tuple[str, str, str], bool] = {}
    for d in found:
        key = (d.kind, d.label, d.slot)
        merged.setdefault(key, []).extend(d.values)
        compatible[key] = compatible.get(key, True) and d.compatible
    result = [Difference(kind, label, _each_place_once(values), slot,  # type: ignore[arg-type]
                         compatible=compatible[(kind, label, slot)])
              for (kind, label, slot), values in merged.items()]
    # the same values found both by comparing two claims (slot "kind: label") and as one slot
    # across claims (a wire copy's claim beside the original's): one difference, named by the
    # precise slot. Two precise slots with the same values stay two differences.
    by_values: dict[tuple[str, str, frozenset[str]], list[Difference]] = {}
    for d in result:
        by_values.setdefault((d.kind, d.label, frozenset(v.value for v in d.values)),
                             []).append(d)
    joined = []
    for same in by_values.values():
        precise = [d for d in same if d.slot != f"{d.kind}: {d.label}"]
        if len(precise) > 1:
            joined.extend(same)
            continue
        joined.append(replace(same[0], values=_each_place_once(v for d in same for v in d.values),
                              slot=precise[0].slot if precise else same[0].slot,
                              compatible=all(d.compatible for d in same)))
    return joined


def _each_place_once(values: Iterable[DifferenceValue]) -> tuple[DifferenceValue, ...]:
    """The values in order, each claim's value at one place listed once."""
    seen: set[tuple[Claim, int]] = set()
    unique = []
    for v in values:
        if (v.claim, v.start) not in seen:
            seen.add((v.claim, v.start))
            unique.append(v)
    return tuple(unique)


# -- figures in one slot across differently worded claims -----------------------------------

_WINDOW_STOP = re.compile(r"[;:()\[\]—–]|,\s|\band\b|\bbut\b|\bwhile\b|\bwhich\b")
WINDOW_WORDS_BEFORE = 5
WINDOW_WORDS_AFTER = 7
_SLOT_STOPWORDS = frozenset([
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "by", "with", "from", "as", "is", "was",
    "were", "be", "been", "are", "has", "have", "had", "that", "this", "its", "his", "her", "their",
    "he", "she", "they", "it", "said", "says", "about", "more", "than", "over", "least", "some",
    "nearly", "almost", "around", "roughly", "approximately", "up", "worth", "total", "all",
])


_POSSESSIVE_END = re.compile(r"[’']s?$")


@dataclass(frozen=True, slots=True)
class FigureSlot:
    """A figure with the words around it inside its clause: what the figure is of ("$5,687.75
    on Martha's Vineyard Holistic Retreat")."""

    quantity: Quantity
    start: int  # the window, in the article's text
    end: int
    words: frozenset[str]  # its content words (lower case, figures left out)


def figure_slots(context: ClaimContext) -> list[FigureSlot]:
    """Each figure of the claim with the clause-bounded window of words around it."""
    text = context.analysis.article.text
    result = []
    for q in context.quantities():
        lo = max(context.claim.start, q.start - 200)
        before = text[lo:q.start]
        cut = max((m.end() for m in _WINDOW_STOP.finditer(before)), default=0)
        before_words = list(re.finditer(r"\S+", before[cut:]))[-WINDOW_WORDS_BEFORE:]
        start = lo + cut + before_words[0].start() if before_words else q.start
        after = text[q.end:min(context.claim.end, q.end + 200)]
        stop = _WINDOW_STOP.search(after)
        after = after[:stop.start()] if stop else after
        after_words = list(re.finditer(r"\S+", after))[:WINDOW_WORDS_AFTER]
        end = q.end + after_words[-1].end() if after_words else q.end
        words = frozenset(
            _POSSESSIVE_END.sub("", w.lower())
            for w in re.findall(r"[A-Za-z][A-Za-z’'-]+",
                                text[start:q.start] + " " + text[q.end:end])
            if w.lower() not in _SLOT_STOPWORDS and len(w) > 2)
        result.append(FigureSlot(q, start, end, words))
    return result


def conflicting_figures(a: ClaimContext, a_slots: Sequence[FigureSlot], b: ClaimContext,
                        b_slots: Sequence[FigureSlot]) -> list[tuple[FigureSlot, FigureSlot]]:
    """Pairs of figures of the same kind and unit, one per claim (``*_slots``: their
    :func:`figure_slots`), whose values conflict beyond their hedges and whose windows share a
    content word: candidates for one slot stated with two values, whatever else the claims
    say."""
    found = []
    a_values = [_in_base_unit(s.quantity) for s in a_slots]
    b_values = [_in_base_unit(s.quantity) for s in b_slots]
    for sa, (dim_a, va, ta) in zip(a_slots, a_values, strict=True):
        if _states(b_values, dim_a, va, ta):
            continue  # b states a's figure too ("3.6% in October, from 4.1% in September")
        for sb, (dim_b, vb, tb) in zip(b_slots, b_values, strict=True):
            if dim_a != dim_b or abs(va - vb) <= max(ta, tb) + 1e-9:
                continue
            if _states(a_values, dim_b, vb, tb):
                continue
            if not (sa.words & sb.words):
                continue
            if _mentions_number(b.text, sa.quantity.value) or \
                    _mentions_number(a.text, sb.quantity.value):
                continue
            found.append((sa, sb))
    return found


def figure_difference(a: ClaimContext, sa: FigureSlot, b: ClaimContext, sb: FigureSlot
                      ) -> Difference:
    """The difference of two figures found to fill one slot; the slot names the unit and
    the words the two windows share."""
    qa, qb = sa.quantity, sb.quantity
    shared = sorted(sa.words & sb.words, key=lambda w: (-len(w), w))[:3]
    return Difference("quantity", _quantity_label(qa), (
        a.value(qa.start, qa.end, _format_quantity(qa)),
        b.value(qb.start, qb.end, _format_quantity(qb)),
    ), f"quantity: {_quantity_label(qa)} ({' '.join(shared)})",
        compatible=_within_bounds(qa, qb) or _within_bounds(qb, qa))
