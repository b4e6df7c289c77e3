"""Atomic claims: the propositions a sentence states, found with the dependency parse.

A sentence is cut at the heads of clauses that state a fact of their own:

- coordinated predicates ("Farenthold resigned on Friday and said he would repay the money"),
- relative clauses ("Farenthold, *who used $84,000 in taxpayer funds*, resigned"),
- appositives of three words or more ("Lauren Greene, *his former communications director*"),
- adverbial clauses with their own subject ("*after reports emerged that* …"),
- participles set off by a comma, read with the subject of the clause they hang from
  ("Farenthold was sued in 2014, *alleging gender discrimination*"), and participles that
  describe a noun ("a congressman *representing San Diego County*"),
- what a reporting frame reports, when the frame itself says something (a date, a venue, a
  medium): "Farenthold said in a statement on Friday | that he would leave", and a quotation
  the same way ('"We will not pay for the wall," | Pelosi said on Thursday at the Capitol');
  nothing is cut inside a quotation.

Every token belongs to the nearest clause head above it; a clause with fewer than
:data:`MIN_WORDS` words goes back to the clause it hangs from. A claim is the span of its
tokens, with ``gaps`` over the tokens of the clauses cut out of it. Relative and appositive
clauses are read by the models together with the noun they describe (:attr:`Proposition.text`),
so "who resigned" is compared as "Farenthold who resigned"; where the noun stands just before the
clause the claim's span starts at it too, so a reader sees "Farenthold, who resigned" and
"allegations named in the 48-page indictment" rather than a fragment.

Page furniture — datelines and time stamps on their own line, "Updated: …", bylines, photo
credits, "Read more", share prompts — is never a claim (:func:`is_furniture`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from corroborate.align.once import distinct
from corroborate.model import Analysis, Claim

MIN_WORDS = 4
MIN_APPOSITIVE_WORDS = 3
MIN_REPORTED_WORDS = 5
_WORD = re.compile(r"\w+")
_QUOTE_CHARS = "\"“”‘’'"
_TRIM_DEPS = frozenset({"cc", "punct", "mark", "preconj"})
_CLAUSE_POS = frozenset({"VERB", "AUX"})
# what a reporting verb's frame says beyond who spoke: to whom, where, when, how
_FRAME_DETAIL = frozenset({"prep", "dobj", "dative", "npadvmod", "agent", "advcl"})
_OPENING_QUOTES = "“‘"

# Lines that are page furniture rather than statements.
_FURNITURE = re.compile(
    r"^\W*(?:(?:last\s+)?updated|published|posted|first\s+published|modified)\b"
    r"\s*(?:on|at)?\s*[:\d]"
    r"|^\W*(?:by|photo(?:graph)?s?|image|picture|video|credit|source|via|file\s+photo)\s*[:|]"
    r"|^\W*(?:read|see|watch|listen)\s+(?:more|also|next|the\s+full)\b"
    r"|^\W*(?:more\s+(?:from|on|about|stories)|related\s*(?:stories|articles|coverage)?\s*[:|]?$"
    r"|share\s+(?:this|on)\b|click\s+here|follow\s+us|sign\s+up|subscribe\b|advertisement\b"
    r"|(?:additional\s+)?reporting\s+by\b|editing\s+by\b|writing\s+by\b|compiled\s+by\b"
    r"|©|copyright\b|all\s+rights\s+reserved)",
    re.IGNORECASE)
_BYLINE = re.compile(r"^\s*[Bb][Yy]\s+(?:[A-Z][\w.'’-]+\s*){1,4}"
                     r"(?:(?:and|,)\s*(?:[A-Z][\w.'’-]+\s*){1,4})*(?:[,|/-].{0,40})?$")
_CREDIT_TAIL = re.compile(r"\((?:[A-Z][\w.]*\s*)*(?:photo|image|picture)s?\b[^)]*\)\s*$|"
                          r"\b(?:getty\s+images|ap\s+photo|reuters/|afp\s+photo)\b",
                          re.IGNORECASE)
_TIME_WORDS = re.compile(
    r"\b(?:\d{1,4}(?:st|nd|rd|th)?|a\.?m\.?|p\.?m\.?|ist|gmt|utc|bst|e[sd]t|[cmp][sd]t|"
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|updated|published|posted|"
    r"at|on|am|pm|hrs?|last|modified)\b", re.IGNORECASE)


def is_furniture(line: str) -> bool:
    """True for a line that is page furniture, not a statement: a time stamp or date alone,
    "Updated: …", a byline, a photo credit, "Read more", a share prompt, a copyright line."""
    stripped = line.strip()
    if not stripped:
        return True
    if _FURNITURE.search(stripped) or _BYLINE.match(stripped):
        return True
    words = _WORD.findall(stripped)
    if len(words) <= 12 and _CREDIT_TAIL.search(stripped):
        return True
    # nothing but dates, times and their punctuation ("Tuesday, July 2nd, 2013",
    # "Updated: July 2, 2013 15:01 IST")
    rest = _WORD.findall(_TIME_WORDS.sub(" ", stripped))
    return bool(words) and len(rest) == 0


@dataclass(frozen=True, slots=True)
class Proposition:
    """A claim and the words the models read for it: the claim's own words, preceded by the
    noun a relative or appositive clause describes."""

    claim: Claim
    text: str


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_clause_head(token: Any) -> bool:
    dep = token.dep_
    if dep == "ROOT":
        return True
    if dep == "conj":
        return token.pos_ in _CLAUSE_POS and token.head.pos_ in _CLAUSE_POS
    if dep == "relcl":
        return True
    if dep == "appos":
        # an appositive of the root is a parse without a verb at its top (a dateline)
        # and one not set off by a comma or a bracket is a misparse ("AUCKLAND, Sept 21 -
        # Kang and Sakuraba held ...")
        first = token.left_edge
        set_off = first.i > 0 and first.nbor(-1).text in (",", "(")
        return set_off and token.head.dep_ != "ROOT" and sum(
            1 for t in token.subtree if not t.is_punct) >= MIN_APPOSITIVE_WORDS
    if dep == "advcl":
        if _subject(token) is not None:
            return True
        # a participle set off by a comma states a fact of the main clause's subject:
        # "..., alleging gender discrimination", "..., calling the statement accurate"
        return _participle(token) and _set_off(token)
    if dep == "acl":
        # a participle describing a noun: "a congressman representing San Diego County",
        # "a letter sent to Rosenstein on Aug. 6"
        return _participle(token)
    if dep == "ccomp":
        # what a reporting frame reports, when the frame says more than "X said"
        frame = [t for t in token.head.subtree if not t.is_punct and t not in set(token.subtree)]
        reported = [t for t in token.subtree if not t.is_punct]
        return len(frame) >= MIN_WORDS + 1 and len(reported) >= MIN_REPORTED_WORDS
    return False


def _opens(token: Any) -> bool:
    """Whether a quotation mark opens a quotation (a claim does not end with one)."""
    if token.text in _OPENING_QUOTES:
        return True
    # a straight mark opens where a space (or nothing) comes before it
    return token.text == '"' and (token.i == 0 or bool(token.doc[token.i - 1].whitespace_))


def _participle(token: Any) -> bool:
    return token.tag_ in ("VBG", "VBN") and token.pos_ == "VERB"


def _set_off(token: Any) -> bool:
    first = token.left_edge
    return first.i > 0 and first.nbor(-1).text in (",", "(", "—", "–")


def _subject(token: Any) -> Any | None:
    """The subject of the clause ``token`` heads, when it has one of its own."""
    return next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), None)


def _inside_quotes(sentence: str) -> list[tuple[int, int]]:
    """Character ranges of quotations in ``sentence`` (quotes may be left open)."""
    ranges = []
    for m in re.finditer(r"[\"“][^\"“”]*(?:[\"”]|$)", sentence):
        ranges.append((m.start(), m.end()))
    return ranges


@dataclass(frozen=True, slots=True)
class Part:
    """One proposition of a parsed sentence: the character ranges of its tokens (absolute,
    in text order, whitespace-joined tokens merged) and, for a relative or appositive clause,
    the range of the noun phrase it describes."""

    ranges: tuple[tuple[int, int], ...]
    anchor: tuple[int, int] | None = None
    # the anchor is the noun the clause describes (shown with the claim when it stands before
    # it), not the implied subject of a participle, which the parse often gets wrong
    describes: bool = False


def _depth(token: Any) -> int:
    depth: int = 0
    while token.head.i != token.i:
        token, depth = token.head, depth + 1
    return depth


def split_parsed(doc: Any, offset: int) -> list[Part]:
    """The propositions of one parsed sentence (``doc``), whose text starts at ``offset``."""
    text = doc.text
    quoted = _inside_quotes(text)

    def in_quote(token: Any) -> bool:
        return any(a < token.idx < b for a, b in quoted)

    # no cut inside a quotation, but a quotation a reporting frame reports is cut from the
    # frame when the frame says something of its own ('"...," she told MSNBC's Joy Reid in a
    # town hall interview')
    heads = {t.i for t in doc if _is_clause_head(t)
             and (t.dep_ == "ROOT" or not in_quote(t)
                  or (t.dep_ == "ccomp" and not in_quote(t.head)
                      and any(c.dep_ in _FRAME_DETAIL and not in_quote(c)
                              for c in t.head.children)))}

    def owner(token: Any) -> int:
        while token.i not in heads and token.head.i != token.i:
            token = token.head
        index: int = token.i
        return index

    owned: dict[int, list[Any]] = {}
    for token in doc:
        owned.setdefault(owner(token), []).append(token)
    # fold clauses that are too short into the clause they hang from, deepest first
    for h in sorted(owned, key=lambda i: _depth(doc[i]), reverse=True):
        token = doc[h]
        words = sum(1 for t in owned[h] if not t.is_punct and t.dep_ not in _TRIM_DEPS)
        if words >= MIN_WORDS or token.head.i == token.i:
            continue
        heads.discard(h)
        parent = owner(token.head)
        if parent != h:
            owned.setdefault(parent, []).extend(owned.pop(h))
    # a main clause left too short by a coordinated predicate takes it back ("He came and
    # she left after the meeting ended" stays one claim), and so does a reporting frame left
    # with no more than who spoke once an appositive is cut from it ('"...," said Tomas
    # Hruby, | a spokesman for the fire service')
    for h in [i for i in owned if doc[i].head.i == i]:
        words = sum(1 for t in owned[h] if not t.is_punct and t.dep_ not in _TRIM_DEPS)
        if words < MIN_WORDS:
            for child in [i for i in owned if doc[i].dep_ in ("conj", "ccomp")
                          and doc[i].head.i == h]:
                owned[h].extend(owned.pop(child))
    # a participle gives its words back when cutting it leaves the clause it hangs from too
    # short to state anything ("A poll | released this month by ... | found")
    for h in sorted((i for i in owned if doc[i].dep_ in ("acl", "advcl")
                     and _subject(doc[i]) is None), key=lambda i: _depth(doc[i]), reverse=True):
        parent = owner(doc[h].head)
        if parent == h or parent not in owned:
            continue
        words = sum(1 for t in owned[parent] if not t.is_punct and t.dep_ not in _TRIM_DEPS)
        if words < MIN_WORDS:
            heads.discard(h)
            owned[parent].extend(owned.pop(h))
    parts = []
    for h, tokens in sorted(owned.items(), key=lambda kv: min(t.i for t in kv[1])):
        tokens = sorted(tokens, key=lambda t: t.i)
        while tokens and (tokens[0].is_punct or tokens[0].dep_ in _TRIM_DEPS
                          or tokens[0].is_space):
            tokens = tokens[1:]
        # marks left after the clause's last word, past a cut (the close of a quotation cut
        # from its frame), are not the clause's
        words_at = [n for n, t in enumerate(tokens) if not (t.is_punct or t.is_space)]
        if words_at:
            n = words_at[-1]
            while n + 1 < len(tokens) and tokens[n + 1].i == tokens[n].i + 1:
                n += 1
            tokens = tokens[: n + 1]
        while tokens and (tokens[-1].dep_ in ("cc", "preconj", "mark") or tokens[-1].is_space
                          or (tokens[-1].is_punct and (tokens[-1].text not in _QUOTE_CHARS
                                                       or _opens(tokens[-1])))):
            tokens = tokens[:-1]
        if not tokens:
            continue
        ranges: list[tuple[int, int]] = []
        for t in tokens:
            start, end = t.idx, t.idx + len(t.text)
            if ranges and not text[ranges[-1][1] : start].strip():
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))
        head = doc[h]
        anchor = None
        noun = None
        if head.dep_ in ("relcl", "appos", "acl") and head.head.i != head.i:
            noun = head.head
        elif head.dep_ == "advcl" and _subject(head) is None and head.head.i != head.i:
            noun = _subject(head.head)  # the participle's implied subject
            if noun is not None and noun.i in {t.i for t in tokens}:
                noun = None
        if noun is not None:
            left = min([noun.i, *[c.left_edge.i for c in noun.lefts
                                  if c.dep_ in ("compound", "amod", "nmod", "poss")]])
            anchor = (offset + doc[left].idx, offset + noun.idx + len(noun.text))
        parts.append(Part(tuple((offset + a, offset + b) for a, b in ranges), anchor,
                          anchor is not None and head.dep_ != "advcl"))
    return parts


class Splitter(Protocol):
    """What the comparer needs to cut articles into claims (:class:`PropositionSplitter`)."""

    def split(self, analyses: Sequence[Analysis]) -> list[list[Proposition]]: ...


class PropositionSplitter:
    """Splits analysed articles into propositions with the packaged English model's parser
    (loaded once, lazily). The analysis gives the sentences; each is parsed on its own."""

    def __init__(self, nlp: Any | None = None) -> None:
        self._nlp = nlp

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            from corroborate.analyze.nlp import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    def _parse(self, texts: Sequence[str]) -> Iterable[Any]:
        nlp = self.nlp
        keep = {"tok2vec", "tagger", "parser", "attribute_ruler"}
        disable = [name for name in nlp.pipe_names if name not in keep]
        docs: Iterable[Any] = nlp.pipe(texts, disable=disable, batch_size=256)
        return docs

    def split(self, analyses: Sequence[Analysis]) -> list[list[Proposition]]:
        """The propositions of each article, in text order: the headline (one claim), then
        the parts of every sentence that is not page furniture."""
        jobs: list[tuple[int, int, int]] = []  # (article number, sentence index, start)
        texts: list[str] = []
        result: list[list[Proposition]] = []
        for n, analysis in enumerate(analyses):
            props = []
            title = analysis.article.title.strip()
            text = analysis.article.text
            first = analysis.sentences[0] if analysis.sentences else None
            repeated = first is not None and _same_words(text[first.start : first.end], title)
            if _words(title) >= 3 and not repeated and not is_furniture(title):
                lead = len(analysis.article.title) - len(analysis.article.title.lstrip())
                claim = Claim(analysis.article.id, None, lead, lead + len(title), "title")
                props.append(Proposition(claim, title))
            result.append(props)
            for sentence in analysis.sentences:
                body = text[sentence.start : sentence.end]
                if _words(body) < MIN_WORDS or is_furniture(body):
                    continue
                if body.strip(_QUOTE_CHARS + " ").startswith("(") and \
                        body.rstrip().endswith(")"):
                    continue  # parenthetical notes: credits, corrections
                jobs.append((n, sentence.index, sentence.start))
                texts.append(body)
        # a sentence repeated word for word (a wire passage in several papers) is parsed once:
        # its parts are found at offset 0 and moved to each place it stands
        unique, where = distinct(texts)
        docs = iter(self._parse(unique))
        parsed: list[list[Part]] = []
        for (n, index, start), k in zip(jobs, where, strict=True):
            if k == len(parsed):
                parsed.append(split_parsed(next(docs), 0))
            analysis = analyses[n]
            text = analysis.article.text
            for part in (_moved(p, start) for p in parsed[k]):
                claim = _with_gaps(analysis.article.id, index, part.ranges)
                words = analysis.article.claim_text(claim)
                if _words(words) < 2:
                    continue
                anchor = part.anchor
                if anchor is not None:
                    # the models read the clause with the noun it describes; a reader sees
                    # the noun too when it stands before the clause ("allegations | named
                    # in the 48-page indictment")
                    words = f"{text[anchor[0] : anchor[1]]} {words}"
                    begins = part.ranges[0][0]
                    if part.describes and anchor[1] <= begins and _adjacent(text, anchor[1],
                                                                            begins):
                        claim = _with_gaps(analysis.article.id, index,
                                           _joined(text, (anchor, *part.ranges)))
                result[n].append(Proposition(claim, words))
        return result


def _with_gaps(article_id: str, index: int, ranges: Sequence[tuple[int, int]]) -> Claim:
    """The claim over ``ranges`` (in text order), with gaps over what lies between them."""
    gaps = tuple((ranges[k][1], ranges[k + 1][0]) for k in range(len(ranges) - 1))
    return Claim(article_id, index, ranges[0][0], ranges[-1][1], "text", gaps)


def _adjacent(text: str, end: int, start: int) -> bool:
    """Whether only spaces and commas lie between ``end`` and ``start``."""
    return not text[end:start].strip(" ,\n\t")


def _joined(text: str, ranges: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """``ranges`` with neighbours merged where only spaces and commas lie between them."""
    out: list[tuple[int, int]] = []
    for start, end in ranges:
        if out and _adjacent(text, out[-1][1], start):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return tuple(out)


def _moved(part: Part, offset: int) -> Part:
    """The part of a sentence parsed at offset 0, for the sentence at ``offset``."""
    anchor = part.anchor
    return Part(tuple((offset + a, offset + b) for a, b in part.ranges),
                None if anchor is None else (offset + anchor[0], offset + anchor[1]),
                part.describes)


def _same_words(a: str, b: str) -> bool:
    return [w.lower() for w in _WORD.findall(a)] == [w.lower() for w in _WORD.findall(b)]
