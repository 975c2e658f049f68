"""The HTML pages: parse the request, call `web.views` / `web.actions`, render."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from monitor.matching import UnknownMatchError
from reports import exports
from storage.catalog_import import CatalogError
from storage.models import MatchStatus
from storage.repos import browse
from storage.repos import web as accounts
from web import actions, views
from web.app import render
from web.auth import SESSION_COOKIE, User, authenticated, manager, viewer
from web.security import digest

router = APIRouter(dependencies=[Depends(authenticated)], include_in_schema=False)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@router.post("/logout")
async def logout(request: Request) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with request.app.state.engine.begin() as conn:
            accounts.end_session(conn, digest(cookie))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def dashboard(request: Request, run: str | None = None, user: User = Depends(viewer)) -> Response:
    with request.app.state.engine.connect() as conn:
        data = views.dashboard(conn, _int(run), request.app.state.report)
    return render(request, "dashboard.html.j2", d=data)


@router.get("/findings")
def findings(request: Request, run: str | None = None, competitor: str | None = None,
             kind: str | None = None, category: str | None = None, q: str | None = None,
             sort: str = "impact", dir: str = "desc", page: int = Query(1, ge=1),
             user: User = Depends(viewer)) -> Response:
    wanted: dict[str, Any] = {"run_id": _int(run), "competitor_id": _int(competitor),
                              "kind": kind or None, "category": category or None,
                              "q": (q or "").strip() or None, "sort": sort, "dir": dir}
    with request.app.state.engine.connect() as conn:
        data = views.findings(conn, wanted, page, request.app.state.settings.page_size,
                              request.app.state.report)
    return render(request, "findings.html.j2", d=data, wanted=wanted, is_stale=views.is_stale)


@router.get("/products/{product_id}")
def product(request: Request, product_id: int, user: User = Depends(viewer)) -> Response:
    with request.app.state.engine.connect() as conn:
        story = views.product_story(conn, product_id, request.app.state.report)
    if story is None:
        raise HTTPException(404, "no such product")
    return render(request, "product.html.j2", s=story)


@router.post("/matches/{match_id}/reject")
def not_the_same(request: Request, match_id: int, user: User = Depends(manager)) -> Response:
    """"Not the same product": the match is rejected, as `pricewatch match reject ID`."""
    engine = request.app.state.engine
    with engine.connect() as conn:
        product_id = browse.match_product(conn, match_id)
    if product_id is None:
        raise HTTPException(404, "no such match")
    actions.decide_matches(engine, [match_id], MatchStatus.rejected, user.name)
    return RedirectResponse(f"/products/{product_id}", status_code=303)


@router.get("/review")
def review(request: Request, done: str | None = None, user: User = Depends(viewer)) -> Response:
    rows, total, recent = views.review(request.app.state.engine, request.app.state.matching, 100)
    return render(request, "review.html.j2", rows=rows, total=total, recent=recent, done=done)


@router.post("/review")
async def review_decide(request: Request, user: User = Depends(manager)) -> Response:
    form = await request.form()
    decision = form.get("decision")
    ids = [int(v) for v in form.getlist("match") if isinstance(v, str) and v.isdigit()]
    if decision not in ("confirmed", "rejected") or not ids:
        return RedirectResponse("/review?done=none", status_code=303)
    try:
        actions.decide_matches(request.app.state.engine, ids, MatchStatus(decision), user.name)
    except UnknownMatchError:
        return RedirectResponse("/review?done=unknown", status_code=303)
    return RedirectResponse(f"/review?done={decision}", status_code=303)


@router.get("/competitors")
def competitors(request: Request, user: User = Depends(viewer)) -> Response:
    with request.app.state.engine.connect() as conn:
        last = list(browse.last_crawl_runs(conn))
        runs = list(browse.crawl_runs_of(conn, limit=60))
    file = request.app.state.settings.competitors_file
    return render(request, "competitors.html.j2", last=last, runs=runs,
                  crawls=request.app.state.crawls,
                  can_crawl=file is not None and file.exists(), competitors_file=file)


@router.post("/competitors/{name}/crawl")
def crawl_now(request: Request, name: str, user: User = Depends(manager)) -> Response:
    file = request.app.state.settings.competitors_file
    if file is None or not file.exists():
        raise HTTPException(409, f"no competitors file ({file}): set web.competitors_file")
    with request.app.state.engine.connect() as conn:
        known = {c.name for c in browse.last_crawl_runs(conn)}
    if name not in known:
        raise HTTPException(404, "no such competitor")
    actions.start_crawl(request.app.state.engine, file, name, user.name,
                        request.app.state.crawls)
    return RedirectResponse("/competitors", status_code=303)


@router.get("/catalog")
def catalog(request: Request, user: User = Depends(viewer)) -> Response:
    with request.app.state.engine.connect() as conn:
        recent = list(accounts.events(conn, ["catalog_imported"], limit=10))
    return render(request, "catalog.html.j2", result=None, problems=None, filename=None,
                  recent=recent)


@router.post("/catalog")
async def catalog_upload(request: Request, file: UploadFile = File(...),
                         csrf_token: str = Form(""), user: User = Depends(manager)) -> Response:
    data = await file.read()
    engine = request.app.state.engine
    result, problems = None, None
    try:
        result = actions.upload_catalog(engine, file.filename or "catalog.csv", data, user.name)
    except CatalogError as exc:
        problems = exc.problems
    with engine.connect() as conn:
        recent = list(accounts.events(conn, ["catalog_imported"], limit=10))
    return render(request, "catalog.html.j2", status_code=422 if problems else 200,
                  result=result, problems=problems, filename=file.filename, recent=recent)


@router.get("/exports/{name}.{fmt}")
def export_file(request: Request, name: str, fmt: str, user: User = Depends(viewer)) -> Response:
    """The same exports as `pricewatch export`, as a download."""
    if name not in ("findings", "prices") or fmt not in ("csv", "xlsx"):
        raise HTTPException(404, "no such export")
    engine, report = request.app.state.engine, request.app.state.report
    now = datetime.now(UTC)
    columns: tuple[str, ...]
    if name == "findings":
        columns, records = exports.FINDING_COLUMNS, exports.finding_records(engine, now, report)
    else:
        columns, records = exports.PRICE_COLUMNS, exports.price_records(engine, now, report)
    if fmt == "csv":
        body: bytes = exports.to_csv(columns, records).encode("utf-8")
        media = "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(name, columns, records)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"pricewatch-{name}-{now:%Y-%m-%d}.{fmt}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/alerts")
def alerts(request: Request, show: str = "open", done: str | None = None,
           user: User = Depends(viewer)) -> Response:
    """The inbox: the same store and functions as `pricewatch alerts list|ack|snooze`."""
    from monitor.alerts.actions import active_snoozes, list_alerts
    from monitor.alerts.text import headline

    engine = request.app.state.engine
    rows = list_alerts(engine, limit=200, open_only=show != "all")
    return render(request, "alerts.html.j2", rows=rows, show=show, done=done,
                  snoozes=active_snoozes(engine), headline=headline)


@router.post("/alerts/{alert_id}/{action}")
async def alert_action(request: Request, alert_id: int, action: str,
                       user: User = Depends(manager)) -> Response:
    """Acknowledge an alert, or snooze its story for N days (managers)."""
    from monitor.alerts.actions import AlertActionError, acknowledge, snooze

    if action not in ("acknowledge", "snooze"):
        raise HTTPException(404, "no such action")
    form = await request.form()
    engine = request.app.state.engine
    try:
        if action == "acknowledge":
            acknowledge(engine, alert_id=alert_id, actor=user.name)
        else:
            days = float(str(form.get("days") or "1"))
            snooze(engine, alert_id=alert_id, days=days, actor=user.name)
    except (AlertActionError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/alerts?done={action}", status_code=303)
