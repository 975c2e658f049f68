"""The matching cascade over plain data: GTIN, then brand + MPN, then fuzzy titles.

`Matcher` indexes our catalog once and then proposes at most one product per listing.
The fuzzy step only ever compares a listing with our products of the *same brand* and
the *same pack count*, and drops any candidate whose sizes disagree, so the guards are
structural, not a score threshold that a long similar title could beat.

Manual mappings are not here: they are human decisions and are applied by `run_matching`
on top of whatever the cascade proposes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz, process

from monitor.matching.normalize import (
    AttributeCheck,
    Attributes,
    brand_sound,
    compare_attributes,
    fold,
    norm_code,
    pack_ratio,
    parse_attributes,
    transliterate,
    words,
)
from monitor.matching.settings import MatchSettings
from storage.condition import is_new
from storage.identifiers import normalize_gtin
from storage.repos.matches import MatchRow


class Method:
    """Values of `Match.method`."""

    gtin = "gtin"
    brand_mpn = "brand_mpn"
    manual = "manual"
    title = "title"


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One of our products, as matching sees it."""

    product_id: int
    name: str
    gtin: str | None = None
    brand: str | None = None
    mpn: str | None = None


@dataclass(frozen=True, slots=True)
class ListingItem:
    """One competitor listing, as matching sees it."""

    listing_id: int
    title: str | None = None
    gtin: str | None = None
    brand: str | None = None
    mpn: str | None = None
    condition: str | None = None
    """As stored on the listing (from the page): not new never matches."""
    sku: str | None = None
    """The shop's own code for it: often the maker's code (`_by_sku_as_mpn`)."""


