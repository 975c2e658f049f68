"""Report texts in English and Bulgarian, and locale-aware formatting through Babel.

`Texts(lang)` gives a translated string by key (`t("findings")`) and formats numbers,
money, percentages and dates for the language's locale: `1,234.50 лв.` in English reads
`1 234,50 лв.` in Bulgarian. A missing Bulgarian text falls back to English, never to
the bare key, so a forgotten translation never shows up as `findings_title`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, get_currency_name

from storage.money import (
    LOCALES,
    RateTable,
    convert,
    format_dual,
    format_money,
    format_percent_units,
    format_rate,
)

EN: dict[str, str] = {
    "daily_title": "Competitor price report",
    "monthly_title": "Monthly pricing report",
    "generated": "Generated",
    "dual_note_fixed": "Amounts in brackets: {currency} at the fixed rate {rate}",
    "dual_note": "Amounts in brackets: {currency} at the configured rate {rate}",
    "data_as_of": "Prices as of",
    "summary": "At a glance",
    "findings": "Findings",
    "charts": "Charts",
    "data_quality": "Data quality",
    "kind_undercut": "Undercut",
    "kind_beatable": "Beatable",
    "kind_promo_driven": "Promotion-driven",
    "kind_headroom": "Headroom",
    "kind_terms_gap": "Terms gap",
    "kind_fake_discount": "Fake discount",
    "kind_map_violation": "MAP violation",
    "kind_conditional_offer": "Cheaper only with conditions",
    "kind_out_of_stock": "They are out of stock",
    "col_product": "Product",
    "col_category": "Category",
    "col_competitor": "Competitor",
    "col_kind": "Finding",
    "col_our_price": "Our price",
    "col_their_effective": "Their effective price",
    "col_their_shelf_short": "shelf",
    "col_their_shelf": "Their shelf price",
    "col_gap": "Gap",
    "col_gap_pct": "Gap %",
    "gap_with_conditions": "only with conditions, not for one buyer",
    "col_recommended": "Recommendation",
    "col_reason": "Reason",
    "col_link": "Page",
    "col_price_as_of": "Their price from",
    "col_impact": "Impact",
    "open_page": "open the competitor's page",
    "all": "All",
    "filter_competitor": "Competitor",
    "filter_category": "Category",
    "filter_kind": "Finding",
    "filter_search": "Search",
    "rows_shown": "rows shown",
    "sort_hint": "Click a column header to sort.",
    "table_capped": "The table shows the {shown} findings with the largest impact out of {total}; "
                    "the CSV export (pricewatch export --format csv) has all of them.",
    "no_findings": "No findings in the latest comparison.",
    "list_capped": "Showing the first {shown} of {total}; the prices export lists them all.",
    "no_compare_run": "No comparison has been run yet: run `pricewatch compare` first.",
    "hold_until": "hold until {date}",
    "stale_badge": "stale",
    "stale_note": "Their price is from {date}, older than {hours} h: not current.",
    "kpi_undercut": "Products where a competitor is cheaper",
    "kpi_beatable": "Can be beaten within margin",
    "kpi_promo": "Cheaper only through a promotion",
    "kpi_headroom": "Room to raise the price",
    "kpi_coverage": "Matched products with a fresh price",
    "chart_index_title": "Price index per competitor (100 = our price; above 100 = they are dearer)",
    "chart_index_y": "Price index",
    "chart_parity": "parity",
    "chart_gaps_title": "Our price vs. each competitor's current price",
    "chart_gaps_x": "Our price compared with theirs (%; right of 0 = we are dearer)",
    "chart_gaps_y": "Matched products",
    "chart_gaps_dearer": "we are dearer",
    "chart_gaps_cheaper": "we are cheaper",
    "chart_history_title": "Price history: {product}",
    "chart_history_y": "Price ({currency})",
    "chart_our_price": "Our price",
    "chart_promo": "promotion",
    "chart_promo_title": "Promotion calendar: listings on promotion per day",
    "chart_promo_listings": "Listings on promotion",
    "chart_not_crawled": "no successful crawl that day",
    "chart_stock_title": "Competitor stock-outs: share of matched items out of stock",
    "chart_stock_y": "Out of stock (%)",
    "chart_date": "Date",
    "chart_no_data": "No data for this period",
    "dq_competitor": "Competitor",
    "dq_last_crawl": "Last crawl",
    "dq_status": "Status",
    "dq_matched": "Matched products",
    "dq_fresh": "Fresh prices",
    "dq_coverage": "Coverage",
    "dq_stale": "Stale prices",
    "dq_never": "Never priced",
    "dq_quarantined": "Quarantined (latest)",
    "dq_blocked": "Blocked (latest)",
    "dq_suspect_runs": "Suspect crawl runs",
    "dq_no_suspect": "No suspect crawl runs in the period.",
    "dq_explain": "Only prices read successfully within the last {hours} hours count as current. "
                  "Stale, quarantined and blocked readings are counted here and never shown "
                  "as a current price.",
    "dq_run_started": "Started",
    "dq_reason": "Why",
    "dq_never_crawled": "never",
    "dq_stale_list": "Stale prices (last good price is older than {hours} h)",
    "dq_quarantined_list": "Latest reading quarantined (held back, not used)",
    "dq_last_good": "Last good price",
    "dq_last_good_at": "from",
    "dq_none": "none",
    "status_finished": "finished",
    "status_failed": "failed",
    "status_running": "running",
    "status_interrupted": "interrupted",
    "status_truncated": "truncated",
    "status_skipped": "skipped",
    "month_index_trend": "Price index trend",
    "month_index_start": "Index at start",
    "month_index_end": "Index at end",
    "month_index_change": "Change",
    "month_position": "Position gained and lost",
    "month_position_explain": "Per competitor: products where we went from dearer to cheaper "
                              "(gained) or from cheaper to dearer (lost) between the first and the "
                              "last price of the month.",
    "month_gained": "Gained",
    "month_lost": "Lost",
    "month_compared": "Products compared",
    "month_cheaper_end": "We are cheaper at month end",
    "month_promotions": "Promotions per competitor",
    "month_promo_count": "Promotions",
    "month_promo_note": "Price promotions only (percent or amount off, coupons, multi-buy, member "
                        "prices, bundles); free shipping and instalments run all the time and are "
                        "not counted. Depth: average discount; duration: days a promotion was seen.",
    "month_promo_depth": "Average depth",
    "month_promo_duration": "Average duration (days)",
    "month_promo_listings": "Listings",
    "month_recommendations": "Recommendations and what we did",
    "month_recs_made": "Recommendations made",
    "month_recs_taken": "Taken",
    "month_recs_partly": "Moved towards it",
    "month_recs_not_taken": "Not taken",
    "month_rec_made": "Made",
    "month_rec_price": "Recommended",
    "month_rec_before": "Our price then",
    "month_rec_after": "Our new price",
    "month_rec_status": "Outcome",
    "rec_taken": "taken",
    "rec_partly": "moved towards",
    "rec_not_taken": "not taken",
    "month_quality": "Coverage and data quality",
    "month_runs": "Crawl runs",
    "month_failed_runs": "Failed",
    "month_suspect_runs": "Suspect",
    "month_ok_readings": "Good readings",
    "month_quarantined": "Quarantined",
    "month_blocked": "Blocked",
    "month_coverage_end": "Coverage at month end",
    "month_no_data": "No data for this month.",
    "page": "Page",
    "of": "of",
    "promo_percent_off": "% off",
    "promo_amount_off": "amount off",
    "promo_coupon": "coupon",
    "promo_multi_buy": "multi-buy",
    "promo_free_shipping": "free shipping",
    "promo_bundle": "bundle",
    "promo_member_price": "member price",
    "promo_instalments": "instalments",
    "promo_badge": "badge",
}

BG: dict[str, str] = {
    "daily_title": "Доклад за цените на конкурентите",
    "monthly_title": "Месечен доклад за цените",
    "generated": "Създаден",
    "dual_note_fixed": "Сумите в скоби: {currency} по фиксирания курс {rate}",
    "dual_note": "Сумите в скоби: {currency} по зададения курс {rate}",
    "data_as_of": "Цени към",
    "summary": "Накратко",
    "findings": "Констатации",
    "charts": "Графики",
    "data_quality": "Качество на данните",
    "kind_undercut": "По-евтини от нас",
    "kind_beatable": "Може да ги бием",
    "kind_promo_driven": "Заради промоция",
    "kind_headroom": "Място за повишение",
    "kind_terms_gap": "По-добри условия",
    "kind_fake_discount": "Фалшива отстъпка",
    "kind_map_violation": "Под MAP",
    "kind_conditional_offer": "По-евтини само с условия",
    "kind_out_of_stock": "Изчерпан при тях",
    "col_product": "Продукт",
    "col_category": "Категория",
    "col_competitor": "Конкурент",
    "col_kind": "Констатация",
    "col_our_price": "Нашата цена",
    "col_their_effective": "Тяхната крайна цена",
    "col_their_shelf_short": "на рафт",
    "col_their_shelf": "Тяхната цена на рафт",
    "col_gap": "Разлика",
    "col_gap_pct": "Разлика %",
    "gap_with_conditions": "само с условия, не за един купувач",
    "col_recommended": "Препоръка",
    "col_reason": "Причина",
    "col_link": "Страница",
    "col_price_as_of": "Тяхна цена от",
    "col_impact": "Ефект",
    "open_page": "отвори страницата при конкурента",
    "all": "Всички",
    "filter_competitor": "Конкурент",
    "filter_category": "Категория",
    "filter_kind": "Констатация",
    "filter_search": "Търсене",
    "rows_shown": "показани реда",
    "sort_hint": "Щракнете върху заглавие на колона, за да сортирате.",
    "table_capped": "Таблицата показва {shown} констатации с най-голям ефект от общо {total}; "
                    "експортът в CSV (pricewatch export --format csv) съдържа всички.",
    "no_findings": "Няма констатации в последното сравнение.",
    "list_capped": "Показани са първите {shown} от {total}; експортът на цените ги съдържа всички.",
    "no_compare_run": "Все още няма сравнение: първо изпълнете `pricewatch compare`.",
    "hold_until": "задръжте до {date}",
    "stale_badge": "остаряла",
    "stale_note": "Цената им е от {date}, по-стара от {hours} ч.: не е актуална.",
    "kpi_undercut": "Продукти, при които конкурент е по-евтин",
    "kpi_beatable": "Може да ги бием в рамките на маржа",
    "kpi_promo": "По-евтини само заради промоция",
    "kpi_headroom": "Място за повишаване на цената",
    "kpi_coverage": "Съпоставени продукти с актуална цена",
    "chart_index_title": "Ценови индекс по конкуренти (100 = нашата цена; над 100 = те са по-скъпи)",
    "chart_index_y": "Ценови индекс",
    "chart_parity": "паритет",
    "chart_gaps_title": "Нашата цена спрямо текущата цена на всеки конкурент",
    "chart_gaps_x": "Нашата цена спрямо тяхната (%; вдясно от 0 = ние сме по-скъпи)",
    "chart_gaps_y": "Съпоставени продукти",
    "chart_gaps_dearer": "ние сме по-скъпи",
    "chart_gaps_cheaper": "ние сме по-евтини",
    "chart_history_title": "История на цената: {product}",
    "chart_history_y": "Цена ({currency})",
    "chart_our_price": "Нашата цена",
    "chart_promo": "промоция",
    "chart_promo_title": "Календар на промоциите: артикули в промоция по дни",
    "chart_promo_listings": "Артикули в промоция",
    "chart_not_crawled": "няма успешно обхождане в този ден",
    "chart_stock_title": "Изчерпани наличности при конкурентите: дял на изчерпаните артикули",
    "chart_stock_y": "Изчерпани (%)",
    "chart_date": "Дата",
    "chart_no_data": "Няма данни за периода",
    "dq_competitor": "Конкурент",
    "dq_last_crawl": "Последно обхождане",
    "dq_status": "Състояние",
    "dq_matched": "Съпоставени продукти",
    "dq_fresh": "Актуални цени",
    "dq_coverage": "Покритие",
    "dq_stale": "Остарели цени",
    "dq_never": "Без цена",
    "dq_quarantined": "Под карантина (последно)",
    "dq_blocked": "Блокирани (последно)",
    "dq_suspect_runs": "Съмнителни обхождания",
    "dq_no_suspect": "Няма съмнителни обхождания за периода.",
    "dq_explain": "За актуални се смятат само цени, прочетени успешно през последните {hours} часа. "
                  "Остарелите, поставените под карантина и блокираните стойности се броят тук и "
                  "никога не се показват като текуща цена.",
    "dq_run_started": "Начало",
    "dq_reason": "Причина",
    "dq_never_crawled": "никога",
    "dq_stale_list": "Остарели цени (последната добра цена е по-стара от {hours} ч.)",
    "dq_quarantined_list": "Последното четене е под карантина (задържано, не се използва)",
    "dq_last_good": "Последна добра цена",
    "dq_last_good_at": "от",
    "dq_none": "няма",
    "status_finished": "завършено",
    "status_failed": "неуспешно",
    "status_running": "в ход",
    "status_interrupted": "прекъснато",
    "status_truncated": "непълно (спряно при max_pages)",
    "status_skipped": "пропуснато",
    "month_index_trend": "Динамика на ценовия индекс",
    "month_index_start": "Индекс в началото",
    "month_index_end": "Индекс в края",
    "month_index_change": "Промяна",
    "month_position": "Спечелени и загубени позиции",
    "month_position_explain": "По конкуренти: продукти, при които от по-скъпи станахме по-евтини "
                              "(спечелени) или от по-евтини станахме по-скъпи (загубени) между "
                              "първата и последната цена за месеца.",
    "month_gained": "Спечелени",
    "month_lost": "Загубени",
    "month_compared": "Сравнени продукти",
    "month_cheaper_end": "По-евтини сме в края на месеца",
    "month_promotions": "Промоции по конкуренти",
    "month_promo_count": "Промоции",
    "month_promo_note": "Само ценови промоции (отстъпка в процент или сума, купони, повече бройки, "
                        "цени за членове, комплекти); безплатната доставка и изплащането са "
                        "постоянни и не се броят. Дълбочина: средна отстъпка; продължителност: "
                        "дни, в които промоцията е видяна.",
    "month_promo_depth": "Средна дълбочина",
    "month_promo_duration": "Средна продължителност (дни)",
    "month_promo_listings": "Артикули",
    "month_recommendations": "Препоръки и какво направихме",
    "month_recs_made": "Направени препоръки",
    "month_recs_taken": "Изпълнени",
    "month_recs_partly": "Частично",
    "month_recs_not_taken": "Неизпълнени",
    "month_rec_made": "Дадена на",
    "month_rec_price": "Препоръчана",
    "month_rec_before": "Нашата цена тогава",
    "month_rec_after": "Нашата нова цена",
    "month_rec_status": "Резултат",
    "rec_taken": "изпълнена",
    "rec_partly": "частично",
    "rec_not_taken": "неизпълнена",
    "month_quality": "Покритие и качество на данните",
    "month_runs": "Обхождания",
    "month_failed_runs": "Неуспешни",
    "month_suspect_runs": "Съмнителни",
    "month_ok_readings": "Добри четения",
    "month_quarantined": "Под карантина",
    "month_blocked": "Блокирани",
    "month_coverage_end": "Покритие в края на месеца",
    "month_no_data": "Няма данни за този месец.",
    "page": "Страница",
    "of": "от",
    "promo_percent_off": "% отстъпка",
    "promo_amount_off": "сума отстъпка",
    "promo_coupon": "купон",
    "promo_multi_buy": "повече бройки",
    "promo_free_shipping": "безплатна доставка",
    "promo_bundle": "комплект",
    "promo_member_price": "цена за членове",
    "promo_instalments": "на изплащане",
    "promo_badge": "етикет",
}

TEXTS = {"en": EN, "bg": BG}


class Texts:
    """Translated texts and Babel formatting for one language."""

    def __init__(self, lang: str = "en", secondary: str | None = None,
                 rates: RateTable | None = None) -> None:
        """`secondary`: also show amounts in this currency ("459,00 € (897,73 лв.)", the
        `money.secondary_currency` setting); `rates`: the configured rates for it."""
        if lang not in TEXTS:
            raise ValueError(f"unknown report language {lang!r}; use one of: {', '.join(TEXTS)}")
        self.lang = lang
        self.locale = LOCALES[lang]
        self._texts = TEXTS[lang]
        self.secondary = secondary
        self.rates = rates

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts.get(key) or EN[key]
        return text.format(**values) if values else text

    def kind(self, kind: str) -> str:
        """The display name of a finding kind (the raw kind when unknown)."""
        return self._texts.get(f"kind_{kind}") or EN.get(f"kind_{kind}") or kind

    def promo_kind(self, kind: str) -> str:
        """The display name of a promotion kind."""
        return self._texts.get(f"promo_{kind}") or EN.get(f"promo_{kind}") or kind.replace("_", " ")

    def status(self, status: str | None) -> str:
        if not status:
            return self("dq_never_crawled")
        return self._texts.get(f"status_{status}") or status

    def money(self, value: Decimal | None, currency: str | None, dual: bool = True) -> str:
        """`1 234,50 €` / `€1,234.50`, with the secondary currency beside it when set and
        `dual` ("459,00 € (897,73 лв.)"); an empty string for a missing value."""
        if dual and self.secondary:
            return format_dual(value, currency, self.secondary, self.lang, rates=self.rates)
        return format_money(value, currency, self.lang)

    def dual_note(self, currency: str | None) -> str | None:
        """"Amounts in brackets: лв. at the fixed rate 1 € = 1,95583 лв." when the dual
        display is on and the rate is known, else None."""
        if not self.secondary or not currency or currency == self.secondary:
            return None
        conversion = convert(Decimal(1), currency, self.secondary, rates=self.rates)
        if conversion is None:
            return None
        key = "dual_note_fixed" if conversion.fixed else "dual_note"
        name = get_currency_name(self.secondary, count=2, locale=self.locale)
        return self(key, currency=name, rate=format_rate(conversion, self.lang))

    def number(self, value: Decimal | float | int | None, digits: int = 0) -> str:
        if value is None:
            return ""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: Decimal | float | None, digits: int = 1, signed: bool = False) -> str:
        """`value` is in percent units (12.5 -> 12.5 %)."""
        return format_percent_units(value, self.locale, digits=digits, signed=signed)

    def date(self, value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, format=fmt, locale=self.locale)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        pattern = "d MMM y, HH:mm" if self.lang == "en" else "d.MM.y, HH:mm"
        return format_datetime(value, format=pattern, tzinfo=None, locale=self.locale) + " UTC"

    def short_date(self, value: dt.date) -> str:
        """Day and month for chart axes (`31 Oct` / `31.10`)."""
        return format_date(value, format="d MMM" if self.lang == "en" else "dd.MM",
                           locale=self.locale)

    def month(self, value: dt.date) -> str:
        return format_date(value, format="LLLL y", locale=self.locale)
