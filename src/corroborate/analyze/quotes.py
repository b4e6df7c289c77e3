"""Direct quotes with their speakers, and reported statements with their sources.

Works on a parsed spaCy Doc: reporting verbs ("said", "told reporters", "added", "quoted ... as
saying") and their subjects, "according to X", pronoun speakers resolved to the most recent
compatible named speaker, and quotes that carry on without a cue inheriting the speaker of the
quote before them in the same or previous paragraph.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from corroborate.analyze.entities import name_tokens, strip_possessive
from corroborate.analyze.quantities import singular
from corroborate.analyze.quote_spans import TERM_CUES, QuoteSpan, find_quote_spans
from corroborate.analyze.sources import (
    DOCUMENT_NOUNS,
    SourceInfo,
    appositive_role,
    classify,
    noun_in,
    phrase_tokens,
    text_of,
)
from corroborate.model import Attribution, Quote

SPEECH_VERBS = {
    "say", "tell", "add", "state", "announce", "claim", "insist", "confirm", "deny", "explain",
    "note", "warn", "argue", "report", "write", "acknowledge", "admit", "assert", "declare",
    "reveal", "stress", "emphasize", "emphasise", "comment", "reply", "respond", "recall",
    "conclude", "vow", "pledge", "promise", "allege", "predict", "quote", "ask",
    "urge", "indicate", "maintain", "contend", "tweet", "complain", "concede", "caution",
    "observe", "remark", "suggest", "estimate", "testify", "inform", "brief", "disclose",
    "underline", "relay", "mention", "signal", "recount", "reiterate", "post",
    "posit",
}
# Verbs that report a statement even with a plain noun object ("the ministry confirmed the
# deaths").
NOUN_OBJECT_VERBS = {"confirm", "announce", "report", "deny", "reveal", "disclose"}
CUE_OBJECTS = {"reporters", "journalists", "the press", "lawmakers", "parliament"}


@dataclass(frozen=True, slots=True)
class _Speaker:
    info: SourceInfo
    cue: str
    sentence: int


def _cue_text(verb: Any) -> str:
    """The reporting words: "said", "told reporters", "said in a statement"."""
    words = [verb.text]
    for child in verb.children:
        if child.dep_ in {"dobj", "dative"} and verb.lemma_ == "tell":
            obj = text_of(list(child.subtree))
            if obj.lower() in CUE_OBJECTS or len(obj.split()) <= 3:
                words.append(obj)
        if child.dep_ == "prt" and verb.lemma_ == "point":
            words.append(child.text)
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ in {"in", "on", "at"}:
            pobj = [c for c in child.children if c.dep_ == "pobj"]
            if pobj and singular(pobj[0].text) in {"statement", "interview", "briefing", "release",
                                             "conference", "post", "message", "email",
                                             "letter", "speech", "television", "radio"}:
                words.append(text_of(list(child.subtree)))
    return " ".join(words)


def _subject(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ in {"nsubj", "nsubjpass"}:
            return child
    if verb.dep_ == "conj":
        return _subject(verb.head)
    return None


def _inside(token: Any, spans: Sequence[QuoteSpan]) -> bool:
    return any(s.open <= token.idx < s.close for s in spans)


# generational suffixes: "Donald Trump Jr." is not "Donald Trump"
_GENERATIONS = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _full_names(doc: Any) -> dict[str, str]:
    """Map every form a person is named by to the fullest form in the article."""
    persons = [e for e in doc.ents if e.label_ == "PERSON"]
    fullest: dict[str, str] = {}
    # a name as shown: without the possessive the entity may carry ("Sasha Obama's")
    shown = {e.text: strip_possessive(e.text) for e in persons}
    for ent in sorted(persons, key=lambda e: -len(name_tokens(e.text))):
        words = name_tokens(ent.text)
        if not words:
            continue
        fuller = [other for other in dict.fromkeys(fullest.values())
                  if set(words) <= set(name_tokens(other)) and words[-1] in name_tokens(other)]
        # a fuller name that adds no generation first: "Donald Trump" is never "Donald Trump
        # Jr.", and where the article names both, "Trump" is the father ("Roberts" is "John
        # G. Roberts Jr." where no other Roberts is named)
        same_generation = [o for o in fuller if set(name_tokens(o)) & _GENERATIONS <= set(words)]
        best = next(iter(same_generation), fuller[0] if fuller and len(words) == 1 else None)
        fullest[ent.text] = best or shown[ent.text]
        surname = [w for w in words if w not in _GENERATIONS][-1:]
        if surname:
            fullest.setdefault(surname[0], best or shown[ent.text])
    return fullest


_ORG_WORDS = re.compile(
    r"\b(?:inc|ltd|llc|plc|corp|corporation|company|co|group|bank|steel|motors|airlines?"
    r"|holdings|partners|university|institute|association|union|council|party|foundation"
    r"|agency|ministry|department|committee|board|fund|capital|energy|systems|labs?)\b",
    re.IGNORECASE)


def _looks_like_person_name(name: str) -> bool:
    words = name.split()
    return (2 <= len(words) <= 3 and all(w[:1].isupper() for w in words)
            and not _ORG_WORDS.search(name))


_PERSONAL = {"he", "she", "him", "her", "i"}
# Definite descriptions by office that news uses for the person a passage is about.
_DEFINITE_TITLE = re.compile(
    r"^the (?:(?:[\w]+-term|former|longtime|veteran|embattled|republican|democratic|gop|"
    r"freshman|junior|senior|outgoing|[\w]+-year-old) ){0,2}"
    r"(?:congressman|congresswoman|senator|lawmaker|legislator|governor|mayor)$", re.IGNORECASE)


def _office(info: SourceInfo) -> str | None:
    """The office a definite description of a person names, by its last two words ("the
    former vice president": "vice president"; "the committee chairman"); None for anything
    else (a name, a pronoun, "the president of Mexico", a body)."""
    words = info.name.split()
    person = info.kind == "person" or (info.kind != "media"
                                       and bool(_DEFINITE_TITLE.match(info.name.strip())))
    if (info.pronoun or not person or len(words) < 2 or words[0].lower() != "the"
            or not all(w.islower() and w.replace("-", "").isalpha() for w in words[1:])):
        return None
    return " ".join(words[-2:] if len(words) > 2 else words[-1:])


# a short phrase set off by commas right after a name: "Royce, the committee chairman, said"
# (not ", the governor said", the subject of the next clause)
_APPOSITIVE = re.compile(r", (?:the |a |an )?([^,.;:]{1,60}),")


def _whole_title(before: Sequence[str], office: Sequence[str]) -> bool:
    """Whether the words ``before`` a name end with the title ``office`` and the title does
    not go on to the left ("former Vice President" is a vice president; "Vice President" is
    no president, "House Speaker" no speaker: a capitalised word extends the title)."""
    n = len(office)
    if len(before) < n or [w.lower() for w in before[-n:]] != list(office):
        return False
    return len(before) == n or not before[-n - 1][:1].isupper()


def _can_refer(pron: str, info: SourceInfo, p: SourceInfo) -> bool:
    """Whether pronoun ``pron`` (at ``info``) can refer to the earlier source ``p``."""
    if pron in _PERSONAL:
        return (p.kind == "person" and not p.pronoun
                and not (info.gender and p.gender and info.gender != p.gender))
    if pron == "it":
        return p.kind in {"organisation", "government", "media"}
    return not (pron in {"they", "them", "we"} and p.kind == "person" and p.named)


class _Context:
    """Speakers seen so far, for pronouns and cue-less quotes."""

    def __init__(self, subjects: Sequence[SourceInfo] = (),
                 mentions: Sequence[SourceInfo] = (),
                 sentence_starts: Sequence[int] = (), text: str = "") -> None:
        self.speakers: list[_Speaker] = []
        self.roles: dict[str, str] = {}
        # People who are the subject of a main clause, in text order: "King disagreed."
        self.subjects = list(subjects)
        # Every naming of a person outside quotations, in text order.
        self.mentions = list(mentions)
        # Where each sentence starts (character offsets, ascending).
        self.sentence_starts = list(sentence_starts)
        self.text = text

    def _person_before(self, offset: int, gender: str | None) -> SourceInfo | None:
        genders = {s.info.name: s.info.gender for s in self.speakers if s.info.gender}
        for mention in reversed(self.subjects):
            if mention.start >= offset:
                continue
            known = genders.get(mention.name)
            if gender and known and gender != known:
                continue
            return mention
        return None

    def sentence_start(self, offset: int, back: int = 0) -> int:
        """Where the sentence ``back`` sentences before the one holding ``offset`` starts."""
        if not self.sentence_starts:
            return 0
        sentence = bisect.bisect_right(self.sentence_starts, offset) - 1
        return self.sentence_starts[max(0, sentence - back)]

    def _protagonist_before(self, offset: int) -> SourceInfo | None:
        """The person named most often before ``offset`` (the latest of equals)."""
        counts: dict[str, int] = {}
        latest: dict[str, SourceInfo] = {}
        for mention in self.mentions:
            if mention.start < offset:
                counts[mention.name] = counts.get(mention.name, 0) + 1
                latest[mention.name] = mention
        if not counts:
            return None
        name = max(counts, key=lambda n: (counts[n], latest[n].start))
        return latest[name]

    def _titled_before(self, offset: int, office: str) -> SourceInfo | None:
        """The latest person named before ``offset`` with ``office`` as a title or an
        appositive ("former Vice President Dick Cheney", "Royce, the committee chairman,")."""
        office = office.lower()
        for mention in reversed(self.mentions):
            if mention.start >= offset:
                continue
            before = self.text[max(0, mention.start - 60) : mention.start].split()[-6:]
            appositive = _APPOSITIVE.match(self.text, mention.end)
            if _whole_title(before, office.split()) or (
                    appositive is not None and appositive.group(1).lower().endswith(office)):
                return mention
        return None

    def _recent(self, people: Sequence[SourceInfo], offset: int) -> list[SourceInfo]:
        """Those of ``people`` (in text order) named in the sentence of ``offset``, before
        it, or in the sentence before that one."""
        since = self.sentence_start(offset, back=1)
        return [m for m in people if since <= m.start < offset]

    def subject_near(self, offset: int) -> SourceInfo | None:
        """The person who is the subject of a main clause in the sentence of ``offset`` or
        the one before it, the latest before ``offset``."""
        near = self._recent(self.subjects, offset)
        return near[-1] if near else None

    def resolve(self, info: SourceInfo) -> SourceInfo:
        office = _office(info)
        if office is not None:
            # "the former vice president said": the person named with that title, else the
            # person the passage is about
            mention = self._titled_before(info.start, office)
            if mention is None and _DEFINITE_TITLE.match(info.name.strip()):
                # "the four-term congressman said": the person the story is about
                mention = self._protagonist_before(info.start)
            if mention is None:
                mention = self.subject_near(info.start)
            if mention is not None:
                return replace(mention, role=info.name, start=info.start, end=info.end)
        if not info.pronoun:
            if info.role is None and info.name in self.roles:
                return SourceInfo(info.name, info.kind, info.named, self.roles[info.name],
                                  info.start, info.end, info.pronoun, info.gender)
            return info
        pron = info.name.lower()
        speaker = next((s.info for s in reversed(self.speakers)
                        if _can_refer(pron, info, s.info)), None)
        if pron in _PERSONAL:
            mention = self._person_before(info.start, info.gender)
            if mention is not None and (speaker is None or mention.start > speaker.start):
                return replace(mention, role=self.roles.get(mention.name), start=info.start,
                               end=info.end, pronoun=True, gender=info.gender)
        if speaker is not None:
            return replace(speaker, role=speaker.role or self.roles.get(speaker.name),
                           start=info.start, end=info.end, pronoun=True,
                           gender=info.gender or speaker.gender)
        if pron in {"he", "she"}:
            # "he"/"she" is evidence that a speaker the model tagged as an organisation is a
            # person: "Marcus Hale told the jury ... he said".
            for prev in reversed(self.speakers):
                p = prev.info
                if p.kind == "organisation" and p.named and _looks_like_person_name(p.name):
                    return SourceInfo(p.name, "person", True, p.role, info.start, info.end,
                                      pronoun=True, gender=info.gender)
        return info

    def _only_person_near(self, info: SourceInfo) -> bool:
        """Whether ``info`` (a resolved pronoun) is the one person named, outside quotations,
        in its sentence and the one before it up to the pronoun."""
        return {m.name for m in self._recent(self.mentions, info.start)} <= {info.name}

    def remember(self, info: SourceInfo, cue: str, sentence: int) -> None:
        if info.role and info.kind == "person" and info.name not in self.roles:
            self.roles[info.name] = info.role
        if info.pronoun and info.name.lower() in {"he", "she", "it", "they", "i", "we"}:
            return  # unresolved
        if info.pronoun and info.gender and not self._only_person_near(info):
            # a gender is learned only from a pronoun that had one person to refer to
            # ("Schumer and Pelosi met Trump, when he said": a guess there would teach Pelosi
            # a gender and misread every later "she")
            info = replace(info, gender=None)
        if info.pronoun and info.gender:
            # learn the gender of the resolved person for later pronouns
            for k, prev in enumerate(self.speakers):
                if prev.info.name == info.name and prev.info.gender is None:
                    self.speakers[k] = _Speaker(
                        SourceInfo(prev.info.name, prev.info.kind, prev.info.named,
                                   prev.info.role, prev.info.start, prev.info.end,
                                   gender=info.gender), prev.cue, prev.sentence)
        self.speakers.append(_Speaker(info, cue, sentence))


def extract_quotes_and_attributions(
    doc: Any, sentence_of: Any, text: str
) -> tuple[list[Quote], list[Attribution]]:
    """Quotes and attributions of a parsed document. ``sentence_of(offset)`` gives the index of
    the sentence holding a character offset."""
    spans = find_quote_spans(text)
    speech = [s for s in spans if not s.is_term or _reported_words(doc, s, spans)]
    full_names = _full_names(doc)
    context = _Context(_main_clause_people(doc, speech, full_names),
                       _person_mentions(doc, speech, full_names),
                       [sent.start_char for sent in doc.sents], text)
    quotes: list[Quote] = []
    attributions: list[Attribution] = []
    used_verbs: set[int] = set()

    sentences = list(doc.sents)
    # Which quotes sit in (or start/end in) which sentence.
    by_sentence: dict[int, list[QuoteSpan]] = {}
    for span in speech:
        first = sentence_of(span.start)
        last = sentence_of(max(span.start, span.end - 1))
        for index in range(first, last + 1):
            by_sentence.setdefault(index, []).append(span)

    quote_speaker: dict[int, tuple[SourceInfo, str, bool] | None] = {}
    last_quote_end = -1
    last_quote_sentence = -1
    last_quote_info: tuple[SourceInfo, str] | None = None
    # a sentence that ends on a colon after a reporting verb ("Rennie wrote:") introduces the
    # quotation that opens the next one
    colon_cue: tuple[int, tuple[int, SourceInfo, str, Any]] | None = None
    # the last sentence whose main clause reports what someone said without quoting it
    # ("Trump claimed Republicans are often attacked."), with its source: a quotation that
    # makes up the next sentence, with no cue of its own, is theirs
    statement: tuple[int, SourceInfo, str] | None = None

    for sent_index, sent in enumerate(sentences):
        sent_quotes = by_sentence.get(sent_index, [])
        # 1. Reporting verbs of this sentence outside quotation marks.
        verbs = _reporting_verbs(sent, speech)
        according = [t for t in sent if t.lower_ == "according" and not _inside(t, speech)
                     and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to"]
        cue_infos: list[tuple[int, SourceInfo, str, Any]] = []
        # participles reporting for the subject of the clause they hang from ("Trump
        # responded on Twitter, writing: “...”"): cues of quotations only, never attributions
        participle_cues: list[tuple[int, SourceInfo, str, Any]] = []
        for verb in verbs:
            info, cue = _verb_source(verb, full_names)
            if info is None:
                implied = _participle_source(verb, full_names)
                if implied is not None:
                    participle_cues.append((verb.idx, context.resolve(implied),
                                            _cue_text(verb), verb))
                continue
            cue_infos.append((verb.idx, context.resolve(info), cue, verb))
        for acc in according:
            to = doc[acc.i + 1]
            pobj = [c for c in to.children if c.dep_ == "pobj"]
            if not pobj:
                continue
            info = classify(phrase_tokens(pobj[0]), full_names=full_names)
            if info is not None:
                cue_infos.append((acc.idx, context.resolve(info), "according to", None))

        # 2. Each quote starting in this sentence takes the nearest cue of its sentences.
        for span in [q for q in sent_quotes if sentence_of(q.start) == sent_index]:
            last_sent = sentence_of(max(span.start, span.end - 1))
            candidates = list(cue_infos)
            if last_sent != sent_index:
                for verb in _reporting_verbs(sentences[last_sent], speech):
                    info, cue = _verb_source(verb, full_names)
                    if info is not None:
                        candidates.append((verb.idx, context.resolve(info), cue, verb))
            chosen = (_nearest(span, candidates) or _inverted_cue(text, span, full_names)
                      or _participle_cue(text, span, participle_cues)
                      or _characterising_cue(doc, span, full_names, context))
            if chosen is None and colon_cue is not None and colon_cue[0] == sent_index - 1 \
                    and not text[sent.start_char : span.open].strip():
                chosen = colon_cue[1]
                colon_cue = None
            if chosen is not None:
                _, info, cue, verb = chosen
                if verb is not None:
                    used_verbs.add(verb.i)
                quote_speaker[span.start] = (info, cue, True)
                context.remember(info, cue, sent_index)
            elif last_quote_info is not None and (
                    _continues(text, last_quote_end, span.open)
                    or (not text[sent.start_char : span.open].strip()
                        and _next_sentence(text, last_quote_sentence, sent_index,
                                           last_quote_end, span.open))):
                info, _cue = last_quote_info
                quote_speaker[span.start] = (info, _cue, False)
            elif statement is not None and statement[0] == sent_index - 1 \
                    and _fills_sentence(text, sent, span):
                quote_speaker[span.start] = (statement[1], statement[2], False)
            elif (subject := _lone_quote_subject(context, text, sent, span, sent_quotes,
                                                 by_sentence.get(sent_index - 1, []))) \
                    is not None:
                quote_speaker[span.start] = (subject, "", False)
            else:
                quote_speaker[span.start] = None
            resolved = quote_speaker[span.start]
            if resolved is not None:
                last_quote_info = (resolved[0], resolved[1])
            last_quote_end = span.close
            last_quote_sentence = sentence_of(max(span.start, span.close - 1))

        introducing = [c for c in cue_infos if c[3] is not None and c[3].i not in used_verbs
                       and c[3].dep_ == "ROOT"]
        if introducing and sent.text.rstrip().endswith(":") and not [
                q for q in sent_quotes if q.open > introducing[-1][3].idx]:
            colon_cue = (sent_index, introducing[-1])
        # 3. Reporting verbs not used for a quote report a statement: attributions.
        for _offset, info, cue, verb in cue_infos:
            if verb is not None and verb.i in used_verbs:
                adding = _adding_clause(verb)
                if adding is not None and not _inside(adding, speech):
                    # '"...," Varela said, adding that 19 suspects would face trial.'
                    attributions.append(_attribution(info, "adding", sent_index))
                attributions.extend(_outlet_attribution(verb, full_names, sent_index))
                continue
            if verb is None:
                attributions.append(_attribution(info, cue, sent_index))
                context.remember(info, cue, sent_index)
                continue
            if sent_quotes and _adjacent_to_quote(verb, sent_quotes):
                continue
            if not _reports_statement(verb):
                continue
            attributions.append(_attribution(info, cue, sent_index))
            attributions.extend(_outlet_attribution(verb, full_names, sent_index))
            context.remember(info, cue, sent_index)
            if verb.dep_ == "ROOT" and not sent_quotes:
                statement = (sent_index, info, cue)


    for span in speech:
        resolved = quote_speaker.get(span.start)
        sentence = sentence_of(span.start)
        if resolved is None:
            quotes.append(Quote(sentence, span.start, span.end, None, None, None, False))
            continue
        info, cue, explicit = resolved
        quotes.append(Quote(
            sentence=sentence, start=span.start, end=span.end,
            speaker=info.name if not (info.pronoun and info.name.lower() in {
                "he", "she", "it", "they", "i", "we"}) else None,
            speaker_role=info.role, cue=cue, anonymous=not info.named,
            speaker_kind=info.kind,
            speaker_start=info.start if explicit else None,
            speaker_end=info.end if explicit else None,
        ))
    return quotes, attributions


# A line that opens with the reporting verb and the speaker before the quotation: 'Added
# Gibbs: "..."', 'Said Ms. Chen, "..."' (the parser reads "Added Gibbs" as one name).
_INVERTED_CUE = re.compile(
    r"^\s*(?P<cue>Added|Adds|Said|Says|Continued|Replied|Wrote|Asked)\s+"
    r"(?P<name>(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen)\.\s+)?"
    r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’.-]+){0,3})\s*[:,]\s*$")


def _inverted_cue(text: str, span: QuoteSpan, full_names: dict[str, str]
                  ) -> tuple[int, SourceInfo, str, Any] | None:
    """The speaker of a quotation its line opens with an inverted cue ('Added Gibbs: "..."'):
    a person the article names (or a name of two words or more)."""
    line_start = text.rfind("\n", 0, span.open) + 1
    match = _INVERTED_CUE.match(text[line_start:span.open])
    if match is None:
        return None
    name = match.group("name")
    words = name_tokens(name)
    if not words or (words[-1] not in full_names and len(words) < 2):
        return None
    start = line_start + match.start("name")
    info = SourceInfo(_fullest(name, full_names), "person", True, None, start,
                      start + len(name))
    return (line_start + match.start("cue"), info, match.group("cue").lower(), None)


def _first_token_in(tokens: Iterable[Any], span: QuoteSpan) -> Any | None:
    """The first of ``tokens`` (in text order) that starts inside the quotation, if any."""
    token = next((t for t in tokens if t.idx >= span.start), None)
    return token if token is not None and token.idx < span.end else None


def _reported_words(doc: Any, span: QuoteSpan, spans: Sequence[QuoteSpan]) -> bool:
    """A short quotation inside what a reporting verb reports is the speaker's words, not a
    scare quote: 'Bopp said he was "shocked and appalled"', 'Vega contended that there was a
    "rush to indict"'. Names and titles after "called", "dubbed" ... stay terms."""
    token = _first_token_in(doc, span)
    if token is None or TERM_CUES.search(doc.text[max(0, span.open - 40):span.open]):
        return False
    others = [s for s in spans if s is not span]
    while token.head.i != token.i:
        if token.dep_ in {"ccomp", "xcomp"} and token.head.lemma_.lower() in SPEECH_VERBS \
                and not _inside(token.head, others):
            return True
        token = token.head
    return False


def _fullest(name: str, full_names: dict[str, str]) -> str:
    """The fullest form the article gives a person named ``name`` (see :func:`_full_names`)."""
    return full_names.get(name) or full_names.get(name.split()[-1].lower()) or name


def _person_mentions(doc: Any, speech: Sequence[QuoteSpan], full_names: dict[str, str]
                     ) -> list[SourceInfo]:
    """Every person named outside quotations (by the fullest form of the name), in order."""
    return [SourceInfo(_fullest(ent.text, full_names), "person", True, None, ent.start_char,
                       ent.end_char)
            for ent in doc.ents
            if ent.label_ == "PERSON" and not _inside(ent[0], speech)]


def _main_clause_people(doc: Any, speech: Sequence[QuoteSpan], full_names: dict[str, str]
                        ) -> list[SourceInfo]:
    """People named as the subject of a main clause, outside quotations, in text order."""
    people: list[SourceInfo] = []

    def is_main_subject(token: Any) -> bool:
        if token.dep_ == "appos":  # "Her deputy, Tom Park, disagreed."
            token = token.head
        return token.dep_ in {"nsubj", "nsubjpass"} and token.head.dep_ in {"ROOT", "conj"}

    def is_person(ent: Any) -> bool:
        # a surname the model tags as a place or an organisation here ("Etheridge, a
        # Democrat, is seen ...") but as a person elsewhere in the article
        if ent.label_ == "PERSON":
            return True
        if ent.label_ not in {"ORG", "GPE", "NORP"}:
            return False
        words = name_tokens(ent.text)  # one name word, hyphenated or not ("Ocasio-Cortez")
        return len(words) == 1 and words[0] in full_names

    for ent in doc.ents:
        if not is_person(ent) or _inside(ent[0], speech) or not is_main_subject(ent.root):
            continue
        people.append(SourceInfo(_fullest(ent.text, full_names), "person", True, None,
                                 ent.start_char, ent.end_char))
    # A capitalised name the model did not tag ("King disagreed.").
    for token in doc:
        if (token.pos_ == "PROPN" and not token.ent_type_ and token.text[:1].isupper()
                and token.dep_ == "nsubj" and token.head.dep_ == "ROOT"
                and token.head.pos_ == "VERB" and not _inside(token, speech)):
            people.append(SourceInfo(full_names.get(token.lower_, token.text), "person", True,
                                     None, token.idx, token.idx + len(token.text)))
    people.sort(key=lambda p: p.start)
    return people


def _verb_source(verb: Any, full_names: dict[str, str]) -> tuple[SourceInfo | None, str]:
    if verb.lemma_ == "quote":
        obj = [c for c in verb.children if c.dep_ in {"dobj", "nsubjpass"}]
        if obj:
            return classify(phrase_tokens(obj[0]), full_names=full_names), "quoted ... as saying"
        return None, ""
    subject = _subject(verb)
    author = _document_author(verb, subject)
    if author is not None:
        # "a statement from Senate Majority Leader Harry Reid's office reads", "the report,
        # by White House Counsel Robert Bauer, concluded": who wrote it speaks
        info = classify(phrase_tokens(author), full_names=full_names)
        if info is not None:
            return info, _cue_text(verb)
    if verb.lemma_ == "read":
        return None, ""  # "the letter reads": a quotation of a document, no speaker
    if subject is None or subject.dep_ == "nsubjpass":
        agent = _agent(verb)
        if agent is None:
            named = _person_before_verb(verb) if subject is None else None
            if named is not None:
                info = classify(list(named), full_names=full_names)
                return (None, "") if info is None else (info, _cue_text(verb))
            return None, ""
        # "News of the conversation was first reported by Greg Sargent"
        info = classify(phrase_tokens(agent), full_names=full_names)
        return info, f"{verb.text} by"
    named_appos = _named_appositive(subject)
    if named_appos is not None:
        # "Okafor's lawyer, Priya Natarajan, said": the name is the source, the rest its role.
        role_tokens = [t for t in phrase_tokens(subject) if t.lower_ not in {"a", "an", "the"}]
        info = classify(phrase_tokens(named_appos), full_names=full_names)
        if info is not None:
            role = text_of(role_tokens) or None
            return (SourceInfo(info.name, info.kind, info.named,
                               info.role or (role if info.kind == "person" else None),
                               info.start, info.end, info.pronoun, info.gender),
                    _cue_text(verb))
    tokens = phrase_tokens(subject)
    info = classify(tokens, full_names=full_names)
    if info is None:
        return None, ""
    info = _resolve_definite(info, subject)
    role = appositive_role(subject)
    if role and info.kind == "person" and not info.role:
        info = SourceInfo(info.name, info.kind, info.named, role, info.start, info.end,
                          info.pronoun, info.gender)
    return info, _cue_text(verb)


# a quotation this long at least, alone in its sentence, is the statement before it continued
# (shorter ones are titles and terms: ABC's "This Week.")
STATEMENT_QUOTE_WORDS = 4


def _fills_sentence(text: str, sent: Any, span: QuoteSpan) -> bool:
    """Whether the quotation, of at least :data:`STATEMENT_QUOTE_WORDS` words, is all of its
    sentence but for punctuation: no cue, no words around it."""
    return (not text[sent.start_char : span.open].strip()
            and not text[span.close : sent.end_char].strip(" \t\n.,;:!?\"'”’")
            and len(text[span.start : span.end].split()) >= STATEMENT_QUOTE_WORDS)


def _lone_quote_subject(context: _Context, text: str, sent: Any, span: QuoteSpan,
                        sent_quotes: Sequence[QuoteSpan], before: Sequence[QuoteSpan]
                        ) -> SourceInfo | None:
    """The speaker of a quotation that makes up its sentence, with no cue, after a sentence
    with no quotation whose main clause has a person as subject: that person ("Sanders has
    opposed the trade deal. / “It is a failed trade policy ...”")."""
    if before or len(sent_quotes) != 1 or not _fills_sentence(text, sent, span):
        return None
    return context.subject_near(sent.start_char)


def _document_author(verb: Any, subject: Any | None) -> Any | None:
    """The author of a document that is the subject of ``verb``: the object of "from" or
    "by" on the document ("a statement from X reads") or, set off by commas between the
    document and the verb, on the verb ("the report, by X, concluded"). ``subject``: the
    verb's (:func:`_subject`)."""
    if (subject is None or subject.dep_ != "nsubj"
            or not noun_in(subject.lower_, DOCUMENT_NOUNS)):
        return None
    preps = [c for c in subject.children if c.dep_ == "prep" and c.lower_ in {"from", "by"}]
    preps += [c for c in verb.children if c.dep_ == "prep" and c.lower_ == "by"
              and subject.i < c.i < verb.i and c.i > 0 and c.doc[c.i - 1].text == ","]
    for prep in preps:
        for pobj in prep.children:
            if pobj.dep_ != "pobj" or any(c.dep_ == "conj" for c in pobj.children):
                continue  # several authors ("the lawsuit from Nebraska and Oklahoma")
            owners = [pobj, *(c for c in pobj.children if c.dep_ == "poss")]
            if any(t.ent_type_ in {"PERSON", "ORG"} for t in owners):
                return pobj  # "from Mr. Reid", "from Harry Reid's office"
    return None


_DEFINITE_ORG = re.compile(
    r"^the (?:company|firm|group|carmaker|automaker|airline|lender|retailer|insurer|"
    r"manufacturer|chipmaker|startup|conglomerate|operator|utility|miner|producer|club|team)$",
    re.IGNORECASE)


#: what may lie between a person's name and a reporting verb the parser left without a
#: subject: nothing, or one or two phrases set off by commas ("Wayne Pacelle, the CEO of ...,
#: said", "Rep. Bobby Scott, D-Va., one of the nine lawmakers to vote against it, said")
_NAME_TO_VERB = re.compile(r"\s*(?:,[^,]+,(?:[^,]+,)?)?\s*")


def _person_before_verb(verb: Any) -> Any | None:
    """The person named right before a reporting verb that has no subject in the parse (a
    misparse: "In a post to Twitter, Wayne Pacelle, the CEO of ..., said" reads "Pacelle" as
    coordinated with "Twitter"): the nearest person entity of the sentence before the main
    verb, when nothing but a phrase set off by commas separates the two."""
    if verb.dep_ not in {"ROOT", "parataxis"} or verb.tag_ == "VBG":
        return None  # a participle speaks for its clause's subject (_participle_source)
    sentence = verb.sent
    # the verb's own adverbs go with it ("Blumenthal, advocating for troops, clearly says")
    end = verb.i
    while end > sentence.start and verb.doc[end - 1].dep_ == "advmod" \
            and verb.doc[end - 1].head.i == verb.i:
        end -= 1
    before = [e for e in verb.doc.ents if e.label_ == "PERSON"
              and sentence.start <= e.start and e.end <= end]
    if not before:
        return None
    name = before[-1]
    if not _NAME_TO_VERB.fullmatch(verb.doc[name.end : end].text):
        return None
    return name


def _participle_source(verb: Any, full_names: dict[str, str]) -> SourceInfo | None:
    """The implied speaker of a reporting participle without a subject of its own: the
    subject of the clause it hangs from ("Trump appeared to respond ..., writing:")."""
    if not (verb.tag_ == "VBG" or _noun_gerund(verb)) or \
            verb.dep_ not in {"advcl", "xcomp", "conj"}:
        return None
    if _subject(verb) is not None or _agent(verb) is not None:
        return None
    head = verb.head
    if head.dep_ == "ccomp" and verb.dep_ == "advcl" and _set_off(verb) and \
            head.head.i != head.i:
        # a participle set off by a comma after what is reported speaks for the reporter:
        # "Obama disputed that Democrats feel betrayed ..., saying that “...”"
        head = head.head
    while head.dep_ == "xcomp" and head.head.i != head.i:
        head = head.head  # "appeared to respond": the subject of "appeared"
    if head.dep_ in {"ccomp", "relcl", "acl"}:
        return None  # inside what is reported or described: its subject is not the speaker
    subject = _subject(head)
    if subject is None or subject.dep_ != "nsubj":
        return None
    return classify(phrase_tokens(subject), full_names=full_names)


# Verbs that characterise something in the speaker's words: "called the ruling “a disgrace
# to the city”", "labeling it the “wrong move at the wrong time”", "criticized the study as
# “deeply flawed”".
CHARACTERISING_VERBS = frozenset({
    "call", "label", "brand", "dub", "term", "describe", "characterize", "characterise",
    "criticize", "criticise", "denounce", "deride", "dismiss", "hail", "accuse", "charge",
})
# the quotation starts within this many words after the verb (its object and the article)
CHARACTERISING_REACH = 6


def _characterising_cue(doc: Any, span: QuoteSpan, full_names: dict[str, str],
                        context: _Context) -> tuple[int, SourceInfo, str, Any] | None:
    """The speaker of a quotation that is the complement of a characterising verb: the
    verb's subject, or for a participle the subject of the clause it hangs from."""
    token = _first_token_in(doc, span)
    if token is None:
        return None
    while token.head.i != token.i:
        if token.dep_ in {"ccomp", "relcl", "advcl", "conj"} and \
                token.head.lemma_.lower() not in CHARACTERISING_VERBS:
            return None  # another clause: not what the verb says of its object
        token = token.head
        if token.lemma_.lower() in CHARACTERISING_VERBS and token.pos_ == "VERB":
            break
    else:
        return None
    verb = token
    if verb.idx > span.open or len(doc.text[verb.idx:span.open].split()) > CHARACTERISING_REACH:
        return None
    if verb.tag_ == "VBG":
        info = _participle_source(verb, full_names)
    else:
        info, _ = _verb_source(verb, full_names)
    if info is None:
        return None
    return verb.idx, context.resolve(info), verb.text, verb


#: what may lie between a reporting participle and the quotation it introduces
_PARTICIPLE_TO_QUOTE = re.compile(r"\s*(?:[:,]|,?\s*that)?\s*")


def _participle_cue(text: str, span: QuoteSpan,
                    cues: list[tuple[int, SourceInfo, str, Any]]
                    ) -> tuple[int, SourceInfo, str, Any] | None:
    """A participle cue directly before the quotation ("writing: “...”", "saying that
    “...”"), for a quotation with no other cue."""
    for cue in cues:
        verb = cue[3]
        end = verb.idx + len(verb.text)
        if end <= span.open and _PARTICIPLE_TO_QUOTE.fullmatch(text[end : span.open]):
            return cue
    # ... or the quotation lies in what the participle reports ("saying it was “imperative”
    # that voters back her", "writing Monday that the investigation “should be dropped”")
    for cue in cues:
        verb = cue[3]
        first = _first_token_in(verb.doc[verb.i + 1 :], span)
        if first is None:
            continue
        if len(text[verb.idx : span.open].split()) <= PARTICIPLE_REACH and any(
                c.dep_ == "ccomp" and c.left_edge.i <= first.i <= c.right_edge.i
                for c in verb.children):
            return cue
    return None


# a quotation inside what a participle reports starts within this many words of it
PARTICIPLE_REACH = 12


def _resolve_definite(info: SourceInfo, subject: Any) -> SourceInfo:
    """"The company said" names the organisation mentioned last before it."""
    if not _DEFINITE_ORG.match(info.name.strip()):
        return info
    before = [e for e in subject.doc.ents if e.label_ == "ORG" and e.end <= subject.i]
    if not before:
        return info
    return SourceInfo(before[-1].text, "organisation", True, None, info.start, info.end)


def _agent(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return pobj
    return None


def _adding_clause(verb: Any) -> Any | None:
    for child in verb.children:
        if child.lemma_ == "add" and child.dep_ in {"advcl", "xcomp", "conj"} and any(
                c.dep_ == "ccomp" for c in child.children):
            return child
    return None


def _named_appositive(subject: Any) -> Any | None:
    """The appositive of a common-noun subject when it is a name (PERSON or ORG)."""
    if subject.ent_type_ not in ("", "CARDINAL") or subject.pos_ == "PRON":
        return None  # ("one of her lawyers, Tom Kirsch, said" has a CARDINAL subject)
    for child in subject.children:
        if child.dep_ == "appos" and child.ent_type_ in {"PERSON", "ORG"}:
            return child
    # "A spokesman for Mr. Hunter, Michael Harrison, said": the parser hangs the name on the
    # nearer noun; a person named last in the subject, set off by commas, is the subject.
    for token in subject.subtree:
        if (token.dep_ == "appos" and token.ent_type_ == "PERSON" and token.head is not subject
                and token.right_edge.i >= subject.right_edge.i - 1
                and token.left_edge.i > subject.left_edge.i
                and token.doc[token.left_edge.i - 1].text == ","):
            return token
    return None


def _reporting_verbs(tokens: Any, speech: Sequence[QuoteSpan]) -> list[Any]:
    """Reporting verbs ("said", "told", "quoted") outside quotation marks, and reporting
    participles the tagger read as nouns (", writing: “...”")."""
    return [t for t in tokens if ((t.lemma_.lower() in SPEECH_VERBS and t.pos_ in {"VERB", "AUX"})
                                  or _noun_gerund(t) or _document_reads(t))
            and not _inside(t, speech)]


def _document_reads(token: Any) -> bool:
    """ "reads" with a document by a known author as subject ("..., reads a statement from
    Harry Reid's office")."""
    return (token.lemma_ == "read" and token.pos_ == "VERB"
            and _document_author(token, _subject(token)) is not None)


#: the -ing forms of the reporting verbs ("saying", "writing")
_GERUNDS = frozenset({v + "ing" for v in SPEECH_VERBS}
                     | {v[:-1] + "ing" for v in SPEECH_VERBS if v.endswith("e")})


def _noun_gerund(token: Any) -> bool:
    """A reporting participle tagged as a noun: "responded on Twitter, writing: “...”"."""
    return (token.tag_ == "NN" and token.dep_ == "advcl" and token.lower_ in _GERUNDS
            and _set_off(token))


def _set_off(token: Any) -> bool:
    """Whether a comma comes right before the phrase ``token`` heads."""
    first = token.left_edge
    return bool(first.i > 0 and first.nbor(-1).text == ",")


def _outlet_attribution(verb: Any, full_names: dict[str, str], sentence: int
                        ) -> list[Attribution]:
    """"Yonhap quoted the office as saying ...": the outlet that quotes is a source too."""
    if verb.lemma_ != "quote":
        return []
    media = _quoting_outlet(verb, full_names)
    return [] if media is None else [_attribution(media, "quoted ... as saying", sentence)]


def _quoting_outlet(verb: Any, full_names: dict[str, str]) -> SourceInfo | None:
    subject = _subject(verb)
    if subject is None:
        return None
    return classify(phrase_tokens(subject), full_names=full_names, via_quote=True)


def _nearest(span: QuoteSpan, candidates: list[tuple[int, SourceInfo, str, Any]]
             ) -> tuple[int, SourceInfo, str, Any] | None:
    if not candidates:
        return None

    def distance(item: tuple[int, SourceInfo, str, Any]) -> int:
        offset = item[0]
        if offset >= span.close:
            return offset - span.close
        if offset < span.open:
            return span.open - offset
        return 0

    return min(candidates, key=distance)


def _adjacent_to_quote(verb: Any, sent_quotes: list[QuoteSpan]) -> bool:
    """A verb whose clause is mostly a quotation ("'...,' he said") cues that quote."""
    clause = list(verb.subtree)
    start, end = clause[0].idx, clause[-1].idx + len(clause[-1].text)
    for span in sent_quotes:
        if span.open < end and start < span.close:
            return True
        if 0 <= verb.idx - span.close <= 3 or 0 <= span.open - (verb.idx + len(verb.text)) <= 3:
            return True
    return False


def _reports_statement(verb: Any) -> bool:
    deps = {c.dep_ for c in verb.children}
    if deps & {"ccomp", "xcomp", "parataxis"}:
        return True
    if verb.dep_ in {"parataxis", "ccomp"} or (verb.dep_ == "ROOT" and any(
            c.dep_ in {"ccomp", "advcl"} for c in verb.children)):
        return True
    if verb.lemma_ in NOUN_OBJECT_VERBS and "dobj" in deps:
        return True
    if verb.lemma_ == "quote" or (verb.lemma_ in NOUN_OBJECT_VERBS and "agent" in deps):
        return True
    # "Police arrested three men ..., a police spokesperson said." — the reporting clause closes
    # the sentence after a comma and carries nothing of its own.
    subtree = list(verb.subtree)
    if verb.dep_ == "ROOT" and subtree[0].i > verb.sent.start:
        before = verb.doc[subtree[0].i - 1]
        if before.text in {",", "\u2014", "--"} and not (deps & {"dobj", "attr", "acomp"}):
            return True
    # "the talks were productive, officials said." — the verb hangs off the statement.
    return verb.dep_ in {"advcl", "conj"} and verb.head.pos_ in {"VERB", "AUX"}


def _continues(text: str, previous_close: int, open_at: int) -> bool:
    """A quote with no cue continues the previous speaker's quote when nothing but at most one
    paragraph break and a short stretch of text lies between them."""
    if previous_close < 0:
        return False
    between = text[previous_close:open_at]
    return between.count("\n\n") + between.count("\n") <= 2 and len(between.strip()) <= 120


def _next_sentence(text: str, previous_sentence: int, sentence: int, previous_close: int,
                   open_at: int) -> bool:
    """A quote with no cue that opens its sentence also continues the previous quote when that
    sentence comes right after the quote's, in the next paragraph at most: what lies between is the
    previous quote's own cue, however long ('"...," Representative Jerrold Nadler, Democrat
    of New York and the chairman of the House Judiciary Committee, said on CNN. / "But more
    to the point, ..."')."""
    if previous_sentence < 0 or sentence != previous_sentence + 1:
        return False
    between = text[previous_close:open_at]
    return between.count("\n") <= 2 and not between.rstrip().endswith(":")


def _attribution(info: SourceInfo, cue: str, sentence: int) -> Attribution:
    return Attribution(sentence=sentence, start=info.start, end=info.end, source=info.name,
                       kind=info.kind, named=info.named, cue=cue)
