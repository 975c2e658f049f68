"""The ASGI app: security headers, error pages, login/logout, health, and the routers.

Every route but `/health`, the login form and the static files (our own CSS and the
vendored htmx) goes through `web.auth`: an anonymous request to a page is sent to the
login form, one to the API gets 401.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader
from sqlalchemy import Engine
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from monitor.matching import MatchSettings
from reports.config import ReportSettings
from reports.daily import status_text
from reports.render import safe_url
from storage.repos import web as accounts
from storage.run_health import RunHealth, run_health
from storage.types import utcnow
from web.auth import SESSION_COOKIE, Forbidden, NotLoggedIn, User
from web.config import WebSettings
from web.i18n import WebTexts
from web.security import DUMMY_HASH, digest, login_wait, new_secret, same, verify_password

STATIC = Path(__file__).resolve().parent / "static"
LANG_COOKIE = "pw_lang"
LOGIN_CSRF_COOKIE = "pw_login_csrf"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class SecurityHeaders(BaseHTTPMiddleware):
    """CSP without inline scripts or styles, no framing, no sniffing, no caching of pages."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def health_of_run(run: Any) -> RunHealth:
    """`storage.run_health` of a crawl-run row (`browse.last_crawl_runs`, `crawl_runs_of`)."""
    return run_health(run.status, bool(run.suspect), run.suspect_reason, run.error_summary,
                      run.stats)


def templates_env() -> Environment:
    env = Environment(loader=PackageLoader("web", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_url"] = safe_url
    # Competitor health in the words and by the rule of the daily report and the CLI.
    env.globals["run_status"] = status_text
    env.globals["run_health"] = health_of_run
    return env


def language(request: Request, default: str) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or default
    return wanted if wanted in ("en", "bg") else default


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language; `?lang=` is remembered in a cookie."""
    app = request.app
    lang = language(request, app.state.settings.lang)
    user = getattr(request.state, "user", None)
    report: ReportSettings = app.state.report
    # Amounts as the reports write them: with the `money.secondary_currency` amount beside.
    texts = WebTexts(lang, report.money.secondary_currency, app.state.rates)
    html = app.state.env.get_template(template).render(
        t=texts, lang=lang, user=user, request=request,
        csrf=user.csrf_token if isinstance(user, User) else None,
        path=request.url.path, query=request.url.query, **context)
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in ("en", "bg"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True,
                            samesite="lax", secure=app.state.settings.secure_cookies)
    return response


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _local_path(value: str | None) -> str:
    """A redirect target inside the app (never another site)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def create_app(engine: Engine, settings: WebSettings | None = None,
               report: ReportSettings | None = None, matching: MatchSettings | None = None) -> FastAPI:
    """The whole app on one database."""
    from web import api, pages

    settings = settings or WebSettings()
    app = FastAPI(title="pricewatch", version="1", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.engine = engine
    app.state.settings = settings
    app.state.report = report or ReportSettings()
    app.state.rates = app.state.report.rates
    app.state.matching = matching or MatchSettings()
    app.state.env = templates_env()
    app.state.crawls = {}
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _exc: NotLoggedIn) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "authentication required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        if request.method == "GET" and not request.headers.get("hx-request"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return Response("authentication required", status_code=401)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.reason}, status_code=403)
        return render(request, "error.html.j2", status_code=403, message=exc.reason)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", include_in_schema=False)
    async def login_form(request: Request, next: str = "/") -> Response:
        token = new_secret()
        response = render(request, "login.html.j2", next=_local_path(next), login_csrf=token,
                          error=None)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=settings.secure_cookies)
        return response

    @app.post("/login", include_in_schema=False)
    async def login(request: Request, name: str = Form(...), password: str = Form(...),
                    csrf_token: str = Form(""), next: str = Form("/")) -> Response:
        t = WebTexts(language(request, settings.lang))

        def again(message: str, status: int) -> Response:
            token = new_secret()
            response = render(request, "login.html.j2", status_code=status, next=_local_path(next),
                              login_csrf=token, error=message)
            response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                                secure=settings.secure_cookies)
            return response

        if not same(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
            return again(t("login_csrf"), 403)
        with engine.connect() as conn:
            user = accounts.user_by_name(conn, name.strip())
        now = utcnow()
        if user is not None and user.last_failed_at is not None:
            wait = login_wait(user.failed_logins, settings.login_delay_s, settings.login_delay_max_s)
            left = (user.last_failed_at + timedelta(seconds=wait) - now).total_seconds()
            if left > 0:
                return again(t("login_wait", seconds=f"{left:.0f}" if left >= 1 else "1"), 429)
        good = verify_password(user.password_hash if user else DUMMY_HASH, password)
        if user is None or not good or not user.active:
            if user is not None:  # the wait counts from when the answer goes out
                with engine.begin() as conn:
                    accounts.note_failed_login(
                        conn, user.id, utcnow() + timedelta(seconds=settings.login_delay_s))
            await asyncio.sleep(settings.login_delay_s)  # unknown names wait as long
            return again(t("login_failed"), 401)
        secret, csrf = new_secret(), new_secret()
        with engine.begin() as conn:
            accounts.note_good_login(conn, user.id)
            accounts.add_session(conn, user.id, digest(secret), csrf,
                                 now + timedelta(hours=settings.session_hours))
        response = RedirectResponse(_local_path(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, secret, max_age=settings.session_hours * 3600,
                            httponly=True, samesite="lax", secure=settings.secure_cookies)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    app.include_router(pages.router)
    app.include_router(api.router)
    return app
