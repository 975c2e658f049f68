"""Who sells what: each shop's assortment and our own catalog's items.

Our catalog links to the shops in four ways, so that matching has every case to solve:

* ``gtin``: we know the GTIN (most items);
* ``mpn``: we only know brand + MPN;
* ``title``: we only have a similar title (no GTIN, no MPN);
* ``pack_trap``: we sell one pack size (e.g. 500 ml, a single can) and the shops sell only
  the family's other sizes (1 l, the 6-pack): a title matcher must *not* match these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from demo.shops.spec import GOOD_SHOPS
from demo.shops.universe import Product, build_universe, families, stable_fraction

TROUBLE_PRODUCTS = 40
"""How many products the misbehaving shop lists."""


@dataclass(frozen=True)
class OurItem:
    """One line of our demo catalog, tied to the universe product it is."""

    product: Product
    link: str  # gtin | mpn | title | pack_trap


@lru_cache(maxsize=8)
def pack_trap_pids(seed: int = 42) -> frozenset[int]:
    """Products we sell whose family the shops carry only in other pack sizes."""
    trap: set[int] = set()
    pack_families = [
        members for members in families(seed).values()
        if len(members) > 1 and members[0].pack is not None
    ]
    for members in pack_families:
        if stable_fraction(seed, "trap", members[0].family) < 0.35:
            trap.add(members[0].pid)
    return frozenset(trap)


@lru_cache(maxsize=64)
def shop_pids(shop: str, seed: int = 42) -> tuple[int, ...]:
    """Products a shop sells, in universe order."""
    from demo.shops.spec import SHOPS

    universe = build_universe(seed)
    if shop == "troubleshop":
        step = len(universe) // TROUBLE_PRODUCTS
        return tuple(p.pid for p in universe[::step][:TROUBLE_PRODUCTS])
    spec = SHOPS[shop]
    traps = pack_trap_pids(seed)
    return tuple(
        p.pid for p in universe
        if p.pid not in traps and stable_fraction(seed, shop, "carry", p.pid) < spec.share
    )


@lru_cache(maxsize=8)
def our_items(seed: int = 42) -> tuple[OurItem, ...]:
    """Our catalog: about two thirds of the universe plus the pack-size traps."""
    items: list[OurItem] = []
    traps = pack_trap_pids(seed)
    for product in build_universe(seed):
        if product.pid in traps:
            items.append(OurItem(product, "pack_trap"))
            continue
        if stable_fraction(seed, "ours", product.pid) >= 0.7:
            continue
        r = stable_fraction(seed, "link", product.pid)
        link = "gtin" if r < 0.72 else "mpn" if r < 0.87 else "title"
        items.append(OurItem(product, link))
    return tuple(items)


def sold_by(pid: int, seed: int = 42) -> tuple[str, ...]:
    """The well-behaved shops that sell a product."""
    return tuple(shop for shop in GOOD_SHOPS if pid in set(shop_pids(shop, seed)))
