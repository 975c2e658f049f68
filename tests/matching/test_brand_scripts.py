"""Brands written in Cyrillic meet the same brand written in Latin letters, and no other.

Bulgarian shops often spell a brand in Cyrillic ("Кока-Кола", "Филипс", "Бош") where our
catalog has it in Latin letters. A brand's sound key (`brand_sound`: the official
Bulgarian transliteration, then c/k, ph/f, w/v, x/ks, sch/sh, doubled letters... folded
alike on both sides) decides whether two brand strings are one brand; the rest of the
match rules (model codes, sizes, colour, pack, condition) hold as for any match.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from monitor.matching import CatalogItem, ListingItem, Matcher
from monitor.matching.matcher import MIN_BRAND_SOUND, same_brand
from monitor.matching.normalize import brand_sound, norm_code, transliterate

# brands seen in Bulgarian shops: electronics, appliances, tools, drinks, food, cosmetics,
# household
_REAL_BRANDS = """
Samsung Sony LG Philips Bosch Siemens Beko Gorenje Tefal Rowenta Braun Xiaomi Huawei Lenovo
Asus Acer HP Dell Apple Nokia Motorola Coca-Cola Pepsi Fanta Nestle Milka Nivea Garnier L'Oreal
Ariel Persil Panasonic Toshiba Sharp Hitachi Canon Nikon Olympus Fujifilm Epson Brother Xerox
Kyocera Ricoh Lexmark Logitech Microsoft Razer Corsair HyperX SteelSeries Kingston SanDisk
Seagate WD Intel AMD Nvidia Gigabyte MSI Zotac TP-Link Netgear D-Link Ubiquiti Mikrotik Realme
Oppo Vivo OnePlus Honor Alcatel Google Blackview Doogee Ulefone ZTE Meizu TCL Hisense Thomson
Grundig Vestel Finlux Nei Crown Diplomat Elite Sencor Tesla Rohnson Zelmer Heinner Muhler
Esperanza Trust Genius Modecom Natec Electrolux Zanussi AEG Indesit Whirlpool Hotpoint Candy
Hoover Haier Smeg Miele Liebherr Neff Gaggenau Teka Franke Elica Pyramis Snaige Midea Gree
Daikin Mitsubishi Fujitsu Toyotomi Inventor Carrier DeLonghi Krups Saeco Jura Melitta Kenwood
Moulinex Russell-Hobbs Morphy-Richards Severin Clatronic Bomann Dyson Karcher Makita Metabo
DeWalt Black+Decker Stanley Einhell Ryobi Festool Milwaukee Hilti Schweppes Sprite 7Up Mirinda
Cappy Fuze-Tea Nestea Lipton Red-Bull Monster Burn Devin Bankya Gorna-Banya Velingrad Hisar
Kamenitza Zagorka Shumensko Ariana Heineken Tuborg Carlsberg Stella-Artois Becks Staropramen
Pirinsko Astika Jacobs Lavazza Nescafe Tchibo Davidoff Illy Segafredo Kimbo Douwe-Egberts
Ferrero Nutella Raffaello Kinder Lindt Toblerone Snickers Mars Twix Bounty Haribo Oreo Chipita
Familia Kraft Hochland Danone Activia Vereia Meggle Philadelphia President Colgate Signal
Aquafresh Sensodyne Oral-B Elmex Gillette Wilkinson Dove Rexona Axe Palmolive Fa Adidas Nike Puma
Schwarzkopf Syoss Gliss Schauma Pantene Head-Shoulders Herbal-Essences Elseve Maybelline
Rimmel Max-Factor Bourjois Essence Catrice Avon Oriflame Vichy La-Roche-Posay Eucerin Bioderma
CeraVe Neutrogena Fairy Lenor Tide Bonux Surf Perwoll Vanish Domestos Cif Ajax Mr-Proper Finish
Somat Calgon Silan Zewa Tempo Always Pampers Huggies Libero Duracell Energizer Varta GP Osram
"""
REAL_BRANDS = _REAL_BRANDS.split()

# (as a Bulgarian shop writes it, our Latin brand)
CYRILLIC_SPELLINGS = [
    ("Самсунг", "Samsung"), ("Сони", "Sony"), ("Филипс", "Philips"), ("Бош", "Bosch"),
    ("Сименс", "Siemens"), ("Беко", "Beko"), ("Горене", "Gorenje"), ("Тефал", "Tefal"),
    ("Ровента", "Rowenta"), ("Браун", "Braun"), ("Шаоми", "Xiaomi"), ("Хуавей", "Huawei"),
    ("Леново", "Lenovo"), ("Асус", "Asus"), ("Кока-Кола", "Coca-Cola"),
    ("Кока Кола", "Coca-Cola"), ("Пепси", "Pepsi"), ("Фанта", "Fanta"), ("Нестле", "Nestlé"),
    ("Милка", "Milka"), ("Нивеа", "Nivea"), ("Гарние", "Garnier"), ("Ариел", "Ariel"),
    ("Персил", "Persil"), ("Нокия", "Nokia"), ("Моторола", "Motorola"),
    ("Панасоник", "Panasonic"), ("Тошиба", "Toshiba"), ("Канон", "Canon"), ("Никон", "Nikon"),
    ("Ксерокс", "Xerox"), ("Хюндай", "Hyundai"), ("Електролукс", "Electrolux"),
    ("Зануси", "Zanussi"), ("Индезит", "Indesit"), ("Хайер", "Haier"), ("Фейри", "Fairy"),
    ("Якобс", "Jacobs"), ("Нескафе", "Nescafé"), ("Лаваца", "Lavazza"),
    ("Шварцкопф", "Schwarzkopf"), ("Дюрасел", "Duracell"), ("Хайнекен", "Heineken"),
    ("Делонги", "DeLonghi"), ("Мерцедес", "Mercedes"), ("Лореал", "L'Oréal"),
    ("Ленор", "Lenor"), ("Шаума", "Schauma"), ("Джак Даниелс", "Jack Daniel's"),
    ("Дел", "Dell"),
]


def _sound(name: str) -> str:
    return brand_sound(norm_code(name))


def test_the_official_transliteration() -> None:
    assert transliterate("жцчшщъюяйх") == "zhtschshshtayuyayh"
    assert transliterate(norm_code("София")) == "sofia"  # a final 'ия' is 'ia'
    assert transliterate(norm_code("Ъгъл")) == "agal"
    assert transliterate("sony") == "sony"


def test_real_brands_sound_apart() -> None:
    assert len(set(REAL_BRANDS)) >= 150
    by_sound: dict[str, set[str]] = defaultdict(set)
    for name in REAL_BRANDS:
        by_sound[_sound(name)].add(norm_code(name))
    assert {s: keys for s, keys in by_sound.items() if len(keys) > 1} == {}


@pytest.mark.parametrize(("cyrillic", "latin"), CYRILLIC_SPELLINGS)
def test_a_cyrillic_spelling_meets_its_latin_brand(cyrillic: str, latin: str) -> None:
    assert same_brand(norm_code(cyrillic), norm_code(latin))
    assert same_brand(norm_code(latin), norm_code(cyrillic))


@pytest.mark.parametrize(("cyrillic", "latin"), CYRILLIC_SPELLINGS)
def test_a_cyrillic_spelling_meets_no_other_real_brand(cyrillic: str, latin: str) -> None:
    others = [b for b in REAL_BRANDS if not same_brand(norm_code(b), norm_code(latin))]
    assert [b for b in others if same_brand(norm_code(cyrillic), norm_code(b))] == []


def test_two_latin_spellings_are_not_one_brand() -> None:
    """Only the script differs: 'Phillips' is not read as 'Philips' (as before)."""
    assert not same_brand("phillips", "philips")
    assert not same_brand("филипс", "филлипс")  # nor two Cyrillic ones
    # too short to tell by sound: 'LG', 'HP' are spelled as they are
    assert len(_sound("ЛГ")) < MIN_BRAND_SOUND and not same_brand(norm_code("ХП"), "hp")


CATALOG = [
    CatalogItem(1, "Coca-Cola Zero 6 x 0.5 L", brand="Coca-Cola"),
    CatalogItem(2, "Bosch GSR 120-LI Cordless Drill", brand="Bosch", mpn="06019G8000"),
    CatalogItem(3, "Philips Airfryer HD9252/90", brand="Philips", mpn="HD9252/90"),
    CatalogItem(4, "Samsung Galaxy S24 256GB Onyx Black", brand="Samsung"),
    CatalogItem(5, "Pepsi Max 6 x 0.5 L", brand="Pepsi"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(CATALOG)


@pytest.mark.parametrize(("title", "brand", "mpn", "product", "method"), [
    ("Кока-Кола Зеро 6 x 0,5 л", None, None, 1, "title"),
    ("Газирана напитка Кока Кола Зеро 6 x 0,5 л", None, None, 1, "title"),
    ("Винтоверт Бош GSR 120-LI", None, None, 2, "title"),
    ("Винтоверт", "Бош", "06019G8000", 2, "brand_mpn"),
    ("Фритюрник Филипс HD9252/90", None, None, 3, "brand_mpn"),
    ("Фритюрник Airfryer HD9252/90", "ФИЛИПС", "HD9252/90", 3, "brand_mpn"),
    ("Смартфон Самсунг Galaxy S24, 256 GB, черен", None, None, 4, "title"),
])
def test_a_cyrillic_brand_meets_our_latin_one(
        matcher: Matcher, title: str, brand: str | None, mpn: str | None, product: int,
        method: str) -> None:
    found = matcher.propose(ListingItem(9, title, brand=brand, mpn=mpn))
    assert found is not None and (found.product_id, found.method) == (product, method), found


@pytest.mark.parametrize(("title", "brand", "mpn"), [
    ("Фанта Портокал 6 x 0,5 л", None, None),  # a brand we do not sell
    ("Пепси Зеро 6 x 0,5 л", None, "06019G8000"),  # another brand than the MPN's
    ("Винтоверт Макита GSR 120-LI", None, None),  # another brand, the same model words
    ("Фритюрник Самсунг HD9252/90", None, None),
    ("Фритюрник", "Тефал", "HD9252/90"),  # their brand is not that of our MPN
    ("Кока-Кола Зеро 0,5 л", None, None),  # the single can, not our 6-pack
    ("Кока-Кола Зеро 6 x 0,33 л", None, None),  # another size
    ("Смартфон Самсунг Galaxy S24, 128 GB, черен", None, None),  # another capacity
    ("Смартфон Самсунг Galaxy S24, 256 GB, бял", None, None),  # another colour
    ("Смартфон Самсунг Galaxy S24 Ultra, 256 GB, черен", None, None),  # another model
    ("Кока-Кола Зеро 6 x 0,5 л, употребявана", None, None),  # not new
])
def test_a_cyrillic_brand_never_makes_a_match_the_rules_refuse(
        matcher: Matcher, title: str, brand: str | None, mpn: str | None) -> None:
    found = matcher.propose(ListingItem(9, title, brand=brand, mpn=mpn))
    assert found is None, found


def test_our_cyrillic_brand_meets_their_latin_one() -> None:
    ours = Matcher([CatalogItem(1, "Верея Кисело мляко 2% 400 г", brand="Верея"),
                    CatalogItem(2, "Coca-Cola Zero 500 ml", brand="Coca-Cola")])
    assert ours.brand_of(ListingItem(1, "Vereya kiselo mlyako 400 g")) == "верея"
    assert ours.brand_of(ListingItem(2, "Yoghurt", brand="VEREYA")) == "верея"
    assert ours.brand_of(ListingItem(3, "Zagorka 500 ml")) == ""


def test_a_title_whose_words_sound_like_two_of_our_brands_names_neither() -> None:
    """'Нова' is Bulgarian for 'new' and sounds like the brand Nova: with Бош after it the
    title names no brand we can trust; a brand written in Latin letters still leads."""
    ours = Matcher([CatalogItem(1, "Nova Kettle 1.7 l", brand="Nova"),
                    CatalogItem(2, "Bosch Kettle 1.7 l", brand="Bosch"),
                    CatalogItem(3, "Coca-Cola Zero 500 ml", brand="Coca-Cola")])
    assert ours.brand_of(ListingItem(1, "Нова кана Бош 1,7 л")) == ""
    assert ours.brand_of(ListingItem(2, "Нова кана Bosch 1,7 л")) == "bosch"
    assert ours.brand_of(ListingItem(3, "Кана Бош 1,7 л, бял")) == "bosch"
    assert ours.brand_of(ListingItem(4, "Кока-Кола Зеро, кен 500 мл")) == "cocacola"


def test_two_of_our_brands_that_sound_alike_are_found_by_neither_sound() -> None:
    ours = Matcher([CatalogItem(1, "Philips Lamp 10 W", brand="Philips"),
                    CatalogItem(2, "Phillips Screwdriver 10 mm", brand="Phillips")])
    assert ours.brand_of(ListingItem(1, "Крушка Филипс 10 W")) == ""
    assert ours.brand_of(ListingItem(2, "Lamp", brand="Philips")) == "philips"


COLAS = [CatalogItem(1, "Coca-Cola Zero 6 x 0.5 L", brand="Coca-Cola"),
         CatalogItem(2, "Coca-Cola Classic 6 x 0.5 L", brand="Coca-Cola"),
         CatalogItem(3, "Coca-Cola Zero 0.5 L", brand="Coca-Cola")]


def test_a_cyrillic_word_that_transliterates_to_our_word_counts() -> None:
    """'Зеро' is written 'zero' by the official transliteration: the word our title has."""
    found = Matcher(COLAS).propose(ListingItem(9, "Кока-Кола Зеро 6 x 0,5 л"))
    assert found is not None and found.product_id == 1 and found.confidence >= 0.9, found


@pytest.mark.parametrize("title", [
    "Кока-Кола Ванилия 6 x 0,5 л",  # 'vanilia' is none of our words: not trusted
    "Кока-Кола 6 x 0,5 л",  # which one of ours is not said
])
def test_other_bulgarian_words_do_not_make_a_trusted_match(title: str) -> None:
    found = Matcher(COLAS).propose(ListingItem(9, title))
    assert found is None or found.confidence < 0.9, found
