"""Work done once per distinct input inside one comparison.

A story often repeats itself word for word: a wire passage printed by several papers, a
headline restated as the first sentence, a quote every outlet carries. Parsing, embedding or
reading such a text (or pair of texts) again gives the same answer, so each distinct one is
computed once per comparison and the answer is shared by every place it occurs. Nothing is kept
between comparisons: a comparison costs the same whether or not it ran before.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def distinct(items: Sequence[K]) -> tuple[list[K], list[int]]:
    """The distinct items in order of first occurrence, and for each item the position of its
    value among them."""
    index: dict[K, int] = {}
    where = [index.setdefault(item, len(index)) for item in items]
    return list(index), where