Proposal = MatchRow
"""A proposed match of a listing to one of our products: exactly the row the repository
writes (listing, product, method, confidence, pack ratio, note)."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    product_id: int
    attrs: Attributes
    text: str
    """Title words led by the brand key, sizes and pack removed: what the fuzzy score compares."""
    latin: str
    """The same, Latin-script words and model codes only: what carries a match between a
    Bulgarian and an English title ("Фритюрник Philips Airfryer HD9252/90")."""


MIN_BRAND_SOUND = 3
"""A brand meets its spelling in the other script only by a sound key this long: 'LG', 'HP'
must be spelled as they are."""


def same_brand(key: str, brand_key: str) -> bool:
    """Two brand keys (`norm_code`) name the same brand: equal, or one written in Cyrillic
    and the other in Latin letters with the same sound ('кокакола' / 'cocacola', 'бош' /
    'bosch', see `brand_sound`). Two keys in the same script must be equal."""
    if key == brand_key:
        return True
    if (key.isascii() and brand_key.isascii()) or _cyrillic(key) == _cyrillic(brand_key):
        return False
    sound = brand_sound(key)
    return len(sound) >= MIN_BRAND_SOUND and sound == brand_sound(brand_key)


def _joined(sounds: list[str]) -> str:
    """The sound key of a few words written together: their keys joined, a letter doubled
    across a join written once ('кока кола' -> 'koka' + 'kola')."""
    joined = sounds[0]
    for sound in sounds[1:]:
        joined += sound[1:] if joined and joined[-1] == sound[0] else sound
    return joined


@lru_cache(maxsize=200_000)
def _cyrillic_sound(word: str) -> str:
    """The sound key of a word written in Cyrillic, '' for any other."""
    return brand_sound(norm_code(word)) if _cyrillic(word) else ""


def _sound_windows(tokens: list[str], cyrillic_only: bool,
                   prefixes: Container[str]) -> Iterator[tuple[int, int, str, bool]]:
    """(start, size, sound key, has a Cyrillic word) of one to three words in a row, in the
    order brands are looked for, when the first word's key begins one of `prefixes` (the
    others cannot sound like a brand); with `cyrillic_only`, of Cyrillic words only (a
    model code is not worked out for nothing)."""
    if cyrillic_only:
        sounds = [_cyrillic_sound(t) for t in tokens]
        scripts = [bool(sound) for sound in sounds]
    else:
        scripts = [_cyrillic(t) for t in tokens]
        sounds = [brand_sound(norm_code(t)) for t in tokens]
    count = len(tokens)
    for start in range(count):
        first = sounds[start]
        if not first or first not in prefixes:
            continue
        for size in (3, 2, 1):
            end = start + size
            if end > count:
                continue
            window = sounds[start:end]
            if "" in window:
                continue
            yield start, size, _joined(window), True in scripts[start:end]


def _find_brand(tokens: list[str], brand_key: str) -> tuple[int, int] | None:
    """(start, size) of the first one to three words that spell the brand key together,
    as they are, else in the other script by their sound (see `same_brand`)."""
    for start in range(len(tokens)):
        for size in (3, 2, 1):
            if "".join(tokens[start:start + size]) == brand_key:
                return start, size
    cyrillic = _cyrillic(brand_key)
    if not cyrillic and all(t.isascii() for t in tokens):
        return None
    target = brand_sound(brand_key)
    if len(target) < MIN_BRAND_SOUND:
        return None
    prefixes = {target[:i] for i in range(1, len(target) + 1)}
    for start, size, sound, has_cyrillic in _sound_windows(tokens, not cyrillic, prefixes):
        if sound == target and has_cyrillic != cyrillic:
            return start, size
    return None


def _brand_first(text: str, brand_key: str) -> str:
    """The text led by the brand key, wherever and however the brand was spelled.

    'zero coca cola', 'Coca-Cola Zero' and 'Кока-Кола Зеро' all become 'cocacola zero',
    so a title that omits or moves the brand is not penalised against one that states it.
    """
    tokens = text.split()
    found = _find_brand(tokens, brand_key)
    if found is not None:
        start, size = found
        tokens = tokens[:start] + tokens[start + size:]
    return " ".join([brand_key, *tokens])


class Matcher:
    """Our catalog indexed for the cascade; `propose(listing)` does the matching."""

    def __init__(self, catalog: Iterable[CatalogItem], settings: MatchSettings | None = None):
        self.settings = settings or MatchSettings()
        self._by_gtin: dict[str, int | None] = {}
        self._by_brand_mpn: dict[tuple[str, str], int | None] = {}
        self._by_mpn: dict[str, int | None] = {}
        self._brands: dict[str, str] = {}
        self._sounds: dict[str, str | None] = {}
        """Brand sound key (`brand_sound`) -> our brand key; None when two of our brands
        sound alike (then neither is found by its sound)."""
        self._sound_prefixes: set[str] = set()
        """Every beginning of a key in `_sounds`."""
        self._cyrillic_ours = False
        """Some of our brands are written in Cyrillic."""
        self._names: dict[int, str] = {}
        self._attrs: dict[int, Attributes] = {}
        self._blocks: dict[tuple[str, int], list[_Candidate]] = defaultdict(list)
        self._texts: dict[tuple[str, int], list[str]] = {}
        self._latins: dict[tuple[str, int], list[str]] = {}
        self._by_model: dict[tuple[str, int, object], list[int]] = defaultdict(list)
        self._title_mpns: set[str] = set()
        self._brand_memo: tuple[ListingItem | None, str] = (None, "")
        self._scripts: dict[tuple[str, int], set[bool]] = defaultdict(set)
        self._vocabs: dict[tuple[str, int], frozenset[str]] = {}
        """The Latin words of a block's titles (brand aside), worked out when first asked."""
        for item in catalog:
            self._add(item)
        for key, cands in self._blocks.items():
            self._texts[key] = [c.text for c in cands]
            self._latins[key] = [c.latin for c in cands]
            self._scripts[key] = {_cyrillic(c.attrs.rest) for c in cands}
            for idx, cand in enumerate(cands):
                for model in (_model_key(cand.attrs),
                              _model_phrase(self._names[cand.product_id], key[0])):
                    if model:
                        self._by_model[(*key, model)].append(idx)

    @staticmethod
    def _put(index: dict[str, int | None] | dict[tuple[str, str], int | None], key: object, pid: int) -> None:
        # an identifier shared by two of our products is ambiguous: it matches nothing
        seen = index.get(key, pid)  # type: ignore[call-overload]
        index[key] = pid if seen == pid else None  # type: ignore[index]

    def _add(self, item: CatalogItem) -> None:
        self._names[item.product_id] = item.name
        self._attrs[item.product_id] = parse_attributes(item.name)
        gtin = normalize_gtin(item.gtin)
        if gtin:
            self._put(self._by_gtin, gtin, item.product_id)
        brand = norm_code(item.brand)
        mpn = norm_code(item.mpn)
        if mpn:
            self._put(self._by_mpn, mpn, item.product_id)
            if brand:
                self._put(self._by_brand_mpn, (brand, mpn), item.product_id)
                if len(mpn) >= 4 and any(c.isdigit() for c in mpn):
                    self._title_mpns.add(mpn)
        if not brand:
            return
        if brand not in self._brands:
            self._brands[brand] = brand
            self._cyrillic_ours = self._cyrillic_ours or _cyrillic(brand)
            sound = brand_sound(brand)
            if len(sound) >= MIN_BRAND_SOUND:
                self._sounds[sound] = brand if self._sounds.get(sound, brand) == brand else None
                self._sound_prefixes.update(sound[:i] for i in range(1, len(sound) + 1))
        attrs = self._attrs[item.product_id]
        text = _brand_first(attrs.rest, brand)
        self._blocks[(brand, attrs.pack)].append(
            _Candidate(item.product_id, attrs, text, _latin(text)))

    def brand_of(self, listing: ListingItem) -> str:
        """The listing's brand key (see `_brand_of`), worked out once per listing."""
        if self._brand_memo[0] is not listing:
            self._brand_memo = (listing, self._brand_of(listing))
        return self._brand_memo[1]

    def _our_brand(self, sound: str, cyrillic: bool) -> str | None:
        """Our brand key that sounds so, written in the other script than `cyrillic` says
        ('kokakola' from 'кокакола' -> 'cocacola'), if any."""
        ours = self._sounds.get(sound) if len(sound) >= MIN_BRAND_SOUND else None
        return ours if ours is not None and _cyrillic(ours) != cyrillic else None

    def _brand_of(self, listing: ListingItem) -> str:
        """The listing's brand key: its own brand field, else a known brand its title starts with
        (or contains), else ''. A brand written in the other script than ours ('Кока-Кола',
        'Филипс') is our brand key ('cocacola', 'philips') when it sounds the same."""
        brand = norm_code(listing.brand)
        if brand:
            if brand in self._brands or not self._sounds:
                return brand
            return self._our_brand(brand_sound(brand), _cyrillic(brand)) or brand
        tokens = words(listing.title)
        for start in range(len(tokens)):
            for size in (3, 2, 1):
                key = "".join(tokens[start:start + size])
                if key and key in self._brands:
                    return key
        if self._sounds and (self._cyrillic_ours or not (listing.title or "").isascii()):
            # by sound, the first brand found unless words after it sound like another of
            # ours: "Нова пералня Бош" names Bosch, or Nova ("new") -- neither is trusted
            found, after = "", 0
            sounds = self._sounds
            for start, size, sound, has_cyrillic in _sound_windows(
                    tokens, not self._cyrillic_ours, self._sound_prefixes):
                if start < after or sound not in sounds:
                    continue
                ours = self._our_brand(sound, has_cyrillic)
                if ours and ours != found:
                    if found:
                        return ""
                    found, after = ours, start + size
            return found
        return ""

    def _with_transliterated(self, latin: str, text: str, key: tuple[str, int]) -> str:
        """Their Latin words, plus each Cyrillic word whose official transliteration is a
        word of our titles in the block ('зеро' -> 'zero' in "Кока-Кола Зеро 6 x 0,5 л"
        against our "Coca-Cola Zero 6 x 0.5 L"); other Bulgarian words stay out."""
        vocab = self._vocabs.get(key)
        if vocab is None:
            vocab = self._vocabs[key] = frozenset(
                w for c in self._blocks[key] for w in c.latin.split()[1:])
        found = [t for w in text.split()[1:] if not _is_latin_or_code(w)
                 and (t := transliterate(w)) in vocab]
        return " ".join([latin, *found]) if found else latin

    def propose(self, listing: ListingItem) -> Proposal | None:
        """The best match for one listing, or None. A listing that is not new (stored
        condition or its title) never matches; a conflicting attribute is no match."""
        if not is_new(listing.condition):
            return None
        found = (
            self._by_identifier_gtin(listing)
            or self._by_identifier_mpn(listing)
            or self._by_sku_as_mpn(listing)
            or self._by_mpn_in_title(listing)
            or self._by_title(listing)
        )
        if (found is not None and found.method != Method.gtin
                and found.confidence >= self.settings.high_confidence
                and accessory_for(listing.title or "", self._names[found.product_id])):
            # "Калъф за Realme 12 Pro", "Basket for Philips HD9252/90": the brand and model
            # are those of the product it is *for*; a human decides
            return replace(found, confidence=min(found.confidence, self.settings.mpn_only_confidence),
                           note=f"{found.note}; their title reads as an accessory or part for it: review")
        return found

    def _check_titles(self, listing: ListingItem, product_id: int, method: str,
                      confidence: float, how: str) -> Proposal | None:
        """An identifier match, checked against what both titles say about the variant:
        a conflict (size, capacity, colour, model code, condition) is no match at all; a
        pack count alone that differs gives a per-unit ratio, reviewed first."""
        if not listing.title or listing.title == self._names[product_id]:
            return Proposal(listing.listing_id, product_id, method, confidence, None,
                            f"{how}; same title")
        ours = self._attrs[product_id]
        theirs = parse_attributes(listing.title)
        # their identifier names our product: a tier word missing on one side is no conflict
        check = compare_attributes(ours, theirs, identified=True)
        if check.compatible:
            return Proposal(listing.listing_id, product_id, method, confidence, None,
                            why(how, check))
        ratio = pack_ratio(ours, theirs)
        if ratio is not None:
            return Proposal(
                listing.listing_id, product_id, method,
                min(confidence, self.settings.pack_mismatch_confidence), ratio,
                f"{how} but {check.reason}: prices compared per unit (x{ratio})",
            )
        return None

    def _by_identifier_gtin(self, listing: ListingItem) -> Proposal | None:
        if not listing.gtin:
            return None
        # stored listing GTINs are already normalised: try them as they are first
        pid = self._by_gtin.get(listing.gtin)
        if pid is None and listing.gtin not in self._by_gtin:
            gtin = normalize_gtin(listing.gtin)
            pid = self._by_gtin.get(gtin) if gtin else None
        if pid is None:
            return None
        return self._check_titles(listing, pid, Method.gtin, self.settings.gtin_confidence,
                                  f"same GTIN {listing.gtin}")

    def _by_identifier_mpn(self, listing: ListingItem) -> Proposal | None:
        mpn = norm_code(listing.mpn)
        if not mpn:
            return None
        brand = self.brand_of(listing)
        if brand:
            pid = self._by_brand_mpn.get((brand, mpn))
            confidence = self.settings.brand_mpn_confidence
        else:
            pid = self._by_mpn.get(mpn)
            confidence = self.settings.mpn_only_confidence
        if pid is None:
            return None
        return self._check_titles(listing, pid, Method.brand_mpn, confidence,
                                  f"same {'brand + ' if brand else ''}MPN {listing.mpn}")

    def _by_sku_as_mpn(self, listing: ListingItem) -> Proposal | None:
        """Their SKU is our MPN, with the brand agreeing: shops often sell under the maker's
        code ('JBLFLIP6RED'). A shop's own numbering could meet a maker's code by chance, so
        only a code of 5 characters or more with letters and digits counts, never without
        a brand, and the titles are checked as for any identifier match."""
        sku = norm_code(listing.sku)
        # letters and digits both (`norm_code` keeps only those), and not the MPN tried already
        if (len(sku) < 5 or sku.isdigit() or not any(c.isdigit() for c in sku)
                or sku == norm_code(listing.mpn)):
            return None
        brand = self.brand_of(listing)
        pid = self._by_brand_mpn.get((brand, sku)) if brand else None
        if pid is None:
            return None
        return self._check_titles(listing, pid, Method.brand_mpn,
                                  self.settings.brand_mpn_confidence,
                                  f"their SKU {listing.sku} is our brand + MPN")

    def _by_mpn_in_title(self, listing: ListingItem) -> Proposal | None:
        """Our brand + MPN written in their title ("Philips Airfryer HD9252/90 Essential"),
        separators, case and spaces aside; the longest code found wins."""
        if not listing.title or not self._title_mpns:
            return None
        raw = listing.title.split()
        codes = [norm_code(t) for t in raw]
        if not any(any(c.isdigit() for c in code) for code in codes):
            return None
        brand = self.brand_of(listing)
        if not brand:
            return None
        best: tuple[int, str] | None = None
        for i in range(len(codes)):
            key = ""
            for j in range(i, min(i + 3, len(codes))):
                key += codes[j]
                if key in self._title_mpns and (best is None or len(key) > best[0]):
                    best = (len(key), key)
        if best is None:
            return None
        pid = self._by_brand_mpn.get((brand, best[1]))
        if pid is None:
            return None
        return self._check_titles(listing, pid, Method.brand_mpn,
                                  self.settings.brand_mpn_confidence,
                                  f"brand {brand} + MPN {best[1]} in their title")

    def _by_title(self, listing: ListingItem) -> Proposal | None:
        if not listing.title:
            return None
        brand = self.brand_of(listing)
        if not brand:
            return None
        theirs = parse_attributes(listing.title)
        if theirs.condition is not None:
            return None
        key = (brand, theirs.pack)
        cands = self._blocks.get(key)
        if not cands:
            return None
        text = _brand_first(theirs.rest, brand)
        cutoff = self.settings.min_title_score
        found: dict[int, float] = {}
        for _choice, set_score, idx in process.extract(
                text, self._texts[key], scorer=fuzz.token_set_ratio, processor=None,
                limit=5, score_cutoff=cutoff):
            found[idx] = (set_score + fuzz.token_sort_ratio(text, cands[idx].text)) / 2
        by_latin: set[int] = set()
        # a Bulgarian colour word alone ("Roborock Q7 Max, бяла") makes a Bulgarian title too
        cyrillic = _cyrillic(theirs.rest) or _cyrillic(listing.title)
        bilingual = (not cyrillic) in self._scripts[key]  # some of ours in the other script
        latin = _latin(text) if bilingual else ""
        if latin and cyrillic:
            latin = self._with_transliterated(latin, text, key)
        if latin:
            # one title may be Bulgarian, the other English: brand + model tokens decide
            for _choice, set_score, idx in process.extract(
                    latin, self._latins[key], scorer=fuzz.token_set_ratio, processor=None,
                    limit=5, score_cutoff=cutoff):
                score = (set_score + fuzz.token_sort_ratio(latin, cands[idx].latin)) / 2
                if score > found.get(idx, 0.0):
                    found[idx] = score
                    by_latin.add(idx)
        # brand + model carry a match between a Bulgarian and an English title: the same
        # model codes ("Безжични слушалки Sony WH-1000XM5, черни" / "Sony WH-1000XM5
        # headphones, Black") or the same words after the brand ("Smartphone Realme 12 Pro,
        # 256 GB" / "Смартфон Realme 12 Pro, 256 GB"); the words around them are in another
        # language, not another product
        qualifier = _qualifier(listing.title, theirs) if bilingual else ()
        models = {_model_key(theirs), _model_phrase(listing.title, brand)} if bilingual else set()
        for model in models:
            if not model:
                continue
            for idx in self._by_model.get((*key, model), ()):
                cand = cands[idx]
                if _cyrillic(cand.attrs.rest) == cyrillic:
                    continue
                # a variant qualifier on one side only ("..., без батерия"): review
                ours = _qualifier(self._names[cand.product_id], cand.attrs)
                score = MODEL_KEY_SCORE - (5 if bool(qualifier) != bool(ours) else 0)
                found[idx] = max(found.get(idx, 0.0), score)
        scored: list[tuple[float, AttributeCheck, _Candidate]] = []
        for idx, score in found.items():
            cand = cands[idx]
            if score < cutoff:
                continue
            check = compare_attributes(cand.attrs, theirs)
            if not check.compatible or not _codes_shared(cand.attrs, theirs):
                continue
            if idx in by_latin and not (check.compared or (
                    _has_code(latin) and _has_code(cand.latin))):
                continue  # the Latin words alone carry it only with a model code or an
                # attribute both titles state and agree on
            scored.append((score, check, cand))
        if not scored:
            return None
        scored.sort(key=lambda s: (-s[0], s[2].product_id))
        score, check, best = scored[0]
        confidence = score / 100 - check.penalty
        notes = [why(f"title {score:.0f}/100 within brand {brand}", check)]
        if len(scored) > 1 and score - scored[1][0] < self.settings.ambiguity_margin:
            confidence = min(confidence, self.settings.high_confidence - 0.05)
            notes.append(f"runner-up product {scored[1][2].product_id} scores almost as high")
        return Proposal(
            listing.listing_id, best.product_id, Method.title, round(max(confidence, 0.0), 3),
            None, "; ".join(notes),
        )


