"""Delivery channels: SMTP email, JSON webhook (Slack-compatible option) and Apprise URLs.

A sender either returns (the channel accepted the message) or raises `DeliveryError` whose
text has every secret of the channel masked, so it can be logged and stored safely.
Secrets (passwords, secret URLs, tokens) are read from the environment at send time.
"""

from __future__ import annotations

import email.policy
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol
from urllib.parse import urlsplit

from monitor.alerts.render import json_payload, render_html, render_text, slack_payload
from monitor.alerts.settings import AppriseChannel, EmailChannel, WebhookChannel, env_secret

log = logging.getLogger(__name__)

MASK = "***"
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=200)
"""Python folds an unstructured header longer than 78 characters right after its name,
which some clients show as a subject starting with a space; 200 keeps subjects on a line."""


class DeliveryError(Exception):
    """A channel did not accept a message. The text is safe to log: secrets are masked."""


class Sender(Protocol):
    def send(self, subject: str, body: dict[str, Any], message_key: str) -> None: ...


def _url_parts(url: str) -> list[str]:
    """A secret URL and the pieces of it an error message may quote on their own."""
    parts = [url]
    split = urlsplit(url)
    if split.password:
        parts.append(split.password)
    path_query = split.path + (f"?{split.query}" if split.query else "")
    if len(split.path) > 1:
        parts += [path_query, split.path]
    if split.query:
        parts.append(split.query)
    return parts


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with each secret (longest first) replaced by ***."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class _RedactingFilter(logging.Filter):
    """Masks secrets in records of a third-party logger (Apprise logs URLs at DEBUG)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


THIRD_PARTY_LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.util.retry", "requests")
"""Loggers that quote URLs (Apprise's own, and the HTTP stack under it)."""


@contextmanager
def masked_loggers(secrets: list[str], names: Iterable[str] = THIRD_PARTY_LOGGERS) -> Iterator[None]:
    """While sending, mask `secrets` in what these loggers write (a logger's filter sees
    only records made on that very logger, hence the list)."""
    guard = _RedactingFilter(secrets)
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addFilter(guard)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(guard)


def _error_text(exc: BaseException) -> str:
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


class EmailSender:
    """Multipart email: plain text, HTML (escaped), and the chart as an inline PNG."""

    def __init__(self, name: str, config: EmailChannel) -> None:
        self.name, self.config = name, config

    def secrets(self) -> list[str]:
        try:
            password = env_secret(self.config.password_env, f"channel {self.name}")
        except LookupError:
            return []
        return [password] if password else []

    def build(self, subject: str, body: dict[str, Any], message_key: str) -> EmailMessage:
        cfg = self.config
        msg = EmailMessage(policy=MAIL_POLICY)
        msg["Subject"] = subject
        msg["From"] = cfg.from_addr
        msg["To"] = ", ".join(cfg.to)
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = make_msgid(domain="pricewatch.local")
        msg["X-Pricewatch-Message"] = message_key
        msg.set_content(render_text(subject, body))
        png = self._chart(body)
        cid = make_msgid(domain="pricewatch.local")[1:-1] if png else None
        msg.add_alternative(render_html(subject, body, chart_cid=cid), subtype="html")
        if png and cid:
            html_part = msg.get_body(("html",))
            assert html_part is not None
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>",
                                  filename="price-history.png")
        return msg

    def _chart(self, body: dict[str, Any]) -> bytes | None:
        if not self.config.chart or not body.get("chart"):
            return None
        from monitor.alerts.chart import price_chart_png

        try:
            return price_chart_png(body["chart"])
        except Exception as exc:  # a chart is a nicety: never lose the message over it
            log.warning("alerts: chart left out of the email (%s)", _error_text(exc))
            return None

    def send(self, subject: str, body: dict[str, Any], message_key: str) -> None:
        cfg = self.config
        secrets = self.secrets()
        try:
            password = env_secret(cfg.password_env, f"channel {self.name}")
            msg = self.build(subject, body, message_key)
            smtp: smtplib.SMTP = (
                smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context())
                if cfg.ssl else smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            )
            with smtp:
                if cfg.starttls and not cfg.ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.username:
                    smtp.login(cfg.username, password or "")
                refused = smtp.send_message(msg)
        except Exception as exc:
            raise DeliveryError(redact(_error_text(exc), secrets)) from None
        if refused:
            log.warning("alerts: channel %s: server refused recipients %s", self.name, sorted(refused))


