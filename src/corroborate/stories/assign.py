"""Online assignment of articles to stories over a bounded window (pure: no database).

For each new article:

1. stories that fell out of the window are retired (no article for ``window_days`` of
   publication time, or, for undated streams, among the last ``window_articles`` arrivals; at
   most ``max_active_articles`` stay in memory), with their terms leaving the frequency table;
2. its TF-IDF vectors are weighted with the window's document frequencies;
3. candidate stories come from an approximate nearest-neighbour index (faiss HNSW, in segments
   so that retired articles leave memory) over the title+lead embeddings of the window:
   the stories of the ``neighbours`` nearest articles, at most ``max_candidates`` of them;
4. the article and the candidates' articles are clustered again, group-average, with the link
   model (a candidate story larger than ``max_split`` articles enters as one unit): so the
   article joins the story it fits, opens a new one, bridges two stories into one (a merge),
   or shows that an earlier article sits better elsewhere (a move) — early mistakes of a
   one-pass method get repaired as evidence arrives, and the result depends little on order;
5. ids stay stable: each resulting group keeps the id of the old story it shares most articles
   with (ties: the older story); a story that loses all its articles to another is merged.

The cost per article depends on the window and the neighbourhood, never on the archive.

**Lazy embedding** (``StoryAssigner(embed=...)``, off by default). The embedding is one of seven
signals of the link logit; the other six (TF-IDF dot products) are cheap, and the embedding
signal of an article with a story is the dot product of two vectors of length at most 1 (the
article's unit vector, the story's mean of unit vectors), so it lies in ``[-h, h]`` with ``h``
the length of the story's mean vector (bounded by its embedded members' sum plus one per
member not embedded yet). Without the article's embedding the assigner therefore knows an
interval for every story's logit. Candidate stories come from an inverted index over the
namespaces of positive weight instead of the ANN index (a story sharing no such term with the
article has a logit of at most ``bias + w_embedding``, below the linking bound for the shipped
model, so the index finds every story that could be linked, where the ANN finds the stories
of the 24 nearest articles). Then:

* no story's upper bound reaches ``threshold - margin``: the article opens a new story,
  not embedded — exactly what the eager assigner does (nothing can be linked);
* one story only can be linked and its lower bound reaches the threshold: the article joins
  it, not embedded. With ``lazy_floor = -1`` the lower bound is proven and so is the
  decision; a higher floor assumes the article's cosine with the story's mean is at least
  that (measured, not proven: ``benchmarks/embedding_options.py``);
* otherwise the article and every member of the stories that could be linked are embedded
  (once each: the vectors are kept, and :attr:`StoryAssigner.computed` lists them for the
  caller to store) and the eager procedure runs on those stories, which are ordered by their
  nearest member as the ANN orders them.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

import corroborate.stories.kernels as kernels
from corroborate.stories.features import (
    NAMESPACES,
    StoryFeatures,
    TermStatistics,
    WeightedTerms,
    weigh_terms,
)
from corroborate.stories.linkage import (
    FlatTerms,
    LinkModel,
    group_average,
    one_blas_thread,
    signal_matrix,
)


@dataclass(frozen=True, slots=True)
class AssignSettings:
    window_days: float = 7.0
    window_articles: int = 5000
    max_active_articles: int = 50_000
    neighbours: int = 24
    max_candidates: int = 6
    max_split: int = 16
    segment_size: int = 4096
    # below the threshold by at most this much (logit), a story still counts as linked: an
    # article linked to two stories, or only nearly to one, has its neighbourhood re-clustered
    margin: float = 0.5
    # lazy embedding only (an assigner given ``embed``): the least cosine assumed between an
    # article and a story's mean vector when a clear join is decided without the article's
    # embedding; -1 (the default) assumes nothing, so every decision is the eager one
    lazy_floor: float = -1.0


#: ``embed(texts)``: unit title+lead vectors, one per text (``stream.embed_texts``)
EmbedTexts = Callable[[Sequence[str]], Sequence[np.ndarray]]


#: a large story enters re-clustering as one unit with at most this many terms per namespace
CENTROID_TERMS = 2000
#: sparse namespaces; a weighted entry's key is its term's column times this plus the namespace
SPACES = len(NAMESPACES)
#: story sums add up the members' weights in fixed point, ``round(weight * 2**44)``: integer
#: sums are exact, so a story's sums are the same whatever order its members came and went
#: in, and a member that leaves is subtracted instead of the sums being added up again; read
#: as floats they differ from float sums by at most 3e-14 of a weight per member. A weight is
#: at most 1, so a sum fits in int64 for up to 2**19 members: the window holds fewer
#: (``max_active_articles`` is checked against :data:`MAX_WINDOW`)
FIXED_SCALE = float(2 ** 44)
FIXED_UNIT = 2.0 ** -44
MAX_WINDOW = 2 ** 19 - 1


@dataclass(frozen=True, slots=True)
class StoryChange:
    """One change to story membership: ``kind`` is ``assign`` (a new article joins or opens
    ``story``), ``move`` (an earlier article goes from ``previous`` to ``story``) or ``merge``
    (story ``previous`` ends, all of its articles now in ``story``)."""

    kind: str
    story: int
    article_id: str | None = None
    previous: int | None = None


@dataclass(slots=True)
class _Member:
    """An article in the window: only what assignment needs (not its raw term counts)."""

    article_id: str
    embedding: np.ndarray | None  # None: not embedded yet (lazy assigner)
    columns: npt.NDArray[np.int64]  # the window's columns of all its terms (frequencies)
    weighted: WeightedTerms  # its unit TF-IDF vectors, weighted when it arrived
    # per weighted entry: column * SPACES + namespace (a key of the assigner's scratch vectors)
    keys: npt.NDArray[np.int64]
    seq: int
    day: float
    story: int
    lead: str | None = None  # what a lazy embedding reads
    # its keys ascending and their weights in fixed point (what story sums add up), and
    # while it is the arriving article, the entry holding each of the sorted keys
    sorted_keys: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    sorted_fixed: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    key_order: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    _unit_terms: FlatTerms | None = None

    @property
    def unit_terms(self) -> FlatTerms:
        """Its entries as a clustering unit holds them: weights rounded to float32 (made
        once: a member's keys and weights never change)."""
        if self._unit_terms is None:
            w = self.weighted
            self._unit_terms = (self.keys, w.weights.astype(np.float32).astype(np.float64),
                                w.namespace)
        return self._unit_terms


@dataclass(slots=True)
class _Story:
    id: int
    members: list[str] = field(default_factory=list)
    last_seq: int = 0
    last_day: float = float("-inf")
    # sum of the members' unit embeddings: the embedding's mean signal with an article is
    # one dot product
    embedding_sum: np.ndarray | None = None
    unembedded: int = 0  # members without an embedding (lazy assigner): not in embedding_sum
    # the members' weighted entries summed per key in fixed point (keys ascending, their
    # sums, how many members hold each), over the members in ``_summed`` (seq -> member):
    # :meth:`StoryAssigner._story_sums` brings them up to date with ``members``
    _keys: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    _fixed: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    _holders: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    _summed: dict[int, _Member] = field(default_factory=dict)
    _stale: bool = False  # members changed since the sums were brought up to date
    # cache, dropped whenever membership changes: the story as one clustering unit
    _node: tuple[np.ndarray, FlatTerms] | None = None

    def add_embedding(self, embedding: np.ndarray | None) -> None:
        if embedding is None:
            self.unembedded += 1
            return
        emb = embedding.astype(np.float64)
        self.embedding_sum = emb.copy() if self.embedding_sum is None else self.embedding_sum + emb

    def remove_embedding(self, member: _Member) -> None:
        if member.embedding is None:
            self.unembedded -= 1
        elif self.embedding_sum is not None:
            self.embedding_sum = self.embedding_sum - member.embedding.astype(np.float64)

    def changed(self) -> None:
        """Called whenever ``members`` changes: the cached unit goes, the sums are stale."""
        self._node = None
        self._stale = True

    def embedding_bound(self) -> float:
        """An upper bound of the length of the members' mean embedding (of |cosine| between
        a unit vector and it): embedded members' sum, plus 1 for each one not embedded."""
        norm = 0.0 if self.embedding_sum is None else float(np.linalg.norm(self.embedding_sum))
        return min(1.0, (norm + self.unembedded) / len(self.members))


_NO_ORDER = np.zeros(0, dtype=np.int64)


def _embedding(member: _Member) -> np.ndarray:
    if member.embedding is None:
        raise ValueError(f"article {member.article_id} has no embedding yet")
    return member.embedding


class _Segments:
    """The ANN index in segments of HNSW graphs; a segment is dropped once all of its
    articles have left the window."""

    def __init__(self, dim: int, segment_size: int) -> None:
        self.dim = dim
        self.segment_size = segment_size
        # (id-mapped index, its HNSW graph kept referenced, keys of the articles in it)
        self.segments: list[tuple[Any, Any, list[int]]] = []
        self._front = 0  # keys of the oldest segment before this one have left the window

    def add(self, key: int, vector: np.ndarray) -> None:
        import faiss

        if not self.segments:
            faiss.omp_set_num_threads(1)  # one query at a time: threads only add overhead

        if not self.segments or len(self.segments[-1][2]) >= self.segment_size:
            graph = faiss.IndexHNSWFlat(self.dim, 16, faiss.METRIC_INNER_PRODUCT)
            graph.hnsw.efSearch = 48
            graph.hnsw.efConstruction = 40
            self.segments.append((faiss.IndexIDMap(graph), graph, []))
        index, _, keys = self.segments[-1]
        index.add_with_ids(vector.reshape(1, -1).astype(np.float32),
                           np.array([key], dtype=np.int64))
        keys.append(key)

    def search(self, vector: np.ndarray, k: int) -> list[int]:
        """Keys of up to ``k`` nearest articles from each segment, nearest first (ties: the
        lower key)."""
        query = vector.reshape(1, -1).astype(np.float32)
        found = [index.search(query, min(k, len(keys)))
                 for index, _, keys in self.segments if keys]
        if not found:
            return []
        scores = np.concatenate([f[0][0] for f in found])
        ids = np.concatenate([f[1][0] for f in found])
        real = ids >= 0
        scores, ids = scores[real], ids[real]
        hits: list[int] = ids[np.lexsort((ids, -scores))].tolist()
        return hits

    def drop_expired(self, alive: Container[int]) -> None:
        """Drop the oldest segments once none of their articles is in the window. Keys enter
        in arrival order and never come back, so a pointer into the oldest segment that skips
        dead keys makes this amortised O(1)."""
        while len(self.segments) > 1:
            keys = self.segments[0][2]
            while self._front < len(keys) and keys[self._front] not in alive:
                self._front += 1
            if self._front < len(keys):
                return
            self.segments.pop(0)
            self._front = 0

    def __len__(self) -> int:
        return sum(len(keys) for _, _, keys in self.segments)


def _merge_member(keys: npt.NDArray[np.int64], fixed: npt.NDArray[np.int64],
                  holders: npt.NDArray[np.int64], member: _Member, sign: int
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                             npt.NDArray[np.int64]]:
    """Story sums (keys ascending, fixed-point sums, members holding each key) with one
    member's entries added (``sign`` 1) or taken out (-1; a key no member holds any more
    leaves)."""
    if kernels.AVAILABLE:
        merged: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]] = (
            kernels.merge_sums(keys, fixed, holders, member.sorted_keys, member.sorted_fixed,
                               sign))
        return merged
    new_keys, new_fixed = member.sorted_keys, member.sorted_fixed
    at = np.searchsorted(keys, new_keys)
    found = at < keys.size
    found[found] = keys[at[found]] == new_keys[found]
    fixed, holders = fixed.copy(), holders.copy()
    fixed[at[found]] += sign * new_fixed[found]
    holders[at[found]] += sign
    if sign > 0:
        fresh = ~found
        keys = np.insert(keys, at[fresh], new_keys[fresh])
        fixed = np.insert(fixed, at[fresh], new_fixed[fresh])
        holders = np.insert(holders, at[fresh], 1)
    else:
        if not found.all():
            raise ValueError(f"article {member.article_id} was not summed in its story")
        kept = holders > 0
        keys, fixed, holders = keys[kept], fixed[kept], holders[kept]
    return keys, fixed, holders