def why(how: str, check: AttributeCheck) -> str:
    """Why a listing matched, in words: the method, then the attributes that agree."""
    parts = [how]
    if check.compared:
        parts.append("agree: " + ", ".join(check.compared))
    if check.reason:
        parts.append(check.reason)
    return "; ".join(parts)


MODEL_KEY_SCORE = 92.0

_FOR_WORD = re.compile(
    r"(?<!\w)(?:за|for|für|pour|pentru|para|per|compatible|compatibil[ae]?|kompatibel"
    r"|съвместим[аои]?|fits)(?!\w)", re.I)
_ACCESSORY_WORD = re.compile(
    r"(?<!\w)(?:калъф\w*|кейс|case|cover|протектор\w*|стъкло|screen protector|кабел\w*|cable"
    r"|зарядн\w*|charger|адаптер\w*|adapter|кошниц\w*|basket|каишк\w*|strap|стойк\w*|stand"
    r"|mount|дистанционн\w*|remote|резервн\w*|spare|replacement|филтър\w*|filter|консуматив\w*"
    r"|накрайни\w*|резервоар\w*|ремък\w*)(?!\w)", re.I)


def accessory_for(their_title: str, our_name: str) -> bool:
    """Their title reads as an accessory or a part for a product ("Калъф за Realme 12 Pro",
    "Basket for Philips Airfryer HD9252/90") while our product's name does not: its brand
    and model are those of the product it fits, not its own."""
    if _ACCESSORY_WORD.search(their_title) and not _ACCESSORY_WORD.search(our_name):
        return True
    return bool(_FOR_WORD.search(their_title)) and not _FOR_WORD.search(our_name) and bool(
        re.search(r"(?:за|for|für|pour|pentru|para|compatible|съвместим\w*)\s+\S*[A-Z0-9]",
                  their_title))