class WebhookSender:
    """POST JSON; any 2xx answer is acceptance."""

    def __init__(self, name: str, config: WebhookChannel) -> None:
        self.name, self.config = name, config

    def _url(self) -> str:
        if self.config.url:
            return self.config.url
        url = env_secret(self.config.url_env, f"channel {self.name}")
        assert url is not None
        return url

    def secrets(self) -> list[str]:
        found: list[str] = []
        try:
            if self.config.url_env:
                found += _url_parts(self._url())
            token = env_secret(self.config.token_env, f"channel {self.name}")
            if token:
                found.append(token)
        except LookupError:
            pass
        return found

    def payload(self, subject: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.config.format == "slack":
            return slack_payload(subject, body)
        return json_payload(subject, body)

    def send(self, subject: str, body: dict[str, Any], message_key: str) -> None:
        secrets = self.secrets()
        try:
            url = self._url()
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError("webhook URL must be http:// or https://")
            data = json.dumps(self.payload(subject, body), ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json; charset=utf-8",
                       "User-Agent": "pricewatch-alerts", "Idempotency-Key": message_key}
            token = env_secret(self.config.token_env, f"channel {self.name}")
            if token:
                headers["Authorization"] = f"Bearer {token}"
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(redact(f"HTTP {exc.code} {exc.reason}", secrets)) from None
        except Exception as exc:
            raise DeliveryError(redact(_error_text(exc), secrets)) from None
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status}")


class AppriseSender:
    """Any service Apprise knows (Telegram, Teams, Discord, ntfy, Pushover, ...)."""

    def __init__(self, name: str, config: AppriseChannel) -> None:
        self.name, self.config = name, config

    def _urls(self) -> list[str]:
        urls = list(self.config.urls)
        raw = env_secret(self.config.urls_env, f"channel {self.name}")
        if raw:
            urls += [u for u in raw.replace(",", " ").split() if u]
        return urls

    def secrets(self) -> list[str]:
        try:
            return [part for url in self._urls() for part in _url_parts(url)]
        except LookupError:
            return []

    def _notify(self, apprise: Any, subject: str, body: dict[str, Any]) -> bool:
        urls = self._urls()
        if not urls:
            raise ValueError(f"channel {self.name} has no Apprise URL")
        notifier = apprise.Apprise()
        for n, url in enumerate(urls, start=1):
            if not notifier.add(url):
                raise ValueError(f"Apprise URL #{n} of channel {self.name} is not valid")
        return bool(notifier.notify(title=subject, body=render_text(subject, body),
                                    body_format=apprise.NotifyFormat.TEXT))

    def send(self, subject: str, body: dict[str, Any], message_key: str) -> None:
        import apprise

        secrets = self.secrets()
        try:
            with masked_loggers(secrets):
                ok = self._notify(apprise, subject, body)
        except Exception as exc:
            raise DeliveryError(redact(_error_text(exc), secrets)) from None
        if not ok:
            raise DeliveryError("Apprise could not notify every URL (see the apprise log lines)")


def make_sender(name: str, config: EmailChannel | WebhookChannel | AppriseChannel) -> Any:
    """The sender for a configured channel."""
    if isinstance(config, EmailChannel):
        return EmailSender(name, config)
    if isinstance(config, WebhookChannel):
        return WebhookSender(name, config)
    return AppriseSender(name, config)
