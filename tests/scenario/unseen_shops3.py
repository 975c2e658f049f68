"""Two more unseen shops for tests/scenario/test_unseen_probe3.py.

* ``LevaShop`` (no structured data; country BG) still prices only in leva ("39,90 лв.") with
  no euro anywhere, prints "Доставка: безплатна" (competitors.yaml says 5.00 under 100), and
  shows an expired promotion still unstruck, a future-dated sale, a per-unit price beside a
  6-pack price, a "Промо код SAVE10" banner and a 'was' price higher than anything it charged.
* ``FromShop`` (JSON-LD; euro) prints "Доставка от 3,99 €" (competitors.yaml says free).

Pages reuse the Item/Shop/serve machinery of unseen_shops2 under two new kinds.
"""

from __future__ import annotations

import html
import json

from .unseen_shops2 import RENDER, Item, Shop, serve

__all__ = ["Item", "Shop", "serve"]


def render_leva(item: Item) -> str:
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)} - Левче</title></head>
<body><div class="promo-banner">Промо код SAVE10 – 10% отстъпка за нови клиенти</div>
<div class="wrap"><div class="product-info">
<h1 class="title">{html.escape(item.title)}</h1>
{item.body}
<div class="shipping">Доставка: безплатна</div>
<button>Поръчай</button>
</div></div>
<footer>Левче ЕООД · цени в лева с ДДС</footer>
</body></html>"""


def render_from(item: Item) -> str:
    ld = ("" if item.jsonld is None else
          '<script type="application/ld+json">'
          f"{json.dumps({'@context': 'https://schema.org', **item.jsonld}, ensure_ascii=False)}"
          "</script>")
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(item.title)}</title>{ld}</head>
<body><main><h1>{html.escape(item.title)}</h1>
{item.body}
<p class="delivery">Доставка от 3,99 €</p>
<button>Купи</button></main></body></html>"""


RENDER.setdefault("leva", render_leva)
RENDER.setdefault("from", render_from)
