"""Splitting an analysed article into claims: its headline, its sentences, and the clauses of a
sentence that joins two separate facts ("X agreed to A, and to B"; "...; ...")."""

from __future__ import annotations

import re

from corroborate.model import Analysis, Claim

MIN_CLAIM_WORDS = 4
_WORD = re.compile(r"\w+")
# A clause boundary: a semicolon, or a comma before a coordinating conjunction that starts a
# second statement. The conjunction stays with the second clause.
_JOIN = re.compile(r"(?:;\s+|,\s+(?=(?:and|but|while|whereas)\s))")
# Lines that are not statements about the event.
_CREDIT = re.compile(r"^\(?\s*(?:reporting|additional reporting|editing|writing|compiled)\s+by\b"
                     r"|^\(?\s*(?:©|copyright)\b|^\s*(?:read more|related|advertisement)\b",
                     re.IGNORECASE)
_QUOTE_CHARS = "\"“”"


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _inside_quote(text: str, offset: int) -> bool:
    """True when ``offset`` sits inside an open quotation in ``text`` (counted from its start)."""
    straight = text[:offset].count('"')
    curly = text[:offset].count("“") - text[:offset].count("”")
    return straight % 2 == 1 or curly > 0


def split_sentence(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause spans (absolute offsets) of the sentence ``text[start:end]``; the sentence itself
    when it holds one statement. Both sides of a split need ``MIN_CLAIM_WORDS`` words, and
    nothing is split inside a quotation."""
    sentence = text[start:end]
    if any(ch in sentence for ch in _QUOTE_CHARS):
        return [(start, end)]  # quotations may open or close in another sentence
    cuts = [0]
    for m in _JOIN.finditer(sentence):
        if _inside_quote(sentence, m.start()):
            continue
        left = sentence[cuts[-1] : m.start()]
        right = sentence[m.end() :]
        if _words(left) >= MIN_CLAIM_WORDS + 1 and _words(right) >= MIN_CLAIM_WORDS + 1:
            cuts.append(m.end())
    spans: list[tuple[int, int]] = []
    for i, cut in enumerate(cuts):
        stop = cuts[i + 1] if i + 1 < len(cuts) else len(sentence)
        piece_start, piece_end = cut, stop
        piece = sentence[piece_start:piece_end]
        # trim the joining punctuation and spaces
        stripped = piece.rstrip(" ;,")
        piece_end = piece_start + len(stripped)
        lead = len(stripped) - len(stripped.lstrip())
        spans.append((start + piece_start + lead, start + piece_end))
    return spans


def _same_words(a: str, b: str) -> bool:
    return [w.lower() for w in _WORD.findall(a)] == [w.lower() for w in _WORD.findall(b)]


def extract_claims(analysis: Analysis) -> list[Claim]:
    """The headline (when it has words) and every statement of the article, in text order."""
    article = analysis.article
    claims: list[Claim] = []
    title = article.title.strip()
    if _words(title) >= 3:
        lead = len(article.title) - len(article.title.lstrip())
        claims.append(Claim(article.id, None, lead, lead + len(title), "title"))
    text = article.text
    first = analysis.sentences[0] if analysis.sentences else None
    if claims and first is not None and _same_words(text[first.start : first.end], title):
        claims = []  # the text repeats its headline as its first line: one claim, in the text
    for sentence in analysis.sentences:
        body = text[sentence.start : sentence.end]
        if _words(body) < MIN_CLAIM_WORDS or _CREDIT.search(body):
            continue
        if body.strip(_QUOTE_CHARS + " ").startswith("(") and body.rstrip().endswith(")"):
            continue  # parenthetical notes: credits, corrections
        for s, e in split_sentence(text, sentence.start, sentence.end):
            claims.append(Claim(article.id, sentence.index, s, e))
    return claims
