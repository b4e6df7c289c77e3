"""Rendering results for people and programs (JSON, text, Markdown and HTML)."""

from corroborate.report.analysis import analysis_to_dict, analysis_to_text
from corroborate.report.brief_html import brief_to_html
from corroborate.report.brief_json import brief_to_dict
from corroborate.report.brief_markdown import brief_to_markdown

__all__ = [
    "analysis_to_dict",
    "analysis_to_text",
    "brief_to_dict",
    "brief_to_html",
    "brief_to_markdown",
]
