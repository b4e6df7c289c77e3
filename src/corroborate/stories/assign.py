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
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corroborate.stories.features import (
    NAMESPACES,
    SparseVector,
    StoryFeatures,
    TermStatistics,
    dot,
    weigh,
)
from corroborate.stories.linkage import (
    LinkModel,
    NodeVectors,
    group_average,
    pairwise_signals,
    to_arrays,
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


#: a large story enters re-clustering as one unit with at most this many terms per namespace
CENTROID_TERMS = 2000


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
    embedding: np.ndarray
    term_ids: tuple[int, ...]
    vectors: dict[str, SparseVector]
    seq: int
    day: float
    story: int
    _node: NodeVectors | None = None

    @classmethod
    def of(cls, features: StoryFeatures, vectors: dict[str, SparseVector], seq: int,
           day: float, story: int) -> _Member:
        return cls(features.article_id, features.embedding, tuple(features.term_ids()),
                   vectors, seq, day, story)

    @property
    def node(self) -> NodeVectors:
        if self._node is None:
            self._node = NodeVectors(self.embedding,
                                     {ns: to_arrays(self.vectors[ns]) for ns in NAMESPACES})
        return self._node


@dataclass(slots=True)
class _Story:
    id: int
    members: list[str] = field(default_factory=list)
    last_seq: int = 0
    last_day: float = float("-inf")
    # sums of the members' unit vectors: mean signals with an article are dot products
    embedding_sum: np.ndarray | None = None
    sums: dict[str, SparseVector] = field(default_factory=dict)
    _node: NodeVectors | None = None

    def add_vectors(self, member: _Member) -> None:
        emb = member.embedding.astype(np.float64)
        self.embedding_sum = emb.copy() if self.embedding_sum is None else self.embedding_sum + emb
        for ns in NAMESPACES:
            total = self.sums.setdefault(ns, {})
            for t, w in member.vectors[ns].items():
                total[t] = total.get(t, 0.0) + w

    def remove_vectors(self, member: _Member) -> None:
        if self.embedding_sum is not None:
            self.embedding_sum = self.embedding_sum - member.embedding.astype(np.float64)
        for ns in NAMESPACES:
            total = self.sums.get(ns, {})
            for t, w in member.vectors[ns].items():
                left = total.get(t, 0.0) - w
                if abs(left) > 1e-9:
                    total[t] = left
                else:
                    total.pop(t, None)

    def centroid(self, top: int = CENTROID_TERMS) -> NodeVectors:
        """The story as one unit: mean vectors from the running sums (heaviest terms)."""
        n = len(self.members)
        assert self.embedding_sum is not None
        sparse_vectors = {}
        for ns in NAMESPACES:
            total = self.sums.get(ns, {})
            items = (sorted(total.items(), key=lambda kv: -kv[1])[:top] if len(total) > top
                     else list(total.items()))
            sparse_vectors[ns] = to_arrays({t: w / n for t, w in items})
        return NodeVectors((self.embedding_sum / n).astype(np.float32), sparse_vectors, n)

    def mean_signals(self, member: _Member) -> np.ndarray:
        n = len(self.members)
        out = np.empty(len(NAMESPACES) + 1)
        assert self.embedding_sum is not None
        out[0] = float(member.embedding @ self.embedding_sum) / n
        for k, ns in enumerate(NAMESPACES, start=1):
            out[k] = dot(member.vectors[ns], self.sums.get(ns, {})) / n
        return out


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

    def search(self, vector: np.ndarray, k: int) -> list[tuple[float, int]]:
        hits: list[tuple[float, int]] = []
        query = vector.reshape(1, -1).astype(np.float32)
        for index, _, keys in self.segments:
            if not keys:
                continue
            scores, ids = index.search(query, min(k, len(keys)))
            hits.extend((float(s), int(i)) for s, i in zip(scores[0], ids[0], strict=True)
                        if i >= 0)
        hits.sort(key=lambda h: (-h[0], h[1]))
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


class StoryAssigner:
    """The online state: active stories, their articles, frequencies and the ANN index."""

    def __init__(self, model: LinkModel, settings: AssignSettings | None = None, *,
                 next_story: int = 1, next_seq: int = 1) -> None:
        self.model = model
        self.settings = settings or AssignSettings()
        self.stats = TermStatistics()
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
        self.stats.discard(member.term_ids)
        story = self.stories[member.story]
        story.members.remove(member.article_id)
        story._node = None
        if story.members:
            story.remove_vectors(member)
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
        story._node = None

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

        vectors = weigh(features, self.stats)
        self.stats.add(features)
        member = _Member.of(features, vectors, seq, day, 0)
        candidates = self._candidates(features)
        changes = self._recluster(member, candidates)
        self._index_add(seq, features.embedding)
        return changes

    def _index_add(self, seq: int, embedding: np.ndarray) -> None:
        if self._index is None:
            self._index = _Segments(int(embedding.shape[0]), self.settings.segment_size)
        self._index.add(seq, embedding)

    def _candidates(self, features: StoryFeatures) -> list[_Story]:
        if self._index is None:
            return []
        found: list[_Story] = []
        for _, key in self._index.search(features.embedding, self.settings.neighbours):
            member = self.members.get(key)
            if member is None:
                continue
            story = self.stories[member.story]
            if story not in found:
                found.append(story)
                if len(found) >= self.settings.max_candidates:
                    break
        return found

    def _story_node(self, story: _Story) -> NodeVectors:
        if story._node is None:
            story._node = story.centroid()
        return story._node

    def _recluster(self, new: _Member, candidates: Sequence[_Story]) -> list[StoryChange]:
        model = self.model
        if candidates:
            logits = model.logits(np.stack([c.mean_signals(new) for c in candidates]))
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
        units: list[tuple[list[_Member], NodeVectors, int | None]] = [([new], new.node, None)]
        for story in candidates:
            members = [self.members[self.by_article[a]] for a in story.members]
            if len(members) > self.settings.max_split:
                units.append((members, self._story_node(story), story.id))
            else:
                units.extend(([m], m.node, story.id) for m in members)
        if len(units) == 1:
            labels = [0]
        else:
            signals = pairwise_signals([u[1] for u in units])
            labels = group_average(signals, [u[1].size for u in units], self.model)
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
                old = units[u][2]
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
                story.add_vectors(new)
            elif ids != story.members:
                story.embedding_sum, story.sums = None, {}
                for m in members:
                    story.add_vectors(m)
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
            vectors = weigh(features, self.stats)
            self.stats.add(features)
            member = _Member.of(features, vectors, seq, day, sid)
            story = self.stories.get(sid)
            if story is None:
                story = self.stories[sid] = _Story(sid)
            story.members.append(features.article_id)
            story.add_vectors(member)
            story.last_seq = max(story.last_seq, seq)
            if not np.isfinite(member.day):
                member.day = story.last_day  # as _apply dates an undated report
            story.last_day = max(story.last_day, member.day)
            self.members[seq] = member
            self.by_article[features.article_id] = seq
            self._enter(member)
            self._touch(story)
            self._index_add(seq, features.embedding)
            self.next_seq = max(self.next_seq, seq + 1)
            self.next_story = max(self.next_story, sid + 1)

    def story_of(self, article_id: str) -> int | None:
        seq = self.by_article.get(article_id)
        return None if seq is None else self.members[seq].story

    @property
    def active_articles(self) -> int:
        return len(self.members)
