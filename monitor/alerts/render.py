"""Digest bodies -> plain text, HTML (scraped text escaped), JSON and Slack payloads."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

_HTML = """<!doctype html>
<html><body style="font-family: sans-serif; color: #222">
<h2 style="margin: 0 0 8px">{{ subject }}</h2>
<table cellpadding="6" style="border-collapse: collapse; font-size: 14px">
<tr style="background: #eee"><th align="left">#</th><th align="left">What</th><th align="left">Product</th>
<th align="left">Competitor</th><th align="left">Details</th><th align="right">Impact</th></tr>
{% for item in body["items"] %}
<tr style="border-top: 1px solid #ddd">
<td>{{ loop.index }}</td>
<td><strong>{{ item.label }}</strong></td>
<td>{% if item.url and item.url.startswith(("http://", "https://")) %}<a href="{{ item.url }}">{{ item.product_name or item.title or "" }}</a>{% else %}{{ item.product_name or item.title or "" }}{% endif %}{% if item.sku %}<br><small>{{ item.sku }}</small>{% endif %}</td>
<td>{{ item.competitor or "" }}</td>
<td>{{ item.detail or item.headline }}</td>
<td align="right">{{ item.impact or "" }}</td>
</tr>
{% endfor %}
</table>
{% if body.rest_count %}
<p>And {{ body.rest_count }} more: {% for kind, n in body.rest_by_kind.items() %}{{ n }} {{ kind|lower }}{% if not loop.last %}, {% endif %}{% endfor %}.</p>
{% endif %}
{% if chart_cid %}<p><img src="cid:{{ chart_cid }}" alt="price history" width="480"></p>{% endif %}
<p style="color: #888; font-size: 12px">pricewatch &middot; <code>pricewatch alerts list</code> shows every alert.</p>
</body></html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(_HTML)


def render_text(subject: str, body: dict[str, Any]) -> str:
    """The plain-text digest: one numbered line per alert, then what was left out."""
    lines = [subject, ""]
    for n, item in enumerate(body.get("items") or [], start=1):
        impact = f"  [impact {item['impact']}]" if item.get("impact") else ""
        lines.append(f"{n}. {item['headline']}{impact}")
        if item.get("url"):
            lines.append(f"   {item['url']}")
    if body.get("rest_count"):
        counted = ", ".join(f"{n} {k.lower()}" for k, n in (body.get("rest_by_kind") or {}).items())
        lines += ["", f"And {body['rest_count']} more: {counted}."]
    return "\n".join(lines) + "\n"


def render_html(subject: str, body: dict[str, Any], chart_cid: str | None = None) -> str:
    """The HTML digest. Every scraped string goes through Jinja's autoescape."""
    return _template.render(subject=subject, body=body, chart_cid=chart_cid)


def json_payload(subject: str, body: dict[str, Any]) -> dict[str, Any]:
    """pricewatch's own webhook payload: the digest as data."""
    return {"source": "pricewatch", "type": "digest", "subject": subject, **{
        k: body.get(k) for k in ("audience", "total", "items", "rest_count", "rest_by_kind")
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
