"""Per-article analysis (library entry point: :func:`analyze`)."""

from corroborate.analyze.pipeline import ANALYZER_VERSION, Analyzer, analysis_from_doc, analyze

__all__ = ["ANALYZER_VERSION", "Analyzer", "analysis_from_doc", "analyze"]
