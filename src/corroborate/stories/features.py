"""What story assignment reads from an article: cheap signals, no parse needed.

An article becomes a :class:`StoryFeatures`: the packaged MiniLM embedding of its title and lead
and bags of hashed terms in six namespaces (content words of the whole text, proper names,
numbers, words of the lead, word bigrams, names of the lead). Proper names are capitalised words
that are not the first word of a sentence; they and the numbers carry what tells two similar
events apart (two earthquakes differ in places, counts and dates; two rehab stays in the clinic
and the year). The bags are weighted later, by :class:`TermStatistics`, with the document
frequencies of the stream seen so far, smoothed by a background prior from general English word
frequencies (the ``wordfreq`` package ships them), so the first articles of a fresh database are
weighted sensibly too. Everything here is pure: text in, numbers out.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

import corroborate.stories.kernels as kernels
from corroborate.ingest.base import PUBLISHED_YEARS
from corroborate.model import Article
from corroborate.stories.term_table import DictTable, TermTable

FloatArray = npt.NDArray[np.float32]

#: Sparse namespaces, in the order of :data:`FEATURES` after the embedding.
NAMESPACES: tuple[str, ...] = ("words", "names", "numbers", "lead", "bigrams", "lead_names")
#: The linear kernels a pair of articles (or stories) is compared on.
FEATURES: tuple[str, ...] = ("embedding", *NAMESPACES)
#: At most this many terms per namespace are kept in a weighted vector (the heaviest).
MAX_TERMS: Mapping[str, int] = {
    "words": 150, "names": 40, "numbers": 30, "lead": 40, "bigrams": 150, "lead_names": 20,
}
LEAD_WORDS = 60

_STOP = frozenset(
    """a an the and or but if of in on at to for from by with as into onto over under about after
    before during since until than then so such is was were be been being are am it its it's this
    that these those he she they we i you me him her them us our your his their my who whom whose
    which what when where why how not no nor do does did done has have had having will would shall
    should can could may might must also just only very more most much many some any all each both
    few other same own there here said says say told according mr mrs ms dr one""".split()
)
_TOKEN = re.compile(r"[^\W\d_](?:[\w'’.-]*\w)?|\d[\d,.:]*\d|\d")
_SENTENCE_END = re.compile(r"[.!?…]['\"’”)]*$")


def term_id(namespace: str, term: str) -> int:
    """A stable 32-bit id of a term in a namespace (the same in every process and machine)."""
    return zlib.crc32(f"{namespace}\x1f{term}".encode())


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """One article's signals for story assignment; terms are raw counts, weighted later."""

    article_id: str
    #: None until computed: a lazy assigner (``StoryAssigner(embed=...)``) embeds ``lead`` only
    #: when the cheap signals leave its decision open
    embedding: FloatArray | None
    terms: Mapping[str, Mapping[int, int]]
    priors: Mapping[int, float]
    day: float | None = None
    #: the text the embedding reads (:func:`lead_text`), kept for a lazy embedding
    lead: str | None = None
    #: :data:`TERMS_RECIPE` when the terms and priors were made from the article's title and
    #: text by this module (:func:`story_features`), so that they can be made again from the
    #: stored text (the database then keeps no copy); None for terms from elsewhere
    recipe: str | None = None
    #: :func:`text_digest` of the title and text the terms were made from (with ``recipe``):
    #: the database keeps no copy only when the article it stores has this very text
    source: int | None = None
    #: the terms as arrays (:class:`TermArrays`), made with the features so that assignment
    #: reads arrays (in ingest, features are made on a thread beside the assigner)
    arrays: TermArrays = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arrays", term_arrays(self.terms, self.priors))

    def term_ids(self) -> set[int]:
        return {t for bag in self.terms.values() for t in bag}


@dataclass(frozen=True, slots=True)
class TermArrays:
    """An article's terms in flat arrays, namespace by namespace in NAMESPACES order (the
    order of :func:`term_list`): ids, raw counts, priors (1e-5 where none is given) and the
    namespace of each; ``repeated``: some id is listed in two namespaces (a hash collision)."""

    ids: npt.NDArray[np.int64]
    counts: npt.NDArray[np.float64]
    priors: npt.NDArray[np.float64]
    namespace: npt.NDArray[np.intp]
    repeated: bool


