"""Compare reports of one event: group their claims into facts, tell independent sources from
copies, find the differences, and build the :class:`~corroborate.model.Brief`.

Pure over the data model: the analyses, the embedder and the scorer are passed in.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy import sparse

from corroborate.align.differences import (
    ClaimContext,
    conflicting_figures,
    differences_between,
    figure_difference,
    figure_slots,
    merge_differences,
    quantity_differences,
    reference_dates_conflict,
)
from corroborate.align.features import (
    Idf,
    Statement,
    one_blas_thread,
    pair_features,
    prepare,
    without_number_evidence,
)
from corroborate.align.lineage import containment, find_lineages, same_outlet, shingles
from corroborate.align.once import distinct
from corroborate.align.pair_model import CONFLICT, SAME, PairModel
from corroborate.align.propositions import PropositionSplitter, Splitter
from corroborate.align.scorer import PairScorer, load_default_scorer
from corroborate.align.support import SupportModel, load_support_model, support_row
from corroborate.embed import Embedder, MiniLMEmbedder
from corroborate.errors import UsageError
from corroborate.ingest.language import not_analysable

if TYPE_CHECKING:
    from corroborate.analyze import Analyzer
from corroborate.model import (
    Analysis,
    Article,
    Brief,
    Claim,
    Difference,
    Exclusion,
    Fact,
    Lineage,
    Mention,
    StoryEntity,
    TimelineEntry,
)

# Candidate pairs for scoring: each claim's best matches by sentence cosine in every other
# article (CANDIDATES_PER_ARTICLE) and by shared rare words (LEXICAL_CANDIDATES_PER_ARTICLE),
# plus any pair this close. A claim's supporters are its best matches (see _support_groups);
# a third match by cosine changed little (2026-12-02), the two by words raised the candidate
# recall on claim gold from 0.63-0.73 to 0.73-0.84 (docs/benchmarks.md).
CANDIDATE_COSINE = 0.75
# Support: a claim of another article supports a claim when their pair score reaches
# GROUP_THRESHOLD, it is the claim's best match in that article, and the claim is within
# SUPPORT_MARGIN of its own best match back (chosen on the dev and tune claim gold).
GROUP_THRESHOLD = 0.5
SUPPORT_MARGIN = 0.1
# ... the same with the pair model's scores (chosen on dev + tune claim gold, 0.35-0.5 swept)
MODEL_GROUP_THRESHOLD = 0.4
# Two facts are joined into one disputed fact when claims of each, related at least this much,
# give conflicting figures for the same specific thing (see _join_number_disputes).
DISPUTE_LINK = 0.45
# ... or when their sentence vectors are this close (the figures' wording differs: "about 120
# firefighters had been deployed" vs "about 150 firefighters fought the blaze").
DISPUTE_COSINE = 0.55
# Values are compared only between claims that clearly state the same thing.
DIFF_MIN_SCORE = 0.5
# Claims whose own words (quotations removed) share this much of their word 5-grams, over at
# least VERBATIM_MIN_WORDS words, are one source (a wire passage printed by two papers).
VERBATIM_CLAIM = 0.7
VERBATIM_MIN_WORDS = 12
SPECIFIC_KINDS = frozenset({"count", "duration", "measure"})
GENERIC_UNITS = frozenset({"time", "thing", "one", "other", "way", "part"})
CANDIDATES_PER_ARTICLE = 2
# ... and its best matches by IDF-weighted Jaccard of content stems (a paraphrase whose
# sentence vectors are far apart may still share its rare words)
LEXICAL_CANDIDATES_PER_ARTICLE = 2
# The learned pair model re-reads, for each claim and each other article, the RESCORE_PER_ARTICLE
# candidates the feature scorer ranks highest (when it gives them at least RESCORE_MIN); a pair
# it reads scores P(same) + P(conflict): both mean the claims state one fact. Pairs it does not
# read keep the feature score halved (UNREAD_DAMPING): they were not among a claim's likeliest
# partners, so only a very high feature score lets them support a fact.
RESCORE_PER_ARTICLE = 2
RESCORE_MIN = 0.05
UNREAD_DAMPING = 0.5
# At most this many pairs are read by the pair model per comparison (the highest feature scores
# first; about 5 s on 2 cores): in a large story the rest keep their feature score, undamped,
# with the pair model alone; the support model reads them as unread pairs.
MAX_MODEL_PAIRS = 1200
SUMMARY_FACTS = 5
MAX_ARTICLES = 200


# Pairs of claims joined for a dispute: () to compare them value by value, or the
# differences found for them (see Comparer._join_slot_disputes).
Joins = dict[tuple[int, int], tuple[Difference, ...]]
# Two figures' windows must be this related (pair model: same + conflict) to fill one slot;
# at most MAX_SLOT_PAIRS pairs of windows are read per comparison.
SLOT_RELATED = 0.5
MAX_SLOT_PAIRS = 600


@dataclass(frozen=True, slots=True)
class PairSignals:
    """Per candidate pair of claims (node indices, ``pairs``): its pair features with the
    number evidence left out (``rows``), the feature scorer's probability (``scores``), and
    the pair model's probabilities of other / same / conflict where it read the pair
    (``relation``; a row of NaN where only :data:`MAX_MODEL_PAIRS` kept it from reading)."""

    pairs: list[tuple[int, int]]
    rows: list[list[float]]
    scores: dict[tuple[int, int], float]
    relation: dict[tuple[int, int], npt.NDArray[np.float64]]
    articles: list[str]  # the article of each node

    def support_rows(self) -> list[list[float]]:
        """The support model's input for each pair (see :func:`support_row`)."""
        margins = self.margins()
        return [support_row(row, self.scores[pair], _read(self.relation.get(pair)),
                            margins[pair])
                for pair, row in zip(self.pairs, self.rows, strict=True)]

    def margins(self) -> dict[tuple[int, int], tuple[float, float]]:
        """Per pair (i, j), how far the feature score of (i, j) is above that of i's next
        best candidate in j's article, and of j's in i's article (the whole score where
        there is no other candidate): a claim's clear best match in another article is
        likelier to state its fact than one of several near-equal matches."""
        ranked: dict[tuple[int, str], list[float]] = defaultdict(list)
        for (i, j), score in self.scores.items():
            ranked[(i, self.articles[j])].append(score)
            ranked[(j, self.articles[i])].append(score)
        top2 = {key: sorted(found, reverse=True)[:2] for key, found in ranked.items()}

        def margin(a: int, b: int, score: float) -> float:
            best = top2[(a, self.articles[b])]
            if score < best[0]:
                return score - best[0]  # below a's best candidate in b's article
            return score - (best[1] if len(best) > 1 else 0.0)  # above the next best

        return {(i, j): (margin(i, j, s), margin(j, i, s)) for (i, j), s in self.scores.items()}


