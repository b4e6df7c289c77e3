"""Rendering results for people and programs (JSON, text; later Markdown and HTML)."""

from corroborate.report.analysis import analysis_to_dict, analysis_to_text

__all__ = ["analysis_to_dict", "analysis_to_text"]
