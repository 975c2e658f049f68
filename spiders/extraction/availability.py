"""Availability wording -> schema.org term, in several languages."""

from __future__ import annotations

import re

from .fastre import CIPattern
from .model import Availability

_SCHEMA_TERMS = {term.value.lower(): term for term in Availability}
_SCHEMA_TERMS.update({
    "instoreonly": Availability.IN_STOCK,
    "onlineonly": Availability.IN_STOCK,
    "soldout": Availability.OUT_OF_STOCK,
    "preorder": Availability.PRE_ORDER,
    "presale": Availability.PRE_ORDER,
    "backorder": Availability.BACK_ORDER,
    "limitedavailability": Availability.LIMITED_AVAILABILITY,
    "discontinued": Availability.DISCONTINUED,
    "reserved": Availability.OUT_OF_STOCK,
    "in_stock": Availability.IN_STOCK,
    "instock": Availability.IN_STOCK,
    "out_of_stock": Availability.OUT_OF_STOCK,
    "outofstock": Availability.OUT_OF_STOCK,
    "available": Availability.IN_STOCK,
    "unavailable": Availability.OUT_OF_STOCK,
    "true": Availability.IN_STOCK,
    "false": Availability.OUT_OF_STOCK,
})

# Ordered: the first pattern that matches wins, so negatives come before positives
# ("not available" must not read as "available").
_PHRASES: list[tuple[Availability, CIPattern]] = [
    (Availability.DISCONTINUED, CIPattern(
        r"discontinued|no longer (?:available|sold)|спрян от производство|не се предлага вече"
        r"|nicht mehr (?:erhältlich|lieferbar)|auslaufartikel|plus (?:disponible|fabriqué)"
        r"|n'est plus (?:vendu|disponible)|descatalogado|ya no (?:está )?disponible")),
    (Availability.PRE_ORDER, CIPattern(
        r"pre-?order|предварителна поръчка|предпоръчка|vorbestell|précommande|pré-commande"
        r"|en précommande|preventa|reserva(?:r)? ahora|prenota"
        # announced, not yet sold: nobody can buy it today
        r"|очаквайте скоро|очаквай скоро|скоро в наличност|coming soon|available soon"
        r"|demnächst erhältlich|bientôt disponible|próximamente")),
    (Availability.BACK_ORDER, CIPattern(
        r"back-?order|на заявка|по поръчка|очаква се"
        r"|nachbestellt|lieferbar in \d+|sur commande|en réapprovisionnement|bajo pedido"
        r"|disponible en \d+")),
    (Availability.OUT_OF_STOCK, CIPattern(
        r"out[ -]of[ -]stock|sold[ -]?out|not (?:currently )?available|currently unavailable"
        r"|unavailable|no stock|not in stock|изчерпан|изчерпано|няма наличност|не е наличен"
        r"|не е в наличност|липсва|няма в наличност|ausverkauft|nicht (?:auf lager|verfügbar|vorrätig"
        r"|lieferbar)|derzeit nicht|vergriffen|en rupture|rupture de stock|épuisé|indisponible"
        r"|non disponible|agotado|sin stock|no disponible|esgotado|indisponível|non disponibile"
        r"|esaurito|niedostępny|wyprzedany|brak w magazynie|nedostupné|vyprodáno|stoc epuizat"
        r"|indisponibil|нет в наличии|немає в наявності|tükendi|stokta yok|uitverkocht"
        r"|niet op voorraad|slutsåld|udsolgt|utsolgt|loppu varastosta|notify me when"
        # Slovak, Czech, Romanian, Greek, Hebrew, Polish, Hungarian, Croatian/Serbian/Slovene
        r"|nie je možné kúpiť|nie je (?:na )?sklad(?:om|e)|vypredan[éý]|není (?:na )?sklad(?:em|ě)"
        r"|nedostupn[éýá]|momentálně nedostupn|stoc epuizat|stoc indisponibil|produs indisponibil"
        r"|fără stoc|nu este în stoc|μη διαθέσιμ|εξαντλήθηκε|εκτός αποθέματος|προσωρινά μη"
        r"|אזל מהמלאי|לא במלאי|אין במלאי|אזל|brak towaru|niedostępn|nincs készleten|elfogyott"
        r"|nema na (?:stanju|zalihi)|rasprodano|ni na zalogi|razprodano")),
    (Availability.LIMITED_AVAILABILITY, CIPattern(
        r"limited (?:stock|availability)|only \d+ left|few left|last (?:\d+ )?(?:items?|pieces?)"
        r"|ограничен(?:о)? количество|последн(?:и|а|о) \d* ?(?:бр|брой)|остава(?:т)? \d+"
        r"|nur noch \d+|wenige (?:artikel|stück)|plus que \d+|quedan \d+|últimas unidades"
        r"|dernières pièces|ultimi \d+")),
    (Availability.IN_STOCK, CIPattern(
        r"in[ -]stock|available(?! soon)|ready to ship|ships (?:today|in)|add to (?:cart|basket|bag)"
        r"|в наличност|наличен|налично|на склад|в наличие|добави в количката|купи сега"
        r"|auf lager|vorrätig|lieferbar|sofort verfügbar|verfügbar|in den warenkorb"
        r"|en stock|disponible|ajouter au panier|en existencia|añadir al carrito|disponibile"
        r"|em estoque|dostępny|na stanie|skladem|în stoc|в наличии|є в наявності|stokta"
        r"|op voorraad|på lager|varastossa"
        r"|skladom|na sklade|na skladě|skladem|în stoc|disponibil|σε απόθεμα|άμεσα διαθέσιμ"
        r"|διαθέσιμο|במלאי|זמין במלאי|készleten|raktáron|na stanju|na zalogi|dostupno")),
]


def normalize_availability(value: object) -> Availability | None:
    """schema.org term for a structured value (URL, term, bool) or shop wording."""
    if value is None:
        return None
    if isinstance(value, bool):
        return Availability.IN_STOCK if value else Availability.OUT_OF_STOCK
    if isinstance(value, list):
        found = [normalize_availability(v) for v in value]
        return next((f for f in found if f), None)
    text = str(value).strip()
    if not text:
        return None
    tail = re.split(r"[/#:]", text.rstrip("/"))[-1].lower().replace(" ", "")
    if tail in _SCHEMA_TERMS:
        return _SCHEMA_TERMS[tail]
    return availability_from_text(text)


def availability_from_text(text: str) -> Availability | None:
    """schema.org term for availability wording in BG/EN/DE/FR/ES and others."""
    if not text or len(text) > 400:
        return None
    for term, pattern in _PHRASES:
        if pattern.search(text):
            return term
    return None


_LINE_EDGES = " \t.!:;,-–—()[]*✕✖×"


def sole_stock_statement(text: str) -> Availability | None:
    """The term when a short line is nothing but a stock statement ("Няма наличност",
    "Sold out!", "Изчерпан"), else None: "Chat is unavailable" or "Not available for this
    item" are about something else."""
    line = text.strip(_LINE_EDGES)
    if not line or len(line) > 30:
        return None
    for term, pattern in _PHRASES:
        found = pattern.search(line)
        if found is not None:
            return term if found.start() == 0 and found.end() == len(line) else None
    return None
