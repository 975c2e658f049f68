"""An item's condition (new, refurbished, used, open box): the values `listing.condition`
holds, and how schema.org terms and wording map onto them.

The one place that says which words mean "not new": the extractor (`spiders`) reads a
page with it and matching (`monitor`) reads titles with it (a refurbished listing never
matches our new product). It lives with the stored rows so that both read it from below,
neither from the other. Bulgarian and English wording at least, plus schema.org
`itemCondition` terms.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Condition(StrEnum):
    """What state the item is sold in (schema.org OfferItemCondition, plus open box)."""

    NEW = "new"
    REFURBISHED = "refurbished"
    """Refurbished, renewed, reconditioned, B-grade ("обновен", "рециклиран")."""
    USED = "used"
    """Used, second hand, pre-owned ("употребяван", "втора употреба")."""
    OPEN_BOX = "open_box"
    """Opened, returned or shop-display item sold as such ("разопакован", "мостра")."""
    DAMAGED = "damaged"
    """Sold with damage (dented packaging, scratches)."""


_SCHEMA = {
    "newcondition": Condition.NEW,
    "new": Condition.NEW,
    "refurbishedcondition": Condition.REFURBISHED,
    "refurbished": Condition.REFURBISHED,
    "usedcondition": Condition.USED,
    "used": Condition.USED,
    "damagedcondition": Condition.DAMAGED,
    "damaged": Condition.DAMAGED,
}

# Ordered: the first that matches wins. Word starts are anchored so that "renewal" or
# "употребата" in a sentence about use does not count; these are short product labels.
_WORDING: list[tuple[Condition, re.Pattern[str]]] = [
    (Condition.REFURBISHED, re.compile(
        r"(?<!\w)(?:refurb(?:ished)?|renewed|re-?conditioned|remanufactured|b[- ]?grade|grade[- ]?b"
        r"|(?:фабрично )?обновен[аоие]?|рециклиран[аоие]?|реконд(?:иционира|ициониран)\w*"
        r"|възстановен[аоие]?|рефърбишд)(?!\w)", re.IGNORECASE)),
    (Condition.USED, re.compile(
        r"(?<!\w)(?:used|pre-?owned|second[- ]?hand|secondhand|втора употреба"
        r"|употребяван[аоие]?|използван[аоие]?|(?:в )?добро състояние)(?!\w)", re.IGNORECASE)),
    (Condition.OPEN_BOX, re.compile(
        r"(?<!\w)(?:open[- ]?box|opened box|ex[- ]?display|display (?:item|unit|model)|demo (?:unit|item)"
        r"|разопакован[аоие]?|отворена опаковка|отворен кашон|мостра|мострен[аоие]?|демонстрационен"
        r"|демонстрационна|витринн?[аоие]?\s+(?:бройка|модел))(?!\w)", re.IGNORECASE)),
    (Condition.DAMAGED, re.compile(
        r"(?<!\w)(?:damaged (?:box|packaging|item)|dented|повреден[аоие]? (?:опаковка|кашон)"
        r"|с повреда|смачкан[аоие]? (?:опаковка|кутия))(?!\w)", re.IGNORECASE)),
]


_STEMS = ("refurb", "renew", "recond", "reman", "grade", "обнов", "рецикл", "реконд", "възстанов",
          "рефър", "used", "owned", "hand", "употреб", "използ", "състояние", "open", "box",
          "display", "demo", "разопак", "отворен", "мостр", "демонстр", "витрин", "damag",
          "dent", "повред", "смачкан")
"""A cheap first look: every pattern below needs one of these (lower-case) stems."""


def normalize_condition(value: object) -> Condition | None:
    """A schema.org itemCondition (URL, `NewCondition`, 'refurbished'...) or wording."""
    if value is None:
        return None
    if isinstance(value, Condition):
        return value
    if isinstance(value, dict):
        value = value.get("@id") or value.get("name") or value.get("@value")
    if isinstance(value, list | tuple):
        found = [normalize_condition(v) for v in value]
        return next((f for f in found if f is not None), None)
    text = str(value).strip()
    if not text:
        return None
    key = re.sub(r"[^a-z]", "", text.rsplit("/", 1)[-1].lower())
    if key in _SCHEMA:
        return _SCHEMA[key]
    return condition_from_text(text)


def condition_from_text(text: str | None) -> Condition | None:
    """The condition a title or a short label states, or None when it says nothing
    (no statement is not a statement of "new")."""
    if not text:
        return None
    low = text.lower()
    if not any(stem in low for stem in _STEMS):
        return None  # most titles: no need to run the patterns
    for condition, pattern in _WORDING:
        if pattern.search(text):
            return condition
    return None


def is_new(condition: str | None) -> bool:
    """Whether a stored condition allows matching our (new) products: unknown counts as new."""
    return condition is None or condition == Condition.NEW
