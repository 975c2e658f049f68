"""Digest bodies -> plain text, HTML (scraped text escaped), JSON and Slack payloads."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from monitor.alerts.text import WORDS, word

_HTML = """<!doctype html>
<html lang="{{ lang }}"><body style="font-family: sans-serif; color: #222">
<h2 style="margin: 0 0 8px">{{ subject }}</h2>
<table cellpadding="6" style="border-collapse: collapse; font-size: 14px">
<tr style="background: #eee"><th align="left">#</th><th align="left">{{ w.what }}</th>
<th align="left">{{ w.competitor }}</th><th align="left">{{ w.details }}</th><th align="right">{{ w.impact }}</th></tr>
{% set n = namespace(i=0) %}
{% for g in groups %}
<tr style="background: #f6f6f6; border-top: 2px solid #ccc"><td colspan="5"><strong>{{ g.product_name or "" }}</strong>{% if g.sku %} <small>{{ g.sku }}</small>{% endif %}</td></tr>
{% for item in g["items"] %}{% set n.i = n.i + 1 %}
<tr style="border-top: 1px solid #ddd">
<td>{{ n.i }}</td>
<td><strong>{{ item.label }}</strong></td>
<td>{% if item.url and item.url.startswith(("http://", "https://")) %}<a href="{{ item.url }}">{{ item.competitor or "" }}</a>{% else %}{{ item.competitor or "" }}{% endif %}</td>
<td>{{ item.detail or item.headline }}</td>
<td align="right">{{ item.impact_text or item.impact or "" }}</td>
</tr>
{% endfor %}
{% endfor %}
</table>
{% if body.rest_count %}
<p>{{ w.and_more.format(n=body.rest_count) }}: {% for kind, k in body.rest_by_kind.items() %}{{ k }} {{ kind|lower }}{% if not loop.last %}, {% endif %}{% endfor %}.</p>
{% endif %}
{% if body.report_url %}<p><a href="{{ body.report_url }}">{{ w.report }}</a></p>{% endif %}
{% if chart_cid %}<p><img src="cid:{{ chart_cid }}" alt="price history" width="480"></p>{% endif %}
<p style="color: #888; font-size: 12px">pricewatch &middot; {{ w.footer }}</p>
</body></html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(_HTML)


def _groups(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The body's product groups (a body queued before grouping: one group per item)."""
    if body.get("groups") is not None:
        return list(body["groups"])
    return [{"product_name": i.get("product_name") or i.get("title"), "sku": i.get("sku"),
             "items": [i], "more": 0} for i in body.get("items") or []]


def render_text(subject: str, body: dict[str, Any]) -> str:
    """The plain-text digest: per product its alerts, numbered; then what was left out."""
    lang = str(body.get("lang") or "en")
    lines = [subject, ""]
    n = 0
    for g in _groups(body):
        lines.append(f"{g.get('product_name') or ''}" + (f" ({g['sku']})" if g.get("sku") else ""))
        for item in g["items"]:
            n += 1
            shown = item.get("impact_text") or item.get("impact")  # older bodies: no currency
            impact = f"  [{word('impact', lang)} {shown}]" if shown else ""
            where = f" {word('at', lang)} {item['competitor']}" if item.get("competitor") else ""
            lines.append(f"  {n}. {item['label']}{where}: {item.get('detail') or ''}{impact}")
            if item.get("url"):
                lines.append(f"     {item['url']}")
    if body.get("rest_count"):
        counted = ", ".join(f"{k} {kind.lower()}" for kind, k in (body.get("rest_by_kind") or {}).items())
        lines += ["", f"{word('and_more', lang).format(n=body['rest_count'])}: {counted}."]
    if body.get("report_url"):
        lines += ["", f"{word('report', lang)}: {body['report_url']}"]
    return "\n".join(lines) + "\n"


def render_html(subject: str, body: dict[str, Any], chart_cid: str | None = None) -> str:
    """The HTML digest. Every scraped string goes through Jinja's autoescape."""
    lang = str(body.get("lang") or "en")
    return _template.render(subject=subject, body=body, groups=_groups(body), chart_cid=chart_cid,
                            lang=lang, w=WORDS.get(lang, WORDS["en"]))


def json_payload(subject: str, body: dict[str, Any]) -> dict[str, Any]:
    """pricewatch's own webhook payload: the digest as data."""
    return {"source": "pricewatch", "type": "digest", "subject": subject, **{
        k: body.get(k) for k in ("audience", "lang", "total", "groups", "items", "rest_count",
                                 "rest_by_kind", "report_url")
    }}


def slack_escape(text: str) -> str:
    """Slack mrkdwn needs only &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(subject: str, body: dict[str, Any]) -> dict[str, Any]:
    """A Slack (and Mattermost/Rocket.Chat) incoming-webhook payload: `text` plus blocks."""
    lines = []
    for n, item in enumerate(body.get("items") or [], start=1):
        text = slack_escape(item["headline"])
        if item.get("url"):
            text = f"<{slack_escape(item['url'])}|{text}>"
        lines.append(f"{n}. {text}")
    if body.get("rest_count"):
        lines.append(f"_and {body['rest_count']} more_")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
    ]
    chunk: list[str] = []
    for line in lines:  # a section block holds at most 3000 characters
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
    return {"text": slack_escape(subject), "blocks": blocks[:50]}
