"""Features of a pair of statements for "do these state the same fact?".

Dense: cosine of the MiniLM sentence vectors, and BERTScore-style token alignment (for each word
piece, its best match in the other statement). Lexical: content-word overlap, IDF-weighted
overlap, shared bigrams, TF-IDF cosine. Entities and quantities: capitalised names and numbers
present in one statement and not the other. The IDF comes from the statements being compared
(the story, or the pair file), never from labels.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corroborate.embed import FloatArray, TextEmbedding

FEATURES: tuple[str, ...] = (
    "cosine", "token_precision", "token_recall", "token_f", "token_min_pr", "token_worst",
    "token_unaligned", "jaccard", "overlap_min", "overlap_max", "idf_jaccard",
    "idf_only_a", "idf_only_b", "idf_only_diff", "numbers_mismatched", "numbers_any",
    "numbers_equal", "names_mismatched", "length_ratio", "bigram_overlap", "length_diff",
    "tfidf_cosine",
    # token alignment in detail: percentiles of each token's best match (the weaker direction
    # first), share of poorly aligned tokens, share of mutual best token matches
    "token_p0_min", "token_p0_max", "token_p10_min", "token_p10_max", "token_p25_min",
    "token_p25_max", "token_p50_min", "token_p50_max", "unaligned_05_min", "unaligned_05_max",
    "unaligned_07_min", "unaligned_07_max", "token_mutual",
    # words: n-gram precision in both directions, what one side has and the other lacks
    "unigram_min", "unigram_max", "trigram_min", "trigram_max", "numbers_only_min",
    "numbers_only_max", "names_only_min", "names_only_max", "content_only_min",
    "content_only_max", "negation_mismatch", "log_length_min", "log_length_max",
)
NUMBER_FEATURES = ("numbers_mismatched", "numbers_any", "numbers_equal")

STOPWORDS = frozenset([
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "but", "is", "are", "was",
    "were", "be", "been", "being", "by", "with", "from", "as", "that", "this", "these", "those",
    "it", "its", "he", "she", "they", "his", "her", "their", "we", "our", "you", "i", "said",
    "says", "say", "has", "have", "had", "will", "would", "could", "should", "may", "might", "do",
    "does", "did", "not", "no", "than", "then", "there", "here", "which", "who", "whom", "whose",
    "what", "when", "where", "why", "how", "also", "into", "over", "after", "before", "about",
    "more", "most", "up", "out", "if", "so", "such", "told", "tell", "according"
])
_TOKEN = re.compile(r"[A-Za-z]+(?:[-'’][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "dozen": "12",
    "fifteen": "15", "twenty": "20", "thirty": "30", "fifty": "50", "hundred": "100",
}


def _stem(word: str) -> str:
    return word[:6]


# Grammatical negation only: "denied that X" still restates X (the stance is a matter for the
# reader, or for the stance classifier's refutation cues).
_NEGATIONS = frozenset({"not", "no", "never", "nobody", "nothing", "none", "neither", "nor",
                        "without", "n't"})


@dataclass(frozen=True, slots=True)
class Statement:
    """What the features need of one statement, computed once."""

    tokens: tuple[str, ...]
    stems: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    numbers: frozenset[str]
    names: frozenset[str]
    content_count: int
    embedding: TextEmbedding
    unigrams: Counter[str]
    trigrams: Counter[tuple[str, str, str]]
    content: frozenset[str]
    negated: bool


def _number_value(raw: str) -> str:
    cleaned = raw.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        return raw
    return f"{value:g}"


def prepare(text: str, embedding: TextEmbedding) -> Statement:
    words = _TOKEN.findall(text)
    lower = tuple(w.lower() for w in words)
    content = [w for w in lower if w not in STOPWORDS]
    numbers = {_number_value(n) for n in _NUMBER.findall(text)}
    numbers |= {_NUMBER_WORDS[w] for w in lower if w in _NUMBER_WORDS}
    names = {w.lower() for i, w in enumerate(words)
             if i > 0 and w[:1].isupper() and w.lower() not in STOPWORDS}
    return Statement(
        tokens=lower, stems=frozenset(_stem(w) for w in content),
        bigrams=frozenset(itertools.pairwise(lower)), numbers=frozenset(numbers),
        names=frozenset(names), content_count=len(content), embedding=embedding,
        unigrams=Counter(lower), trigrams=Counter(zip(lower, lower[1:], lower[2:], strict=False)),
        content=frozenset(content),
        negated=any(w in _NEGATIONS or w.endswith("n't") for w in lower),
    )


class Idf:
    """Inverse document frequency of content stems over a set of statements, scaled to [0, 1]
    (divided by the IDF of a stem seen once) so that features do not depend on the set size."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        counts: Counter[str] = Counter()
        for s in statements:
            counts.update(s.stems)
        n = max(1, len(statements))
        self._top = math.log(1 + n)
        self._idf = {stem: math.log((1 + n) / (1 + c)) / self._top + 1 / self._top
                     for stem, c in counts.items()}
        self._unseen = 1.0 + 1 / self._top
        self._norms: dict[frozenset[str], float] = {}

    def __getitem__(self, stem: str) -> float:
        return self._idf.get(stem, self._unseen)

    def weight(self, stems: frozenset[str]) -> float:
        get, unseen = self._idf.get, self._unseen
        return sum(get(s, unseen) for s in stems)

    def squares(self, stems: frozenset[str]) -> float:
        get, unseen = self._idf.get, self._unseen
        return sum(get(s, unseen) ** 2 for s in stems)

    def vector_norm(self, stems: frozenset[str]) -> float:
        norm = self._norms.get(stems)
        if norm is None:
            get, unseen = self._idf.get, self._unseen
            norm = self._norms[stems] = math.sqrt(sum(get(s, unseen) ** 2 for s in stems)) or 1.0
        return norm


