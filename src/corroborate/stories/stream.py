"""Cluster a sequence of articles in memory (used by evaluation and calibration; the database
path in ``corroborate.store`` runs the same assigner one transaction per article)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from corroborate.embed import Embedder
from corroborate.model import Article
from corroborate.stories.assign import AssignSettings, StoryAssigner, StoryChange
from corroborate.stories.features import FloatArray, StoryFeatures, lead_text, story_features
from corroborate.stories.linkage import LinkModel, default_link_model


def embed_leads(articles: Sequence[Article], embedder: Embedder) -> list[FloatArray]:
    """Unit title+lead embeddings, one per article."""
    vectors = [np.asarray(e.vector, dtype=np.float32)
               for e in embedder.embed([lead_text(a) for a in articles])]
    return [v / (float(np.linalg.norm(v)) or 1.0) for v in vectors]


def features_of(articles: Sequence[Article], embedder: Embedder) -> list[StoryFeatures]:
    return [story_features(a, v)
            for a, v in zip(articles, embed_leads(articles, embedder), strict=True)]


def apply_changes(membership: dict[str, int], changes: Iterable[StoryChange]) -> None:
    """Fold assignment changes into an article -> story mapping."""
    for change in changes:
        if change.article_id is not None:
            membership[change.article_id] = change.story


def cluster_features(features: Iterable[StoryFeatures], model: LinkModel | None = None,
                     settings: AssignSettings | None = None) -> dict[str, int]:
    """Assign each article in turn; the final story of every article."""
    assigner = StoryAssigner(model or default_link_model(), settings)
    membership: dict[str, int] = {}
    for item in features:
        apply_changes(membership, assigner.assign(item))
    return membership


def embed_texts(texts: Sequence[str], embedder: Embedder) -> list[FloatArray]:
    """Unit embeddings of title+lead texts (what a lazy assigner's ``embed`` returns)."""
    vectors = [np.asarray(e.vector, dtype=np.float32) for e in embedder.embed(list(texts))]
    return [v / (float(np.linalg.norm(v)) or 1.0) for v in vectors]


def lazy_features_of(articles: Sequence[Article]) -> list[StoryFeatures]:
    """Story features without the embedding (kept as the lead text for a lazy assigner)."""
    return [story_features(a, None) for a in articles]
