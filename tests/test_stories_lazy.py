"""Lazy embedding in the story assigner (``StoryAssigner(embed=...)``): decisions from the
cheap signals when the embedding cannot change them, the same stories as the eager assigner,
fewer embeddings, restore, and the bundled examples with the real MiniLM."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corroborate.embed import HashingEmbedder
from corroborate.model import Article
from corroborate.stories import (
    AssignSettings,
    LinkModel,
    StoryAssigner,
    StoryFeatures,
    default_link_model,
)
from corroborate.stories.features import NAMESPACES, lead_text
from corroborate.stories.stream import (
    apply_changes,
    cluster_features,
    embed_texts,
    features_of,
    lazy_features_of,
)
from corroborate.textnorm import article_id
from test_stories import event_articles, partition  # tests/ is on sys.path under pytest

LONERS = [
    ("Glass sculpture festival opens in Minsbury harbour",
     "Artists from Quellon and Parrat showed blown glass sculptures at the Minsbury harbour "
     "festival, which opened on Saturday with 40 exhibitors."),
    ("Chess prodigy Ivetta Rauk wins junior title",
     "Ivetta Rauk, 12, won the Ostrelian junior chess championship in Bellavo on Sunday after "
     "beating Daren Kolm in the final round."),
    ("Rare orchid found on Tessel island",
     "Botanists of the Halvick institute found a rare ghost orchid on Tessel island, the first "
     "seen there since 1931, the institute announced."),
]


class CountingEmbed:
    def __init__(self, embedder: object) -> None:
        self.embedder = embedder
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> list[np.ndarray]:
        self.texts.extend(texts)
        return embed_texts(texts, self.embedder)  # type: ignore[arg-type]


def _stream() -> list[Article]:
    articles, _ = event_articles()
    loners = [Article(article_id(text, "Gazette"), text, title, "Gazette", "2026-10-12")
              for title, text in LONERS]
    return [*articles[:5], loners[0], *articles[5:9], loners[1], *articles[9:], loners[2]]


def _lazy(features: Sequence[StoryFeatures], embed: CountingEmbed,
          floor: float = -1.0) -> tuple[dict[str, int], StoryAssigner]:
    assigner = StoryAssigner(default_link_model(), AssignSettings(lazy_floor=floor), embed=embed)
    membership: dict[str, int] = {}
    for item in features:
        apply_changes(membership, assigner.assign(item))
    return membership, assigner


@pytest.mark.parametrize("floor", [-1.0, 0.3, 0.5])
def test_lazy_gives_the_eager_stories_and_skips_the_loners(floor: float) -> None:
    articles = _stream()
    eager = cluster_features(features_of(articles, HashingEmbedder()))
    embed = CountingEmbed(HashingEmbedder())
    membership, assigner = _lazy(lazy_features_of(articles), embed, floor)
    assert partition(membership) == partition(eager)
    assert len(partition(membership)) == 6  # three events, three loners
    loner_leads = {lead_text(a) for a in articles if a.source == "Gazette"}
    assert not loner_leads & set(embed.texts)  # nothing could link them: never embedded
    assert len(embed.texts) == len(set(embed.texts)) == assigner.embedded < len(articles)
    assert set(assigner.computed) <= {a.id for a in articles}


def test_lazily_computed_vectors_are_the_articles_embeddings() -> None:
    rng = np.random.default_rng(7)
    eager = [_synthetic(f"a{i}", rng, int(rng.integers(0, 3))) for i in range(15)]
    vectors = {f.article_id: f.embedding for f in eager}
    assigner = StoryAssigner(default_link_model(),
                             embed=lambda leads: [vectors[t] for t in leads])
    for f in eager:
        assigner.assign(StoryFeatures(f.article_id, None, f.terms, f.priors, None, lead=f.lead))
    assert assigner.computed and assigner.embedded == len(assigner.computed)
    for aid, vector in assigner.computed.items():
        np.testing.assert_array_equal(vector, vectors[aid])


def test_a_higher_floor_decides_more_without_the_embedding() -> None:
    articles = _stream()
    counts = []
    for floor in (-1.0, 0.5):
        _, assigner = _lazy(lazy_features_of(articles), CountingEmbed(HashingEmbedder()), floor)
        counts.append((assigner.embedded, assigner.decided_cheaply))
    assert counts[1][0] <= counts[0][0] and counts[1][1] >= counts[0][1] >= len(LONERS)


def test_lazy_restore_continues_exactly_like_an_uninterrupted_assigner() -> None:
    articles = _stream()
    features = lazy_features_of(articles)
    cut = 7
    embed = CountingEmbed(HashingEmbedder())
    uninterrupted = StoryAssigner(default_link_model(), embed=embed)
    stored: dict[str, int] = {}
    for item in features[:cut]:
        apply_changes(stored, uninterrupted.assign(item))
    # what a database would hold: features, with the vectors computed so far
    rows = []
    for seq, item in enumerate(features[:cut], start=1):
        vector = uninterrupted.computed.get(item.article_id)
        if vector is not None:
            item = StoryFeatures(item.article_id, vector, item.terms, item.priors, item.day)
        rows.append((item, seq, stored[item.article_id]))
    restored = StoryAssigner(default_link_model(), embed=CountingEmbed(HashingEmbedder()),
                             next_story=max(stored.values()) + 1)
    restored.restore(rows)
    assert [restored.assign(f) for f in features[cut:]] == \
        [uninterrupted.assign(f) for f in features[cut:]]


def test_eager_assigner_refuses_features_without_embedding() -> None:
    item = lazy_features_of(_stream()[:1])[0]
    with pytest.raises(ValueError, match="no embedding"):
        StoryAssigner(default_link_model()).assign(item)


def test_lazy_needs_a_model_whose_term_free_stories_cannot_link() -> None:
    model = default_link_model()
    loose = LinkModel(model.weights, model.bias + 10.0, model.threshold)
    with pytest.raises(ValueError, match="share no term"):
        StoryAssigner(loose, embed=CountingEmbed(HashingEmbedder()))


# -- random streams: with floor -1 the lazy decisions are the eager ones ----------------------

VOCAB = 12


def _synthetic(aid: str, rng: np.random.Generator, topic: int, dim: int = 16) -> StoryFeatures:
    """An article of one of a few topics: shared terms per topic, a noisy topic vector."""
    base = np.random.default_rng(topic).normal(size=dim)
    vector = base + rng.normal(scale=0.8, size=dim)
    vector = (vector / np.linalg.norm(vector)).astype(np.float32)
    terms = {}
    for k, ns in enumerate(NAMESPACES):
        ids = {int(1000 * k + topic * 7 + t) for t in rng.integers(0, VOCAB, size=5)}
        terms[ns] = {t: int(rng.integers(1, 3)) for t in ids}
    priors = {t: 1e-4 for bag in terms.values() for t in bag}
    return StoryFeatures(aid, vector, terms, priors, None, lead=aid)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(6, 20))
def test_lazy_with_floor_minus_one_matches_eager_on_random_streams(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    eager_features = [_synthetic(f"a{i}", rng, int(rng.integers(0, 3))) for i in range(n)]
    vectors = {f.article_id: f.embedding for f in eager_features}
    lazy = [StoryFeatures(f.article_id, None, f.terms, f.priors, None, lead=f.article_id)
            for f in eager_features]
    eager = StoryAssigner(default_link_model())
    assigner = StoryAssigner(default_link_model(),
                             embed=lambda leads: [vectors[t] for t in leads])
    # fewer than 24 articles: the ANN sees every article, so its candidates miss nothing
    for e, z in zip(eager_features, lazy, strict=True):
        assert eager.assign(e) == assigner.assign(z)


# -- the bundled examples with the real model --------------------------------------------------


def test_examples_lazy_with_minilm_give_the_eager_stories(examples: Path) -> None:
    from corroborate.embed import MiniLMEmbedder
    from corroborate.ingest import read_inputs

    articles = [a for a in read_inputs([str(examples)]) if isinstance(a, Article)]
    minilm = MiniLMEmbedder(precision="fp32")
    cache: dict[str, np.ndarray] = {}

    def embed(texts: Sequence[str]) -> list[np.ndarray]:
        missing = [t for t in texts if t not in cache]
        if missing:
            cache.update(zip(missing, embed_texts(missing, minilm), strict=True))
        return [cache[t] for t in texts]

    lazy = lazy_features_of(articles)
    eager = [StoryFeatures(f.article_id, embed([f.lead or ""])[0], f.terms, f.priors, f.day)
             for f in lazy]
    expected = partition(cluster_features(eager))
    for floor in (-1.0, 0.5):
        assigner = StoryAssigner(default_link_model(), AssignSettings(lazy_floor=floor),
                                 embed=embed)
        membership: dict[str, int] = {}
        for item in lazy:
            apply_changes(membership, assigner.assign(item))
        assert partition(membership) == expected
        assert assigner.embedded <= len(articles)
