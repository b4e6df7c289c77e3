"""Who says it: the kind of a source phrase and whether it is named.

Works on a spaCy span (the subject of a reporting verb, the object of "according to") with the
named entities inside it. Pure rules, no model of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from corroborate.analyze.quantities import singular
from corroborate.model import AttributionKind

MEDIA = re.compile(
    r"\b(?:news|news agency|press agency|times|post|journal|herald|tribune|gazette|wire|telegraph"
    r"|tv|television|radio|broadcaster|broadcasting|newspaper|daily|magazine|reuters|afp|ap"
    r"|bloomberg|xinhua|yonhap|kyodo|tass|interfax|bbc|cnn|nhk|kcna|al jazeera|associated press"
    r"|channel|network|outlet|media|newswire|press agency|guardian|economist|chronicle"
    r"|observer|ledger|courier|globe|mirror|sun|express|standard|independent|record)\b",
    re.IGNORECASE,
)
GOVERNMENT = re.compile(
    r"\b(?:government|ministry|ministries|cabinet|office|department|administration|parliament"
    r"|congress|senate|police|military|army|navy|air force|embassy|embassies|court|prosecutors?"
    r"|white house|kremlin|pentagon|state department|downing street|élysée|elysee|palace"
    r"|presidency|authorities|authority|council|commission|regulator|agency|bureau|coast guard"
    r"|armed forces|chiefs of staff|defen[cs]e|state media|officials? in|city hall|state"
    r"|province|municipality|mayor's"
    r"|central bank|federal reserve|fed|bank of \w+|governor's|regime|junta|legislature)\b",
    re.IGNORECASE,
)
ANONYMOUS_HEADS = {
    "source", "sources", "official", "officials", "person", "people", "diplomat", "diplomats",
    "aide", "aides", "insider", "insiders", "spokesperson", "spokesman", "spokeswoman",
    "spokespeople", "analyst", "analysts", "witness", "witnesses", "resident", "residents",
    "employee", "employees", "officer", "officers", "member", "members", "lawmaker",
    "lawmakers", "observer", "observers", "expert", "experts", "investigator", "investigators",
    "someone", "somebody", "one", "executive", "executives", "staffer", "staffers", "worker",
    "workers", "negotiator", "negotiators", "official(s)", "adviser", "advisers", "advisor",
    "advisors", "representative", "representatives", "participant", "participants",
    "colleague", "colleagues", "friend", "friends", "neighbour", "neighbours", "neighbor",
    "neighbors", "relative", "relatives", "reports", "report", "critics", "supporters",
    "trader", "traders", "economist", "economists", "dealer", "dealers", "banker", "bankers",
    "investor", "investors", "activist", "activists", "survivor", "survivors", "eyewitness",
    "eyewitnesses", "doctor", "doctors", "authorities?", "figure", "figures",
}
# What a person or body writes or delivers and a story quotes: its author is the speaker
# ("a statement from X", "X's apology").
DOCUMENT_NOUNS = frozenset({
    "statement", "letter", "report", "memo", "memorandum", "release", "post", "tweet",
    "message", "email", "e-mail", "note", "filing", "complaint", "lawsuit", "suit", "op-ed",
    "editorial", "column", "essay", "blog", "apology", "speech", "remarks", "comments",
    "testimony", "words",
})
# "X's statement", "X's office", "X's campaign": X speaks (unlike "X's attorney")
SPEAK_AS_OWNER = DOCUMENT_NOUNS | {"office", "campaign", "team", "staff", "administration",
                                   "spokesman", "spokeswoman", "spokesperson"}


def noun_in(word: str, nouns: frozenset[str]) -> bool:
    """Whether a lower-cased noun, singular or plural, is one of ``nouns`` (which hold some
    words in the plural only: "remarks", "comments"): "X's statements" as "X's statement"."""
    return word in nouns or singular(word) in nouns


PRONOUNS = {"he", "she", "they", "it", "we", "i", "him", "her", "them"}
_DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "one", "two", "three",
                "some", "several", "many", "other", "another"}


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A classified source phrase. ``name`` is the source as it should be shown (a person's full
    name without titles, or the phrase for bodies); ``role`` the person's role if given."""

    name: str
    kind: AttributionKind
    named: bool
    role: str | None
    start: int
    end: int
    pronoun: bool = False
    gender: str | None = None


def phrase_tokens(head: Any) -> list[Any]:
    """The tokens of a source phrase: the head with its left modifiers, compounds, and
    "of/for/at" prepositional modifiers; not relative clauses or appositions."""
    tokens = [head]
    for child in head.children:
        if child.dep_ in {"relcl", "appos", "punct", "cc", "conj", "acl", "advcl"}:
            continue
        if child.dep_ == "prep" and child.lower_ not in {"of", "for", "at", "from", "with",
                                                         "in", "on"}:
            continue
        if child.i > head.i and child.dep_ not in {"prep", "compound", "flat", "nummod"}:
            continue
        if child.dep_ == "prep" and child.lower_ in {"with", "on"}:
            continue  # "people familiar with the matter" (amod takes it); "officials in Seoul"

        tokens.extend(child.subtree)
    first = min(t.i for t in tokens)
    last = max(t.i for t in tokens)
    doc = head.doc
    # Whole entities: the parser sometimes splits "Lee Ha-na" into two subjects.
    # (Walk the IOB tags at the two ends: reading doc.ents rebuilds every span, per call.)
    names = {"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"}
    while first > 0 and doc[first].ent_iob_ == "I" and doc[first].ent_type_ in names:
        first -= 1
    while (last + 1 < len(doc) and doc[last].ent_iob_ in {"B", "I"}
           and doc[last].ent_type_ in names and doc[last + 1].ent_iob_ == "I"):
        last += 1
    # A contiguous run around the head, cut at a comma after it, without trailing punctuation.
    for k in range(head.i + 1, last + 1):
        if doc[k].text in {",", ";", "(", "—", "--"}:
            last = k - 1
            break
    while last > first and doc[last].is_punct:
        last -= 1
    return list(doc[first : last + 1])