def _token_alignment(a: FloatArray, b: FloatArray) -> tuple[float, float, float, float,
                                                           list[float]]:
    sims = a @ b.T
    best_a = sims.max(axis=1)
    best_b = sims.max(axis=0)
    precision = float(best_a.mean())
    recall = float(best_b.mean())
    worst = float(min(best_a.min(), best_b.min()))
    na, nb = len(best_a), len(best_b)
    # shares of tokens below a cut: count / n (what np.mean of a boolean array gives)
    low_a = np.count_nonzero(best_a < 0.5) / na
    low_b = np.count_nonzero(best_b < 0.5) / nb
    unaligned = (low_a + low_b) / 2
    sorted_a, sorted_b = np.sort(best_a).tolist(), np.sort(best_b).tolist()
    detail: list[float] = []
    for q in (0.0, 0.1, 0.25, 0.5):
        detail += _both(sorted_a[int(q * (na - 1))], sorted_b[int(q * (nb - 1))])
    detail += _both(low_a, low_b)
    detail += _both(np.count_nonzero(best_a < 0.7) / na, np.count_nonzero(best_b < 0.7) / nb)
    arg_a, arg_b = sims.argmax(axis=1), sims.argmax(axis=0)
    detail.append(np.count_nonzero(arg_b[arg_a] == np.arange(na)) / na)
    return precision, recall, worst, unaligned, detail


def _both(x: float, y: float) -> list[float]:
    """A directional measure as (smaller, larger): the pair's order does not matter."""
    return [min(x, y), max(x, y)]


def _shared(mine: Counter[Any], theirs: Counter[Any]) -> int:
    """How many items two multisets share (the size of ``mine & theirs``)."""
    if len(theirs) < len(mine):
        mine, theirs = theirs, mine
    return sum(min(count, theirs[key]) for key, count in mine.items() if key in theirs)


def _precisions(a: Counter[Any], b: Counter[Any]) -> list[float]:
    """The share of a's items found in b and of b's in a, as (smaller, larger)."""
    shared = _shared(a, b)
    total_a, total_b = sum(a.values()), sum(b.values())
    return _both(shared / total_a if total_a else 0.0, shared / total_b if total_b else 0.0)


def pair_features(a: Statement, b: Statement, idf: Idf) -> list[float]:
    """The values of :data:`FEATURES` for one pair, symmetric in a and b where it matters."""
    cosine = float(a.embedding.vector @ b.embedding.vector)
    p, r, worst, unaligned, detail = _token_alignment(a.embedding.tokens, b.embedding.tokens)
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    shared = a.stems & b.stems
    union = a.stems | b.stems
    only_a, only_b = a.stems - b.stems, b.stems - a.stems
    w_shared, w_a, w_b = idf.weight(shared), idf.weight(only_a), idf.weight(only_b)
    smaller = max(1, min(len(a.stems), len(b.stems)))
    larger = max(1, max(len(a.stems), len(b.stems)))
    numbers_mismatched = len(a.numbers ^ b.numbers)
    names_union = a.names | b.names
    bigram_base = max(1, min(len(a.bigrams), len(b.bigrams)))
    tfidf = idf.squares(shared) / (idf.vector_norm(a.stems)
                                                 * idf.vector_norm(b.stems))
    la, lb = a.content_count, b.content_count
    return [
        cosine, p, r, f, min(p, r), worst, unaligned,
        len(shared) / max(1, len(union)), len(shared) / smaller, len(shared) / larger,
        w_shared / max(1e-9, w_shared + w_a + w_b),
        math.log1p(w_a), math.log1p(w_b), abs(math.log1p(w_a) - math.log1p(w_b)),
        float(numbers_mismatched), float(bool(a.numbers or b.numbers)),
        float(a.numbers == b.numbers),
        len(a.names ^ b.names) / max(1, len(names_union)),
        min(la, lb) / max(1, max(la, lb)), len(a.bigrams & b.bigrams) / bigram_base,
        float(abs(la - lb)), tfidf,
        *detail,
        *_precisions(a.unigrams, b.unigrams),
        *_precisions(a.trigrams, b.trigrams),
        *_both(float(len(a.numbers - b.numbers)), float(len(b.numbers - a.numbers))),
        *_both(float(len(a.names - b.names)), float(len(b.names - a.names))),
        *_both(float(len(a.content - b.content)), float(len(b.content - a.content))),
        float(a.negated != b.negated),
        *_both(math.log1p(len(a.tokens)), math.log1p(len(b.tokens))),
    ]


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """numpy's BLAS limited to one thread (``threadpoolctl``): the token alignment multiplies
    many small matrices, which a second thread only slows down (the pair features of a
    comparison took twice the time on 2 cores). The products are the same up to the last bit
    of a float32 in a few pairs."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped,unused-ignore]

    limits: contextlib.AbstractContextManager[Any] = threadpool_limits(1, user_api="blas")
    return limits


def without_number_evidence(features: list[float]) -> list[float]:
    """The same pair as if its numbers agreed: used to group claims that state one fact with
    different figures, so that the difference is reported instead of splitting the fact."""
    out = list(features)
    out[FEATURES.index("numbers_mismatched")] = 0.0
    out[FEATURES.index("numbers_equal")] = 1.0
    return out
