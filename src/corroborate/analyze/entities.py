"""Named entities and one key per real entity within an article.

"Prime Minister Fumio Kishida", "Fumio Kishida", "Kishida" and "Mr. Kishida" get one key; an
organisation and its acronym ("the International Atomic Energy Agency", "IAEA") too. Keys are
``LABEL:normalised-full-name`` so they can be matched across articles later.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT",
                 "WORK_OF_ART", "LAW", "LANGUAGE"}
TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "president",
    "prime", "minister", "secretary", "general", "gen", "sen", "senator", "rep",
    "representative", "gov", "governor", "mayor", "king", "queen", "prince", "princess",
    "chancellor", "premier", "chairman", "chairwoman", "chair", "judge", "justice", "pope",
    "rev", "reverend", "col", "colonel", "capt", "captain", "lt", "sgt", "adm", "admiral",
    "st", "saint", "former", "deputy", "vice", "foreign", "defense", "defence", "finance",
    "the", "chief", "executive", "ceo", "spokesperson", "spokesman", "spokeswoman",
}
_POSSESSIVE = re.compile(r"['’]s?$")


def strip_possessive(text: str) -> str:
    """The name without a possessive it ends with ("Sasha Obama's" -> "Sasha Obama")."""
    return _POSSESSIVE.sub("", text)


@dataclass(frozen=True, slots=True)
class EntitySpan:
    start: int
    end: int
    text: str
    label: str


def name_tokens(text: str, *, strip_titles: bool = True) -> list[str]:
    return list(_name_tokens(text, strip_titles))


@functools.lru_cache(maxsize=65536)
def _name_tokens(text: str, strip_titles: bool) -> tuple[str, ...]:
    """Lower-case, accent-free name words without possessives and, for people, without titles
    ("Prime Minister Fumio Kishida" -> fumio kishida)."""
    text = strip_possessive(text.strip())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", text.lower())
    if strip_titles:
        while words and words[0].rstrip(".") in TITLES:
            words = words[1:]
    elif words and words[0] == "the":
        words = words[1:]
    return tuple(words)


def slug(words: Sequence[str]) -> str:
    return "-".join(words)


def _acronym(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w not in {"of", "the", "and", "for", "on", "in"})


def assign_keys(spans: Sequence[EntitySpan]) -> list[str]:
    """One key per span; spans naming the same entity within the article share it."""
    canonical: dict[tuple[str, str], list[str]] = {}  # (label group, slug) -> words
    keys: list[str] = []
    # Longest names first so that short forms attach to the full form.
    def words_of(span: EntitySpan) -> list[str]:
        return (name_tokens(span.text, strip_titles=span.label == "PERSON")
                or [span.text.lower()])

    # Longest names first, places before other labels, so that short and odd forms attach.
    order = sorted(range(len(spans)),
                   key=lambda i: (-len(words_of(spans[i])), spans[i].label != "GPE"))
    result: dict[int, str] = {}
    for i in order:
        span = spans[i]
        words = words_of(span)
        group = _group(span.label)
        key_words = _match_existing(canonical, group, words, span)
        key_group = group
        if key_words is None:
            key_words = words
            canonical[(group, slug(words))] = words
        elif (group, slug(key_words)) not in canonical:
            key_group = next(g for (g, s) in canonical if s == slug(key_words))
        result[i] = f"{key_group}:{slug(key_words)}"
    keys = [result[i] for i in range(len(spans))]
    return keys


def _group(label: str) -> str:
    # spaCy often labels the same organisation ORG in one place and GPE/NORP in another only
    # for countries; keep PERSON apart, fold GPE/LOC (places) together.
    if label in {"GPE", "LOC"}:
        return "GPE"
    return label


def _match_existing(canonical: dict[tuple[str, str], list[str]], group: str,
                    words: list[str], span: EntitySpan) -> list[str] | None:
    if (group, slug(words)) in canonical:
        return canonical[(group, slug(words))]
    if group != "PERSON" and len(words) == 1:
        # The model sometimes tags a person's family name alone as ORG or GPE ("Sestak said",
        # "Kang's office"), or a dateline place as ORG ("AUCKLAND").
        people = [w for (g, _), w in canonical.items()
                  if g == "PERSON" and words[0] in {w[0], w[-1]} and len(w) > 1]
        if len(people) == 1:
            return people[0]
        same = [w for (g, s), w in canonical.items() if g != "PERSON" and s == words[0]]
        if same:
            return same[0]
    candidates = [w for (g, _), w in canonical.items() if g == group]
    if group == "PERSON":
        # "Kishida" -> "Fumio Kishida"; "Fumio" alone too, but only when unambiguous.
        hits = [w for w in candidates if set(words) <= set(w) and words[-1] in w]
        if len(hits) == 1:
            return hits[0]
        surname_hits = [w for w in candidates if w[-1] == words[-1]]
        if len(words) == 1 and len(surname_hits) == 1:
            return surname_hits[0]
        return None
    if group in {"ORG", "GPE", "NORP", "FAC", "EVENT"}:
        raw = span.text.strip()
        if raw.isupper() and 2 <= len(raw) <= 8:
            hits = [w for w in candidates if _acronym(w) == raw.lower()]
            if len(hits) == 1:
                return hits[0]
        hits = [w for w in candidates if len(words) < len(w) and _contains(w, words)]
        if len(hits) == 1 and group == "ORG":
            return hits[0]
    return None


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(list(longer[i : i + n]) == list(shorter) for i in range(len(longer) - n + 1))
