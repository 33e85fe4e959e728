"""Early warning as a use case: scan a period as if live, store new alerts, deliver them, list them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import httpx
import pandas as pd
from sqlalchemy import func, select

from hotline.db import unit_of_work
from hotline.errors import InvalidInput
from hotline.foresight import backlog, emerging, hotspots, surges
from hotline.foresight.models import Alert
from hotline.foresight.scan_inputs import ScanInputs, gather

KINDS = ("surge", "emerging", "hotspot", "backlog")


def detect_all(inputs: ScanInputs, which: tuple[str, ...] = KINDS) -> list[dict]:
    """Every detector in `which` over [inputs.start, inputs.end); pure."""
    start, end = inputs.start, inputs.end
    found: list[dict] = []
    if "surge" in which and inputs.recent is not None and len(inputs.recent):
        for row in surges.scan(inputs.recent, inputs.kinds, inputs.season, start, end, kept=inputs.kept,
                               recent_tallies=inputs.recent_tallies).to_dict("records"):
            found.append(_shape("surge", row, f"{row['category']}|{row['place']}",
                                ("count", "expected", "p_value", "window_hours", "samples")))
    if "emerging" in which and inputs.texts is not None and len(inputs.texts):
        for row in emerging.detect(inputs.texts, start, end, runs=inputs.runs).to_dict("records"):
            found.append(_shape("emerging", row, f"{row['category']}|{row['district']}",
                                ("phrases", "count", "expected", "p_value", "orders", "districts", "samples")))
    hot_orders = inputs.hotspot_orders if inputs.hotspot_orders is not None else inputs.recent
    if "hotspot" in which and hot_orders is not None:
        for row in hotspots.detect(hot_orders, start, end, kept=inputs.kept, recent_tallies=inputs.recent_tallies,
                                   found=inputs.hotspot_findings):
            found.append(_shape("hotspot", row, f"{row['what']}|{row['key']}",
                                ("what", "key", "count", "expected", "p_value", "orders", "samples")))
    if "backlog" in which and inputs.backlog is not None:
        for row in backlog.judge(inputs.backlog, start, end):
            row.update(category=None, district=None, place=None, place_level=None)
            found.append(_shape("backlog", row, row["department"],
                                ("open_now", "open_before", "closure_hours_recent", "closure_hours_usual")))
    return sorted(found, key=lambda a: a["detected_at"])


def _shape(kind: str, row: dict, identity: str, evidence_keys: tuple[str, ...]) -> dict:
    """The common shape of an alert, with a key that a replay of the same period reproduces."""
    at = pd.Timestamp(row["detected_at"]).to_pydatetime().replace(microsecond=0)
    evidence = {k: _plain(row[k]) for k in evidence_keys if k in row}
    return {
        "kind": kind, "detected_at": at, "category": row.get("category"), "district": row.get("district"),
        "place": row.get("place"), "place_level": row.get("place_level"), "department": row.get("department"),
        "severity": row["severity"], "score": float(-_log10(row.get("p_value"))), "evidence": evidence,
        "dedupe_key": f"{kind}|{identity}|{at:%Y%m%d%H%M%S}",
    }


def _log10(p) -> float:
    import math

    return math.log10(max(float(p), 1e-300)) if p is not None else 0.0


def _plain(value):
    """JSON-safe evidence values (numpy and pandas types become plain Python)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v)))


@dataclass
class ScanResult:
    """What a scan found and stored."""

    found: int
    stored: int
    delivered: int
    seconds: float