class _StemOverlap:
    """IDF-weighted Jaccard of the stem sets of claims: the IDF of the stems two claims share
    over the IDF of the stems either holds (the pair feature ``idf_jaccard``), computed a block
    of claims against another at a time (a sparse product), so memory follows one article's
    claims against the story's, not the square of the story's claims."""

    __slots__ = ("_held", "_total", "_weighted")

    def __init__(self, stems: Sequence[frozenset[str]], idf: Idf) -> None:
        column: dict[str, int] = {}
        rows, cols = [], []
        for i, found in enumerate(stems):
            for stem in found:
                rows.append(i)
                cols.append(column.setdefault(stem, len(column)))
        weight = np.zeros(len(column))
        for stem, c in column.items():
            weight[c] = idf[stem]
        self._held = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                       shape=(len(stems), len(column)))
        self._weighted = self._held @ sparse.diags(weight)
        self._total = np.asarray(self._held @ weight).ravel()

    def block(self, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]
              ) -> npt.NDArray[np.float64]:
        """(len(rows), len(cols)): the overlap of each claim of ``rows`` with each of
        ``cols`` (0 where neither holds a stem)."""
        shared = np.asarray((self._weighted[rows] @ self._held[cols].T).todense())
        union = self._total[rows][:, None] + self._total[cols][None, :] - shared
        result: npt.NDArray[np.float64] = shared / np.maximum(union, 1e-9)
        return result


@dataclass(frozen=True, slots=True)
class _Node:
    claim: Claim
    statement: Statement
    source: str  # the independent-source key of this claim (lineage, or a cited outlet)
    units: frozenset[str] = frozenset()  # specific units of its figures ("minute", "firefighter")
    text: str = ""  # what the models read: the claim's words (a clause with its noun)