"""Title score of the same brand and exactly the same model codes, titles in two scripts."""


def _model_key(attrs: Attributes) -> frozenset[tuple[str, tuple[str, ...]]]:
    """The title's model codes that name a model: letters with digits, or 3+ digits
    ('wh#xm#' (1000, 5), 'hd#' (925290)); empty when there is none."""
    return frozenset(
        (shape, digits) for shape, all_digits in attrs.codes for digits in all_digits
        if shape.strip("#") or sum(len(d) for d in digits) >= 3)


_SEGMENTS = re.compile(r",|\(|\)|\s[-\u2013|/]\s")
_QUALIFYING = re.compile(r",|\(|\)")


def _qualifier(title: str, attrs: Attributes) -> tuple[str, ...]:
    """A variant qualifier the attributes do not cover: the words after a comma or in
    brackets that are not a size, colour, pack or code ("..., без батерия", "(Kit)").
    A dash is not one: "Dyson V8 Absolute - прахосмукачка" only names the kind of thing."""
    parts = _QUALIFYING.split(fold(title))
    if len(parts) < 2:
        return ()
    rest = set(attrs.rest.split())
    return tuple(w for part in parts[1:] for w in words(_SEGMENTS.split(part)[0])
                 if w in rest and not any(c.isdigit() for c in w))


