"""Corroborate: read many news reports of one event and say what they agree on, what one
outlet alone says, and where they differ, every statement traced to its sentence."""

from corroborate.align import Comparer, compare, compare_analyses
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
    Brief,
    Claim,
    DateMention,
    Difference,
    Entity,
    Fact,
    Lineage,
    Quantity,
    Quote,
    Sentence,
)

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Analyzer",
    "Article",
    "Attribution",
    "Brief",
    "Claim",
    "Comparer",
    "CorroborateError",
    "DateMention",
    "Difference",
    "Entity",
    "Fact",
    "IngestOptions",
    "InputError",
    "Lineage",
    "ModelUnavailableError",
    "NotFoundError",
    "Quantity",
    "Quote",
    "Rejection",
    "SchemaVersionError",
    "Sentence",
    "StoreError",
    "__version__",
    "analyze",
    "compare",
    "compare_analyses",
    "read_inputs",
]
