"""The product universe every demo shop and our demo catalog draw from.

A few hundred products in four departments (electronics, small appliances, groceries,
tools), grouped in *families*: one model in several variants (storage size, colour,
pack size). Each variant is its own product with a GTIN-13 (valid check digit), brand
and MPN. Everything is a pure function of the seed.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

CENT = Decimal("0.01")


def gtin_check_digit(body: str) -> str:
    """GS1 check digit for the digits of a GTIN without its last digit."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def is_valid_gtin(code: str) -> bool:
    """True for an 8/12/13/14-digit GTIN whose check digit is right."""
    return (
        code.isdigit()
        and len(code) in (8, 12, 13, 14)
        and gtin_check_digit(code[:-1]) == code[-1]
    )


_TRANSLIT = {
    ord(c): t
    for c, t in zip(
        "абвгдежзийклмнопрстуфхцчшщъьюя",
        ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
         "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "y", "yu", "ya"],
        strict=True,
    )
}


def slugify(text: str) -> str:
    """ASCII slug for URLs; Bulgarian letters are transliterated ('Девин' -> 'devin')."""
    text = text.lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def stable_rng(*parts: object) -> random.Random:
    """A Random seeded from the given parts (stable across processes, unlike hash())."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def stable_fraction(*parts: object) -> float:
    """A number in [0, 1) fixed by the given parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def money(value: Decimal | float | str) -> Decimal:
    """Round to cents, half up."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def charm(value: Decimal) -> Decimal:
    """Round to a shop-like price ending (.99 below 100, .90/.00 above)."""
    if value < 10:
        return money(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) - Decimal("0.01"))
    if value < 100:
        return money(value.to_integral_value(rounding=ROUND_HALF_UP) - Decimal("0.01"))
    return money(value.to_integral_value(rounding=ROUND_HALF_UP) - Decimal("0.10"))


@dataclass(frozen=True)
class Category:
    """A shop category (slug plus Bulgarian and English names)."""

    slug: str
    name_bg: str
    name_en: str
    department: str  # electronics | appliances | groceries | tools


@dataclass(frozen=True)
class Pack:
    """What one unit of a grocery product holds: `count` x `size` `unit` (ml, g)."""

    count: int
    size: int
    unit: str

    @property
    def label(self) -> str:
        """'500 ml', '1 l', '6 x 330 ml', '1 kg'."""
        one = _size_label(self.size, self.unit)
        return one if self.count == 1 else f"{self.count} x {one}"

    @property
    def label_bg(self) -> str:
        """'500 мл', '1 л', '6 x 330 мл'."""
        one = _size_label(self.size, self.unit)
        for en, bg in (("ml", "мл"), ("kg", "кг"), ("l", "л"), ("g", "г")):
            if one.endswith(" " + en):
                one = one[: -len(en)] + bg
                break
        return one if self.count == 1 else f"{self.count} x {one}"

    @property
    def base_quantity(self) -> Decimal:
        """Total content in litres or kilograms (for per-kilo / per-litre prices)."""
        return Decimal(self.count * self.size) / 1000

    @property
    def base_unit_bg(self) -> str:
        return "л" if self.unit == "ml" else "кг"

    @property
    def base_unit_en(self) -> str:
        return "l" if self.unit == "ml" else "kg"


def _size_label(size: int, unit: str) -> str:
    if size >= 1000 and size % 100 == 0:
        big = {"ml": "l", "g": "kg"}[unit]
        amount = Decimal(size) / 1000
        text = format(amount.normalize(), "f")
        return f"{text} {big}"
    return f"{size} {unit}"


@dataclass(frozen=True)
class Product:
    """One sellable item (one variant of a family)."""

    pid: int
    key: str
    family: str
    family_title_en: str
    family_title_bg: str
    option_name: str | None  # "Storage", "Colour", "Size", "Pack" or None
    variant_en: str | None
    variant_bg: str | None
    brand: str
    model: str  # "JBL Live 770NC"
    noun_bg: str  # "Безжични слушалки"
    mpn: str
    gtin: str
    category: Category
    base_price: Decimal  # BGN, the market's reference price
    pack: Pack | None
    warranty_months: int | None
    bulky: bool

    @property
    def name_en(self) -> str:
        return self.family_title_en + (f", {self.variant_en}" if self.variant_en else "")

    @property
    def name_bg(self) -> str:
        return self.family_title_bg + (f", {self.variant_bg}" if self.variant_bg else "")


CATEGORIES: dict[str, Category] = {
    c.slug: c
    for c in (
        Category("smartphones", "Смартфони", "Smartphones", "electronics"),
        Category("headphones", "Слушалки", "Headphones", "electronics"),
        Category("tv", "Телевизори", "TVs", "electronics"),
        Category("laptops", "Лаптопи", "Laptops", "electronics"),
        Category("monitors", "Монитори", "Monitors", "electronics"),
        Category("kettles", "Електрически кани", "Kettles", "appliances"),
        Category("coffee-machines", "Кафемашини", "Coffee machines", "appliances"),
        Category("blenders", "Блендери", "Blenders", "appliances"),
        Category("vacuums", "Прахосмукачки", "Vacuum cleaners", "appliances"),
        Category("toasters", "Тостери", "Toasters", "appliances"),
        Category("olive-oil", "Олио и зехтин", "Oils", "groceries"),
        Category("coffee", "Кафе", "Coffee", "groceries"),
        Category("drinks", "Напитки", "Drinks", "groceries"),
        Category("sweets", "Шоколад и сладки", "Chocolate and sweets", "groceries"),
        Category("pasta", "Паста", "Pasta", "groceries"),
        Category("drills", "Бормашини и винтоверти", "Drills and drivers", "tools"),
        Category("hand-tools", "Ръчни инструменти", "Hand tools", "tools"),
        Category("grinders", "Ъглошлайфи", "Angle grinders", "tools"),
    )
}

# (category, brand, model, noun_bg, noun_en, price range BGN, option name, variants)
# variants: (label_en, label_bg, price factor) or for packs a Pack.
_ELECTRONICS = [
    ("smartphones", ["Samsung Galaxy A55 5G", "Samsung Galaxy S24", "Xiaomi Redmi Note 13",
                     "Xiaomi 14T", "Motorola Moto G84", "Nokia G42", "Honor Magic6 Lite",
                     "Realme 12 Pro", "Samsung Galaxy A35 5G", "Xiaomi Poco X6 Pro", "Google Pixel 8a",
                     "OnePlus Nord CE4", "Motorola Edge 50 Fusion", "Honor 200"],
     "Смартфон", "Smartphone", (350, 1800), "Storage",
     [("128 GB", "128 GB", 1.0), ("256 GB", "256 GB", 1.18)]),
    ("headphones", ["Sony WH-1000XM5", "JBL Tune 520BT", "JBL Live 770NC", "Sennheiser HD 450BT",
                    "Bose QuietComfort 45", "Sony WF-C700N", "Xiaomi Redmi Buds 5",
                    "Philips TAH4209", "Sony WH-CH720N", "JBL Tune 670NC", "Anker Soundcore Q30",
                    "Samsung Galaxy Buds FE"],
     "Безжични слушалки", "Wireless headphones", (60, 750), "Colour",
     [("Black", "черни", 1.0), ("White", "бели", 1.0), ("Blue", "сини", 1.03)]),
    ("tv", ["Samsung Crystal UHD CU7172", "LG UR78", "Philips PUS8108", "TCL P745",
            "Hisense A6K", "Sony Bravia X75WL"],
     "Телевизор", "TV", (600, 2200), "Size",
     [('43"', '43"', 1.0), ('55"', '55"', 1.45), ('65"', '65"', 2.0)]),
    ("laptops", ["Lenovo IdeaPad Slim 3", "HP 250 G10", "ASUS Vivobook 15", "Acer Aspire 5",
                 "Dell Inspiron 15", "Lenovo ThinkPad E16", "HP Pavilion 15", "ASUS TUF Gaming A15",
                 "Acer Swift Go 14", "Lenovo Legion 5", "MSI Modern 15", "Dell Vostro 3520"],
     "Лаптоп", "Laptop", (900, 2600), None, []),
    ("monitors", ["Dell S2721", "LG UltraGear GN600", "Samsung Odyssey G5", "AOC 24G2SP",
                  "Philips Evnia 3000", "ASUS VA24EHF", "Lenovo L24i-40", "HP M24f"],
     "Монитор", "Monitor", (220, 700), "Size",
     [('24"', '24"', 1.0), ('27"', '27"', 1.3)]),
]

_APPLIANCES = [
    ("toasters", ["Philips HD2581", "Tefal Express TT3650", "Bosch TAT6A513", "Russell Hobbs 24080",
                  "Sencor STS 2607", "Smeg TSF01", "Rohnson R-2104", "Severin AT 2286"],
     "Тостер", "Toaster", (35, 260), None, []),
    ("kettles", ["Philips HD9350", "Tefal Express KO2998", "Bosch TWK3A011", "Russell Hobbs 26050",
                 "Tefal Loft KI2501", "Rohnson R-7515", "Philips HD9318", "Sencor SWK 1770",
                 "Bosch TWK7203", "Tefal Sense KO6931"],
     "Електрическа кана 1,7 л", "Electric kettle 1.7 l", (35, 140), None, []),
    ("coffee-machines", ["DeLonghi Magnifica S ECAM22.110", "Philips EP2221", "Krups Nescafe Dolce Gusto Genio S",
                         "Tchibo Cafissimo Pure", "Sencor SES 4050", "DeLonghi Dedica EC685"],
     "Кафемашина", "Coffee machine", (150, 900), "Colour",
     [("Black", "черна", 1.0), ("Silver", "сребриста", 1.04)]),
    ("blenders", ["Philips HR2041", "Bosch MMB6141", "Tefal Blendforce BL4201", "Moulinex Perfect Mix",
                  "Sencor SBL 4370", "Nutribullet NB907", "Philips HR3573", "Bosch VitaPower MMB6382",
                  "Kenwood BLP41", "Tefal Perfectmix BL811D"],
     "Блендер", "Blender", (45, 300), None, []),
    ("vacuums", ["Rowenta X-Force Flex 8.60", "Philips 3000 Series XC3131", "Dyson V8 Absolute",
                 "Xiaomi Robot Vacuum S10", "Bosch Serie 6 BGL6POW1", "Karcher VC 4", "Rowenta Silence Force", "Philips 5000 Series FC9555",
                 "Tefal X-Pert 6.60", "Xiaomi Vacuum G11"],
     "Прахосмукачка", "Vacuum cleaner", (180, 1100), None, []),
]

_GROCERIES = [
    ("olive-oil", ["Bertolli Extra Virgin", "Monini Classico", "Filippo Berio Extra Virgin",
                   "Minerva Kalamata", "Olitalia Extra Virgin"],
     "Зехтин", "Olive oil", (9, 16), "Size",
     [Pack(1, 500, "ml"), Pack(1, 1000, "ml")]),
    ("olive-oil", ["Бисер олио", "Олинеза", "Кристал"],
     "Слънчогледово олио", "Sunflower oil", (3, 5), "Size",
     [Pack(1, 1000, "ml"), Pack(1, 5000, "ml")]),
    ("coffee", ["Lavazza Qualità Rossa", "Jacobs Krönung", "Tchibo Exclusive", "Segafredo Intermezzo",
                "Illy Classico", "Davidoff Rich Aroma", "Dallmayr Prodomo", "Kimbo Aroma Gold",
                "Nescafe Gold"],
     "Мляно кафе", "Ground coffee", (8, 22), "Size",
     [Pack(1, 250, "g"), Pack(1, 1000, "g")]),
    ("drinks", ["Загорка", "Каменица", "Heineken", "Stella Artois", "Coca-Cola", "Пепси"],
     "Напитка", "Drink", (1, 3), "Pack",
     [Pack(1, 330, "ml"), Pack(6, 330, "ml"), Pack(1, 500, "ml")]),
    ("drinks", ["Девин", "Банкя", "Горна Баня"],
     "Минерална вода", "Mineral water", (1, 2), "Pack",
     [Pack(1, 1500, "ml"), Pack(6, 1500, "ml")]),
    ("sweets", ["Milka Alpine Milk", "Lindt Excellence 70%", "Ritter Sport", "Toblerone",
                "Свобода", "Kinder Chocolate", "Alpen Gold", "Nestle Classic", "Heidi Dark"],
     "Шоколад", "Chocolate", (2, 7), "Size",
     [Pack(1, 100, "g"), Pack(1, 250, "g")]),
    ("pasta", ["Barilla Spaghetti n.5", "De Cecco Penne Rigate", "Divella Fusilli", "Melissa Primo Gusto",
               "Rummo Linguine"],
     "Паста", "Pasta", (2, 5), "Size",
     [Pack(1, 500, "g"), Pack(1, 1000, "g")]),
]

_TOOLS = [
    ("grinders", ["Bosch GWS 750-125", "Makita GA5030R", "DeWalt DWE4157", "Metabo W 750-125",
                  "Einhell TC-AG 125", "Black+Decker BEG220", "Hikoki G13SR4", "Milwaukee AG 800-125"],
     "Ъглошлайф", "Angle grinder", (90, 260), None, []),
    ("drills", ["Bosch GSR 18V-55", "Makita DDF484", "DeWalt DCD791", "Einhell TE-CD 18/40",
                "Metabo BS 18 L", "Black+Decker BDCDD186", "Ryobi R18DD3", "Milwaukee M18 BDD",
                "Parkside PABS 20-Li", "Hikoki DS18DD"],
     "Акумулаторен винтоверт", "Cordless drill driver", (150, 650), "Kit",
     [("Solo (no battery)", "без батерия", 1.0), ("Kit 2 x 2.0 Ah", "комплект 2 x 2.0 Ah", 1.6)]),
    ("hand-tools", ["Wera Kraftform Plus", "Stanley FatMax", "Wiha SoftFinish", "Bahco ERGO",
                    "Neo Tools", "Topex", "Felo Ergonic", "Gedore 2150",
                    "Knipex Vokit", "Yato YT-25960"],
     "Комплект отвертки", "Screwdriver set", (20, 120), None, []),
]

_BRAND_OVERRIDES = {"Black+Decker": "Black+Decker", "Бисер": "Бисер", "Олинеза": "Олинеза"}

_DEPARTMENT_WARRANTY = {"electronics": 24, "appliances": 24, "groceries": None, "tools": 36}


def _brand_of(model: str) -> str:
    for brand in _BRAND_OVERRIDES:
        if model.startswith(brand):
            return brand
    return model.split()[0]


def _mpn(rng: random.Random, brand: str) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    digits = "".join(rng.choice("0123456789") for _ in range(4))
    return f"{slugify(brand)[:3].upper()}-{letters}{digits}"


def _gtin(rng: random.Random, used: set[str]) -> str:
    while True:
        body = "380" + "".join(rng.choice("0123456789") for _ in range(9))
        code = body + gtin_check_digit(body)
        if code not in used:
            used.add(code)
            return code


@lru_cache(maxsize=8)
def build_universe(seed: int = 42) -> tuple[Product, ...]:
    """All products, in a stable order; `pid` is the index."""
    rng = stable_rng("universe", seed)
    used: set[str] = set()
    products: list[Product] = []
    tables = _ELECTRONICS + _APPLIANCES + _GROCERIES + _TOOLS
    for cat_slug, models, noun_bg, noun_en, (lo, hi), option, variants in tables:
        category = CATEGORIES[cat_slug]
        for model in models:
            brand = _brand_of(model)
            base = Decimal(str(round(rng.uniform(lo, hi), 2)))
            family_mpn = _mpn(rng, brand)
            family = slugify(f"{model} {noun_en}")
            title_en = f"{model} {noun_en.lower()}" if category.department == "groceries" else (
                f"{noun_en} {model}")
            title_bg = f"{noun_bg} {model}"
            for index, variant in enumerate(variants or [None]):
                pack: Pack | None = None
                if variant is None:
                    v_en = v_bg = None
                    factor = 1.0
                elif isinstance(variant, Pack):
                    pack = variant
                    v_en, v_bg = pack.label, pack.label_bg
                    first = variants[0]
                    assert isinstance(first, Pack)
                    factor = ((pack.count * pack.size) / (first.count * first.size)) ** 0.85
                    # bigger packs are cheaper per unit
                else:
                    v_en, v_bg, factor = variant
                if category.department == "groceries" and pack is not None:
                    title_en_v = f"{model} {noun_en.lower()}"
                    title_bg_v = f"{noun_bg} {model}"
                else:
                    title_en_v, title_bg_v = title_en, title_bg
                price = charm(base * Decimal(str(factor)))
                suffix = "" if variant is None else f"-{index + 1:02d}"
                products.append(
                    Product(
                        pid=len(products),
                        key=slugify(f"{family}-{v_en}") if v_en else family,
                        family=family,
                        family_title_en=title_en_v,
                        family_title_bg=title_bg_v,
                        option_name=option if variant is not None else None,
                        variant_en=v_en,
                        variant_bg=v_bg,
                        brand=brand,
                        model=model,
                        noun_bg=noun_bg,
                        mpn=family_mpn + suffix,
                        gtin=_gtin(rng, used),
                        category=category,
                        base_price=price,
                        pack=pack,
                        warranty_months=_DEPARTMENT_WARRANTY[category.department],
                        bulky=cat_slug in ("tv", "vacuums") or (pack is not None and pack.count > 1),
                    )
                )
    return tuple(products)


def families(seed: int = 42) -> dict[str, list[Product]]:
    """Products grouped by family, in universe order."""
    out: dict[str, list[Product]] = {}
    for product in build_universe(seed):
        out.setdefault(product.family, []).append(product)
    return out