def term_arrays(terms: Mapping[str, Mapping[int, int]], priors: Mapping[int, float]
                ) -> TermArrays:
    bags = [terms.get(ns, {}) for ns in NAMESPACES]
    lengths = [len(bag) for bag in bags]
    total = sum(lengths)
    ids = list(itertools.chain.from_iterable(bags))
    return TermArrays(
        np.fromiter(ids, dtype=np.int64, count=total),
        np.fromiter(itertools.chain.from_iterable(bag.values() for bag in bags),
                    dtype=np.float64, count=total),
        np.fromiter(map(priors.get, ids, itertools.repeat(1e-5)), dtype=np.float64,
                    count=total),
        np.repeat(np.arange(len(NAMESPACES)), lengths),
        len(set(ids)) != total)


def _tokens(line: str) -> list[tuple[str, bool]]:
    """(token, capitalised and not sentence-initial) for each token of a line."""
    out: list[tuple[str, bool]] = []
    initial = True
    for match in _TOKEN.finditer(line):
        word = match.group()
        capital = word[0].isupper() and not word.isupper()  # not acronyms or shouting
        out.append((word, capital and not initial))
        initial = bool(_SENTENCE_END.search(word)) or _followed_by_end(line, match.end())
    return out


def _followed_by_end(line: str, end: int) -> bool:
    rest = line[end:end + 3].lstrip("'\"’”)")
    return rest[:1] in {".", "!", "?"} and (len(rest) == 1 or rest[1:2] == " ")


def _number(word: str) -> str:
    return word.replace(",", "").rstrip(".")


def term_bags(title: str, text: str) -> dict[str, Counter[str]]:
    """The six namespaces' terms (strings) of a title and text; pure and deterministic."""
    bags: dict[str, Counter[str]] = {ns: Counter() for ns in NAMESPACES}
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and lines[0].strip() == title.strip():
        lines = lines[1:]
    lead_budget = LEAD_WORDS
    for position, line in enumerate([title, *lines]):
        tokens = _tokens(line)
        content: list[str] = []
        in_lead = lead_budget > 0
        for word, name in tokens:
            lower = word.lower()
            if word[0].isdigit():
                number = _number(word)
                bags["numbers"][number] += 1
                content.append(number)
                continue
            if lower in _STOP or len(lower) < 2:
                continue
            content.append(lower)
            if name:
                bags["names"][lower] += 1
                if in_lead:
                    bags["lead_names"][lower] += 1
        if position == 0 or in_lead:
            # a title written in capitals has no sentence-initial signal: use its content words
            bags["lead"].update(w for w in content if not w[0].isdigit())
            lead_budget -= len(tokens)
        bags["words"].update(w for w in content if not w[0].isdigit())
        bags["bigrams"].update(f"{a} {b}" for a, b in itertools.pairwise(content))
    return bags


def lead_text(article: Article, max_chars: int = 600) -> str:
    """Title and the first lines of the text: what the embedding reads."""
    lines = [line.strip() for line in article.text.split("\n") if line.strip()]
    if lines and lines[0] == article.title.strip():
        lines = lines[1:]
    lead = " ".join(lines)[:max_chars]
    return f"{article.title.strip()}. {lead}" if article.title.strip() else lead


def article_day(published: str | None) -> float | None:
    """Days since the epoch of a publication date (ISO 8601), or None when unknown, unreadable,
    partial or out of range. A partial date ("2026", "2026-09") names no day: placing it on the
    first of its month or year would pull its article toward stories of that day, so it counts
    as undated here (the story's other articles still date the story)."""
    if not published or not re.match(r"^\d{4}-\d{2}-\d{2}(?:[T ]|$)", published.strip()):
        return None
    try:
        moment = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
        if moment.year not in PUBLISHED_YEARS:
            return None
        if moment.tzinfo is not None:
            return moment.timestamp() / 86400.0
        return (moment - datetime(1970, 1, 1)).total_seconds() / 86400.0
    except (ValueError, OverflowError, OSError):
        return None


#: the recipe of :func:`story_features`' terms (term_bags, term_id, the background
#: frequencies): a change to any of them that alters the terms of an article changes this name
TERMS_RECIPE = "terms-v1"


