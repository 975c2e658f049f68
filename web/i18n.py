"""The web app's own texts (English and Bulgarian); everything else, and all number, money
and date formatting, comes from the reports' `Texts`."""

from __future__ import annotations

from typing import Any

from monitor.compare.reasons import render_reason
from reports.i18n import EN as REPORT_EN
from reports.i18n import Texts

EN: dict[str, str] = {
    "app": "Pricewatch",
    "nav_dashboard": "Dashboard", "nav_findings": "Findings", "nav_review": "Review queue",
    "nav_alerts": "Alerts", "nav_competitors": "Competitors", "nav_catalog": "Catalog",
    "nav_api": "API", "logout": "Log out",
    "login_title": "Log in", "login_name": "User name", "login_password": "Password",
    "login_submit": "Log in", "login_failed": "Wrong name or password.",
    "login_wait": "Too many failed attempts: wait {seconds} s and try again.",
    "login_csrf": "The form expired: please try again.",
    "error_title": "Not allowed",
    "night": "Night", "show": "Show", "latest": "latest",
    "no_run": "No comparison has been run yet.",
    "top_findings": "Top findings", "all_findings": "All {n} findings",
    "competitor_health": "Competitor health", "last_crawl": "Last crawl", "status": "Status",
    "counts": "Readings", "health": "Health", "suspect": "suspect", "ok": "ok",
    "filter": "Filter", "sort": "Sort", "asc": "ascending", "desc": "descending",
    "sort_impact": "Impact", "sort_gap": "Gap", "sort_gap_pct": "Gap %",
    "sort_our_price": "Our price", "sort_their_effective": "Their effective price",
    "sort_product": "Product", "sort_competitor": "Competitor", "sort_kind": "Finding",
    "sort_category": "Category",
    "results": "{total} findings", "prev": "Previous", "next": "Next",
    "product": "Product", "sku": "SKU", "brand": "Brand", "our_price": "Our price",
    "cost": "Cost", "chart_title": "Prices over time (in {currency}, per our unit)",
    "legend_ours": "our price", "legend_effective": "effective (solid)",
    "legend_shelf": "shelf (dashed)", "legend_promo": "promotion (shaded)",
    "legend_stock": "stock change (▼ out, ▲ back)", "no_history": "No readings yet.",
    "offers": "Current offers", "matches": "Matches", "method": "Method",
    "confidence": "Confidence", "match_status": "Status", "not_same": "Not the same product",
    "reading": "Latest reading", "observed_at": "Observed at", "read_how": "How it was read",
    "raw_text": "Text on the page", "effective": "Effective price", "shelf": "Shelf price",
    "regular": "Was", "stock": "Stock", "also_shown": "also shown",
    "converted_from": "shown in {currency}, converted at the fixed rate", "terms": "Terms", "promotions": "Promotions",
    "shipping": "shipping", "delivery": "delivery {days} days", "warranty": "warranty {months} mo.",
    "returns": "returns {days} days", "decisions": "Decisions", "by": "by",
    "no_reading": "never read", "held_back": "held back",
    "review_title": "Matches waiting for review", "review_total": "{total} unsure matches",
    "review_empty": "The review queue is empty.", "ours": "Ours", "theirs": "Theirs",
    "confirm": "Confirm", "reject": "Reject", "select_all": "Select all",
    "keys_hint": "Keys: j/k move, x select, c confirm, r reject.",
    "review_done_confirmed": "Confirmed.", "review_done_rejected": "Rejected.",
    "review_done_none": "Nothing selected.", "review_done_unknown": "One of those matches is gone.",
    "recent_decisions": "Recent decisions", "why_unsure": "Why unsure", "attribute": "Attribute",
    "runs": "Recent crawl runs", "crawl_now": "Crawl now", "crawl_state": "Requested crawl",
    "no_competitors_file": "“Crawl now” needs the competitors file ({file}).",
    "started": "Started", "finished": "Finished", "reason": "Reason",
    "catalog_title": "Upload our catalog", "catalog_help":
        "CSV or XLSX. Every row is checked first; one bad row refuses the whole file, naming "
        "its line, and nothing is written.",
    "upload": "Upload", "catalog_done": "{file}: {created} new, {updated} updated, "
        "{unchanged} unchanged ({changes} price changes recorded).",
    "catalog_refused": "{file} was refused; nothing was imported. Fix these lines:",
    "line": "line {n}", "exports": "Exports", "prices_export": "Prices", "recent_uploads": "Recent uploads",
    "api_title": "REST API", "api_auth":
        "Send `Authorization: Bearer <token>`; make a token with `pricewatch users token NAME`.",
    "alerts_title": "Alerts", "alerts_none": "No alerts.",
    "acknowledge": "Acknowledge", "snooze": "Snooze 7 days", "acknowledged": "acknowledged",
    "alerts_open": "Open", "alerts_all": "All", "snoozes": "Snoozed",
    "alert_when": "When", "alert_kind": "Kind", "alert_what": "Alert",
    "alert_done_acknowledge": "Acknowledged.", "alert_done_snooze": "Snoozed for 7 days.",
    "snoozed_until": "snoozed until {when}",
    "role": "role",
}