def _model_phrase(title: str, brand: str) -> tuple[str, ...]:
    """The words right after the brand up to the first comma, bracket or dash, as codes:
    'Smartphone Realme 12 Pro, 256 GB' -> ('12', 'pro')."""
    for segment in _SEGMENTS.split(fold(title)):
        tokens = [norm_code(t) for t in segment.split()]
        tokens = [t for t in tokens if t]
        found = _find_brand(tokens, brand)
        if found is not None:
            after = tokens[sum(found):]
            return tuple(after) if after and any(
                any(c.isdigit() for c in t) for t in after) else ()
    return ()


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _cyrillic(text: str) -> bool:
    return not text.isascii() and _CYRILLIC.search(text) is not None


def _is_latin_or_code(word: str) -> bool:
    return word.isascii() or any(c.isdigit() for c in word)


def _latin(text: str) -> str:
    """The brand key (first) and the Latin-script words and model codes of a folded text."""
    first, _, rest = text.partition(" ")
    return " ".join([first, *(w for w in rest.split() if _is_latin_or_code(w))])


def _has_code(text: str) -> bool:
    return any(any(c.isdigit() for c in w) for w in text.split())


def _codes_shared(ours: Attributes, theirs: Attributes) -> bool:
    """A title match needs a model code in common when both titles show codes: "JBL Tune
    520BT" is not "JBL Tune 670NC", however alike the words around them."""
    if not ours.codes or not theirs.codes:
        return True
    mine = {(shape, d) for shape, digits in ours.codes for d in digits}
    return any((shape, d) in mine for shape, digits in theirs.codes for d in digits)
