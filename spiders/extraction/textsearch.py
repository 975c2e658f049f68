"""Finding the few text blocks that hold a keyword, fast, with the answers remembered."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache


def blocks_with(blocks: list[str], keywords: tuple[str, ...],
                pattern: re.Pattern[str] | None = None) -> list[str]:
    """The blocks that contain one of ``keywords`` (lower-case) or match ``pattern``.

    Plain substring search on one lower-cased string is much cheaper than a
    case-insensitive regex alternation per block, so the expensive readers only
    see the few blocks that can matter. The answer for each block text is kept
    (pages of one shop repeat most of their lines), so a crawl searches a line once.
    """
    if not blocks:
        return []
    known = _known_hits(keywords, pattern)
    unknown = [block for block in dict.fromkeys(blocks) if block not in known]
    if unknown:
        if len(known) + len(unknown) > _KNOWN_MAX:
            known.clear()
        hits = _search(unknown, keywords, pattern)
        for index, block in enumerate(unknown):
            known[block] = index in hits
    return [block for block in blocks if known[block]]


_KNOWN_MAX = 50_000
"""Block texts remembered per keyword set (then forgotten all at once)."""


@lru_cache(maxsize=32)
def _known_hits(keywords: tuple[str, ...], pattern: re.Pattern[str] | None) -> dict[str, bool]:
    return {}


def _search(blocks: list[str], keywords: tuple[str, ...],
            pattern: re.Pattern[str] | None) -> set[int]:
    """Indexes of the blocks holding a keyword or a match, searched as one string."""
    lowered = [block.lower() for block in blocks]
    joined = "\n".join(lowered)
    starts: list[int] = []
    offset = 0
    for block in lowered:
        starts.append(offset)
        offset += len(block) + 1
    hits: set[int] = set()
    for keyword in keywords:
        index = joined.find(keyword)
        while index != -1:
            hits.add(bisect_right(starts, index) - 1)
            index = joined.find(keyword, index + 1)
    if pattern is not None:
        for match in pattern.finditer(joined):
            hits.add(bisect_right(starts, match.start()) - 1)
    return hits
