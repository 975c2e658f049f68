"""Tables for the terminal that print text literally.

Rich reads ``[...]`` in a plain string as markup: a product called ``Cable [/]`` or a
scraped title with ``[link=...]`` crashed `catalog show` and `compare` (MarkupError) or
printed something else than the data. Every CLI table is a `PlainTable`: strings given as
cells or title are shown exactly as they are; styling is asked for explicitly with
`styled` (a `rich.text.Text`), never by markup inside data.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text


def plain(value: Any) -> Any:
    """A string as literal text (no markup); anything else (already a renderable) as is."""
    return Text(value) if isinstance(value, str) else value


def styled(value: str, style: str) -> Text:
    """Literal text in a style (instead of ``f"[{style}]{value}[/]"``)."""
    return Text(value, style=style)


class PlainTable(Table):
    """A `rich.table.Table` whose string cells and title are never read as markup."""

    def __init__(self, *headers: Any, title: Any = None, **kwargs: Any) -> None:
        super().__init__(*headers, title=plain(title), **kwargs)

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*(plain(cell) for cell in renderables), **kwargs)