BG: dict[str, str] = {
    "app": "Pricewatch",
    "nav_dashboard": "Табло", "nav_findings": "Констатации", "nav_review": "За преглед",
    "nav_alerts": "Сигнали", "nav_competitors": "Конкуренти", "nav_catalog": "Каталог",
    "nav_api": "API", "logout": "Изход",
    "login_title": "Вход", "login_name": "Потребител", "login_password": "Парола",
    "login_submit": "Вход", "login_failed": "Грешно име или парола.",
    "login_wait": "Твърде много неуспешни опити: изчакайте {seconds} с и опитайте отново.",
    "login_csrf": "Формата е изтекла: опитайте отново.",
    "error_title": "Не е разрешено",
    "night": "Нощ", "show": "Покажи", "latest": "последна",
    "no_run": "Все още няма сравнение.",
    "top_findings": "Най-важни констатации", "all_findings": "Всички {n} констатации",
    "competitor_health": "Състояние на конкурентите", "last_crawl": "Последно обхождане",
    "status": "Състояние", "counts": "Четения", "health": "Здраве", "suspect": "съмнително",
    "ok": "наред",
    "filter": "Филтър", "sort": "Подреди", "asc": "възходящо", "desc": "низходящо",
    "sort_impact": "Ефект", "sort_gap": "Разлика", "sort_gap_pct": "Разлика %",
    "sort_our_price": "Наша цена", "sort_their_effective": "Тяхна ефективна цена",
    "sort_product": "Продукт", "sort_competitor": "Конкурент", "sort_kind": "Констатация",
    "sort_category": "Категория",
    "results": "{total} констатации", "prev": "Предишна", "next": "Следваща",
    "product": "Продукт", "sku": "Код", "brand": "Марка", "our_price": "Наша цена",
    "cost": "Себестойност", "chart_title": "Цени във времето (в {currency}, за наша бройка)",
    "legend_ours": "наша цена", "legend_effective": "ефективна (плътна)",
    "legend_shelf": "на рафта (пунктир)", "legend_promo": "промоция (защриховано)",
    "legend_stock": "наличност (▼ изчерпан, ▲ отново наличен)", "no_history": "Все още няма четения.",
    "offers": "Текущи оферти", "matches": "Съпоставяния", "method": "Метод",
    "confidence": "Увереност", "match_status": "Състояние", "not_same": "Не е същият продукт",
    "reading": "Последно четене", "observed_at": "Прочетено на", "read_how": "Как е прочетено",
    "raw_text": "Текст от страницата", "effective": "Ефективна цена", "shelf": "Цена на рафта",
    "regular": "Преди", "stock": "Наличност", "also_shown": "показана и като",
    "converted_from": "показана в {currency}, превърната по фиксирания курс", "terms": "Условия", "promotions": "Промоции",
    "shipping": "доставка", "delivery": "доставка {days} дни", "warranty": "гаранция {months} мес.",
    "returns": "връщане {days} дни", "decisions": "Решения", "by": "от",
    "no_reading": "не е четено", "held_back": "задържано",
    "review_title": "Съпоставяния за преглед", "review_total": "{total} несигурни съпоставяния",
    "review_empty": "Няма нищо за преглед.", "ours": "Наш", "theirs": "Техен",
    "confirm": "Потвърди", "reject": "Отхвърли", "select_all": "Избери всички",
    "keys_hint": "Клавиши: j/k движение, x избор, c потвърди, r отхвърли.",
    "review_done_confirmed": "Потвърдено.", "review_done_rejected": "Отхвърлено.",
    "review_done_none": "Нищо не е избрано.", "review_done_unknown": "Някое от тях вече го няма.",
    "recent_decisions": "Последни решения", "why_unsure": "Защо е несигурно",
    "attribute": "Признак",
    "runs": "Последни обхождания", "crawl_now": "Обходи сега", "crawl_state": "Поискано обхождане",
    "no_competitors_file": "„Обходи сега“ изисква файла с конкуренти ({file}).",
    "started": "Начало", "finished": "Край", "reason": "Причина",
    "catalog_title": "Качване на нашия каталог", "catalog_help":
        "CSV или XLSX. Всеки ред се проверява първо; един грешен ред отхвърля целия файл, като "
        "посочва реда, и нищо не се записва.",
    "upload": "Качи", "catalog_done": "{file}: {created} нови, {updated} обновени, "
        "{unchanged} без промяна ({changes} записани промени на цени).",
    "catalog_refused": "{file} е отхвърлен; нищо не е внесено. Поправете тези редове:",
    "line": "ред {n}", "exports": "Експорти", "prices_export": "Цени", "recent_uploads": "Последни качвания",
    "api_title": "REST API", "api_auth":
        "Изпращайте `Authorization: Bearer <token>`; токен се прави с `pricewatch users token NAME`.",
    "alerts_title": "Сигнали", "alerts_none": "Няма сигнали.",
    "acknowledge": "Прочетено", "snooze": "Отложи 7 дни", "acknowledged": "прочетено",
    "alerts_open": "Отворени", "alerts_all": "Всички", "snoozes": "Отложени",
    "alert_when": "Кога", "alert_kind": "Вид", "alert_what": "Сигнал",
    "alert_done_acknowledge": "Отбелязано като прочетено.", "alert_done_snooze": "Отложено за 7 дни.",
    "snoozed_until": "отложено до {when}",
    "role": "роля",
}

WEB = {"en": EN, "bg": BG}


class WebTexts(Texts):
    """The reports' `Texts` plus the web app's own keys."""

    def reason(self, finding: Any) -> str:
        """A finding's reason in the page's language (the renderer the reports use)."""
        return render_reason(finding, self.lang)

    def __call__(self, key: str, **values: object) -> str:
        if key in EN:
            text = WEB[self.lang].get(key) or EN[key]
            return text.format(**values) if values else text
        if key not in REPORT_EN:
            raise KeyError(key)
        return super().__call__(key, **values)
