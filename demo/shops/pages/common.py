"""What every demo shop's pages share: responses, money formats, wording, page chrome."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from demo.shops.simulation import Offer, Promo
from demo.shops.spec import ShopSpec
from demo.shops.universe import Product

NBSP = "\u00a0"


@dataclass
class Response:
    """An HTTP response a shop produces."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"})

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})

    @classmethod
    def xml(cls, text: str) -> Response:
        return cls(200, text.encode(), {"Content-Type": "application/xml; charset=utf-8"})

    @classmethod
    def json(cls, data: Any, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode()
        return cls(200, body, {"Content-Type": "application/json; charset=utf-8",
                               **(headers or {})})

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", {"Location": location})

    @classmethod
    def not_found(cls) -> Response:
        return cls.html("<!doctype html><html><head><title>404</title></head><body>"
                        "<h1>404 Not Found</h1></body></html>", 404)


@dataclass(frozen=True)
class Listing:
    """One product page of a shop: its path (relative to the base URL) and what it shows."""

    path: str
    product: Product
    variant_id: str | None = None


# ---------------------------------------------------------------- money formats

def _group(integer: int, sep: str) -> str:
    text = f"{integer:,}"
    return text.replace(",", sep)


def split_money(amount: Decimal) -> tuple[int, str]:
    """(integer part, two-digit cents) of a non-negative amount."""
    cents = f"{amount:.2f}".split(".")[1]
    return int(amount), cents


def bgn(amount: Decimal, nbsp: bool = False) -> str:
    """'1 299,00 лв.'"""
    space = NBSP if nbsp else " "
    whole, cents = split_money(amount)
    return f"{_group(whole, space)},{cents}{space}лв."


def eur_bg(amount: Decimal, nbsp: bool = False) -> str:
    """'1 299,00 €' (a Bulgarian shop in euros)."""
    space = NBSP if nbsp else " "
    whole, cents = split_money(amount)
    return f"{_group(whole, space)},{cents}{space}€"


def bg_money(amount: Decimal, currency: str, nbsp: bool = False) -> str:
    """An amount the way a Bulgarian page writes it in `currency` (EUR or BGN)."""
    return bgn(amount, nbsp) if currency == "BGN" else eur_bg(amount, nbsp)


def eur_de(amount: Decimal) -> str:
    """'1.299,00 €' (WooCommerce with a European locale)."""
    whole, cents = split_money(amount)
    return f"{_group(whole, '.')},{cents}{NBSP}€"


def plain_number(amount: Decimal) -> str:
    """'1299.00' as in structured data."""
    return f"{amount:.2f}"


def fmt_date(day: date, short: bool = False) -> str:
    """'30.11.2026' or '30.11'."""
    return day.strftime("%d.%m") if short else day.strftime("%d.%m.%Y")


# ---------------------------------------------------------------- wording

def promo_text(promo: Promo, lang: str, fmt: Any, short_dates: bool = False) -> str:
    """How a shop words a promotion (its validity included when it has one)."""
    text = _promo_core(promo, lang, fmt)
    if promo.valid_until is not None:
        when = fmt_date(promo.valid_until, short_dates)
        if lang == "bg":
            text += f" до {when}" if short_dates else f" (валидно до {when})"
        else:
            text += f" until {when}" if short_dates else f" (offer valid until {when})"
    return text


def _promo_core(promo: Promo, lang: str, fmt: Any) -> str:
    bg = lang == "bg"
    style = promo.style
    if promo.kind == "percent_off":
        value = f"{promo.value}"
        options = (["-{v}%", "Намаление -{v}%", "Отстъпка {v}%"] if bg
                   else ["-{v}%", "{v}% off", "Sale -{v}%"])
        return options[style % len(options)].format(v=value)
    if promo.kind == "amount_off":
        assert promo.value is not None
        amount = fmt(promo.value)
        return f"Отстъпка {amount}" if bg else f"{amount} off"
    if promo.kind == "coupon":
        if bg:
            return (f"Код: {promo.code} -{promo.value}%" if style % 2 == 0
                    else f"С код {promo.code} получавате {promo.value}% отстъпка")
        return (f"Use code {promo.code} for {promo.value}% off" if style % 2 == 0
                else f"Coupon: {promo.code} -{promo.value}%")
    if promo.kind == "multi_buy":
        if promo.detail == "nth_item_discount":
            return "Втори продукт на -50%" if bg else (
                "Second at -50%" if style % 2 == 0 else "Second item 50% off")
        options = ["Купи 3, плати 2", "2+1 подарък"] if bg else ["3 for 2", "2+1 gratis"]
        return options[style % 2]
    if promo.kind == "free_shipping":
        return "Безплатна доставка за този продукт" if bg else "Free shipping on this item"
    if promo.kind == "member_price":
        assert promo.value is not None
        return (f"Цена с клубна карта: {fmt(promo.value)}" if bg
                else f"Member price: {fmt(promo.value)}")
    if promo.kind == "instalments":
        assert promo.value is not None
        return (f"{promo.instalments} x {fmt(promo.value)}/месец" if bg
                else f"or {promo.instalments} x {fmt(promo.value)}/month")
    raise ValueError(f"unknown promotion kind {promo.kind!r}")


def availability_text(availability: str, lang: str) -> str:
    """Visible stock wording."""
    words = {
        "bg": {"InStock": "В наличност", "OutOfStock": "Изчерпан",
               "LimitedAvailability": "Последни бройки"},
        "en": {"InStock": "In stock", "OutOfStock": "Out of stock",
               "LimitedAvailability": "Only a few left"},
    }
    return words[lang][availability]


def terms_lines(offer: Offer, spec: ShopSpec, fmt: Any) -> dict[str, str]:
    """Visible wording of shipping, free-shipping threshold, delivery, warranty, returns."""
    bg = spec.language == "bg"
    lines: dict[str, str] = {}
    if offer.shipping_cost == 0:
        lines["shipping"] = "Доставка: безплатна" if bg else "Shipping: free"
    else:
        lines["shipping"] = (f"Доставка: {fmt(offer.shipping_cost)}" if bg
                             else f"Shipping: {fmt(offer.shipping_cost)}")
    lines["free_shipping"] = (
        f"Безплатна доставка над {fmt(offer.free_shipping_threshold)}" if bg
        else f"Free shipping on orders over {fmt(offer.free_shipping_threshold)}")
    lines["delivery"] = (
        f"Доставка {offer.delivery_min_days}-{offer.delivery_max_days} работни дни" if bg
        else f"Delivery in {offer.delivery_min_days}-{offer.delivery_max_days} business days")
    if offer.warranty_months is not None:
        lines["warranty"] = (f"Гаранция {offer.warranty_months} месеца" if bg
                             else f"Warranty: {offer.warranty_months} months")
    lines["returns"] = (f"{offer.returns_days} дни право на връщане" if bg
                        else f"{offer.returns_days}-day returns")
    return lines


def description(product: Product, lang: str, paragraphs: int = 2) -> str:
    """Filler product description (HTML paragraphs) so pages have a realistic size."""
    if lang == "bg":
        sentences = [
            f"{product.name_bg} е надежден избор за всеки дом.",
            f"Марката {product.brand} е известна с качеството и дълготрайността си.",
            "Продуктът е внимателно подбран от нашия екип и преминава строг контрол.",
            "Поръчайте днес и се възползвайте от бързата ни доставка до всяка точка на страната.",
            "Всички цени са в лева с включен ДДС.",
        ]
    else:
        sentences = [
            f"The {product.name_en} is a dependable choice for every home.",
            f"{product.brand} is known for quality and long-lasting products.",
            "Every item is checked by our team before it ships.",
            "Order today and enjoy fast delivery across the country.",
            "All prices include VAT.",
        ]
    para = " ".join(sentences)
    return "".join(f"<p>{escape(para)}</p>" for _ in range(paragraphs))


def jsonld_script(data: Any) -> str:
    """A JSON-LD <script> element."""
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


SCHEMA = "https://schema.org/"


def jsonld_offer(offer: Offer, url: str, *, aggregate: bool = False) -> dict[str, Any]:
    """A schema.org Offer (or AggregateOffer) with shipping and returns."""
    data: dict[str, Any] = {
        "@type": "AggregateOffer" if aggregate else "Offer",
        "priceCurrency": offer.currency,
        "availability": SCHEMA + offer.availability,
        "itemCondition": SCHEMA + "NewCondition",
        "url": url,
    }
    if aggregate:
        data["lowPrice"] = plain_number(offer.price)
        data["highPrice"] = plain_number(offer.price * Decimal("1.12"))
        data["offerCount"] = 3
    else:
        data["price"] = plain_number(offer.price)
    valid = [p.valid_until for p in offer.promos if p.valid_until is not None]
    if valid and offer.regular_price is not None:
        data["priceValidUntil"] = min(valid).isoformat()
    if offer.regular_price is not None and not aggregate:
        data["priceSpecification"] = [{
            "@type": "UnitPriceSpecification",
            "priceType": SCHEMA + "StrikethroughPrice",
            "price": plain_number(offer.regular_price),
            "priceCurrency": offer.currency,
        }]
    data["shippingDetails"] = {
        "@type": "OfferShippingDetails",
        "shippingRate": {"@type": "MonetaryAmount", "value": plain_number(offer.shipping_cost),
                         "currency": offer.currency},
        "deliveryTime": {
            "@type": "ShippingDeliveryTime",
            "transitTime": {"@type": "QuantitativeValue", "minValue": offer.delivery_min_days,
                            "maxValue": offer.delivery_max_days, "unitCode": "DAY"},
        },
    }
    data["hasMerchantReturnPolicy"] = {
        "@type": "MerchantReturnPolicy",
        "returnPolicyCategory": SCHEMA + "MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": offer.returns_days,
    }
    return data


def esc(text: object) -> str:
    return escape(str(text))
