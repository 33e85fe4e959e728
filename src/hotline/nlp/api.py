"""HTTP routes of intelligent intake: suggestions, places, similar open orders, incidents, model status."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Query, Request

from hotline.errors import InvalidInput, NotReady
from hotline.nlp.service import NlpService
from hotline.web.deps import CurrentActor, PlatformDep
from hotline.web.params import parse_moment
from hotline.workorders.schemas import iso

router = APIRouter(prefix="/api/v1/nlp", tags=["intelligent intake"])
MAX_BATCH = 1000


def get_nlp(request: Request, platform: PlatformDep) -> NlpService:
    """The suggestion service of this app (one per app, so the loaded model is shared)."""
    service = getattr(platform, "nlp", None) or getattr(request.app.state, "nlp", None)
    if service is None:
        models_dir = getattr(platform.settings, "models_dir", "models")
        service = NlpService(platform.engine, platform.sessions, platform.reference_cache, models_dir)
        request.app.state.nlp = service
    return service


NlpDep = Annotated[NlpService, Depends(get_nlp)]
SuggestBody = Annotated[dict[str, Any], Body(examples=[{"content": "永昌县河西堡镇金化社区停水两天了", "k": 3}])]


def _k(body: dict) -> int:
    k = body.get("k", 3)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 10:
        raise InvalidInput("'k' must be a whole number from 1 to 10", field="k")
    return k


@router.post("/suggest")
def suggest(platform: PlatformDep, actor: CurrentActor, nlp: NlpDep, body: SuggestBody) -> dict:
    """Top-k category (both levels), request type and department with probabilities and the words behind
    them, the place found in the text, and similar open orders at that place (candidates for merging)."""
    out = nlp.suggest(body.get("content"), body.get("district") or None, body.get("street") or None, _k(body))
    place = out["place"]
    out["similar_open_orders"] = nlp.similar_open_orders(
        body.get("content"), platform.clock(), place.get("district"), place.get("street"), place.get("community"),
        category=(out.get("category") or [{}])[0].get("code"))
    return out


@router.post("/suggest/batch")
def suggest_batch(actor: CurrentActor, nlp: NlpDep,
                  body: Annotated[dict[str, Any], Body(examples=[{"contents": ["小区停水了", "路灯不亮"]}])]) -> dict:
    """Suggestions for many texts at once (imports, re-classification); no similar-order search."""
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise InvalidInput("'contents' must be a non-empty list of texts", field="contents")
    if len(contents) > MAX_BATCH:
        raise InvalidInput(f"'contents' holds more than {MAX_BATCH} texts", field="contents")
    return {"items": nlp.suggest_many(contents, k=_k(body))}


@router.post("/places")
def places(actor: CurrentActor, nlp: NlpDep, body: SuggestBody) -> dict:
    """The district, street/town, community and address named in the text."""
    from hotline.nlp.text import checked_text

    gazetteer = nlp.gazetteer()
    return gazetteer.find(checked_text(body.get("content"))).as_dict(gazetteer.names)


@router.get("/incidents")
def incidents(request: Request, platform: PlatformDep, actor: CurrentActor, nlp: NlpDep, at: str | None = None,
              min_size: Annotated[int, Query(ge=2, le=1000)] = 2) -> dict:
    """Open orders grouped into incidents (a place's burst, a district's surge, a city-wide wave of a new
    problem), largest first: as the server grouped them last in the background (`computed_at`), less the
    orders closed since. Grouped during the request only for a past `at` or before the first background
    grouping, and then only at a small store (setting incidents_request_max_orders); else 503."""
    zone = ZoneInfo(platform.settings.timezone)
    moment = parse_moment(at, "at", zone)
    snapshot = nlp.latest_incidents() if moment is None else None
    if snapshot is None:
        moment = moment or platform.clock()
        if not nlp.can_group_on_request(moment, platform.settings.incidents_request_max_orders):
            raise NotReady(_not_ready_reason(request, platform.settings.incidents_request_max_orders, at),
                           rule="incidents_grouped_in_background")
        snapshot = nlp.group_incidents(moment)
    groups = sorted(nlp.still_open(snapshot.groups, min_size), key=len, reverse=True)
    return {"at": iso(moment or platform.clock(), zone), "computed_at": iso(snapshot.computed_at, zone),
            "window_hours": nlp.rules.window_hours, "total": len(groups),
            "items": [{"size": len(g), "orders": g} for g in groups]}


def _not_ready_reason(request: Request, max_orders: int, at: str | None) -> str:
    too_big = f"the store is too big to group incidents during a request (more than {max_orders} orders to read)"
    if at is not None:
        return too_big + ": only the latest incidents, grouped in the background, are served"
    watch = getattr(request.app.state, "alert_watch", None)
    if watch is None:
        return too_big + ", and the server's background scan is off: set HOTLINE_ALERT_SCAN_SECONDS above 0"
    return (too_big + f"; the server groups them in the background after each scan (every {watch.interval:g} s): "
            "retry in a minute or two")


@router.get("/model")
def model(actor: CurrentActor, nlp: NlpDep) -> dict:
    """Whether suggestions are available, the model's version and training summary, or why not."""
    status = nlp.model_status()
    bundle = nlp.registry.current()
    return status | {"summary": bundle.summary if bundle else None}