def text_digest(title: str, text: str) -> int:
    """A 32-bit digest of an article's title and text (what its terms are made from)."""
    return zlib.crc32(f"{title}\x00{text}".encode("utf-8", "surrogatepass"))


def _terms_and_priors(title: str, text: str
                      ) -> tuple[dict[str, dict[int, int]], dict[int, float]]:
    """Term ids and counts per namespace, and each term's prior."""
    terms: dict[str, dict[int, int]] = {}
    priors: dict[int, float] = {}
    for ns, bag in term_bags(title, text).items():
        ids = terms[ns] = {}
        for term, n in bag.items():
            tid = term_id(ns, term)
            ids[tid] = n
            priors[tid] = background_document_frequency(ns, term)
    return terms, priors


def story_features(article: Article, embedding: FloatArray | None) -> StoryFeatures:
    """Assemble an article's features from its text and its (unit) title+lead embedding;
    without one (``None``) they keep the title+lead text for a lazy embedding."""
    terms, priors = _terms_and_priors(article.title, article.text)
    source = text_digest(article.title, article.text)
    if embedding is None:
        return StoryFeatures(article.id, None, terms, priors, article_day(article.published),
                             lead_text(article), recipe=TERMS_RECIPE, source=source)
    return StoryFeatures(article.id, np.asarray(embedding, dtype=np.float32), terms, priors,
                         article_day(article.published), recipe=TERMS_RECIPE, source=source)


