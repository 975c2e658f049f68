"""The matching cascade on plain data: attributes, guards, identifiers, fuzzy titles."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from monitor.matching import (
    CatalogItem,
    ListingItem,
    Matcher,
    MatchSettings,
    compare_attributes,
    parse_attributes,
)
from monitor.matching.normalize import fold, norm_code, pack_ratio


@pytest.mark.parametrize(
    ("title", "pack", "sizes"),
    [
        ("Coca-Cola Zero 500 ml", 1, {"volume": D(500)}),
        ("Coca-Cola Zero 0,5 l", 1, {"volume": D(500)}),
        ("Coca-Cola Zero 1L", 1, {"volume": D(1000)}),
        ("Cola 6 x 330 ml", 6, {"volume": D(330)}),
        ("Cola 6x0.33l", 6, {"volume": D(330)}),
        ("Pepsi 6-pack 330ml", 6, {"volume": D(330)}),
        ("Coffee beans 1 kg pack of 4", 4, {"mass": D(1000)}),
        ("Шампоан 400 мл 2 бр.", 2, {"volume": D(400)}),
        ("Кафе 250 г", 1, {"mass": D(250)}),
        ("microSD card 128 GB", 1, {"data": D(128000)}),
        ("Sony WH-1000XM4 headphones", 1, {}),
    ],
)
def test_attributes_from_titles(title: str, pack: int, sizes: dict[str, D]) -> None:
    attrs = parse_attributes(title)
    assert attrs.pack == pack
    assert dict(attrs.sizes) == sizes


def test_500_ml_never_matches_1_l_and_a_6_pack_never_a_single() -> None:
    half, litre = parse_attributes("Cola 500 ml"), parse_attributes("Cola 1 l")
    assert not compare_attributes(half, litre).compatible
    assert compare_attributes(half, parse_attributes("Cola 0.5 L")).compatible
    six = parse_attributes("Cola 6 x 500 ml")
    assert not compare_attributes(six, half).compatible
    assert pack_ratio(six, half) == D(6)  # six of their singles make our 6-pack
    assert pack_ratio(half, litre) is None  # sizes differ: no ratio makes them comparable


def test_size_on_one_side_only_is_a_penalty_not_a_veto() -> None:
    check = compare_attributes(parse_attributes("Cola 500 ml"), parse_attributes("Cola"))
    assert check.compatible and check.penalty > 0


def test_folding_and_codes() -> None:
    assert fold("Crème Brûlée") == "creme brulee"
    assert fold("Йогурт") == "йогурт"  # Cyrillic й stays a letter
    assert norm_code(" WH-1000 xm4 ") == "wh1000xm4"


CATALOG = [
    CatalogItem(1, "Coca-Cola Zero 500 ml", brand="Coca-Cola"),
    CatalogItem(2, "Coca-Cola Zero 1 l", brand="Coca-Cola"),
    CatalogItem(3, "Coca-Cola Zero 6 x 500 ml", brand="Coca-Cola"),
    CatalogItem(4, "Sony WH-1000XM4 Wireless Headphones", brand="Sony", mpn="WH-1000XM4",
                gtin="4548736112360"),
    CatalogItem(5, "Coca-Cola Classic 500 ml", brand="Coca-Cola"),
    CatalogItem(6, "Pepsi Max 500 ml", brand="Pepsi", gtin="04548736112360"),  # GTIN clash
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(CATALOG, MatchSettings())


def test_gtin_first_in_any_form(matcher: Matcher) -> None:
    # the same GTIN twice in our catalog is ambiguous: it matches nothing by GTIN
    assert matcher.propose(ListingItem(1, "x", gtin="04548736112360")) is None
    solo = Matcher([CATALOG[3]])
    for form in ("4548736112360", "04548736112360", "4548736-112360"):
        found = solo.propose(ListingItem(1, "Sony headphones", gtin=form))
        assert found is not None and (found.product_id, found.method) == (4, "gtin")
    assert solo.propose(ListingItem(1, None, gtin="4548736112361")) is None  # bad check digit


def test_brand_and_mpn_next(matcher: Matcher) -> None:
    found = matcher.propose(ListingItem(7, "Headphones", brand="SONY", mpn="wh1000xm4"))
    assert found is not None
    assert (found.product_id, found.method, found.confidence) == (4, "brand_mpn", 0.95)
    assert matcher.propose(ListingItem(8, "Headphones", brand="Bose", mpn="wh1000xm4")) is None


def test_identifier_match_with_a_different_pack_gets_a_ratio_and_review(matcher: Matcher) -> None:
    found = matcher.propose(ListingItem(9, "Sony WH-1000XM4 2 pcs", brand="Sony", mpn="WH-1000XM4"))
    assert found is not None
    assert found.pack_ratio == D("0.5")
    assert found.confidence < MatchSettings().high_confidence
    assert found.note and "pack of 2" in found.note


@pytest.mark.parametrize(
    ("title", "product"),
    [
        ("Coca Cola Zero 0,5 l bottle", 1),
        ("COCA-COLA Zero 1L", 2),
        ("Coca-Cola Zero 6x500ml", 3),
        ("Zero 500ml - COCA-COLA", 1),
        ("Coca-Cola Classic 0.5 L", 5),
    ],
)
def test_fuzzy_titles_within_brand_size_and_pack(matcher: Matcher, title: str, product: int) -> None:
    found = matcher.propose(ListingItem(10, title))
    assert found is not None, title
    assert (found.product_id, found.method) == (product, "title")


@pytest.mark.parametrize(
    "title",
    [
        "Coca-Cola Zero 2 l",  # no 2 l in our catalog: never the 500 ml or the 1 l
        "Coca-Cola Zero 12 x 500 ml",  # a 12-pack is neither our single nor our 6-pack
        "Fanta Orange 500 ml",  # a brand we do not sell
        "Zero 500 ml",  # no brand to guard with
    ],
)
def test_fuzzy_titles_never_cross_size_pack_or_brand(matcher: Matcher, title: str) -> None:
    assert matcher.propose(ListingItem(11, title)) is None


def test_pack_size_mismatch_must_not_match() -> None:
    singles = Matcher([CatalogItem(1, "Coca-Cola Zero 500 ml", brand="Coca-Cola")])
    assert singles.propose(ListingItem(1, "Coca-Cola Zero 6 x 500 ml")) is None
    assert singles.propose(ListingItem(2, "Coca-Cola Zero 1 l")) is None
    found = singles.propose(ListingItem(3, "Coca-Cola Zero 500 ml"))
    assert found is not None and found.confidence == 1.0


def test_ambiguous_titles_go_to_review() -> None:
    twins = Matcher([
        CatalogItem(1, "Acme Widget Blanc 500 ml", brand="Acme"),
        CatalogItem(2, "Acme Widget Blank 500 ml", brand="Acme"),
    ])
    found = twins.propose(ListingItem(1, "Acme Widget Blang 500 ml"))
    assert found is not None
    assert found.confidence < MatchSettings().high_confidence
    assert found.note and "runner-up" in found.note


@pytest.mark.parametrize("title", [
    "Кошница за фритюрник Philips HD9252/90",
    "Basket for Philips Airfryer HD9252/90",
    "Калъф за Realme 12 Pro, 256 GB",
])
def test_an_accessory_for_our_product_is_never_trusted_unseen(title: str) -> None:
    """Its title names our product's brand and model because it fits that product: at
    most a review suggestion, never an automatic match that feeds findings."""
    settings = MatchSettings()
    catalog = [CatalogItem(1, "Фритюрник Philips Airfryer HD9252/90", brand="Philips", mpn="HD9252/90"),
               CatalogItem(2, "Смартфон Realme 12 Pro, 256 GB", brand="Realme")]
    found = Matcher(catalog, settings).propose(ListingItem(9, title, brand=None))
    assert found is None or found.confidence < settings.high_confidence
    same = Matcher(catalog, settings).propose(
        ListingItem(9, "Philips Airfryer HD9252/90 Essential", brand=None))
    assert same is not None and same.product_id == 1 and same.confidence >= settings.high_confidence


TIERED = [
    CatalogItem(1, "Смартфон Realme 12 Pro, 256 GB", brand="Realme"),
    CatalogItem(2, "Apple iPhone 15, 128 GB, Black", brand="Apple"),
    CatalogItem(3, "Samsung Galaxy S24 Ultra, 256 GB", brand="Samsung"),
    CatalogItem(4, "Apple iPad Air 11 128GB", brand="Apple"),
]


@pytest.mark.parametrize("title", [
    "Smartphone Realme 12 Pro+, 256 GB",
    "Realme 12 Pro Plus 256GB",
    "Смартфон Realme 12 Pro+ 5G, 256 GB",
    "Realme 12 Pro Max 256GB",
    "Apple iPhone 15 Plus 128GB Black",
    "Apple iPhone 15 Pro 128GB Black",
    "Samsung Galaxy S24 256GB",
    "Samsung Galaxy S24+ 256GB",
    "Samsung Galaxy S24 Ultra FE 256GB",
    "Apple iPad mini 128GB",
    "Apple iPad Air 11 Pro 128GB",
])
def test_another_model_tier_is_another_product(title: str) -> None:
    """"Pro", "Plus"/"+", "Max", "Ultra", "mini", "FE" name another model of the line: the
    iPhone 15 Pro is not our iPhone 15, nor the Galaxy S24 our S24 Ultra."""
    assert Matcher(TIERED, MatchSettings()).propose(ListingItem(1, title)) is None


@pytest.mark.parametrize(("title", "product"), [
    ("Realme 12 Pro 256GB", 1),
    ("Apple iPhone 15 128GB Black", 2),
    ("Samsung Galaxy S24 Ultra 5G 256GB", 3),
    ("Смартфон Samsung Galaxy S24 Ултра, 256 GB", 3),
    ("Apple iPad Air 11 128GB", 4),
])
def test_the_same_model_tier_still_matches(title: str, product: int) -> None:
    found = Matcher(TIERED, MatchSettings()).propose(ListingItem(1, title))
    assert found is not None and found.product_id == product, title


@pytest.mark.parametrize(("title", "tiers"), [
    ("Washing machine Bosch WAN28263BY, A+++", set()),
    ("Samsung Galaxy S24+ 256GB", {"plus"}),
    ("Oral-B Pro3 3000", {"pro"}),
    ("Book C++ in 21 days", set()),
    ("Coca-Cola 1+1 free", set()),
    ("Black+Decker drill", set()),
])
def test_model_tiers_read_from_titles(title: str, tiers: set[str]) -> None:
    assert set(parse_attributes(title).tiers) == tiers


SSD = [CatalogItem(1, "Samsung 990 PRO 1TB NVMe SSD", brand="Samsung", mpn="MZ-V9P1T0BW")]


@pytest.mark.parametrize("title", [
    "SSD Samsung MZ-V9P1T0BW 1TB M.2",
    "Samsung MZ-V9P1T0BW",
])
def test_our_mpn_in_their_title_matches_without_our_tier_word(title: str) -> None:
    """Their title names our MPN but not the "PRO" of our name: the MPN says which model it
    is, a tier word missing on one side is no other model."""
    found = Matcher(SSD, MatchSettings()).propose(ListingItem(9, title, brand=None))
    assert found is not None and found.product_id == 1 and found.method == "brand_mpn", found
    assert found.confidence >= MatchSettings().high_confidence


@pytest.mark.parametrize("title", [
    "Samsung 990 EVO Plus MZ-V9P1T0BW 1TB",  # another tier stated beside our MPN
    "Samsung 990 PRO MZ-V9P1T0BW 2TB",  # another capacity
    "Samsung 990 1TB NVMe SSD",  # no identifier: the missing tier is another model
])
def test_a_stated_conflict_still_rejects_an_mpn_in_title(title: str) -> None:
    found = Matcher(SSD, MatchSettings()).propose(ListingItem(9, title, brand=None))
    assert found is None, found



@pytest.mark.parametrize(("title", "data"), [
    ("Смартфон Samsung Galaxy S24, 256 ГБ, черен", {D(256000)}),
    ("SSD Kingston 1 ТБ", {D(1000000)}),
    ("Лаптоп Lenovo IdeaPad 16/512 ГБ", {D(16000), D(512000)}),
])
def test_cyrillic_data_units(title: str, data: set[D]) -> None:
    assert dict(parse_attributes(title).amounts)["data"] == data


def test_a_bulgarian_title_with_gb_in_cyrillic_matches_our_capacity() -> None:
    catalog = [CatalogItem(1, "Samsung Galaxy S24 256GB Onyx Black", brand="Samsung"),
               CatalogItem(2, "Samsung Galaxy S24 128GB Onyx Black", brand="Samsung")]
    settings = MatchSettings()
    found = Matcher(catalog, settings).propose(
        ListingItem(9, "Смартфон Samsung Galaxy S24, 256 ГБ, черен"))
    assert found is not None and found.product_id == 1
    assert found.confidence >= settings.high_confidence, found
    assert Matcher(catalog[1:], settings).propose(
        ListingItem(9, "Смартфон Samsung Galaxy S24, 256 ГБ, черен")) is None


def test_a_screen_size_without_its_inch_mark_is_the_same_statement() -> None:
    # 'MacBook Air 13 M3' and 'MacBook Air 13" M3': no attribute on one side only
    ours = parse_attributes("Apple MacBook Air 13 M3 8GB/256GB Midnight")
    theirs = parse_attributes('Лаптоп Apple MacBook Air 13" M3, 8GB/256GB, Midnight')
    check = compare_attributes(ours, theirs)
    assert check.compatible and check.penalty == 0 and "screen 13" in check.compared
    # another bare number is no diagonal: still a penalty; another diagonal: no match
    check = compare_attributes(parse_attributes("Apple MacBook Air 15 M3"), theirs)
    assert check.penalty >= 0.1
    assert not compare_attributes(parse_attributes('Apple MacBook Air 15" M3'),
                                  theirs).compatible


def test_a_bulgarian_colour_word_makes_a_bulgarian_title() -> None:
    # 'Roborock Q7 Max, бяла' (JSON-LD name: the model and a Bulgarian colour) is our
    # English 'Roborock Q7 Max Robot Vacuum White': brand + model code carry it
    ours = [CatalogItem(1, "Roborock Q7 Max Robot Vacuum White", brand="Roborock"),
            CatalogItem(2, "Roborock S8 Robot Vacuum Black", brand="Roborock")]
    solo = Matcher(ours, MatchSettings())
    found = solo.propose(ListingItem(1, "Roborock Q7 Max, бяла", brand="Roborock"))
    assert found is not None and found.product_id == 1
    assert found.confidence >= MatchSettings().high_confidence
    # the other colour or the other tier never
    assert solo.propose(ListingItem(2, "Roborock Q7 Max, черна", brand="Roborock")) is None
    assert solo.propose(ListingItem(3, "Roborock Q7 Max+, бяла", brand="Roborock")) is None


def test_bulgarian_piece_counts_are_a_pack() -> None:
    from monitor.matching.normalize import compare_attributes, parse_attributes

    ours = parse_attributes("Tefal Ingenio Pan Set 3 pcs")
    assert parse_attributes("Комплект тигани Tefal Ingenio 3 части").pack == 3
    assert parse_attributes("Комплект чаши 6 парчета").pack == 6
    assert compare_attributes(ours, parse_attributes(
        "Комплект тигани Tefal Ingenio 3 части")).compatible
    assert not compare_attributes(ours, parse_attributes(
        "Комплект тигани Tefal Ingenio 5 части")).compatible


def test_their_sku_is_our_mpn_with_the_brand_agreeing() -> None:
    """Shops often sell under the maker's code: their SKU JBLFLIP6RED is our MPN, so the
    short Bulgarian title is matched by brand + code. Never without the brand, never a
    short or purely numeric shop code, and the titles still decide the variant."""
    catalog = [CatalogItem(1, "JBL Flip 6 Portable Bluetooth Speaker Red", brand="JBL",
                           mpn="JBLFLIP6RED"),
               CatalogItem(2, "Acme Kettle 1.7 l", brand="Acme", mpn="10234")]
    m = Matcher(catalog)
    found = m.propose(ListingItem(1, "Тонколона JBL Flip 6, червена", brand="JBL",
                                  sku="JBL-FLIP6-RED"))
    assert found is not None and (found.product_id, found.method) == (1, "brand_mpn")
    assert "SKU JBL-FLIP6-RED" in (found.note or "")
    assert m.propose(ListingItem(2, "Тонколона Flip 6, червена", sku="JBLFLIP6RED")) is None
    assert m.propose(ListingItem(3, "Кана Acme 1,7 л", brand="Acme", sku="10234")) is None
    # another colour in their title: the code does not override the variant check
    assert m.propose(ListingItem(4, "Тонколона JBL Flip 6, синя", brand="JBL",
                                 sku="JBLFLIP6RED")) is None
