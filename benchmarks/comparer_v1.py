"""The comparer as it stood before comparison v2 (commit 2e89c14), kept as the peer of
`benchmarks/briefs_quality.py`. Not part of the package.

It is today's :class:`corroborate.align.Comparer` with what v1 did differently put back:
sentence and punctuation-clause claims (:class:`SentenceSplitter`), mutual-best-match links and
average-link grouping with one statement per article in a fact, number disputes joined by
merging two facts, and v1's thresholds (grouping 0.55, value comparison 0.6). Everything else
(pair scoring, lineages, sources, differences, the brief) is the package's own code, so the two
comparers differ only in how claims and facts are formed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from corroborate.align import Comparer as CurrentComparer
from corroborate.align.compare import DISPUTE_LINK, Joins, _Node, figures_conflict
from corroborate.align.propositions import Proposition
from corroborate.embed import Embedder
from corroborate.model import Analysis, Claim

GROUP_THRESHOLD = 0.55
STRONG_LINK = 0.8
DIFF_MIN_SCORE = 0.6


class Comparer(CurrentComparer):
    """The v1 comparer (see the module docstring)."""

    diff_min_score = DIFF_MIN_SCORE

    def __init__(self, embedder: Embedder | None = None) -> None:
        super().__init__(embedder, threshold=GROUP_THRESHOLD, splitter=SentenceSplitter(),
                         use_pair_model=False)

    @property
    def name(self) -> str:
        return f"corroborate-aligner/1 (v1 peer)+{self.embedder.name}"

    def _groups(self, nodes: Sequence[_Node], scores: dict[tuple[int, int], float],
                by_id: dict[str, Analysis]) -> tuple[list[list[int]], Joins]:
        groups = _group(nodes, _links(nodes, scores, self.threshold), scores, self.threshold)
        return _join_number_disputes(nodes, groups, scores, by_id)


class SentenceSplitter:
    """v1's claims: the headline, the sentences, and clauses split at punctuation."""

    def split(self, analyses: Sequence[Analysis]) -> list[list[Proposition]]:
        return [[Proposition(c, a.article.claim_text(c)) for c in extract_claims(a)]
                for a in analyses]


# -- claims (formerly corroborate/align/claims.py) -------------------------------------------

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


# -- grouping ------------------------------------------------------------------------------

def _links(nodes: Sequence[_Node], scores: dict[tuple[int, int], float], threshold: float
           ) -> dict[tuple[int, int], float]:
    """The pairs that may join one fact: mutual best matches across two articles that reach
    ``threshold``, and any pair that reaches :data:`STRONG_LINK`."""
    # Best matches are taken among the other article's sentences and its headline apart: a
    # headline summarises the lead and must not stop the lead from matching the other lead.
    best: dict[tuple[int, str, str], float] = {}
    for (i, j), score in scores.items():
        for a, b in ((i, j), (j, i)):
            key = (a, nodes[b].claim.article, nodes[b].claim.field)
            if score > best.get(key, -1.0):
                best[key] = score
    links = {}
    for (i, j), score in scores.items():
        ci, cj = nodes[i].claim, nodes[j].claim
        if score >= STRONG_LINK or (score >= threshold and (
                score >= best[(i, cj.article, cj.field)] - 1e-9
                and score >= best[(j, ci.article, ci.field)] - 1e-9)):
            links[(i, j)] = score
    return links


def _slots(nodes: Sequence[_Node], members: Sequence[int]) -> set[tuple[str, str]]:
    """What a group holds of each article: its headline and at most one of its statements."""
    return {(nodes[k].claim.article, nodes[k].claim.field) for k in members}


def _group(nodes: Sequence[_Node], links: dict[tuple[int, int], float],
           scores: dict[tuple[int, int], float], threshold: float) -> list[list[int]]:
    """Average-link agglomeration of claims under two constraints: a fact holds at most one
    statement of each article (plus, possibly, that article's headline), and merged groups
    must average ``threshold`` over all their cross pairs (pairs never scored count as 0).
    Pairs are visited best first, so the result is deterministic."""
    group_of = list(range(len(nodes)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(nodes))}
    # Sentences first, headlines after: a headline summarises its lead and would otherwise
    # take the lead's place in a fact (one claim per article).
    def order(kv: tuple[tuple[int, int], float]) -> tuple[int, float, tuple[int, int]]:
        (i, j), score = kv
        titles = (nodes[i].claim.field == "title") + (nodes[j].claim.field == "title")
        return (titles, -score, (i, j))

    for (i, j), score in sorted(links.items(), key=order):
        if score < threshold:
            continue
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        left, right = members[gi], members[gj]
        if _slots(nodes, left) & _slots(nodes, right):
            continue
        total = sum(scores.get((min(a, b), max(a, b)), 0.0) for a in left for b in right)
        if total / (len(left) * len(right)) < threshold:
            continue
        keep, drop = (gi, gj) if gi < gj else (gj, gi)
        members[keep] = sorted(members[keep] + members.pop(drop))
        for k in members[keep]:
            group_of[k] = keep
    return [m for _, m in sorted(members.items())]


def _join_number_disputes(nodes: Sequence[_Node], groups: list[list[int]],
                          scores: dict[tuple[int, int], float], by_id: dict[str, Analysis]
                          ) -> tuple[list[list[int]], set[tuple[int, int]]]:
    """Join two facts when a claim of each gives a conflicting figure for the same specific
    thing ("about 30 minutes" vs "about 25 minutes"; "120 firefighters" vs "150") and the two
    claims are related (score ≥ :data:`DISPUTE_LINK`): outlets that disagree on a number
    often word the rest differently, and the dispute is what the reader needs to see."""
    group_of = {k: g for g, members in enumerate(groups) for k in members}
    merged = [list(g) for g in groups]
    alive = [True] * len(groups)
    joins: set[tuple[int, int]] = set()
    for (i, j), score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if score < DISPUTE_LINK:
            break
        gi, gj = group_of[i], group_of[j]
        if gi == gj or not alive[gi] or not alive[gj]:
            continue
        if _slots(nodes, merged[gi]) & _slots(nodes, merged[gj]):
            continue
        if nodes[i].source == nodes[j].source:
            continue
        if not figures_conflict(nodes[i], nodes[j], by_id):
            continue
        keep, drop = (gi, gj) if gi < gj else (gj, gi)
        merged[keep] = sorted(merged[keep] + merged[drop])
        alive[drop] = False
        joins.add((i, j))
        for k in merged[keep]:
            group_of[k] = keep
    return [g for g, ok in zip(merged, alive, strict=True) if ok], {k: () for k in joins}