class Comparer:
    """Holds the embedder, the feature scorer, the pair model and the support model;
    :meth:`compare` is then a pure function of the analyses. ``threshold`` overrides the score
    two claims need to state one fact: the support model's own threshold by default,
    :data:`MODEL_GROUP_THRESHOLD` with the pair model alone (``use_support_model=False``),
    :data:`GROUP_THRESHOLD` with the feature scorer alone (``use_pair_model=False``)."""

    diff_min_score = DIFF_MIN_SCORE

    def __init__(self, embedder: Embedder | None = None, scorer: PairScorer | None = None, *,
                 threshold: float | None = None,
                 splitter: Splitter | None = None,
                 pair_model: PairModel | None = None, use_pair_model: bool = True,
                 support: SupportModel | None = None, use_support_model: bool = True) -> None:
        self.embedder: Embedder = embedder if embedder is not None else MiniLMEmbedder()
        self.scorer = scorer if scorer is not None else load_default_scorer()
        self.splitter: Splitter = splitter if splitter is not None else PropositionSplitter()
        self.pair_model: PairModel | None = (
            (pair_model if pair_model is not None else
             PairModel(precision=getattr(self.embedder, "precision", "auto"),
                       runtime=getattr(self.embedder, "runtime", None)))
            if use_pair_model else None)
        # the support model reads the pair model's probabilities: it needs the pair model
        self.support: SupportModel | None = (
            (support if support is not None else load_support_model())
            if use_support_model and self.pair_model is not None else None)
        if self.support is not None:
            default = self.support.threshold
        else:
            default = GROUP_THRESHOLD if self.pair_model is None else MODEL_GROUP_THRESHOLD
        self.threshold = default if threshold is None else threshold

    @property
    def name(self) -> str:
        model = "+pair-model" if self.pair_model is not None else ""
        support = "+support" if self.support is not None else ""
        return f"corroborate-aligner/2+{self.embedder.name}{model}{support}"

    def compare(self, analyses: Sequence[Analysis]) -> Brief:
        """The brief of ``analyses``: articles not in English (their detected language, see
        :func:`~corroborate.ingest.language.not_analysable`) are left out of the comparison
        and listed in ``Brief.excluded`` with the reason."""
        analyses, excluded = split_comparable(analyses)
        if not analyses and excluded:
            return Brief((), (), (), (), (), "", (), self.name, excluded)
        analyses, lineages, nodes = self.claim_nodes(analyses)
        by_id = {a.article.id: a for a in analyses}
        scores = self._pair_scores(nodes)
        groups, joins = self._groups(nodes, scores, by_id)
        groups = _merge_restated_groups(groups, nodes, scores)

        facts = [self._fact(nodes, group, scores, by_id, joins) for group in groups]
        facts = self._merge_shared_disputes(nodes, groups, facts, scores, by_id, joins)
        facts = _distinct_representatives(facts, nodes, scores)
        facts.sort(key=_fact_order)
        facts = [_renumber(f, i) for i, f in enumerate(facts, start=1)]
        return Brief(
            analyses=tuple(analyses), facts=tuple(facts), lineages=tuple(lineages),
            entities=_entities(analyses), timeline=_timeline(analyses),
            headline=_headline(analyses, nodes, scores),
            summary=_summary(facts), aligner=self.name, excluded=excluded,
        )

    def claim_nodes(self, analyses: Sequence[Analysis]
                    ) -> tuple[list[Analysis], list[Lineage], list[_Node]]:
        """The analyses (each article once), their lineages, and a node per claim: what
        :meth:`compare` groups (also read by ``benchmarks/calibrate_support.py``)."""
        analyses = _unique(analyses)
        if not analyses:
            raise UsageError("nothing to compare: give at least one article")
        if len(analyses) > MAX_ARTICLES:
            raise UsageError(f"{len(analyses)} articles: compare takes at most {MAX_ARTICLES} "
                             "(group them into stories first)")
        by_id = {a.article.id: a for a in analyses}
        lineages = find_lineages(analyses)
        lineage_of = {aid: lin.id for lin in lineages for aid in lin.articles}

        propositions = [p for props in self.splitter.split(analyses) for p in props]
        claims = [p.claim for p in propositions]
        texts = [p.text for p in propositions]
        # a text repeated (a wire passage in several papers) is embedded and prepared once:
        # its claims share one Statement, so their pair features are computed once too
        unique, where = distinct(texts)
        prepared = [prepare(t, e) for t, e in zip(unique, self.embedder.embed(unique),
                                                  strict=True)]
        statements = [prepared[k] for k in where]
        nodes = [_Node(c, s, _source_key(c, by_id, lineage_of),
                       _specific_units(ClaimContext(c, by_id[c.article])), t)
                 for c, s, t in zip(claims, statements, texts, strict=True)]
        return analyses, list(lineages), nodes

    def _groups(self, nodes: Sequence[_Node], scores: dict[tuple[int, int], float],
                by_id: dict[str, Analysis]) -> tuple[list[list[int]], Joins]:
        """The claims of each fact (node indices), and the pairs joined for a dispute: compared
        value by value whatever their score (an empty tuple), or with the differences found
        for them."""
        groups = _support_groups(nodes, scores, self.threshold)
        # with the support model a pair's score is the probability that it states one fact:
        # a pair it supports is related enough to show a conflict of values
        link = self.threshold if self.support is not None else DISPUTE_LINK
        groups, joins = _join_number_disputes(nodes, groups, scores, by_id, link)
        return self._join_slot_disputes(nodes, groups, joins, by_id)

    def _merge_shared_disputes(self, nodes: Sequence[_Node], groups: list[list[int]],
                               facts: list[Fact], scores: dict[tuple[int, int], float],
                               by_id: dict[str, Analysis], joins: Joins) -> list[Fact]:
        """Disputed facts that share a claim and dispute the same values are one fact: an
        outlet that states the figure in two sentences otherwise shows the same dispute twice.
        Facts then inside a merged one are dropped."""
        def signature(fact: Fact) -> frozenset[tuple[str, str, frozenset[str]]]:
            return frozenset((d.kind, d.label, frozenset(v.value for v in d.values))
                             for d in fact.differences)

        merged = [set(g) for g in groups]
        alive = [True] * len(groups)
        changed: set[int] = set()
        disputed = [k for k, f in enumerate(facts) if f.status == "disputed"]
        for x, k in enumerate(disputed):
            for m in disputed[x + 1:]:
                if not (alive[k] and alive[m]) or not merged[k] & merged[m]:
                    continue
                if signature(facts[k]) & signature(facts[m]):
                    merged[k] |= merged[m]
                    alive[m] = False
                    changed.add(k)
        if not changed:
            return facts
        return [self._fact(nodes, sorted(group), scores, by_id, joins) if k in changed
                else facts[k]
                for k, group in enumerate(merged)
                if alive[k] and (k in changed
                                 or not any(group <= merged[c] for c in changed))]

    def _join_slot_disputes(self, nodes: Sequence[_Node], groups: list[list[int]], joins: Joins,
                            by_id: dict[str, Analysis]) -> tuple[list[list[int]], Joins]:
        """Figures that fill one slot with two values, however differently the rest of their
        claims reads ("$5,687.75 on Martha's Vineyard Holistic Retreat" in a list of purchases
        vs "a $5,587.75 vacation at the Martha's Vineyard Holistic Retreat"): figures of one
        unit whose clause windows share a word, read by the pair model (the two windows must
        state one fact, possibly with conflicting values). Each figure joins one dispute at
        most, the most certain first."""
        if self.pair_model is None:
            return groups, joins
        contexts = {i: ClaimContext(n.claim, by_id[n.claim.article]) for i, n in enumerate(nodes)
                    if n.claim.field == "text"}
        slots = {i: figs for i, c in contexts.items() if (figs := figure_slots(c))}
        with_figures = sorted(slots)
        candidates = []
        for x, i in enumerate(with_figures):
            for j in with_figures[x + 1:]:
                a, b = nodes[i], nodes[j]
                if a.claim.article == b.claim.article or a.source == b.source:
                    continue
                for sa, sb in conflicting_figures(contexts[i], slots[i], contexts[j], slots[j]):
                    candidates.append((i, j, sa, sb))
        if not candidates:
            return groups, joins
        # in a large story, the candidates whose windows share the most words first
        candidates.sort(key=lambda c: (-len(c[2].words & c[3].words), c[0], c[1]))
        candidates = candidates[:MAX_SLOT_PAIRS]
        text = {aid: a.article.text for aid, a in by_id.items()}
        probs = self.pair_model.probabilities([
            (mask_figures(text[nodes[i].claim.article][sa.start:sa.end]),
             mask_figures(text[nodes[j].claim.article][sb.start:sb.end]))
            for i, j, sa, sb in candidates])
        related = probs[:, SAME] + probs[:, CONFLICT]
        together = {(min(i, j), max(i, j)) for g in groups for x, i in enumerate(g)
                    for j in g[x + 1:]}
        used: set[tuple[str, int]] = set()
        joins = dict(joins)
        added: list[list[int]] = []
        for k in np.argsort(-related, kind="stable").tolist():
            if related[k] < SLOT_RELATED:
                break
            i, j, sa, sb = candidates[k]
            keys = ((nodes[i].claim.article, sa.quantity.start),
                    (nodes[j].claim.article, sb.quantity.start))
            if keys[0] in used or keys[1] in used:
                continue
            used.update(keys)
            found = figure_difference(contexts[i], sa, contexts[j], sb)
            joins[(i, j)] = (*joins.get((i, j), ()), found)
            if (i, j) not in together:
                added.append([i, j])
                together.add((i, j))
        return _with_dispute_pairs(groups, added), joins

    # -- scoring ----------------------------------------------------------------------------
    def _pair_scores(self, nodes: Sequence[_Node]) -> dict[tuple[int, int], float]:
        """Grouping scores of candidate pairs (claims of different articles whose sentence
        vectors are close, plus each claim's best matches in every other article): the
        support model's probability by default (see :meth:`pair_signals`)."""
        signals = self.pair_signals(nodes)
        if self.pair_model is None:
            return signals.scores
        if self.support is None:
            return _relation_scores(signals.scores, signals.relation)
        supported = self.support.probabilities(signals.support_rows())
        return {pair: float(p) for pair, p in zip(signals.pairs, supported, strict=True)}

    def pair_signals(self, nodes: Sequence[_Node]) -> PairSignals:
        """What each reader says of each candidate pair: its pair features, the feature
        scorer's probability, and the pair model's probabilities where it read the pair."""
        if len(nodes) < 2:
            return PairSignals([], [], {}, {}, [n.claim.article for n in nodes])
        vectors = np.stack([n.statement.embedding.vector for n in nodes])
        cos = vectors @ vectors.T
        articles = [n.claim.article for n in nodes]
        by_article: dict[str, list[int]] = defaultdict(list)
        for i, aid in enumerate(articles):
            by_article[aid].append(i)
        candidates: set[tuple[int, int]] = set()
        groups = [np.asarray(m) for m in by_article.values()]
        idf = Idf([n.statement for n in nodes])
        lexical = (_StemOverlap([n.statement.stems for n in nodes], idf)
                   if LEXICAL_CANDIDATES_PER_ARTICLE else None)
        everyone = np.arange(len(nodes))
        for a_idx in groups:
            # one sparse product per article: its claims against every claim (|a| x n)
            overlap = lexical.block(a_idx, everyone) if lexical is not None else None
            for b_idx in groups:
                if a_idx is b_idx:
                    continue
                block = cos[np.ix_(a_idx, b_idx)]
                k = min(CANDIDATES_PER_ARTICLE, block.shape[1])
                top = np.argpartition(-block, k - 1, axis=1)[:, :k]
                hit_rows, hit_cols = np.nonzero(block >= CANDIDATE_COSINE)
                # each row's top k, then the close pairs: node indices, smaller first
                left = np.concatenate([np.repeat(a_idx, k), a_idx[hit_rows]])
                right = np.concatenate([b_idx[top.ravel()], b_idx[hit_cols]])
                if overlap is not None:
                    words = overlap[:, b_idx]
                    lexical_k = min(LEXICAL_CANDIDATES_PER_ARTICLE, words.shape[1])
                    best = np.argpartition(-words, lexical_k - 1, axis=1)[:, :lexical_k]
                    shares = np.take_along_axis(words, best, axis=1) > 0
                    left = np.concatenate([left, np.repeat(a_idx, lexical_k)[shares.ravel()]])
                    right = np.concatenate([right, b_idx[best.ravel()][shares.ravel()]])
                candidates.update(zip(np.minimum(left, right).tolist(),
                                      np.maximum(left, right).tolist(), strict=True))
        # claims giving a figure for the same specific thing are compared too, so that a
        # disagreement on the number can be found even when the wording differs
        by_unit: dict[str, list[int]] = defaultdict(list)
        for i, node in enumerate(nodes):
            for unit in node.units:
                by_unit[unit].append(i)
        for members in by_unit.values():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    if articles[i] != articles[j]:
                        candidates.add((i, j))
        pairs = sorted(candidates)
        # claims of one text share their Statement (see claim_nodes): a pair of statements
        # seen before has the same features
        computed: dict[tuple[int, int], list[float]] = {}
        rows = []
        with one_blas_thread():
            for i, j in pairs:
                a, b = nodes[i].statement, nodes[j].statement
                row = computed.get((id(a), id(b)))
                if row is None:
                    row = computed[(id(a), id(b))] = without_number_evidence(
                        pair_features(a, b, idf))
                rows.append(row)
        probs = self.scorer.probabilities(rows)
        scores = {pair: float(p) for pair, p in zip(pairs, probs, strict=True)}
        relation = self._rescore(nodes, scores) if self.pair_model is not None else {}
        return PairSignals(pairs, rows, scores, relation, articles)

    def _rescore(self, nodes: Sequence[_Node], scores: dict[tuple[int, int], float]
                 ) -> dict[tuple[int, int], npt.NDArray[np.float64]]:
        """The learned pair model's reading (probabilities of other / same / conflict) of
        each claim's strongest candidates in every other article (see
        :data:`RESCORE_PER_ARTICLE`), at most :data:`MAX_MODEL_PAIRS` of them."""
        assert self.pair_model is not None
        ranked: dict[tuple[int, str], list[tuple[float, tuple[int, int]]]] = defaultdict(list)
        for (i, j), score in scores.items():
            if score >= RESCORE_MIN:
                ranked[(i, nodes[j].claim.article)].append((score, (i, j)))
                ranked[(j, nodes[i].claim.article)].append((score, (i, j)))
        top = {pair for found in ranked.values()
               for _, pair in sorted(found, reverse=True)[:RESCORE_PER_ARTICLE]}
        by_score = sorted(top, key=lambda pair: (-scores[pair], pair))
        chosen = sorted(by_score[:MAX_MODEL_PAIRS])
        masked: dict[int, str] = {}  # each claim's words, figures masked, once

        def words(i: int) -> str:
            if i not in masked:
                masked[i] = mask_figures(nodes[i].text)
            return masked[i]

        probs = self.pair_model.probabilities([(words(i), words(j)) for i, j in chosen])
        relation = dict(zip(chosen, probs, strict=True))
        if len(by_score) > MAX_MODEL_PAIRS:
            # over budget: the rest keep their feature score (see _relation_scores)
            relation.update((pair, _UNREAD_OVER_BUDGET) for pair in by_score[MAX_MODEL_PAIRS:])
        return relation

    # -- facts ------------------------------------------------------------------------------
    def _fact(self, nodes: Sequence[_Node], group: list[int],
              scores: dict[tuple[int, int], float], by_id: dict[str, Analysis],
              joins: Joins) -> Fact:
        rank = {aid: k for k, aid in enumerate(by_id)}  # input order of the articles
        members = sorted(group, key=lambda i: (rank[nodes[i].claim.article], i))
        claims = tuple(nodes[i].claim for i in members)

        representative = members.index(_most_central(members, nodes, scores))
        outlets = len({by_id[c.article].article.source for c in claims})
        sources = _independent_sources(nodes, members, by_id)
        found: list[Difference] = []
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = sorted((members[x], members[y]))
                a, b = nodes[i], nodes[j]
                if sources[i] == sources[j]:
                    continue
                forced = joins.get((i, j))
                if forced:
                    found.extend(forced)  # figures found to fill one slot
                # claims that clearly state the same thing, and claims joined for a number
                # dispute, are compared value by value (claims joined only for a slot are not:
                # the rest of two lists of figures would be paired at random)
                if scores.get((i, j), 0.0) >= self.diff_min_score or forced == ():
                    between = differences_between(
                        ClaimContext(a.claim, by_id[a.claim.article]),
                        ClaimContext(b.claim, by_id[b.claim.article]))
                    # figures of a pair with slot disputes were aligned by slot; the pair's
                    # dates, names and wording are still compared
                    found.extend(d for d in between if not forced or d.kind != "quantity")
        differences = tuple(merge_differences(found))
        independent = len(set(sources.values()))
        status = "disputed" if differences else ("agreed" if independent >= 2 else "single")
        cohesion = (sum(scores.get((min(i, j), max(i, j)), 0.0) for i in members
                        for j in members if i < j) / max(1, len(members) * (len(members) - 1)
                                                         // 2))
        return Fact("", status, claims, representative, outlets, independent,  # type: ignore[arg-type]
                    differences, round(cohesion, 4))


def compare_analyses(analyses: Sequence[Analysis], *, embedder: Embedder | None = None,
                     scorer: PairScorer | None = None) -> Brief:
    """The brief of already analysed articles (see :class:`Comparer`)."""
    return Comparer(embedder, scorer).compare(analyses)


def compare(articles: Iterable[Article], *, analyzer: Analyzer | None = None,
            embedder: Embedder | None = None, scorer: PairScorer | None = None) -> Brief:
    """The brief of a set of reports of one event: analyses them (with the packaged English
    model unless ``analyzer`` is given) and compares them."""
    from corroborate.analyze import Analyzer

    engine = analyzer if analyzer is not None else Analyzer()
    analyses = list(engine.analyze_many(list(articles)))
    return compare_analyses(analyses, embedder=embedder, scorer=scorer)


# -- helpers ---------------------------------------------------------------------------------

def split_comparable(analyses: Sequence[Analysis]
                     ) -> tuple[list[Analysis], tuple[Exclusion, ...]]:
    """The analyses the comparison reads (each article once, in order), and the articles it
    leaves out with the reason: those whose text is in another language than English."""
    kept: list[Analysis] = []
    excluded: list[Exclusion] = []
    for analysis in _unique(analyses):
        verdict = not_analysable(analysis.article.metadata)
        if verdict is None:
            kept.append(analysis)
        else:
            excluded.append(Exclusion(analysis.article, verdict[1], verdict[0]))
    return kept, tuple(excluded)


def _unique(analyses: Sequence[Analysis]) -> list[Analysis]:
    seen: set[str] = set()
    result = []
    for a in analyses:
        if a.article.id not in seen:
            seen.add(a.article.id)
            result.append(a)
    return result


def _source_key(claim: Claim, by_id: dict[str, Analysis], lineage_of: dict[str, str]) -> str:
    """The lineage the claim counts for: an outlet its sentence credits (the article of that
    outlet when it is in the set), else the article's own lineage."""
    analysis = by_id[claim.article]
    if claim.field == "text":
        for x in analysis.attributions:
            if x.sentence == claim.sentence and x.kind == "media":
                for other in by_id.values():
                    if other.article.id != claim.article and same_outlet(x.source,
                                                                        other.article.source):
                        return lineage_of[other.article.id]
                if not same_outlet(x.source, analysis.article.source):
                    return "outlet:" + " ".join(sorted(re.findall(r"\w+", x.source.lower())))
    return lineage_of[claim.article]


def _support_groups(nodes: Sequence[_Node], scores: dict[tuple[int, int], float],
                    threshold: float) -> list[list[int]]:
    """Facts from support: each claim with the claim of every other article that states it
    best (score at least ``threshold``). One claim may so stand in several facts (an outlet
    that packs two facts into one sentence supports both); identical facts are kept once and
    a fact whose claims all stand in a larger fact is dropped."""
    best: dict[tuple[int, str], tuple[float, int]] = {}
    for (i, j), score in scores.items():
        for a, b in ((i, j), (j, i)):
            key = (a, nodes[b].claim.article)
            if score >= threshold and score > best.get(key, (-1.0, -1))[0]:
                best[key] = (score, b)
    supporters: dict[int, set[int]] = defaultdict(set)
    for (a, _article), (score, b) in best.items():
        # the supporter must state ``a`` nearly as well as anything else of a's article
        rival = best.get((b, nodes[a].claim.article), (score, a))[0]
        if score >= rival - SUPPORT_MARGIN - 1e-9:
            supporters[a].add(b)
    sets = {frozenset({i, *supporters[i]}) for i in range(len(nodes))}
    ordered = sorted(sets, key=lambda m: (-len(m), sorted(m)))
    kept: list[frozenset[int]] = []
    for members in ordered:
        if not any(members <= other for other in kept):
            kept.append(members)
    return sorted((sorted(m) for m in kept), key=lambda m: m[0])


# a marker for pairs the pair model would have read but for MAX_MODEL_PAIRS
_UNREAD_OVER_BUDGET = np.full(3, np.nan)
_UNREAD_OVER_BUDGET.setflags(write=False)  # one array shared by every such pair


def _read(row: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64] | None:
    """The pair model's probabilities for a pair it read, else None."""
    return None if row is None or np.isnan(row[0]) else row


def _relation_scores(scores: dict[tuple[int, int], float],
                     relation: dict[tuple[int, int], npt.NDArray[np.float64]]
                     ) -> dict[tuple[int, int], float]:
    """Grouping scores from the pair model alone: P(same) + P(conflict) where it read the
    pair; the feature score where only the budget kept it from reading the pair; the feature
    score damped by :data:`UNREAD_DAMPING` elsewhere (not among a claim's likeliest
    partners)."""
    result = {}
    for pair, score in scores.items():
        row = relation.get(pair)
        if row is None:
            result[pair] = score * UNREAD_DAMPING
        elif np.isnan(row[0]):
            result[pair] = score
        else:
            result[pair] = float(row[SAME] + row[CONFLICT])
    return result


def figures_conflict(a: _Node, b: _Node, by_id: dict[str, Analysis]) -> bool:
    """True when two claims give conflicting figures for the same specific thing (a count,
    a duration or a measure of something other than "time" or "thing")."""
    return _figures_conflict(ClaimContext(a.claim, by_id[a.claim.article]),
                             ClaimContext(b.claim, by_id[b.claim.article]))


def _figures_conflict(left: ClaimContext, right: ClaimContext) -> bool:
    return any(d.label not in GENERIC_UNITS
               for d in quantity_differences(left, right, SPECIFIC_KINDS))


def _join_number_disputes(nodes: Sequence[_Node], groups: list[list[int]],
                          scores: dict[tuple[int, int], float], by_id: dict[str, Analysis],
                          link: float = DISPUTE_LINK) -> tuple[list[list[int]], Joins]:
    """Add a fact for two related claims (score ≥ ``link``, or sentence vectors at least
    :data:`DISPUTE_COSINE` apart) of different sources that give conflicting figures for the
    same specific thing ("about 30 minutes" vs "about 25 minutes"; "120 firefighters" vs
    "150") or date one "since ..." reference point differently ("since June" vs "since
    December 2019"), unless one fact already holds both: outlets that disagree on a value often
    word the rest differently, and the dispute is what the reader needs to see. The claims keep
    their other facts (a claim may support several)."""
    together = {(min(i, j), max(i, j)) for g in groups for x, i in enumerate(g) for j in g[x + 1:]}
    added: list[list[int]] = []
    joins: Joins = {}
    claimed: set[int] = set()
    for (i, j), score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        cosine = float(nodes[i].statement.embedding.vector @ nodes[j].statement.embedding.vector)
        if score < link and cosine < DISPUTE_COSINE:
            continue
        if (i, j) in together or i in claimed or j in claimed:
            continue
        if nodes[i].source == nodes[j].source or nodes[i].claim.article == nodes[j].claim.article:
            continue
        left = ClaimContext(nodes[i].claim, by_id[nodes[i].claim.article])
        right = ClaimContext(nodes[j].claim, by_id[nodes[j].claim.article])
        if not (_figures_conflict(left, right) or reference_dates_conflict(left, right)):
            continue
        added.append([i, j])
        joins[(i, j)] = ()
        claimed.update((i, j))
    return _with_dispute_pairs(groups, added), joins


def _with_dispute_pairs(groups: list[list[int]], added: list[list[int]]) -> list[list[int]]:
    """The groups and the pairs joined for a dispute; a claim alone in its fact now stands in
    the dispute's fact instead."""
    kept = [g for g in groups if not any(set(g) <= set(pair) for pair in added)]
    return [*kept, *added]


_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def mask_figures(text: str) -> str:
    """The text with every figure written as "N": whether two claims state one fact is read
    without their figures (which differ exactly where outlets disagree), as the feature scorer
    leaves out its number evidence for grouping; the values are compared afterwards."""
    return _FIGURE.sub("N", text)


_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")


def _own_words(analysis: Analysis, claim: Claim) -> str:
    """The claim's words without what it quotes: two outlets quoting one speaker are not
    copies. Quoted words are found by the article's quotations (a claim cut from its
    reporting frame holds no quotation marks) and by marks left in the claim."""
    if claim.field != "text":
        return _QUOTED.sub(" ", analysis.article.claim_text(claim))
    text = analysis.article.text
    span = list(text[claim.start : claim.end])
    for quote in analysis.quotes:
        start, end = max(quote.start, claim.start), min(quote.end, claim.end)
        if start < end:
            span[start - claim.start : end - claim.start] = " " * (end - start)
    kept, cursor = [], claim.start
    for start, end in (*claim.gaps, (claim.end, claim.end)):
        kept.append("".join(span[cursor - claim.start : start - claim.start]))
        cursor = end
    return _QUOTED.sub(" ", " ".join(kept))


def _independent_sources(nodes: Sequence[_Node], members: Sequence[int],
                         by_id: dict[str, Analysis]) -> dict[int, str]:
    """The source key of each member claim, after folding claims whose own (unquoted) words
    are near-verbatim copies of each other into one source: a wire passage that two papers
    both print is one source even when the rest of their articles differ."""
    key = {i: nodes[i].source for i in members}
    grams = {}
    for i in members:
        own = _own_words(by_id[nodes[i].claim.article], nodes[i].claim)
        grams[i] = shingles(own) if len(own.split()) >= VERBATIM_MIN_WORDS else frozenset()
    for x, i in enumerate(members):
        for j in members[x + 1 :]:
            if key[i] != key[j] and grams[i] and grams[j] and \
                    containment(grams[i], grams[j]) >= VERBATIM_CLAIM:
                old, new = key[j], key[i]
                key = {k: (new if v == old else v) for k, v in key.items()}
    return key


def _specific_units(context: ClaimContext) -> frozenset[str]:
    return frozenset(f"{q.kind}:{q.unit}" for q in context.quantities()
                     if q.kind in SPECIFIC_KINDS and q.unit not in GENERIC_UNITS)


def _merge_restated_groups(groups: Sequence[list[int]], nodes: Sequence[_Node],
                           scores: dict[tuple[int, int], float]) -> list[list[int]]:
    """Groups that would be shown by the same words and share most of their claims are one
    fact: with many outlets, the supporters of claims that restate one sentence (a headline
    or a wire passage in many papers) overlap without one holding the other, and each would
    otherwise be listed. A group joins the first larger one kept whose most central claim
    reads the same (case and spacing aside), that holds at least half of its claims, and
    that has no claim yet of any article whose claim it would add: two facts that differ in
    which claim of one article they hold are two facts one sentence packs (a vote of 4-1,
    and the one member who voted against), not one fact listed twice. The kept group's words
    decide, so nothing chains from one wording to another."""
    def words(group: Sequence[int]) -> str:
        return " ".join(nodes[_most_central(group, nodes, scores)].text.lower().split())

    def article(i: int) -> str:
        return nodes[i].claim.article

    kept: list[set[int]] = []
    by_words: dict[str, list[int]] = {}  # the kept groups (indices into kept) by their words
    for group in sorted(groups, key=lambda g: (-len(g), g)):
        members = set(group)
        text = words(group) if len(group) > 1 else ""  # a lone claim is never merged
        home = None
        for k in by_words.get(text, ()):
            added = members - kept[k]
            held = {article(i) for i in kept[k]}
            if 2 * len(members & kept[k]) >= len(members) and \
                    not any(article(i) in held for i in added):
                home = k
                break
        if home is None:
            if text:
                by_words.setdefault(text, []).append(len(kept))
            kept.append(members)
        else:
            kept[home] |= members
    return sorted((sorted(m) for m in kept), key=lambda m: m[0])


def _distinct_representatives(facts: Sequence[Fact], nodes: Sequence[_Node],
                              scores: dict[tuple[int, int], float]) -> list[Fact]:
    """A fact shown by a claim that also stands in other facts (an outlet that packs two
    facts into one sentence supports both) is shown instead by its most central claim that
    stands in it alone, where it has one: otherwise two facts read the same."""
    index = {n.claim: i for i, n in enumerate(nodes)}
    count = Counter(c for f in facts for c in f.claims)
    result = []
    for fact in facts:
        members = [index[c] for c in fact.claims]
        own = [i for i, c in zip(members, fact.claims, strict=True) if count[c] == 1]
        if count[fact.claims[fact.representative]] > 1 and own:
            best = _most_central(members, nodes, scores, among=own)
            fact = replace(fact, representative=members.index(best))
        result.append(fact)
    return result


def _most_central(members: Sequence[int], nodes: Sequence[_Node],
                  scores: dict[tuple[int, int], float],
                  among: Sequence[int] | None = None) -> int:
    """The claim of ``among`` (default: all ``members``) that best stands for the fact of
    ``members`` (see :func:`_centrality`)."""
    return max(members if among is None else among,
               key=partial(_centrality, members=members, nodes=nodes, scores=scores))


def _centrality(i: int, members: Sequence[int], nodes: Sequence[_Node],
                scores: dict[tuple[int, int], float]) -> tuple[float, int, int]:
    """How well claim ``i`` stands for the fact of ``members``: its scores with the others,
    then a sentence before a headline, then the earlier member."""
    total = sum(scores.get((min(i, j), max(i, j)), 0.0) for j in members if j != i)
    return (total, int(nodes[i].claim.field == "text"), -list(members).index(i))


def _fact_order(fact: Fact) -> tuple[int, int, int, float, int]:
    first = min((c.sentence if c.sentence is not None else -1) for c in fact.claims)
    status = {"agreed": 0, "disputed": 1, "single": 2}[fact.status]
    return (-fact.independent_sources, -fact.outlets, status, -fact.score, first)


def _renumber(fact: Fact, number: int) -> Fact:
    return replace(fact, id=f"F{number}")


def _headline(analyses: Sequence[Analysis], nodes: Sequence[_Node],
              scores: dict[tuple[int, int], float]) -> str:
    """The article whose title is closest to all the other titles and claims."""
    best: tuple[float, int, str] | None = None
    for i, node in enumerate(nodes):
        if node.claim.field != "title":
            continue
        total = sum(s for (a, b), s in scores.items() if i in (a, b))
        key = (total, -i, node.claim.article)
        if best is None or key > best:
            best = key
    return best[2] if best else analyses[0].article.id


def _summary(facts: Sequence[Fact]) -> tuple[str, ...]:
    chosen = [f for f in facts if f.status != "single"
              and any(c.field == "text" for c in f.claims)]
    if not chosen:
        chosen = [f for f in facts if any(c.field == "text" for c in f.claims)]
    return tuple(f.id for f in chosen[:SUMMARY_FACTS])


def _entities(analyses: Sequence[Analysis]) -> tuple[StoryEntity, ...]:
    mentions: dict[str, list[Mention]] = defaultdict(list)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for a in analyses:
        for e in a.entities:
            key = e.key
            mentions[key].append(Mention(a.article.id, e.sentence, e.start, e.end))
            labels[key][e.label] += 1
            names[key][_POSSESSIVE.sub("", a.text_of(e.start, e.end))] += 1
    result = [
        StoryEntity(key, labels[key].most_common(1)[0][0],
                    max(names[key].items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0],
                    tuple(found))
        for key, found in mentions.items()
    ]
    result.sort(key=lambda e: (-len({m.article for m in e.mentions}), -len(e.mentions), e.key))
    return tuple(result)


_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")


def _timeline(analyses: Sequence[Analysis]) -> tuple[TimelineEntry, ...]:
    by_value: dict[str, list[Mention]] = defaultdict(list)
    seen: set[tuple[str, str, int]] = set()
    for a in analyses:
        for d in a.dates:
            # one entry per sentence and date ("Sept 21" and "on Monday" in one sentence)
            if d.value and (d.value, a.article.id, d.sentence) not in seen:
                seen.add((d.value, a.article.id, d.sentence))
                by_value[d.value].append(Mention(a.article.id, d.sentence, d.start, d.end))
    return tuple(TimelineEntry(v, tuple(m)) for v, m in sorted(by_value.items()))
