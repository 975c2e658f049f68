"""Extraction library: read price, promotions and terms from any product page.

Pure functions over bytes; Scrapy is not needed at run time::

    from spiders.extraction import extract, ExtractionHints
    product = extract(body, url="https://shop.example/p/1", hints=ExtractionHints(currency="EUR"))
    product.price, product.currency, product.promotions
"""

from .extractor import STRATEGIES, extract
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

__all__ = [
    "STRATEGIES",
    "Availability",
    "Candidate",
    "Delivery",
    "ExtractedProduct",
    "ExtractionHints",
    "Promotion",
    "PromotionKind",
    "Shipping",
    "Warranty",
    "extract",
]
