"""Corroborate: read many news reports of one event and say what they agree on, what one
outlet alone says, and where they differ, every statement traced to its sentence."""

from corroborate.analyze import Analyzer, analyze
from corroborate.errors import (
    CorroborateError,
    InputError,
    ModelUnavailableError,
    NotFoundError,
    SchemaVersionError,
    StoreError,
)
from corroborate.ingest import IngestOptions, Rejection, read_inputs
from corroborate.model import (
    Analysis,
    Article,
    Attribution,
    DateMention,
    Entity,
    Quantity,
    Quote,
    Sentence,
)

__version__ = "0.1.0"

__all__ = [
    "Analysis", "Analyzer", "Article", "Attribution", "CorroborateError", "DateMention",
    "Entity", "IngestOptions", "InputError", "ModelUnavailableError", "NotFoundError",
    "Quantity", "Quote", "Rejection", "SchemaVersionError", "Sentence", "StoreError",
    "__version__", "analyze", "read_inputs",
]
