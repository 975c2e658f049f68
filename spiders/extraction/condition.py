"""An item's condition as a product page states it: structured data, title or a label.

The words and schema.org terms themselves are `storage.condition`'s (matching reads
titles with the same ones).
"""

from __future__ import annotations

import re

from storage.condition import condition_from_text, normalize_condition

_LABEL = re.compile(r"^\s*(?:condition|item condition|състояние|състояние на продукта)\s*[:\-]\s*(.{2,40})$",
                    re.IGNORECASE)


def condition_of_page(stated: object, title: str | None, texts: list[str] | None) -> str | None:
    """The condition of a page's item: structured data (the `condition` vote) first, then
    the title, then a "Condition: ..." label among the product block's texts. Descriptions
    and carousels are not read: a "refurbished" elsewhere on the page says nothing about
    this item."""
    value = getattr(stated, "value", stated)
    found = normalize_condition(value) or condition_from_text(title)
    if found is None:
        for text in (texts or [])[:80]:
            label = _LABEL.match(text)
            if label:
                found = normalize_condition(label.group(1))
                if found is not None:
                    break
    return found.value if found is not None else None
