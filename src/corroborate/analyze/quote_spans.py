"""Finding direct quotations by their quotation marks (pure text, total).

Handles curly and straight double quotes, quotes that run over several sentences, and the news
convention of a quote continuing into the next paragraph, which opens with a new quotation mark
and leaves the previous one unclosed. Scare quotes and titles ("informal talks", "Parasite") are
not quotations: they are returned as terms, so later stages can compare characterisations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPENERS = {"\u201c": "\u201d", "\u201e": "\u201d", "\u00ab": "\u00bb"}
CLOSERS = {"\u201d", "\u00bb"}
STRAIGHT = '"'
SPEECH_BEFORE = re.compile(
    r"\b(?:said|says|say|told \w+|added|asked|wrote|replied|declared|insisted|stated"
    r"|explained|warned|shouted|tweeted)[,:]?\s*$", re.IGNORECASE)
TERM_CUES = re.compile(
    r"(?:called|calling|calls|describ\w+ (?:\w+ )?as|dubbed|so-called|termed|labell?ed|branded"
    r"|referred to (?:\w+ )?as|known as|titled|entitled|named|the word|the term|the phrase)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """``start``/``end``: the quoted words; ``open``/``close``: including the marks (``close``
    equals ``end`` when the quotation is left unclosed at the end of a paragraph)."""

    open: int
    start: int
    end: int
    close: int
    is_term: bool


def _raw_spans(text: str) -> list[tuple[int, int, bool]]:
    """(index of opening mark, index of closing mark or paragraph end, closed?)."""
    spans: list[tuple[int, int, bool]] = []
    open_at: int | None = None
    open_kind = ""
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" and open_at is not None and not _runs_on(text, i, open_kind):
            # A quotation left open at a paragraph end ends there (it may go on in the next
            # paragraph, which then opens with its own mark).
            spans.append((open_at, i, False))
            open_at = None
        elif open_at is None:
            if ch in OPENERS or (ch == STRAIGHT and _can_open(text, i)):
                open_at, open_kind = i, ch
        elif (open_kind == STRAIGHT and (ch == STRAIGHT or ch in CLOSERS)) or (
            open_kind in OPENERS and (ch in CLOSERS or (ch == STRAIGHT and _can_close(text, i)))
        ):
            # marks of both kinds close each other: scraped pages mix them ('didn't "reflect
            # who I am.”', '“I said it," Trump said')
            spans.append((open_at, i, True))
            open_at = None
        elif open_kind in OPENERS and ch in OPENERS:
            open_at, open_kind = i, ch  # an unbalanced opener: restart at the newest one
        i += 1
    if open_at is not None:
        spans.append((open_at, n, False))
    return spans


RUN_ON_LINES = 4
RUN_ON_CHARS = 1200


def _runs_on(text: str, newline: int, open_kind: str) -> bool:
    """Whether a quotation open at a line break goes on into the next line without a new
    mark: text split into one sentence per line, where the quote closes a line or two
    later. The next lines must open with no quotation mark of their own, and the next mark
    met must be this quotation's closing one."""
    rest = text[newline + 1 : newline + 1 + RUN_ON_CHARS]
    lines = 0
    for k, ch in enumerate(rest):
        if ch == "\n":
            lines += 1
            if lines >= RUN_ON_LINES:
                return False
            continue
        if ch == STRAIGHT:
            return not _can_open(text, newline + 1 + k)
        if ch in OPENERS:
            return False
        if ch in CLOSERS:
            return True
    return False


def _can_close(text: str, i: int) -> bool:
    """A straight mark right after a word or punctuation, not before one: it closes."""
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return bool(before) and not before.isspace() and (not after or not after.isalnum())


def _can_open(text: str, i: int) -> bool:
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return bool(nxt) and not nxt.isspace()


def find_quote_spans(text: str) -> list[QuoteSpan]:
    result: list[QuoteSpan] = []
    for open_at, close_at, closed in _raw_spans(text):
        start = open_at + 1
        end = close_at
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        content = text[start:end]
        result.append(QuoteSpan(open_at, start, end, close_at + 1 if closed else close_at,
                                _is_term(text, open_at, content)))
    return result


def _is_term(text: str, open_at: int, content: str) -> bool:
    """Scare quotes, names and titles rather than a quotation of speech."""
    words = content.split()
    if len(words) >= 8:
        return False
    before = text[max(0, open_at - 40) : open_at]
    if TERM_CUES.search(before):
        return True
    if SPEECH_BEFORE.search(before):
        return False  # 'said "we are sad"': speech, however short
    has_sentence_punct = bool(re.search(r"[.!?,;:]$", content)) or bool(
        re.search(r"[.!?]\s", content))
    if len(words) <= 3 and not has_sentence_punct:
        return True
    # A short Title Case phrase without punctuation: a title or a name.
    return (len(words) <= 6 and not has_sentence_punct
            and all(w[:1].isupper() or w.lower() in {"of", "the", "a", "and", "in", "to"}
                    for w in words))