@cache
def _background() -> Mapping[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict("en")  # type: ignore[no-any-return,unused-ignore]


def background_document_frequency(namespace: str, term: str) -> float:
    """Share of general English documents expected to hold a term (a prior for the IDF)."""
    if namespace == "numbers":
        return 1e-3 if len(term) <= 2 else 1e-5
    freq = _background()
    if namespace == "bigrams":
        first, _, second = term.partition(" ")
        p = freq.get(first, 1e-8) * freq.get(second, 1e-8) * 300.0
    else:
        p = freq.get(term, 1e-8)
    return min(1.0, p * 300.0)


class TermStatistics:
    """Document frequencies over the articles of the active window, with a background prior.

    ``idf(t) = log((N + N0 + 1) / (df(t) + N0 * p(t) + 1))`` where ``N`` articles are in the
    window, ``df`` counts those holding the term, ``p`` is the term's background document
    frequency (general English) and ``N0`` the weight of that prior in documents.

    Each term held by an article of the window has a *column*: a slot in an array of
    frequencies, handed out when the term first enters the window and taken back when its
    last article leaves, so a window's frequencies are read and updated as arrays, and the
    column of a term is a small dense number the assigner indexes with."""

    def __init__(self, prior_documents: float = 500.0) -> None:
        self.prior_documents = prior_documents
        self.documents = 0
        # term id -> column: a compiled table where numba is installed, else a dict
        self._table: TermTable | DictTable = TermTable() if kernels.AVAILABLE else DictTable()
        # per column: its document frequency and its term; the last slot stays 0 (the
        # frequency of a term with no column, read through index -1)
        self._counts = np.zeros(1024, dtype=np.int64)
        self._terms = np.zeros(1024, dtype=np.int64)
        self._free: list[int] = []
        self._top = 0  # columns handed out so far, free ones included

    @property
    def capacity(self) -> int:
        """Columns are below this number."""
        return int(self._counts.size)

    @property
    def df(self) -> dict[int, int]:
        """Term id -> number of the window's articles holding it (a copy, for reading)."""
        counts = self._counts
        return {t: int(counts[c]) for t, c in self._table.items() if counts[c] > 0}

    def lookup(self, term_ids: Iterable[int]) -> npt.NDArray[np.int64]:
        """The column of each term, -1 for a term the window does not hold."""
        ids = (term_ids.astype(np.int64, copy=False) if isinstance(term_ids, np.ndarray)
               else np.fromiter(term_ids, dtype=np.int64))
        return self._table.lookup(ids)

    def frequencies(self, columns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The document frequency of each column of :meth:`lookup` (0 for -1)."""
        frequencies: npt.NDArray[np.int64] = self._counts[columns]
        return frequencies

    def terms_of(self, columns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The term id held in each column."""
        terms: npt.NDArray[np.int64] = self._terms[columns]
        return terms

    def columns(self, term_ids: Iterable[int]) -> npt.NDArray[np.int64]:
        """The columns of terms the window holds (each must be held)."""
        ids = np.fromiter(term_ids, dtype=np.int64)
        columns = self._table.lookup(ids)
        if (columns < 0).any():
            raise KeyError(int(ids[np.argmax(columns < 0)]))
        return columns

    def add_terms(self, term_ids: Sequence[int] | npt.NDArray[np.int64],
                  columns: npt.NDArray[np.int64] | None = None, *,
                  repeated: bool | None = None
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Count one more document holding these terms (a term listed twice counts once);
        ``columns`` is their :meth:`lookup`, done already; ``repeated``: whether some term is
        listed twice, when the caller knows. Returns the terms' columns in the
        order of ``term_ids`` (every term now held), and the distinct ones (what
        :meth:`discard_columns` takes when the document leaves)."""
        columns = self.lookup(term_ids) if columns is None else columns.copy()
        missing = np.flatnonzero(columns < 0)
        ids = np.asarray(term_ids, dtype=np.int64)
        if missing.size:
            new = list(dict.fromkeys(ids[missing].tolist()))
            self._allocate(new)
            columns[missing] = self.columns(ids[missing])
        # the same id in two namespaces (a hash collision) is one term
        if repeated is None:
            repeated = np.unique(ids).size != ids.size
        distinct = np.unique(columns) if repeated else columns
        self._counts[distinct] += 1
        self.documents += 1
        return columns, distinct

    def _allocate(self, term_ids: list[int]) -> None:
        free = self._free
        need = len(term_ids) - len(free)
        if self._top + need >= self._counts.size:  # keep the last slot as the zero sentinel
            size = max(2 * self._counts.size, self._top + need + 1)
            counts = np.zeros(size, dtype=np.int64)
            terms = np.zeros(size, dtype=np.int64)
            counts[:self._top] = self._counts[:self._top]
            terms[:self._top] = self._terms[:self._top]
            self._counts, self._terms = counts, terms
        # columns handed out: the free ones last freed first, then new ones at the top
        reused = min(len(free), len(term_ids))
        given = [free.pop() for _ in range(reused)]
        given.extend(range(self._top, self._top + len(term_ids) - reused))
        self._top += len(term_ids) - reused
        columns = np.array(given, dtype=np.int64)
        self._terms[columns] = term_ids
        self._table.insert(np.array(term_ids, dtype=np.int64), columns)

    def discard_columns(self, columns: npt.NDArray[np.int64]) -> None:
        """Forget one document holding the terms of these (distinct) columns."""
        self.documents -= 1
        counts = self._counts
        counts[columns] -= 1
        gone = columns[counts[columns] <= 0]  # distinct columns: each counted down once
        if gone.size:
            counts[gone] = 0
            self._table.remove(self._terms[gone])
            self._free.extend(gone.tolist())

    def add(self, features: StoryFeatures) -> None:
        self.add_terms(list(features.term_ids()))

    def remove(self, features: StoryFeatures) -> None:
        self.discard(features.term_ids())

    def discard(self, term_ids: Iterable[int]) -> None:
        """Forget one document holding these terms (it left the window)."""
        self.discard_columns(self.columns(set(term_ids)))



SparseVector = dict[int, float]


@dataclass(frozen=True, slots=True)
class WeightedTerms:
    """An article's unit-length TF-IDF vectors of every namespace in flat arrays: entry ``e``
    is term ``terms[e]`` of namespace ``NAMESPACES[namespace[e]]`` with weight
    ``weights[e]``; entries are grouped by namespace in the order of NAMESPACES."""

    terms: npt.NDArray[np.int64]
    namespace: npt.NDArray[np.intp]
    weights: npt.NDArray[np.float64]
    #: per entry, its position among all of the article's terms in :func:`term_list` order
    entries: npt.NDArray[np.intp]

    def vector(self, ns: str) -> SparseVector:
        mask = self.namespace == NAMESPACES.index(ns)
        return dict(zip(self.terms[mask].tolist(), self.weights[mask].tolist(), strict=True))


_NS_LIMITS = np.array([MAX_TERMS[ns] for ns in NAMESPACES], dtype=np.int64)


def term_list(features: StoryFeatures) -> list[int]:
    """The ids of all of an article's terms, namespace by namespace in NAMESPACES order."""
    return list(itertools.chain.from_iterable(features.terms.get(ns, {}) for ns in NAMESPACES))


def weigh_terms(features: StoryFeatures, stats: TermStatistics,
                columns: npt.NDArray[np.int64] | None = None) -> WeightedTerms:
    """Unit-length TF-IDF vectors per namespace (sublinear tf), the heaviest terms kept
    (ties: the lower term id), with the window's frequencies before this article;
    ``columns``: ``stats.lookup(term_list(features))``, when the caller has it."""
    arrays = features.arrays
    terms, counts, priors, namespace = (arrays.ids, arrays.counts, arrays.priors,
                                        arrays.namespace)
    total = terms.size
    if columns is None:
        columns = stats.lookup(terms)
    n0 = stats.prior_documents
    idf = np.log((stats.documents + n0 + 1.0)
                 / (stats.frequencies(columns) + n0 * priors + 1.0))
    weights = (1.0 + np.log(counts)) * idf
    if kernels.AVAILABLE:
        entries, unit = kernels.select_terms(terms, namespace, weights, _NS_LIMITS)
        return WeightedTerms(terms[entries], namespace[entries], unit, entries)
    entries = np.arange(total)
    keep = weights > 0
    if not keep.all():
        terms, namespace, weights, entries = (terms[keep], namespace[keep], weights[keep],
                                              entries[keep])
    per_namespace = np.bincount(namespace, minlength=len(NAMESPACES))
    if (per_namespace > _NS_LIMITS).any():
        # within each namespace, heaviest first (ties: lower term id); keep the first MAX_TERMS
        order = np.lexsort((terms, -weights, namespace))
        starts = np.concatenate([[0], np.cumsum(per_namespace)[:-1]])
        order = order[np.arange(order.size) - starts[namespace[order]]
                      < _NS_LIMITS[namespace[order]]]
        terms, namespace, weights, entries = (terms[order], namespace[order], weights[order],
                                              entries[order])
    norms = np.sqrt(np.bincount(namespace, weights=weights * weights,
                                minlength=len(NAMESPACES)))
    norms[norms == 0] = 1.0
    return WeightedTerms(terms, namespace, weights / norms[namespace], entries)


def weigh(features: StoryFeatures, stats: TermStatistics) -> dict[str, SparseVector]:
    """:func:`weigh_terms` as one term id -> weight mapping per namespace."""
    weighted = weigh_terms(features, stats)
    return {ns: weighted.vector(ns) for ns in NAMESPACES}


def features_to_json(features: StoryFeatures) -> dict[str, Any]:
    return {
        "terms": {ns: [[t, n] for t, n in sorted(bag.items())]
                  for ns, bag in features.terms.items()},
        "priors": [[t, round(p, 12)] for t, p in sorted(features.priors.items())],
        "day": features.day,
    }


def features_from_json(article_id: str, embedding: FloatArray,
                       data: Mapping[str, Any]) -> StoryFeatures:
    terms = {ns: {int(t): int(n) for t, n in pairs} for ns, pairs in data["terms"].items()}
    priors = {int(t): float(p) for t, p in data["priors"]}
    return StoryFeatures(article_id, embedding, terms, priors, data.get("day"))


#: first byte of the compact form of the terms (the JSON form starts with "{")
_PACKED_V1 = b"\x01"
#: first byte of what the database stores in place of the terms of features made from the
#: article's text; the recipe's name follows (:func:`from_text_marker`)
_FROM_TEXT = b"\x02"


#: the version of the Unicode tables the terms are made with (``str.lower``, ``\w``): a
#: Python with other tables may make other terms from the same text
UNICODE_VERSION = unicodedata.unidata_version
#: between the recipe's name and the Unicode version in a marker
_MARKER_SEPARATOR = "\x1f"


def from_text_marker(recipe: str = TERMS_RECIPE, unicode: str | None = UNICODE_VERSION
                     ) -> bytes:
    """What the database stores in place of terms made by ``recipe`` from the article's
    title and text, with the Unicode tables of ``unicode``: they are made again from the
    stored text when read. (Markers written before the version was recorded hold the
    recipe's name alone: ``unicode=None``.)"""
    body = recipe if unicode is None else f"{recipe}{_MARKER_SEPARATOR}{unicode}"
    return _FROM_TEXT + body.encode("ascii")


def _marker_parts(data: bytes) -> tuple[str, str | None] | None:
    """(recipe, Unicode version or None) of a stored marker; None for terms, not a marker."""
    if not data.startswith(_FROM_TEXT):
        return None
    recipe, separator, version = data[1:].decode("ascii").partition(_MARKER_SEPARATOR)
    return recipe, (version if separator else None)


def marker_recipe(data: bytes) -> str | None:
    """The recipe a stored marker names, or None when ``data`` holds terms, not a marker."""
    parts = _marker_parts(data)
    return None if parts is None else parts[0]


def marker_unicode(data: bytes) -> str | None:
    """The Unicode version a stored marker names; None for a marker written before the
    version was recorded (or for terms, not a marker)."""
    parts = _marker_parts(data)
    return None if parts is None else parts[1]


def features_from_text(article_id: str, embedding: FloatArray, title: str, text: str,
                       day: float | None) -> StoryFeatures:
    """An article's story features from its stored title and text and its stored embedding
    and day: the terms and priors are a pure function of the text, so the database keeps
    only the embedding (about 5 KB an article less than storing the terms)."""
    terms, priors = _terms_and_priors(title, text)
    return StoryFeatures(article_id, np.asarray(embedding, dtype=np.float32), terms, priors,
                         day, recipe=TERMS_RECIPE, source=text_digest(title, text))


def features_to_bytes(features: StoryFeatures) -> bytes:
    """The terms and priors of ``features`` in a compact binary form (what the database stores,
    about 4 KB an article where the JSON form took 17 KB): per namespace of NAMESPACES the
    count of terms, their ids (uint32, ascending) and counts (uint32); then the prior of every
    term id, ascending, as float64 (exact, unlike the JSON form's 12 digits). zlib-compressed.
    The day is not in it: it has a column of its own."""
    unknown = set(features.terms) - set(NAMESPACES)
    if unknown:
        raise ValueError(f"unknown term namespaces {sorted(unknown)}")
    parts: list[bytes] = []
    for ns in NAMESPACES:
        bag = sorted(features.terms.get(ns, {}).items())
        parts.append(np.array([len(bag)], dtype="<u4").tobytes())
        parts.append(np.array([t for t, _ in bag], dtype="<u4").tobytes())
        parts.append(np.array([n for _, n in bag], dtype="<u4").tobytes())
    priors = sorted(features.priors.items())
    parts.append(np.array([len(priors)], dtype="<u4").tobytes())
    parts.append(np.array([t for t, _ in priors], dtype="<u4").tobytes())
    parts.append(np.array([p for _, p in priors], dtype="<f8").tobytes())
    return _PACKED_V1 + zlib.compress(b"".join(parts), 6)


def features_from_bytes(article_id: str, embedding: FloatArray, data: bytes,
                        day: float | None) -> StoryFeatures:
    """The inverse of :func:`features_to_bytes`."""
    if not data.startswith(_PACKED_V1):
        raise ValueError("not story features in the compact form (version 1)")
    raw = zlib.decompress(data[1:])
    offset = 0

    def take(count: int, dtype: str) -> npt.NDArray[Any]:
        nonlocal offset
        size = np.dtype(dtype).itemsize * count
        values = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
        offset += size
        return values

    terms: dict[str, dict[int, int]] = {}
    for ns in NAMESPACES:
        n = int(take(1, "<u4")[0])
        ids, counts = take(n, "<u4"), take(n, "<u4")
        if n:
            terms[ns] = dict(zip(ids.tolist(), counts.tolist(), strict=True))
    n = int(take(1, "<u4")[0])
    ids, values = take(n, "<u4"), take(n, "<f8")
    priors = dict(zip(ids.tolist(), values.tolist(), strict=True))
    if offset != len(raw):
        raise ValueError("story features in the compact form have trailing bytes")
    return StoryFeatures(article_id, embedding, terms, priors, day)
