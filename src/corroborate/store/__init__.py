"""Persistence in one SQLite file."""

from corroborate.store.db import ArticleSummary, Store
from corroborate.store.ingest import IngestReport, ingest_articles
from corroborate.store.migrations import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "ArticleSummary", "IngestReport", "Store", "ingest_articles"]
