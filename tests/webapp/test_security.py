"""Who may do what, CSRF, hostile scraped text, headers: driven through the real ASGI app."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from storage.models import Match, MatchStatus, table
from tests.webapp.conftest import HOSTILE_PRODUCT
from tests.webapp.support import PASSWORD, TOKEN, Site, client, csrf_of, login
from web.config import WebSettings

PAGES = ["/", "/findings", "/findings?sort=product&dir=asc", "/products/1", "/review",
         "/competitors", "/catalog", "/alerts", "/alerts?show=all", "/alerts?lang=bg", "/api/v1/docs"]


def _routes(web: TestClient) -> list[tuple[str, str]]:
    """Every route of the app with its methods, path parameters filled in."""
    found = []
    routes = []
    for route in web.app.routes:  # type: ignore[attr-defined]
        included = getattr(route, "original_router", None)  # FastAPI >= 0.16x keeps routers
        routes += list(included.routes) if included is not None else [route]
    for route in routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or {"GET"}
        if path.startswith("/static"):
            continue
        concrete = re.sub(r"\{(\w+)\}", lambda m: "alpha" if m.group(1) == "name" else "1", path)
        concrete = concrete.replace("alpha.alpha", "findings.csv")
        found += [(m, concrete) for m in methods if m != "HEAD"]
    return found


def _match_statuses(site: Site) -> dict[int, str]:
    m = table(Match)
    with site.engine.connect() as conn:
        return dict(conn.execute(select(m.c.id, m.c.status)).all())  # type: ignore[arg-type]


def _unsure(site: Site) -> list[int]:
    m = table(Match)
    with site.engine.connect() as conn:
        return list(conn.execute(select(m.c.id).where(m.c.confidence < 0.9)).scalars())


def test_anonymous_is_refused_everywhere_but_health(web: TestClient) -> None:
    routes = _routes(web)
    assert len(routes) > 20
    for method, path in routes:
        if path in ("/health", "/login"):
            continue
        response = web.request(method, path)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
        elif method == "GET":
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login")
        else:
            assert response.status_code == 401, (method, path, response.status_code)
        assert "SKU-" not in response.text
    assert web.get("/health").json() == {"status": "ok"}


def test_login_sets_a_safe_cookie_and_every_page_answers(web: TestClient) -> None:
    response = login(web, "viewer")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    for path in PAGES:
        page = web.get(path)
        assert page.status_code == 200, path
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_viewer_cannot_decide(web: TestClient, site: Site) -> None:
    login(web, "viewer")
    token = csrf_of(web.get("/review").text)
    before = _match_statuses(site)
    unsure = _unsure(site)
    assert unsure
    refused = [
        web.post("/review", data={"csrf_token": token, "decision": "confirmed", "match": unsure}),
        web.post(f"/matches/{unsure[0]}/reject", data={"csrf_token": token}),
        web.post("/competitors/alpha/crawl", data={"csrf_token": token}),
        web.post("/catalog", data={"csrf_token": token},
                 files={"file": ("c.csv", b"sku,name,price,currency\nX,Y,1.00,BGN\n")}),
    ]
    alerts = web.get("/api/v1/alerts").json()["items"]
    refused.append(web.post(f"/alerts/{alerts[0]['id']}/acknowledge", data={"csrf_token": token}))
    for response in refused:
        assert response.status_code == 403, response.request.url
    assert _match_statuses(site) == before
    with TestClient(web.app, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        assert api.get("/api/v1/products").status_code == 200
        assert api.post(f"/api/v1/alerts/{alerts[0]['id']}/acknowledge").status_code == 403


def test_post_without_csrf_is_refused(web: TestClient, site: Site) -> None:
    login(web, "manager")
    unsure = _unsure(site)
    before = _match_statuses(site)
    for data in ({"decision": "confirmed", "match": unsure},
                 {"decision": "confirmed", "match": unsure, "csrf_token": "forged"}):
        assert web.post("/review", data=data).status_code == 403
    assert web.post("/logout").status_code == 403
    assert _match_statuses(site) == before
    token = csrf_of(web.get("/review").text)
    done = web.post("/review", data={"decision": "confirmed", "match": unsure[:1],
                                     "csrf_token": token})
    assert done.status_code == 303
    assert _match_statuses(site)[unsure[0]] == MatchStatus.confirmed.value


def test_login_without_its_form_token_is_refused(web: TestClient) -> None:
    response = web.post("/login", data={"name": "manager", "password": PASSWORD})
    assert response.status_code == 403
    assert "pw_session" not in response.headers.get("set-cookie", "")


def test_failed_logins_slow_down(site: Site) -> None:
    """Each failure doubles the wait before the name may try again (1 s, 2 s...)."""
    site.settings = WebSettings(login_delay_s=1.0, login_delay_max_s=10)
    with client(site) as web:
        started = time.perf_counter()
        assert login(web, "manager", "wrong password").status_code == 401
        assert time.perf_counter() - started >= 1.0  # the failure itself is slow
        assert login(web, "manager").status_code == 429  # right password, but too soon
        time.sleep(1.1)
        assert login(web, "manager", "wrong again").status_code == 401
        assert login(web, "manager").status_code == 429
        time.sleep(1.1)  # two failures: 2 s now
        assert login(web, "manager").status_code == 429
        time.sleep(1.0)
        assert login(web, "manager").status_code == 303
        assert login(web, "nobody", "x").status_code == 401  # unknown names wait as well


def test_unknown_token_is_refused(web: TestClient) -> None:
    response = web.get("/api/v1/products", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_hostile_strings_are_text_on_every_page(web: TestClient, site: Site) -> None:
    login(web, "manager")
    seen_title = seen_name = 0
    product = site.sample.product_ids["SKU-00001"]
    for path in [*PAGES, f"/products/{product}", "/findings?q=SKU-00001",
                 "/?lang=bg", "/findings?lang=bg", f"/products/{product}?lang=bg"]:
        html = web.get(path).text
        assert HOSTILE_PRODUCT not in html, path
        assert "<img src=x" not in html, path
        assert 'onerror=' not in html.replace("onerror=alert(1)&gt;", ""), path
        seen_name += "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        seen_title += "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all("src=" in s for s in scripts), path  # no inline script at all
    assert seen_name >= 3 and seen_title >= 2
    for path in (f"/api/v1/products/{product}", "/api/v1/products?q=SKU-00001"):
        assert HOSTILE_PRODUCT in web.get(path).text  # JSON carries the data as data
        assert web.get(path).headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("lang,word", [("en", "Findings"), ("bg", "Констатации")])
def test_pages_in_both_languages(web: TestClient, lang: str, word: str) -> None:
    login(web, "viewer")
    assert word in web.get(f"/findings?lang={lang}").text
    assert word in web.get("/").text  # remembered in a cookie