def _check_lazy(model: LinkModel, settings: AssignSettings) -> tuple[str, ...]:
    """The namespaces of positive weight, once it is checked that a story sharing no term of
    them with an article cannot be linked to it (so the inverted index misses nothing)."""
    weights = model.weights
    if weights[0] <= 0:
        raise ValueError("lazy embedding needs a link model with a positive embedding weight")
    positive = tuple(ns for ns, w in zip(NAMESPACES, weights[1:], strict=True) if w > 0)
    # TF-IDF weights are positive, so negative-weight namespaces only lower the logit
    if model.bias + weights[0] >= model.threshold - settings.margin:
        raise ValueError("lazy embedding needs bias + embedding weight below the linking "
                         "bound (threshold - margin): this link model could link stories "
                         "that share no term with the article")
    return positive


class StoryAssigner:
    """The online state: active stories, their articles, frequencies and the ANN index."""

    def __init__(self, model: LinkModel, settings: AssignSettings | None = None, *,
                 next_story: int = 1, next_seq: int = 1,
                 embed: EmbedTexts | None = None) -> None:
        self.model = model
        self.settings = settings or AssignSettings()
        if not 0 < self.settings.max_active_articles <= MAX_WINDOW:
            raise ValueError(f"max_active_articles must be between 1 and {MAX_WINDOW:,} (a "
                             "story's sums are fixed-point int64), not "
                             f"{self.settings.max_active_articles:,}")
        kernels.warm_up()  # compiled before the first article, not in the middle of a stream
        # lazy embedding: features may come without an embedding; ``embed`` computes it when
        # a decision needs it (module docstring). Candidates come from ``_postings`` then.
        self.embed = embed
        self.computed: dict[str, np.ndarray] = {}  # lazily embedded article id -> vector
        self.embedded = 0  # embeddings computed by ``embed`` (lazy assigner)
        self.decided_cheaply = 0  # lazy decisions taken without the article's embedding
        # a term's column -> seqs of the members weighing it in a positive-weight namespace
        self._postings: dict[int, set[int]] = {}
        self._positive: tuple[str, ...] = ()
        if embed is not None:
            self._positive = _check_lazy(model, self.settings)
        self._positive_index = np.array([NAMESPACES.index(ns) for ns in self._positive],
                                        dtype=np.intp)
        self.stats = TermStatistics()
        self._slots = np.zeros(0, dtype=np.int32)  # signal_matrix's scratch, any content
        self.members: dict[int, _Member] = {}  # seq -> member
        self.by_article: dict[str, int] = {}  # article id -> seq
        self.stories: dict[int, _Story] = {}
        self.next_story = next_story
        self.next_seq = next_seq
        self.clock = float("-inf")
        self._index: _Segments | None = None
        # articles leave the window one by one: dated ones when their publication date is
        # more than ``window_days`` behind the newest date seen, undated ones after
        # ``window_articles`` arrivals, the oldest first whenever memory is full; a story
        # lives while it has an article in the window
        self._dated: list[tuple[float, int]] = []  # heap of (day, seq)
        self._undated: deque[int] = deque()  # seqs in arrival order

    # -- window ----------------------------------------------------------------------------
    def _retire(self, now_day: float, now_seq: int, incoming: int = 0) -> None:
        """Drop the articles out of the window; room is left for ``incoming`` new ones."""
        s = self.settings
        while self._undated and (self._undated[0] not in self.members
                                 or now_seq - self._undated[0] > s.window_articles):
            seq = self._undated.popleft()
            if seq in self.members:
                self._drop_member(self.members[seq])
        while self._dated:
            day, seq = self._dated[0]
            if seq in self.members and not now_day - day > s.window_days:
                break
            heapq.heappop(self._dated)
            if seq in self.members:
                self._drop_member(self.members[seq])
        while self.members and len(self.members) + incoming > s.max_active_articles:
            self._drop_member(next(iter(self.members.values())))  # the oldest arrival
        if self._index is not None:
            self._index.drop_expired(self.members)

    def _drop_member(self, member: _Member) -> None:
        del self.members[member.seq]
        del self.by_article[member.article_id]
        if self.embed is not None:
            self._postings_drop(member)
        self.stats.discard_columns(member.columns)
        story = self.stories[member.story]
        story.members.remove(member.article_id)
        story.changed()
        summed = story._summed.pop(member.seq, None)
        if summed is not None and story.members:
            # taken out of the sums now, so that the story does not keep it alive
            story._keys, story._fixed, story._holders = _merge_member(
                story._keys, story._fixed, story._holders, summed, -1)
        if story.members:
            story.remove_embedding(member)
            if member.day >= story.last_day:
                story.last_day = max(self.members[self.by_article[a]].day for a in story.members)
        else:
            del self.stories[story.id]

    def _enter(self, member: _Member) -> None:
        """Put a member into the window's ageing structures (after it is in ``members``)."""
        if np.isfinite(member.day):
            heapq.heappush(self._dated, (member.day, member.seq))
        else:
            self._undated.append(member.seq)

    def _touch(self, story: _Story) -> None:
        story.changed()

    def _admit(self, features: StoryFeatures, seq: int, day: float, story: int) -> _Member:
        """Weigh an arriving article with the window's frequencies, then count its terms."""
        stats = self.stats
        arrays = features.arrays
        found = stats.lookup(arrays.ids)
        weighted = weigh_terms(features, stats, found)
        columns, distinct = stats.add_terms(arrays.ids, found, repeated=arrays.repeated)
        keys = columns[weighted.entries] * SPACES + weighted.namespace
        order = np.argsort(keys)
        return _Member(features.article_id, features.embedding, distinct, weighted,
                       keys, seq, day, story,
                       lead=features.lead if features.embedding is None else None,
                       sorted_keys=keys[order], key_order=order,
                       sorted_fixed=np.rint(weighted.weights[order] * FIXED_SCALE
                                            ).astype(np.int64))

    # -- assignment ------------------------------------------------------------------------
    def assign(self, features: StoryFeatures, *, seq: int | None = None) -> list[StoryChange]:
        """Place one new article; returns the membership changes, its own first."""
        if features.article_id in self.by_article:
            raise ValueError(f"article {features.article_id} is already assigned")
        seq = self.next_seq if seq is None else seq
        self.next_seq = max(self.next_seq, seq + 1)
        # an undated article neither ages the window nor dates its story
        day = features.day if features.day is not None else float("-inf")
        if features.day is not None:
            self.clock = max(self.clock, features.day)
        self._retire(day, seq, incoming=1)

        if features.embedding is None and self.embed is None:
            raise ValueError(f"article {features.article_id} has no embedding and the "
                             "assigner no embed function")
        member = self._admit(features, seq, day, 0)
        if self.embed is not None:
            changes = self._assign_lazy(member)
            self._postings_add(member)
        else:
            assert features.embedding is not None
            candidates = self._candidates(features.embedding)
            changes = self._recluster(member, candidates)
            self._index_add(seq, features.embedding)
        member.key_order = _NO_ORDER  # only the arriving article's mean signals read it
        return changes

    # -- lazy embedding --------------------------------------------------------------------
    def _positive_columns(self, member: _Member) -> list[int]:
        """Columns of the member's terms of positive weight in the link model."""
        mask = np.isin(member.weighted.namespace, self._positive_index)
        columns: list[int] = (member.keys[mask] // SPACES).tolist()
        return columns

    def _postings_add(self, member: _Member) -> None:
        for c in self._positive_columns(member):
            self._postings.setdefault(c, set()).add(member.seq)

    def _postings_drop(self, member: _Member) -> None:
        for c in self._positive_columns(member):
            seqs = self._postings.get(c)
            if seqs is not None:
                seqs.discard(member.seq)
                if not seqs:
                    del self._postings[c]

    def _embed_members(self, members: Sequence[_Member]) -> None:
        """Embed the members that are not yet, in one call, and fold them into their stories."""
        todo = [m for m in members if m.embedding is None]
        if not todo:
            return
        assert self.embed is not None
        if any(m.lead is None for m in todo):
            raise ValueError("story features without an embedding need their lead text")
        vectors = self.embed([m.lead or "" for m in todo])
        self.embedded += len(todo)
        for m, vector in zip(todo, vectors, strict=True):
            m.embedding = np.asarray(vector, dtype=np.float32)
            m.lead = None
            self.computed[m.article_id] = m.embedding
            story = self.stories.get(m.story) if m.seq in self.members else None
            if story is not None:
                story.unembedded -= 1
                story.add_embedding(m.embedding)
                story._node = None

    def _assign_lazy(self, new: _Member) -> list[StoryChange]:
        model, s = self.model, self.settings
        w_embedding = model.weights[0]
        touched: dict[int, _Story] = {}
        for c in self._positive_columns(new):
            for seq in self._postings.get(c, ()):
                sid = self.members[seq].story
                if sid not in touched:
                    touched[sid] = self.stories[sid]
        possible: list[_Story] = []
        clear: _Story | None = None
        stories = list(touched.values())
        sparse = (model.logits(self._mean_signals(new, stories, embedding=False))
                  if stories else np.zeros(0))
        cheap_of = {story.id: float(v) for story, v in zip(stories, sparse, strict=True)}
        for story in stories:
            cheap = cheap_of[story.id]
            bound = story.embedding_bound()
            high = cheap + w_embedding * bound
            if new.embedding is None:
                low = cheap + w_embedding * max(s.lazy_floor, -bound)
            elif story.unembedded or story.embedding_sum is None:
                low = cheap - w_embedding * bound  # an article that came embedded: no floor
            else:
                low = high = cheap + w_embedding * float(
                    new.embedding @ story.embedding_sum) / len(story.members)
            if high >= model.threshold - s.margin:
                possible.append(story)
                clear = story if low >= model.threshold else None
        if not possible:
            self.decided_cheaply += new.embedding is None
            sid = self.next_story
            self.next_story += 1
            return self._apply(new, [], [(sid, [new])])
        if len(possible) == 1 and clear is not None:
            self.decided_cheaply += new.embedding is None
            members = [self.members[self.by_article[a]] for a in clear.members]
            return self._apply(new, [clear], [(clear.id, [*members, new])])
        # second look: the article embedded, a story's members not embedded yet bounded alike
        self._embed_members([new])
        assert new.embedding is not None
        bounds = []
        for story in possible:
            cheap = cheap_of[story.id]
            known = (0.0 if story.embedding_sum is None
                     else float(new.embedding @ story.embedding_sum))
            n, left = len(story.members), story.unembedded
            bounds.append((story, cheap + w_embedding * (known + s.lazy_floor * left) / n,
                           cheap + w_embedding * (known + left) / n))
        possible = [c for c, _, high in bounds if high >= model.threshold - s.margin]
        if not possible:
            sid = self.next_story
            self.next_story += 1
            return self._apply(new, [], [(sid, [new])])
        lows = [low for c, low, high in bounds if high >= model.threshold - s.margin]
        if len(possible) == 1 and lows[0] >= model.threshold:
            story = possible[0]
            members = [self.members[self.by_article[a]] for a in story.members]
            return self._apply(new, [story], [(story.id, [*members, new])])
        members = [self.members[self.by_article[a]] for c in possible for a in c.members]
        self._embed_members(members)
        # as the ANN would list them: by the nearest member, then the story id
        nearest = {c.id: max(float(new.embedding @ self.members[self.by_article[a]].embedding)
                             for a in c.members) for c in possible}
        possible.sort(key=lambda c: (-nearest[c.id], c.id))
        return self._recluster(new, possible)

    def _index_add(self, seq: int, embedding: np.ndarray) -> None:
        if self._index is None:
            self._index = _Segments(int(embedding.shape[0]), self.settings.segment_size)
        self._index.add(seq, embedding)

    def _candidates(self, embedding: np.ndarray) -> list[_Story]:
        if self._index is None:
            return []
        found: list[_Story] = []
        seen: set[int] = set()
        members, most = self.members, self.settings.max_candidates
        for key in self._index.search(embedding, self.settings.neighbours):
            member = members.get(key)
            if member is None or member.story in seen:
                continue
            seen.add(member.story)
            found.append(self.stories[member.story])
            if len(found) >= most:
                break
        return found

    def _keys_bound(self) -> int:
        """Every key of a weighted entry is below this (the scratch vectors' length)."""
        return SPACES * self.stats.capacity

    def _story_sums(self, story: _Story
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The weighted entries of all the story's members summed per key in fixed point
        (:data:`FIXED_SCALE`): keys ascending and their sums. Kept between calls and brought
        up to date here: members that left are subtracted, members that came are added
        (exact integers, so the same sums as adding up all members afresh, in any order)."""
        if not story._stale:
            return story._keys, story._fixed
        story._stale = False
        summed = story._summed
        now = {self.by_article[a] for a in story.members}
        if now != summed.keys():
            keys, fixed, holders = story._keys, story._fixed, story._holders
            for q in [q for q in summed if q not in now]:
                keys, fixed, holders = _merge_member(keys, fixed, holders, summed.pop(q), -1)
            for q in now - summed.keys():
                m = summed[q] = self.members[q]
                keys, fixed, holders = _merge_member(keys, fixed, holders, m, 1)
            story._keys, story._fixed, story._holders = keys, fixed, holders
        return story._keys, story._fixed

    def _story_node(self, story: _Story) -> tuple[np.ndarray, FlatTerms]:
        """The story as one clustering unit: its mean embedding and mean sparse vectors (at
        most CENTROID_TERMS heaviest terms per namespace, ties: the lower term id, so that a
        restored window, whose columns are numbered otherwise, cuts alike)."""
        if story._node is None:
            n = len(story.members)
            assert story.embedding_sum is not None
            unique, fixed = self._story_sums(story)
            sums = fixed * FIXED_UNIT
            namespace = unique % SPACES
            order = np.lexsort((self.stats.terms_of(unique // SPACES), -sums, namespace))
            unique, sums, namespace = unique[order], sums[order], namespace[order]
            counts = np.bincount(namespace, minlength=SPACES)
            if (counts > CENTROID_TERMS).any():
                starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
                keep = np.arange(unique.size) - starts[namespace] < CENTROID_TERMS
                unique, sums, namespace = unique[keep], sums[keep], namespace[keep]
            values = (sums / n).astype(np.float32).astype(np.float64)
            story._node = ((story.embedding_sum / n).astype(np.float32),
                           (unique, values, namespace))
        return story._node

    def _mean_signals(self, new: _Member, stories: Sequence[_Story], *,
                      embedding: bool = True) -> npt.NDArray[np.float64]:
        """(len(stories), 7) mean signals of the new article with each story: the dot
        products of its vectors with the story's mean vectors (the embedding's left 0 with
        ``embedding=False``)."""
        out = np.zeros((len(stories), SPACES + 1), dtype=np.float64)
        if not stories:
            return out
        if kernels.AVAILABLE:
            self._sparse_mean_signals(new, stories, out)
        else:
            self._sparse_mean_signals_numpy(new, stories, out)
        if embedding:
            assert new.embedding is not None
            for i, story in enumerate(stories):
                assert story.embedding_sum is not None and not story.unembedded
                out[i, 0] = float(new.embedding @ story.embedding_sum)
        sizes = np.array([len(story.members) for story in stories], dtype=np.float64)
        result: npt.NDArray[np.float64] = out / sizes[:, None]
        return result

    def _sparse_mean_signals_numpy(self, new: _Member, stories: Sequence[_Story],
                                   out: npt.NDArray[np.float64]) -> None:
        """Sums of the sparse signals with each story into ``out[:, 1:]``: each story's sums
        are read where its keys meet the new article's; the products are added up in the
        order of the article's entries, which does not depend on how the window numbered its
        columns (a restored window numbers them otherwise)."""
        keys, weights, namespace = new.keys, new.weighted.weights, new.weighted.namespace
        for i, story in enumerate(stories):
            story_keys, fixed = self._story_sums(story)
            if not story_keys.size:
                continue
            at = np.minimum(np.searchsorted(story_keys, keys), story_keys.size - 1)
            hit = story_keys[at] == keys
            sums = fixed[at[hit]] * FIXED_UNIT
            out[i, 1:] = np.bincount(namespace[hit], weights=weights[hit] * sums,
                                     minlength=SPACES)

    def _sparse_mean_signals(self, new: _Member, stories: Sequence[_Story],
                             out: npt.NDArray[np.float64]) -> None:
        """The compiled path of :meth:`_sparse_mean_signals_numpy`: the same arithmetic in
        the same order, so the same sums bit for bit."""
        for i, story in enumerate(stories):
            story_keys, fixed = self._story_sums(story)
            kernels.sparse_mean_signals(new.sorted_keys, new.key_order, new.weighted.weights,
                                        new.weighted.namespace, story_keys, fixed,
                                        FIXED_UNIT, out[i])

    def _ensure_slots(self) -> None:
        """Scratch space longer than the largest key (any content)."""
        if self._slots.size < self._keys_bound():
            self._slots = np.empty(self._keys_bound(), dtype=np.int32)

    def _recluster(self, new: _Member, candidates: Sequence[_Story]) -> list[StoryChange]:
        model = self.model
        if candidates:
            logits = model.logits(self._mean_signals(new, candidates))
            linked = [c for c, v in zip(candidates, logits, strict=True)
                      if v >= model.threshold - self.settings.margin]
            best = int(np.argmax(logits))
            clear = len(linked) == 1 and logits[best] >= model.threshold
        else:
            linked, clear = [], False
        if not linked:
            sid = self.next_story
            self.next_story += 1
            return self._apply(new, [], [(sid, [new])])
        if clear:
            story = candidates[best]
            members = [self.members[self.by_article[a]] for a in story.members]
            return self._apply(new, [story], [(story.id, [*members, new])])
        candidates = linked
        # units: the new article, single articles of small stories, whole large stories
        assert new.embedding is not None
        units: list[tuple[list[_Member], np.ndarray, FlatTerms, int | None]] = [
            ([new], new.embedding, new.unit_terms, None)]
        for story in candidates:
            members = [self.members[self.by_article[a]] for a in story.members]
            if len(members) > self.settings.max_split:
                units.append((members, *self._story_node(story), story.id))
            else:
                units.extend(([m], _embedding(m), m.unit_terms, story.id) for m in members)
        if len(units) == 1:
            labels = [0]
        else:
            embeddings = np.stack([u[1] for u in units]).astype(np.float64)
            self._ensure_slots()
            with one_blas_thread():
                signals = signal_matrix(embeddings, [u[2] for u in units], self._slots)
                labels = group_average(signals, [len(u[0]) for u in units], self.model)
        groups: dict[int, list[int]] = {}
        for unit, label in enumerate(labels):
            groups.setdefault(label, []).append(unit)
        # stable ids: largest groups choose first, each takes the old story it overlaps most
        order = sorted(groups.values(), key=lambda g: (-sum(len(units[u][0]) for u in g), g[0]))
        used: set[int] = set()
        result: list[tuple[int, list[_Member]]] = []
        for group in order:
            overlap: dict[int, int] = {}
            for u in group:
                old = units[u][3]
                if old is not None:
                    overlap[old] = overlap.get(old, 0) + len(units[u][0])
            choices = sorted((sid for sid in overlap if sid not in used),
                             key=lambda sid: (-overlap[sid], sid))
            if choices:
                sid = choices[0]
            else:
                sid = self.next_story
                self.next_story += 1
            used.add(sid)
            result.append((sid, [m for u in group for m in units[u][0]]))
        return self._apply(new, candidates, result)

    def _apply(self, new: _Member, candidates: Sequence[_Story],
               result: list[tuple[int, list[_Member]]]) -> list[StoryChange]:
        changes: list[StoryChange] = []
        moves: list[StoryChange] = []
        before = {c.id: c for c in candidates}
        kept = {sid for sid, _ in result}
        for sid, members in result:
            story = before.get(sid) or _Story(sid)
            self.stories[sid] = story
            ids = [m.article_id for m in sorted(members, key=lambda m: m.seq)]
            if ids == [*story.members, new.article_id]:
                story.add_embedding(new.embedding)
            elif ids != story.members:
                story.embedding_sum, story.unembedded = None, 0
                for m in members:
                    story.add_embedding(m.embedding)
            story.members = ids
            story.last_seq = max(m.seq for m in members)
            story.last_day = max(m.day for m in members)
            if not np.isfinite(new.day) and any(m is new for m in members):
                new.day = story.last_day  # an undated report ages with its dated story
            for m in members:
                if m is new:
                    m.story = sid
                    self.members[m.seq] = m
                    self.by_article[m.article_id] = m.seq
                    self._enter(m)
                    changes.append(StoryChange("assign", sid, m.article_id))
                elif m.story != sid:
                    moves.append(StoryChange("move", sid, m.article_id, m.story))
                    m.story = sid
            self._touch(story)
        merges: list[StoryChange] = []
        for old in candidates:
            if old.id not in kept:
                del self.stories[old.id]
                into = {c.story for c in moves if c.previous == old.id}
                target = min(into) if into else None
                if target is not None:
                    merges.append(StoryChange("merge", target, None, old.id))
        return changes + moves + merges

    # -- restore ---------------------------------------------------------------------------
    def restore(self, rows: Iterable[tuple[StoryFeatures, int, int]]) -> None:
        """Rebuild the window from stored (features, seq, story) rows in arrival order, without
        clustering again (the stored assignment stands). The window ages as it did when the
        rows arrived (each arrival retires what it retired then, an undated report takes its
        story's date), so the weights, the frequencies and the articles in the window are
        those a process that never stopped would hold: a restart, or a second process that
        restores after another wrote, assigns the next article as the first would have."""
        for features, seq, sid in rows:
            day = features.day if features.day is not None else float("-inf")
            if features.day is not None:
                self.clock = max(self.clock, features.day)
            self._retire(day, seq, incoming=1)
            member = self._admit(features, seq, day, sid)
            member.key_order = _NO_ORDER
            story = self.stories.get(sid)
            if story is None:
                story = self.stories[sid] = _Story(sid)
            story.members.append(features.article_id)
            story.add_embedding(member.embedding)
            story.last_seq = max(story.last_seq, seq)
            if not np.isfinite(member.day):
                member.day = story.last_day  # as _apply dates an undated report
            story.last_day = max(story.last_day, member.day)
            self.members[seq] = member
            self.by_article[features.article_id] = seq
            self._enter(member)
            self._touch(story)
            if self.embed is not None:
                self._postings_add(member)
            elif features.embedding is None:
                raise ValueError(f"stored article {features.article_id} has no embedding and "
                                 "the assigner no embed function")
            else:
                self._index_add(seq, features.embedding)
            self.next_seq = max(self.next_seq, seq + 1)
            self.next_story = max(self.next_story, sid + 1)

    def story_of(self, article_id: str) -> int | None:
        seq = self.by_article.get(article_id)
        return None if seq is None else self.members[seq].story

    @property
    def active_articles(self) -> int:
        return len(self.members)
