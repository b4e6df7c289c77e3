"""Cross-source comparison: claims → facts, source lineages, differences, the brief."""

from corroborate.align.compare import Comparer, compare, compare_analyses

__all__ = ["Comparer", "compare", "compare_analyses"]