class AlertService:
    """Runs the detectors over the store, keeps new alerts and sends them to the webhook."""

    def __init__(self, platform) -> None:
        self.platform = platform

    def scan(self, start: datetime, end: datetime, which: tuple[str, ...] = KINDS, deliver: bool = True,
             keep_from: datetime | None = None) -> ScanResult:
        """Replay [start, end) as if live: every alert that would have fired, stored once.

        With `keep_from`, only alerts detected from then on are kept: the time before it is replayed
        so that episodes and mutes that began there still hold (the server's continuous scan).
        New alerts are published on the live bus, for the screens.
        """
        import time

        began = time.perf_counter()
        if end <= start:
            raise InvalidInput("'to' must be after 'from'", field="to")
        unknown = [k for k in which if k not in KINDS]
        if unknown:
            raise InvalidInput(f"'kind' must be among {', '.join(KINDS)}", field="kind")
        snapshot = self.platform.reference_cache.get()
        inputs = gather(self.platform.engine, snapshot.calendar, self._city_settings().get("heating_season"),
                        start, end, which)
        found = detect_all(inputs, which)
        if keep_from is not None:
            found = [a for a in found if a["detected_at"] >= keep_from]
        stored = self._store(found, snapshot)
        delivered = self.deliver(stored) if deliver else 0
        for alert in stored:
            self.platform.live.publish({"type": "alert"} | alert_out(alert, snapshot))
        return ScanResult(len(found), len(stored), delivered, time.perf_counter() - began)

    def _city_settings(self) -> dict:
        from hotline.reference.models import City

        with self.platform.sessions() as session:
            city = session.scalars(select(City)).first()
            return dict(city.settings or {}) if city else {}

    def _store(self, found: list[dict], snapshot) -> list[Alert]:
        """Insert alerts not stored before (by dedupe key); returns the new ones."""
        now = self.platform.clock()
        with unit_of_work(self.platform.sessions) as session:
            keys = [a["dedupe_key"] for a in found]
            seen = set()
            for chunk in range(0, len(keys), 500):
                seen |= set(session.scalars(select(Alert.dedupe_key).where(Alert.dedupe_key.in_(keys[chunk:chunk + 500]))))
            fresh = [Alert(**a, title=_title(a, snapshot), created_at=now, delivery_error="")
                     for a in found if a["dedupe_key"] not in seen]
            session.add_all(fresh)
        return fresh

    def deliver(self, alerts: list[Alert]) -> int:
        """POST each alert as JSON to the webhook; failures are recorded on the alert, not raised."""
        url = self.platform.settings.alert_webhook_url
        if not url or not alerts:
            return 0
        snapshot = self.platform.reference_cache.get()
        outcomes = {}
        # The posts happen outside any transaction: a slow receiver must not hold the store's write lock.
        with httpx.Client(timeout=5.0) as client:
            for alert in alerts:
                try:
                    client.post(url, json=alert_out(alert, snapshot)).raise_for_status()
                    outcomes[alert.id] = (self.platform.clock(), "")
                except httpx.HTTPError as error:
                    outcomes[alert.id] = (None, str(error)[:500])
        with unit_of_work(self.platform.sessions) as session:
            for alert in alerts:
                row = session.get(Alert, alert.id)
                row.delivered_at, row.delivery_error = outcomes[alert.id]
                alert.delivered_at, alert.delivery_error = outcomes[alert.id]
        return sum(1 for at, _ in outcomes.values() if at is not None)

    def search(self, start: datetime | None, end: datetime | None, kind: str | None,
               limit: int = 100, offset: int = 0, newest_first: bool = False) -> tuple[int, list[Alert]]:
        """Alerts detected in [start, end), of one kind or all, oldest (or newest) first."""
        if kind is not None and kind not in KINDS:
            raise InvalidInput(f"'kind' must be one of {', '.join(KINDS)}", field="kind")
        query = select(Alert)
        if start is not None:
            query = query.where(Alert.detected_at >= start)
        if end is not None:
            query = query.where(Alert.detected_at < end)
        if kind is not None:
            query = query.where(Alert.kind == kind)
        order = (Alert.detected_at.desc(), Alert.id.desc()) if newest_first else (Alert.detected_at, Alert.id)
        with self.platform.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.scalars(query.order_by(*order).limit(limit).offset(offset)).all()
        return int(total or 0), list(rows)


def _title(alert: dict, snapshot) -> str:
    """A one-line headline in the centre's words."""
    category = snapshot.name_of("category", alert["category"]) or ""
    place = snapshot.name_of("region", alert["place"]) or snapshot.name_of("region", alert["district"]) or "全市"
    label = {"surge": "诉求激增", "emerging": "苗头性问题", "hotspot": "高频重复诉求", "backlog": "积压"}[alert["kind"]]
    if alert["kind"] == "backlog":
        return f"{label}：{snapshot.name_of('department', alert['department']) or alert['department']}"
    return f"{label}：{place}{category}"[:200]


def alert_out(alert: Alert, snapshot) -> dict:
    """An alert as the API and the webhook show it: codes and names."""
    return {
        "id": alert.id, "kind": alert.kind, "detected_at": alert.detected_at.isoformat(),
        "severity": alert.severity, "score": round(alert.score, 2), "title": alert.title,
        "category": snapshot.name_of("category", alert.category), "category_code": alert.category,
        "district": snapshot.name_of("region", alert.district), "district_code": alert.district,
        "place": snapshot.name_of("region", alert.place), "place_code": alert.place, "place_level": alert.place_level,
        "department": snapshot.name_of("department", alert.department), "department_code": alert.department,
        "evidence": alert.evidence, "delivered_at": alert.delivered_at.isoformat() if alert.delivered_at else None,
    }

