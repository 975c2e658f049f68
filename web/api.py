"""REST API under /api/v1: JSON twins of the pages, built by the same `web.views` functions
and repositories. Money is a string (exact decimal), times ISO 8601 UTC. Authentication:
`Authorization: Bearer <token>` (`pricewatch users token NAME`) or a browser session."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from storage.repos import browse
from web import views
from web.app import render
from web.auth import User, authenticated, manager, viewer

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticated)], tags=["api"])


def plain(value: Any) -> Any:
    """JSON-ready: rows and dataclasses as objects, Decimal as string, datetime as ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if hasattr(value, "row") and hasattr(value, "their_observed_at"):  # findings page rows
        return {**plain(value.row), "their_observed_at": plain(value.their_observed_at)}
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _paged(rows: Any, total: int, page: int, size: int) -> dict[str, Any]:
    return {"total": total, "page": page, "page_size": size, "items": plain(list(rows))}


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, user: User = Depends(viewer)) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/docs", include_in_schema=False)
def docs(request: Request, user: User = Depends(viewer)) -> Response:
    """The API reference, drawn from the OpenAPI document (no CDN, no script)."""
    return render(request, "api_docs.html.j2", spec=request.app.openapi())


@router.get("/products", summary="Our products (search by name or SKU)")
def products(request: Request, q: str | None = None, page: int = Query(1, ge=1),
             page_size: int = Query(50, ge=1, le=500), user: User = Depends(viewer)) -> dict[str, Any]:
    with request.app.state.engine.connect() as conn:
        rows, total = browse.products(conn, q, (page - 1) * page_size, page_size)
    return _paged(rows, total, page, page_size)


@router.get("/products/{product_id}", summary="One product: its matches, current offers with evidence, findings")
def product(request: Request, product_id: int, user: User = Depends(viewer)) -> dict[str, Any]:
    with request.app.state.engine.connect() as conn:
        story = views.product_story(conn, product_id, request.app.state.report)
    if story is None:
        raise HTTPException(404, "no such product")
    return {
        "product": plain(story.product),
        "offers": [{"competitor": o.name, "match": plain(o.match), "reading": plain(o.reading),
                    "promotions": plain(o.promotions), "effective_price": plain(o.effective),
                    "effective_how": o.effective_note, "decisions": plain(o.decisions)}
                   for o in story.offers],
        "findings": plain(story.findings),
    }


@router.get("/products/{product_id}/history", summary="Price history of a product's matched listings")
def product_history(request: Request, product_id: int, user: User = Depends(viewer)) -> dict[str, Any]:
    with request.app.state.engine.connect() as conn:
        found = views.product_history(conn, product_id, request.app.state.report)
    if found is None:
        raise HTTPException(404, "no such product")
    product, chart = found
    return {"product_id": product_id, "currency": product.currency,
            "series": [{"competitor": s.name, "readings": plain(s.readings)}
                       for s in chart.series]}


@router.get("/listings", summary="Competitor listings")
def listings(request: Request, competitor: int | None = None, page: int = Query(1, ge=1),
             page_size: int = Query(50, ge=1, le=500), user: User = Depends(viewer)) -> dict[str, Any]:
    with request.app.state.engine.connect() as conn:
        rows, total = browse.listings(conn, competitor, (page - 1) * page_size, page_size)
    return _paged(rows, total, page, page_size)


@router.get("/listings/{listing_id}/observations", summary="A listing's readings, newest first")
def observations(request: Request, listing_id: int, limit: int = Query(60, ge=1, le=1000),
                 user: User = Depends(viewer)) -> dict[str, Any]:
    with request.app.state.engine.connect() as conn:
        if browse.listing(conn, listing_id) is None:
            raise HTTPException(404, "no such listing")
        rows = browse.observations_of(conn, listing_id, limit)
    return {"listing_id": listing_id, "items": plain(list(rows))}


@router.get("/findings", summary="Findings of a comparison run (default: the latest), filtered, sorted, paged")
def findings(request: Request, run: int | None = None, competitor: int | None = None,
             kind: str | None = None, category: str | None = None, q: str | None = None,
             sort: str = "impact", dir: str = "desc", page: int = Query(1, ge=1),
             user: User = Depends(viewer)) -> dict[str, Any]:
    wanted = {"run_id": run, "competitor_id": competitor, "kind": kind, "category": category,
              "q": q, "sort": sort, "dir": dir}
    size = request.app.state.settings.page_size
    with request.app.state.engine.connect() as conn:
        data = views.findings(conn, wanted, page, size, request.app.state.report, choices=False)
    return {"run": plain(data.run), **_paged(data.rows, data.page.total, page, size)}


@router.get("/runs", summary="Latest crawl runs and comparison runs")
def runs(request: Request, competitor: int | None = None, limit: int = Query(50, ge=1, le=500),
         user: User = Depends(viewer)) -> dict[str, Any]:
    with request.app.state.engine.connect() as conn:
        crawls = browse.crawl_runs_of(conn, competitor, limit)
        compares = browse.compare_runs(conn, limit)
    return {"crawl_runs": plain(list(crawls)), "compare_runs": plain(list(compares))}


@router.get("/alerts", summary="Latest alerts, newest first (open only with open_only=true)")
def alerts(request: Request, limit: int = Query(50, ge=1, le=500), audience: str | None = None,
           open_only: bool = False, user: User = Depends(viewer)) -> dict[str, Any]:
    from monitor.alerts.actions import list_alerts

    rows = list_alerts(request.app.state.engine, limit=limit, audience=audience,
                       open_only=open_only)
    return {"items": plain(rows)}


@router.post("/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert (managers)")
def acknowledge(request: Request, alert_id: int, user: User = Depends(manager)) -> dict[str, Any]:
    from monitor.alerts.actions import AlertActionError
    from monitor.alerts.actions import acknowledge as ack

    try:
        count = ack(request.app.state.engine, alert_id=alert_id, actor=user.name)
    except AlertActionError as exc:
        raise HTTPException(404, str(exc)) from None
    return {"alert_id": alert_id, "acknowledged": count}
