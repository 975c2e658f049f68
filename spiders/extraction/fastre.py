"""Case-insensitive regexes that run fast on non-ASCII text.

Python's ``re`` gets very slow with ``IGNORECASE`` on Cyrillic and other
non-ASCII text (no literal fast-search, per-character case folding): a short
Bulgarian paragraph could take 150 µs per pattern. :class:`CIPattern` instead
searches the lower-cased text with a case-sensitive compile of the same pattern
(patterns are written in lower case) and hands back matches whose groups are
cut from the original text, so amounts and codes keep their case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_last: tuple[str, str] = ("", "")  # (text, text.lower()) of the last text seen


def _lower(text: str) -> str | None:
    global _last
    seen = _last  # one read: another thread may replace the pair, never half of it
    if seen[0] is text:
        low = seen[1]
    else:
        low = text.lower()
        _last = (text, low)
    return low if len(low) == len(text) else None


class CIMatch:
    """A match found on the lower-cased text, read back from the original text."""

    __slots__ = ("_m", "_text")

    def __init__(self, match: re.Match[str], text: str) -> None:
        self._m = match
        self._text = text

    def group(self, key: int | str = 0) -> Any:
        """Like ``re.Match.group`` (typed the same loose way)."""
        start, end = self._m.span(key)
        return None if start < 0 else self._text[start:end]

    def start(self, key: int | str = 0) -> int:
        return self._m.start(key)

    def end(self, key: int | str = 0) -> int:
        return self._m.end(key)

    def span(self, key: int | str = 0) -> tuple[int, int]:
        return self._m.span(key)


class CIPattern:
    """``re.compile(pattern, re.IGNORECASE)``, fast for lower-case patterns (a pattern
    with upper-case literals simply runs with IGNORECASE)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.groupindex = re.compile(pattern, flags).groupindex
        self._insensitive = re.compile(pattern, flags | re.IGNORECASE)
        # Lower-cased text only suits a pattern without upper-case literals.
        literal = re.sub(r"\\.|\(\?P<\w+>|\(\?P=\w+\)", "", pattern)
        self._sensitive = None if literal != literal.lower() else re.compile(pattern, flags)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> CIMatch | None:
        """Like ``re.Pattern.search``."""
        low = _lower(text) if self._sensitive is not None else None
        end = len(text) if endpos is None else endpos
        if low is None or self._sensitive is None:
            m = self._insensitive.search(text, pos, end)
            return CIMatch(m, text) if m else None
        m = self._sensitive.search(low, pos, end)
        return CIMatch(m, text) if m else None

    def match(self, text: str, pos: int = 0) -> CIMatch | None:
        """Like ``re.Pattern.match``."""
        low = _lower(text) if self._sensitive is not None else None
        m = (self._insensitive.match(text, pos) if low is None or self._sensitive is None
             else self._sensitive.match(low, pos))
        return CIMatch(m, text) if m else None

    def finditer(self, text: str) -> Iterator[CIMatch]:
        """Like ``re.Pattern.finditer``."""
        low = _lower(text) if self._sensitive is not None else None
        found = (self._insensitive.finditer(text) if low is None or self._sensitive is None
                 else self._sensitive.finditer(low))
        for m in found:
            yield CIMatch(m, text)
