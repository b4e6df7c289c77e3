"""Source independence: which articles are one source, and which claims an article credits to
another outlet.

Two articles of one outlet are one lineage. Two articles are one lineage when most of the
shorter one's word 5-grams appear in the other (a wire story republished, verbatim or lightly
edited). A claim whose sentence credits an outlet
("according to Pacific Wire", "the Hanbit News Agency quoted the presidential office as saying")
belongs to that outlet's lineage: to the article of that outlet when it is in the set, otherwise
to the named outlet itself, so two papers citing the same agency count once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from corroborate.model import Analysis, Lineage

SHINGLE = 5
COPY_CONTAINMENT = 0.6
_WORD = re.compile(r"\w+")
_OUTLET_NOISE = frozenset({"the", "news", "agency", "service", "services", "wire", "newswire",
                           "press", "inc", "ltd", "co", "com", "www", "media", "group", "daily",
                           "online", "reported", "report", "reports"})


def shingles(text: str, size: int = SHINGLE) -> frozenset[int]:
    """Hashes of the word ``size``-grams of a text (lower-cased, punctuation ignored)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset({_hash(" ".join(words))}) if words else frozenset()
    return frozenset(_hash(" ".join(words[i : i + size])) for i in range(len(words) - size + 1))


def _hash(gram: str) -> int:
    return int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger one."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def outlet_words(name: str) -> frozenset[str]:
    """The distinctive words of an outlet name ("The Pacific Wire Service" -> pacific)."""
    words = {w for w in _WORD.findall(name.lower()) if w not in _OUTLET_NOISE}
    return frozenset(words or _WORD.findall(name.lower()))


def same_outlet(a: str, b: str) -> bool:
    wa, wb = outlet_words(a), outlet_words(b)
    return bool(wa) and bool(wb) and (wa <= wb or wb <= wa)


def find_lineages(analyses: Sequence[Analysis]) -> list[Lineage]:
    """One lineage per group of copies (singletons included), in input order of their roots.
    The root is the earliest published member, else the one the others credit, else the first
    given."""
    n = len(analyses)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    grams = [shingles(a.article.text) for a in analyses]
    links: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(i + 1, n):
            share = containment(grams[i], grams[j])
            if share >= COPY_CONTAINMENT:
                links[(i, j)] = share
                parent[find(j)] = find(i)
    # Two articles of one outlet are one source too (a follow-up repeats its own reporting).
    for i in range(n):
        for j in range(i + 1, n):
            si, sj = analyses[i].article.source, analyses[j].article.source
            if si.strip().lower() not in ("", "unknown") and si.strip().lower() == \
                    sj.strip().lower() and find(i) != find(j):
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    lineages: list[Lineage] = []
    for members in groups.values():
        root = min(members, key=lambda i: _root_rank(analyses, i, members))
        reasons = []
        for i in members:
            if i == root:
                continue
            share = links.get((min(i, root), max(i, root)), 0.0)
            if share == 0.0:
                share = max(links.get((min(i, k), max(i, k)), 0.0) for k in members if k != i)
            if share == 0.0:
                reasons.append(f"{analyses[i].article.source} ({analyses[i].article.id[:8]}) is "
                               f"another article of the same outlet")
                continue
            reasons.append(f"{analyses[i].article.source} ({analyses[i].article.id[:8]}) repeats "
                           f"{share:.0%} of the wording of {analyses[root].article.source} "
                           f"({analyses[root].article.id[:8]})")
        ids = tuple(analyses[i].article.id for i in sorted(members))
        root_id = analyses[root].article.id
        lineages.append(Lineage(f"L{len(lineages) + 1}", ids, root_id, tuple(reasons)))
    return lineages


def _root_rank(analyses: Sequence[Analysis], i: int, members: list[int]
               ) -> tuple[int, str, int, str, int]:
    article = analyses[i].article
    credited = sum(
        1 for k in members if k != i for x in analyses[k].attributions
        if x.kind == "media" and same_outlet(x.source, article.source)
    )
    # Credit lines such as "(Pacific Wire)" in a copy name the root too.
    credited += sum(1 for k in members if k != i
                    if outlet_words(article.source) and all(
                        w in analyses[k].article.text.lower()
                        for w in outlet_words(article.source)))
    # A day-only publication date ties with any time on that day: credit decides then. A
    # partial date ("2026", "2026-09") names no day and ranks with the undated: "2026" would
    # otherwise sort before every day of 2026.
    day = (article.published or "")[:10]
    dated = len(day) == 10
    return (0 if dated else 1, day if dated else "", -credited,
            _utc(article.published) if dated else "", i)


def _utc(published: str | None) -> str:
    from datetime import UTC, datetime

    if not published:
        return ""
    try:
        moment = datetime.fromisoformat(published)
        if moment.tzinfo is None:
            return moment.isoformat()
        return moment.astimezone(UTC).isoformat()
    except (ValueError, OverflowError):  # unreadable, or "0001-01-01T00:00+05:00"
        return published
