"""The generic extractor: structured data, then platform knowledge, then heuristics.

Strategies add candidates to one :class:`CandidateSet`; each field is then voted
on. Reading stops early once structured data gives a complete and consistent
answer (price, currency, availability, one price among its offers).

The same page always gives the same answer, whatever the crawl learned before
(issue 14): strategies always run in the one fixed order of :data:`STRATEGIES`.
What a crawl learns (``hints.prefer``) only chooses whether to try the JSON-LD
fast path, which builds no tree and gives exactly what the full path gives for
the pages it accepts (it hands back every page where it could differ).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import Any

from storage.offer_terms import VARIANT_PRICE

from .appstate import SOURCE as APP_STATE
from .appstate import app_state_sold_out, has_app_state
from .availability import availability_from_text, sole_stock_statement
from .candidates import CandidateSet, Vote
from .condition import condition_of_page
from .currency import context_currency, current_day, reading_day
from .document import MAX_BYTES, Document, NotHtmlError, RawPage, visible_text
from .dual import secondary_amount
from .heuristics import (
    amount_in_currency,
    in_other_currency,
    old_prices,
    page_title,
    read_heuristics,
)
from .identifiers import labeled_identifiers, sku_from_url
from .model import (
    Availability,
    Candidate,
    Delivery,
    ExtractedProduct,
    ExtractionHints,
    Promotion,
    PromotionKind,
    Shipping,
    Warranty,
)
from .overrides import read_selectors
from .pagekind import page_kind
from .platforms import read_platforms
from .prices import find_prices
from .promotions import discount_from_regular, find_promotions
from .rawtext import read_raw_blocks
from .regions import main_region, notice_blocks, text_blocks
from .structured import read_jsonld, read_microdata, read_opengraph, read_rdfa
from .terms import Terms, find_terms
from .timeparse import find_until

Strategy = Callable[[Document, CandidateSet, str | None], bool]

STRATEGIES: dict[str, Strategy] = {
    "jsonld": lambda doc, out, cur: read_jsonld(doc, out),
    "microdata": lambda doc, out, cur: read_microdata(doc, out),
    "rdfa": lambda doc, out, cur: read_rdfa(doc, out),
    "opengraph": lambda doc, out, cur: read_opengraph(doc, out),
    "platform": read_platforms,
    "heuristic": read_heuristics,
}
"""Strategy name -> reader, in default order (``platform:*`` sources count as ``platform``)."""

STRUCTURED = frozenset({"jsonld", "microdata", "rdfa", "opengraph"})


def extract(
    body: bytes | str | None,
    url: str | None = None,
    hints: ExtractionHints | None = None,
    *,
    today: date | None = None,
) -> ExtractedProduct:
    """Read one product page. Never raises: problems end up in ``reason``.

    ``today`` fixes the reference day for dates written without a year
    ("until 30.11"); it defaults to the current UTC date.
    """
    with reading_day(today) if today else nullcontext():
        return _extract_page(body, url, hints or ExtractionHints(), today)


def _extract_page(body: bytes | str | None, url: str | None, hints: ExtractionHints,
                  today: date | None) -> ExtractedProduct:
    if body is None or len(body) == 0:
        return ExtractedProduct(url=url, reason="empty body: nothing to read")
    if hints.prefer == "jsonld" and not hints.selectors:
        try:
            quick = _quick_jsonld(body, url, hints, today)
        except Exception:  # the full path below reports the problem properly
            quick = None
        if quick is not None:
            return quick
    try:
        doc = Document.parse(body, url)
    except NotHtmlError as exc:
        return ExtractedProduct(url=url, reason=f"not a product page: {exc}")
    except Exception as exc:  # lxml can fail in odd ways on hostile input
        return ExtractedProduct(url=url, reason=f"page could not be parsed: {exc!r}")
    try:
        return _extract(doc, url, hints, today)
    except Exception as exc:  # never let one page stop a crawl; say what happened
        return ExtractedProduct(url=url, reason=f"extraction failed: {type(exc).__name__}: {exc}")


@dataclass
class _Run:
    doc: Document
    hints: ExtractionHints
    out: CandidateSet
    ran: list[str]
    selector_texts: dict[str, list[str]]
    region: Any = None


def _quick_jsonld(body: bytes | str, url: str | None, hints: ExtractionHints,
                  today: date | None) -> ExtractedProduct | None:
    """The fast path for a shop known to publish JSON-LD: no tree is built at all.

    JSON-LD is found by text search; when it is complete and consistent, the
    product block's wording and struck-through prices are read from the source
    starting at the title (:mod:`.rawtext`). A structured price that the page
    shows struck through (stale data), a page without a title to start from, or
    incomplete JSON-LD return None, and the page is read in full.
    """
    page = RawPage.read(body, url)
    if page is None or not page.jsonld_texts or has_app_state(page.text):
        return None  # an embedded app state may say more (sold out): read in full
    out = CandidateSet()
    read_jsonld(page, out)
    if not _complete(out) or out.price_choices:
        return None  # several offers: the page's visible price says which one it sells
    read_opengraph(page, out)  # type: ignore[arg-type]  # as the full path does
    if not _complete(out):
        return None
    texts: list[str] = []
    if hints.read_text:
        raw = read_raw_blocks(page.text)
        if raw is None:
            return None
        price = out.vote("price")
        currency = _voted(out, "currency")
        # (amount in the price's currency, its text, whether it was converted into it)
        olds = [(amount, t, in_other_currency(p, currency)) for t in raw.old_texts
                for p in find_prices(t, default_currency=hints.currency, tld=page.tld)[:1]
                if (amount := amount_in_currency(p, currency)) is not None]
        if price is None or any(amount == price.value and not converted
                                for amount, _, converted in olds):
            return None
        higher = [(amount, t) for amount, t, _ in olds if amount > price.value]
        if higher:
            out.add(Candidate(field="regular_price", value=higher[0][0], source="page",
                              confidence=0.6, raw=higher[0][1]))
        texts = raw.blocks + [n for n in raw.notices if n not in raw.blocks]
        if raw.title and not out.has("title"):
            out.add(Candidate(field="title", value=raw.title, source="heuristic",
                              confidence=0.6))
    run = _Run(page, hints, out, ["jsonld"], {})  # type: ignore[arg-type]
    return _assemble(run, url, today, texts)


def _order(hints: ExtractionHints) -> list[str]:
    """Always the fixed order: a learned preference must never change the answer."""
    return list(STRATEGIES)


def _complete(out: CandidateSet) -> bool:
    """Structured data gave price, currency and availability, and nothing disagrees."""
    prices = out.of("price")
    if not prices or not out.has("currency") or not out.has("availability"):
        return False
    if len({p.value for p in prices}) != 1:
        return False
    return all(p.confidence >= 0.8 for p in prices)


def _extract(doc: Document, url: str | None, hints: ExtractionHints,
             today: date | None) -> ExtractedProduct:
    out = CandidateSet()
    run = _Run(doc, hints, out, [], {})
    if doc.truncated:
        out.note(f"page larger than {MAX_BYTES} bytes was cut")
    if hints.selectors:
        _, run.selector_texts = read_selectors(doc, hints.selectors, out, hints.currency)
        run.ran.append("selectors")
    order = [] if "selectors" in run.ran and _complete(out) else _order(hints)
    for name in order:
        STRATEGIES[name](doc, out, hints.currency)
        run.ran.append(name)
        if _complete(out) and (name in STRUCTURED or name == "platform"):
            break
    if _complete(out) and "opengraph" not in run.ran:
        # Meta tags are already indexed: a nearly free consistency check.
        read_opengraph(doc, out)
        run.ran.append("opengraph")
    if out.price_choices:
        _choose_offer(doc, out, hints.currency)
    if "platform" not in run.ran and app_state_sold_out(doc):
        # A client-rendered shop's state says sold out while its structured data, written
        # once, still says InStock: an offer nobody can buy must never read as cheaper.
        out.add(Candidate(field="availability", value=Availability.OUT_OF_STOCK,
                          source=APP_STATE, confidence=0.95))
        out.note("availability: the page's embedded state says sold out")
    olds = old_prices(doc, hints.currency, _voted(out, "currency")) if out.has("price") else []
    if "heuristic" not in run.ran and (not out.has("price") or _stale(out, olds)):
        read_heuristics(doc, out, hints.currency)
        run.ran.append("heuristic")
    run.region = main_region(doc.root, out.price_element
                             if out.price_element is not None else next(iter(doc.h1s), None))
    if olds and not out.has("regular_price"):
        _page_regular_price(out, olds, run.region)
    return _assemble(run, url, today)


def _choose_offer(doc: Document, out: CandidateSet, currency: str | None) -> None:
    """Structured data offered several prices (other variants' offers, a lowPrice..highPrice
    range): the price the page itself shows, when it is one of them, is the page's price.

    The lowest offer stands otherwise. The chosen offer's stated condition replaces one
    read from another offer (a used copy sold beside the new one).

    The price is marked a variant's (`CandidateSet.variant_price`) when the page shows
    another than the lowest, or shows none of them: then only what the page happens to show
    says which variant it is. A page showing the lowest (a shop's own price among other
    sellers' in an AggregateOffer) is not marked.
    """
    shown = [c for c in out.items if c.field == "price" and c.source == "heuristic"]
    element = out.price_element
    if not shown:
        seen = CandidateSet()
        read_heuristics(doc, seen, currency)
        shown, element = seen.of("price"), seen.price_element
    if not shown:
        out.variant_price = True
        return
    value = shown[0].value
    fits = [(low, high, cond) for low, high, cond in out.price_choices if low <= value <= high]
    structured = [c for c in out.items if c.field == "price" and c.source in STRUCTURED]
    if not fits or not structured or all(c.value == value for c in structured):
        out.variant_price = not fits
        return
    out.variant_price = True
    out.note(f"structured data offers {len(out.price_choices)} prices or a range; "
             f"the page shows {value}")
    out.items = [replace(c, value=value, raw=shown[0].raw)
                 if c.field == "price" and c.source in STRUCTURED else c for c in out.items]
    if out.price_element is None:
        out.price_element = element
    conditions = {cond for _, _, cond in fits}
    if len(conditions) == 1 and None not in conditions:
        out.items = [replace(c, value=next(iter(conditions)))
                     if c.field == "condition" and c.source in STRUCTURED else c
                     for c in out.items]


def _voted(out: CandidateSet, field: str) -> str | None:
    vote = out.vote(field)
    return vote.value if vote is not None and isinstance(vote.value, str) else None


def _page_regular_price(out: CandidateSet, olds: list[tuple[Any, Decimal, bool]],
                        region: Any | None) -> None:
    """The old price shown in the product block, when structured data left it out."""
    vote = out.vote("price")
    if vote is None or region is None:
        return
    for el, amount, _converted_amount in olds:
        if amount > vote.value and _inside(el, region):
            out.add(Candidate(field="regular_price", value=amount, source="page",
                              confidence=0.6, raw=visible_text(el)))
            return


def _inside(el: Any, region: Any) -> bool:
    return el is region or any(a is region for a in el.iterancestors())


def _stale(out: CandidateSet, olds: list[tuple[Any, Decimal, bool]]) -> bool:
    """Structured price shown on the page as the struck/old price: the sale is not in it.

    Then the page's own current price wins and the structured one becomes the
    regular price.
    """
    vote = out.vote("price")
    if vote is None or all(amount != vote.value or converted for _, amount, converted in olds):
        return False  # a converted amount equal to it is the dual display's other one
    out.note(f"structured price {vote.value} is shown as the old price on the page")
    out.items = [c if not (c.field == "price" and c.value == vote.value)
                 else Candidate(field="regular_price", value=c.value, source=c.source,
                                confidence=c.confidence, raw=c.raw)
                 for c in out.items]
    return True


def _assemble(run: _Run, url: str | None, today: date | None,
              texts: list[str] | None = None) -> ExtractedProduct:
    out, doc, hints = run.out, run.doc, run.hints
    product = ExtractedProduct(url=url or doc.canonical_url)
    notes: list[str] = []
    price_vote = out.vote("price")
    if price_vote is not None:
        product.price = price_vote.value
        product.extractor = price_vote.source
        if out.variant_price:  # one of several variants' prices: say so with the reading
            product.extractor += VARIANT_PRICE
            notes.append("the page sells several variants at different prices; the price "
                         "is the one it shows, its URL names none")
        product.confidence = round(price_vote.confidence, 3)
        notes.extend(_disagreement("price", price_vote))
    for name in ("title", "sku", "gtin", "mpn", "brand"):
        vote = out.vote(name)
        if vote is not None:
            setattr(product, name, vote.value)
    if product.title is None and isinstance(doc, Document):
        product.title = page_title(doc)
    if texts is None:
        texts = _product_texts(run) if hints.read_text else list(
            chain.from_iterable(run.selector_texts.values()))
    stock = out.vote("availability")
    stated = _stock_statement(texts) if stock is None or stock.confidence < 0.5 else None
    if stated is None and stock is not None and stock.value in _SELLS:
        # A stale template: JSON-LD/microdata says InStock while the product block says
        # "Няма наличност"/"Sold out". What the buyer sees wins: an offer they cannot buy
        # must never read as a cheaper one.
        shown = next((found for found in map(sole_stock_statement, texts[:60])
                      if found is not None and found not in _SELLS), None)
        if shown in (Availability.OUT_OF_STOCK, Availability.DISCONTINUED):
            stated = shown
            notes.append(f"availability disagreement: the page says {shown.value}, "
                         f"{stock.source} says {stock.value.value}: the page wins")
    if stated is not None:
        product.availability = stated
    elif stock is not None:
        product.availability = stock.value
        notes.extend(_disagreement("availability", stock))
    elif product.price is not None:
        # A product page that shows a price and says nothing about stock sells it.
        product.availability = Availability.IN_STOCK
        notes.append("availability inferred (price shown, no stock statement)")
    _currency(product, out, doc, hints)
    if product.price is not None and product.currency:
        raws = [c.raw for c in out.of("price") if c.value == product.price and c.raw]
        product.secondary_price, product.secondary_currency = secondary_amount(
            [*raws, *texts[:80]], product.price, product.currency)
    regular = out.vote("regular_price")
    if regular is not None and product.price is not None and regular.value > product.price:
        product.regular_price = regular.value  # in the price's currency (`old_prices`)
    _page_identifiers(product, texts)
    product.condition = condition_of_page(out.vote("condition"), product.title, texts)
    if product.sku is None and product.gtin is None and product.mpn is None:
        product.sku = sku_from_url(url or doc.canonical_url)
    product.promotions = _promotions(product, out, texts, run, today)
    _terms(product, out, texts, run)
    product.candidates = list(out.items)
    if hints.detect_page_kind:
        product.page_kind = page_kind(doc, out)
    if product.price is None:
        reasons = ["no price found (tried " + ", ".join(run.ran) + ")"]
        if product.availability in (Availability.OUT_OF_STOCK, Availability.DISCONTINUED):
            reasons.append(f"product is {product.availability.value}")
        notes = reasons + notes
    product.reason = "; ".join(notes + out.notes) or None
    return product


_SELLS = (Availability.IN_STOCK, Availability.LIMITED_AVAILABILITY)


def _stock_statement(texts: list[str]) -> Availability | None:
    """A short line of the product block that is only a stock statement ("Sold out",
    "Изчерпан", "Pre-order"), when nothing better said it: anything but in-stock."""
    for text in texts[:60]:
        if len(text) <= 40:
            found = availability_from_text(text)
            if found is not None and found != Availability.IN_STOCK:
                return found
    return None


def _page_identifiers(product: ExtractedProduct, texts: list[str]) -> None:
    """Fill identifiers the structured data left out from "label: value" text."""
    if not texts or (product.sku and product.gtin and product.brand and product.mpn):
        return
    for name, value in labeled_identifiers(texts[:80]).items():
        current = getattr(product, name)
        if current is None:
            setattr(product, name, value)
        elif name == "sku" and value != current and not any(current in t for t in texts):
            # The item number the page shows wins over an internal structured id it hides.
            product.sku = value


def _disagreement(name: str, vote: Vote) -> list[str]:
    if not vote.disagreement:
        return []
    others = sorted({f"{c.value if not isinstance(c.value, Availability) else c.value.value}"
                     f" ({c.source})" for c in vote.disagreement})
    return [f"{name} disagreement: chose {vote.value if not isinstance(vote.value, Availability) else vote.value.value} ({vote.source}) over "
            + ", ".join(others[:4])]


def _currency(product: ExtractedProduct, out: CandidateSet, doc: Document,
              hints: ExtractionHints) -> None:
    vote = out.vote("currency")
    if vote is not None and vote.value:
        product.currency = vote.value
        raws = [c.raw for c in out.of("currency") if c.value == vote.value and c.raw]
        product.currency_raw = raws[0] if raws else vote.value
        return
    raws = [c.raw for c in out.of("currency") if c.raw]
    if raws:
        product.currency_raw = raws[0]
    if product.price is not None:
        product.currency = context_currency(hints.currency, doc.tld,
                                            hints.language or doc.language)


def _product_texts(run: _Run) -> list[str]:
    doc = run.doc
    region = run.region
    blocks = text_blocks(region) if region is not None else []
    seen = set(blocks)
    blocks.extend(notice_blocks(doc, seen, region))
    for values in run.selector_texts.values():
        blocks.extend(values)
    return blocks


def _promotions(product: ExtractedProduct, out: CandidateSet, texts: list[str], run: _Run,
                today: date | None) -> list[Promotion]:
    titles = {product.title, *(c.value for c in out.of("title"))}
    texts = _without_titles(texts, [t for t in titles if isinstance(t, str) and len(t) >= 3])
    promos = find_promotions(texts, product.currency, today) if texts else []
    valid = next((c.value for c in out.of("valid_until")), None)
    price, regular = product.price, product.regular_price
    has_discount = any(p.kind in (PromotionKind.PERCENT_OFF, PromotionKind.AMOUNT_OFF)
                       for p in promos)
    if valid is None and regular is not None and price is not None and not has_discount:
        ended = _markdown_ended(texts, today)
        if ended is not None:
            # "Промоция валидна до 30.11.2026" read on 6 Dec: the struck regular price is
            # what the shop charges now, even if the page still shows the sale price.
            product.price, product.regular_price = regular, None
            product.secondary_price, product.secondary_currency = (
                secondary_amount(texts[:80], regular, product.currency)
                if product.currency else (None, None))
            return promos
    discount = discount_from_regular(price, regular, valid)
    if discount is not None and not has_discount:
        promos.insert(0, discount)
    elif valid is not None and has_discount:
        promos = [replace(p, valid_until=p.valid_until or valid)
                  if p.kind in (PromotionKind.PERCENT_OFF, PromotionKind.AMOUNT_OFF) else p
                  for p in promos]
    return promos


_PROMO_WORD = re.compile(r"промо|намал|отстъпк|оферт|promo|sale|offer|discount|angebot|aktion",
                         re.IGNORECASE)


def _markdown_ended(texts: list[str], today: date | None) -> date | None:
    """The day a promotion stated beside the price ended ("Промоция валидна до 30.11.2026"),
    when that day is before ``today``; None when no such statement or it still runs."""
    ref = today or current_day()
    for text in texts[:80]:
        if len(text) > 200 or not _PROMO_WORD.search(text):
            continue
        until = find_until(text, ref)
        if until is not None:
            return until if until < ref else None
    return None


def _without_titles(texts: list[str], titles: list[str]) -> list[str]:
    """The texts with the product's name cut out: "1+1", "3 for 2" or "-20%" inside a
    title name the product ("Shampoo (1+1)" is a twin pack), never a promotion."""
    if not titles:
        return texts
    titles = sorted(titles, key=len, reverse=True)
    cleaned: list[str] = []
    for text in texts:
        for title in titles:
            if title in text:
                text = text.replace(title, " ")
        cleaned.append(text)
    return cleaned


def _first(out: CandidateSet, name: str) -> Any:
    found = out.of(name)
    return found[0].value if found else None


def _terms(product: ExtractedProduct, out: CandidateSet, texts: list[str], run: _Run) -> None:
    hints = run.hints
    page: Terms = find_terms(texts, product.currency) if texts else Terms()
    free_promo = next((p for p in product.promotions
                       if p.kind == PromotionKind.FREE_SHIPPING and p.threshold), None)
    cost = _first(out, "shipping_cost")
    if cost is None:
        cost = page.shipping_cost
    threshold = page.free_threshold or (free_promo.threshold if free_promo else None)
    text = page.shipping_text or (free_promo.text if free_promo else None)
    # the shop's configured terms fill what the page leaves out; what the page says wins
    # (a page stating only "free over 100" still costs the configured shipping below it)
    if cost is None:
        cost = hints.shipping_cost
    if threshold is None and (hints.shipping_cost is None or cost == hints.shipping_cost):
        threshold = hints.free_shipping_threshold
    if cost is not None or threshold is not None or text:
        product.shipping = Shipping(cost=cost, free_threshold=threshold, text=text)
    days = _first(out, "delivery_days")
    if days is not None:
        product.delivery = Delivery(min_days=days[0], max_days=days[1])
    elif page.delivery_max is not None:
        product.delivery = Delivery(min_days=page.delivery_min, max_days=page.delivery_max,
                                    text=page.delivery_text)
    elif hints.delivery_min_days is not None or hints.delivery_max_days is not None:
        product.delivery = Delivery(min_days=hints.delivery_min_days,
                                    max_days=hints.delivery_max_days)
    months = _first(out, "warranty_months") or page.warranty_months or hints.warranty_months
    if months:
        product.warranty = Warranty(months=months, text=page.warranty_text
                                    if page.warranty_months == months else None)
    product.returns_days = (_first(out, "returns_days") or page.returns_days
                            or hints.returns_days)