def appositive_role(head: Any) -> str | None:
    for child in head.children:
        if child.dep_ == "appos":
            words = [t for t in child.subtree if not t.is_punct]
            while words and words[0].lower_ in {"a", "an", "the"}:
                words = words[1:]
            if words and not any(t.ent_type_ == "PERSON" for t in words):
                return text_of(words)
    return None


def classify(tokens: list[Any], *, full_names: dict[str, str], via_quote: bool = False
             ) -> SourceInfo | None:
    """Classify a source phrase. ``full_names`` maps entity keys of people to the fullest
    name the article gives. ``via_quote``: the phrase is the subject of "quoted ... as saying"."""
    if not tokens:
        return None
    doc = tokens[0].doc
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = doc[tokens[0].i : tokens[-1].i + 1].text
    low_words = [t.lower_ for t in tokens]
    if len(tokens) == 1 and low_words[0] in PRONOUNS:
        return SourceInfo(text, "person", True, None, start, end, pronoun=True,
                          gender={"he": "m", "him": "m", "she": "f", "her": "f"}.get(
                              low_words[0]))
    persons = [t for t in tokens if t.ent_type_ == "PERSON"]
    if not persons:
        # A surname the article gives in full elsewhere, tagged as something else here.
        persons = [t for t in tokens if t.text[:1].isupper()
                   and (t.text in full_names or t.lower_ in full_names)]
    head = _head(tokens)
    if persons and head is not None and head.pos_ == "NOUN" and head not in persons \
            and not noun_in(head.lower_, SPEAK_AS_OWNER) and all(
            any(a.dep_ == "poss" and a.head.i == head.i for a in (t, *t.ancestors))
            for t in persons):
        # "Strzok's attorney said": the attorney speaks, not Strzok
        return SourceInfo(text, "person", False, None, start, end)
    if persons:
        first = min(t.i for t in persons)
        last = max(t.i for t in persons)
        name_span = doc[first : last + 1]
        name = name_span.text
        key = full_names.get(name) or full_names.get(name.split()[-1].lower())
        role_tokens = [t for t in tokens if t.i < first and t.lower_ not in _DETERMINERS
                       and not t.is_punct and t.dep_ != "poss"]
        role = text_of(role_tokens) or None
        role = _strip_title(role)
        gender = None
        if any(t.lower_ in {"mr", "mr."} for t in role_tokens):
            gender = "m"
        elif any(t.lower_ in {"mrs", "mrs.", "ms", "ms.", "miss"} for t in role_tokens):
            gender = "f"
        kind: AttributionKind = "person"
        if MEDIA.search(name) and not role:
            kind = "media"
        return SourceInfo(key or name, kind, True, role, start, end, gender=gender)
    head = _head(tokens)
    head_low = head.lower_ if head is not None else low_words[-1]
    ents = {t.ent_type_ for t in tokens if t.ent_type_}
    if via_quote or (MEDIA.search(text) and ("ORG" in ents or head_low in {
            "agency", "newspaper", "broadcaster", "daily", "outlet", "magazine", "network",
            "channel", "media", "wire", "tv", "television", "radio", "reports", "report"}
            or not GOVERNMENT.search(text))):
        if head_low in {"report", "reports"} and not ents:
            return SourceInfo(text, "anonymous", False, None, start, end)
        return SourceInfo(text, "media", True, None, start, end)
    if head_low in ANONYMOUS_HEADS and not (ents & {"ORG"} and head_low in {"spokesperson"}):
        return SourceInfo(text, "anonymous", False, None, start, end)
    if GOVERNMENT.search(text) or (ents <= {"GPE"} and "GPE" in ents):
        return SourceInfo(text, "government", True, None, start, end)
    if "ORG" in ents or "NORP" in ents or "FAC" in ents or "GPE" in ents:
        return SourceInfo(text, "organisation", True, None, start, end)
    if head is not None and head.pos_ in {"NOUN", "PROPN"}:
        if head_low in {"minister", "president", "secretary", "chancellor", "governor",
                        "mayor", "chairman", "chief", "director", "ambassador", "premier",
                        "king", "queen", "pope", "leader", "head", "coach", "captain"}:
            return SourceInfo(text, "person", True, None, start, end)
        if head.pos_ == "PROPN":
            return SourceInfo(text, "organisation", True, None, start, end)
        return SourceInfo(text, "organisation", True, None, start, end)
    return None


def text_of(tokens: list[Any]) -> str:
    """The words of a run of tokens as the article writes them ("city's mayor"), one line."""
    if not tokens:
        return ""
    if len(tokens) == tokens[-1].i - tokens[0].i + 1:
        return " ".join(tokens[0].doc[tokens[0].i : tokens[-1].i + 1].text.split())
    return " ".join(" ".join(t.text for t in tokens).split())


def _head(tokens: list[Any]) -> Any | None:
    ids = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in ids or t.head.i == t.i]
    return heads[0] if heads else None


_TITLE_ONLY = re.compile(r"^(?:mr|mrs|ms|miss|dr)\.?$", re.IGNORECASE)


def _strip_title(role: str | None) -> str | None:
    if not role:
        return None
    words = [w for w in role.split() if not _TITLE_ONLY.match(w)]
    return " ".join(words) or None
