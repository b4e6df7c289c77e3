"""Stories: online grouping of articles into events (features, link model, assigner)."""

from corroborate.stories.assign import AssignSettings, StoryAssigner, StoryChange
from corroborate.stories.features import StoryFeatures, lead_text, story_features
from corroborate.stories.linkage import LinkModel, default_link_model

__all__ = [
    "AssignSettings",
    "LinkModel",
    "StoryAssigner",
    "StoryChange",
    "StoryFeatures",
    "default_link_model",
    "lead_text",
    "story_features",
]
