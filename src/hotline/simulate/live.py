"""The live trickle: today's simulated requests arrive in real time through the real intake path,
and open orders move along their lifecycle, so that screens move while you watch."""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from hotline.errors import DomainError
from hotline.platform import Platform
from hotline.reference.citypack import resolve_pack_path
from hotline.simulate.generate import generate
from hotline.simulate.profile import standing
from hotline.users.actor import Actor
from hotline.workorders.domain import Role, Status
from hotline.workorders.models import WorkOrder

log = logging.getLogger(__name__)
INTAKE_FIELDS = ("channel", "content", "summary", "citizen_phone", "citizen_name", "address", "district",
                 "street", "community", "category", "request_type", "urgency", "lat", "lon")
# How long an order waits, at least, before its next step is taken (minutes), by status.
STEP_AFTER = {Status.REGISTERED: 3, Status.RETURNED: 10, Status.DISPATCHED: 20, Status.IN_PROGRESS: 90,
              Status.REPLIED: 60}
DISPATCHER = Actor("dispatcher01", Role.DISPATCHER)
SUPERVISOR = Actor("supervisor01", Role.SUPERVISOR)


class LiveTrickle:
    """Replays today's generated requests at their times and advances open orders, in a thread."""

    def __init__(self, platform: Platform, city: str = "jinchang", seed: int = 7, scale: float = 1.0,
                 steps_per_tick: int = 3, tick_seconds: float = 2.0) -> None:
        self._platform = platform
        self._pack = resolve_pack_path(city)
        self._seed = seed
        self._scale = scale
        self._steps = steps_per_tick
        self._tick = tick_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queue: list[dict[str, Any]] = []
        self._calls: list[dict[str, Any]] = []
        self._day = None
        self._random = random.Random(seed)
        self.created = 0
        self.moved = 0

    def start(self) -> None:
        """Run in a daemon thread until stop()."""
        self._thread = threading.Thread(target=self._run, name="live-trickle", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the trickle must never take the server down
                log.exception("live trickle tick failed")
            self._stop.wait(self._tick)

    def tick(self) -> None:
        """One step: arrivals due by now, then a few lifecycle moves."""
        now = self._platform.clock()
        if self._day != now.date():
            self._plan_day(now)
        self._arrive(now)
        self._advance(now)

    def _plan_day(self, now: datetime) -> None:
        day = now.date()
        data = generate(self._pack, day, 1, self._seed * 1000 + day.toordinal() % 1000, self._scale)
        # Orders registered before this moment today are already in the store (or arrive at once).
        with self._platform.sessions() as session:
            today_known = session.scalar(select(WorkOrder.id).where(
                WorkOrder.created_at >= datetime.combine(day, datetime.min.time())).limit(1))
        rows = data.work_orders.select(["id", "created_at", *INTAKE_FIELDS, "closed_directly"]).to_pylist()
        self._queue = [r for r in rows if not today_known or r["created_at"] > now.strftime("%Y-%m-%d %H:%M:%S")]
        self._calls = [c for c in data.call_records.to_pylist() if c["order_id"] is None]
        # The day's roster is planned ahead: the agents on duty are known before their calls come.
        self._platform.calls.plan_shifts(SUPERVISOR, [
            {"agent": s["agent"], "start_at": datetime.fromisoformat(s["start_at"]),
             "end_at": datetime.fromisoformat(s["end_at"])} for s in data.agent_shifts.to_pylist()])
        self._day = day

    def _arrive(self, now: datetime) -> None:
        stamp = now.strftime("%Y-%m-%d %H:%M:%S")
        while self._queue and self._queue[0]["created_at"] <= stamp:
            row = self._queue.pop(0)
            at = datetime.fromisoformat(row["created_at"])
            agent = Actor(f"agent{row['id'] % 20 + 1:02d}", Role.CALL_TAKER)
            data = {k: row[k] for k in INTAKE_FIELDS if row[k] not in (None, "")}
            try:
                order, _ = self._platform.orders.create(agent, data, at=at)
                if row["channel"] == "phone":
                    self._platform.calls.record(agent, {
                        "caller": row["citizen_phone"], "queued_at": at - timedelta(seconds=90),
                        "wait_seconds": self._random.randint(2, 25), "answered": True,
                        "talk_seconds": self._random.randint(60, 300), "agent": agent.username,
                        "order_number": order.number})
                if row["closed_directly"]:
                    self._platform.orders.act(agent, order.number, "close", {"reply": "已在电话中解答"}, at=at)
                self.created += 1
            except DomainError as error:
                log.warning("live order refused: %s", error.message)
        while self._calls and self._calls[0]["queued_at"] <= stamp:
            call = self._calls.pop(0)
            data = {k: call[k] for k in ("caller", "wait_seconds", "answered", "talk_seconds", "agent")}
            data["queued_at"] = datetime.fromisoformat(call["queued_at"])
            try:
                self._platform.calls.record(Actor("cti", Role.CALL_TAKER), data)
            except DomainError as error:
                log.warning("live call refused: %s", error.message)

    def _advance(self, now: datetime) -> None:
        with self._platform.sessions() as session:
            due = []
            for status, minutes in STEP_AFTER.items():
                due += session.execute(
                    select(WorkOrder.number, WorkOrder.status, WorkOrder.department, WorkOrder.category,
                           WorkOrder.category_l1, WorkOrder.district, WorkOrder.street, WorkOrder.content,
                           WorkOrder.callback_at, WorkOrder.satisfaction)
                    .where(WorkOrder.status == status, WorkOrder.updated_at <= now - timedelta(minutes=minutes))
                    .order_by(WorkOrder.updated_at).limit(self._steps)).all()
        self._random.shuffle(due)
        for row in due[: self._steps]:
            try:
                self._step(row, now)
                self.moved += 1
            except DomainError as error:
                log.info("live step refused for %s: %s", row.number, error.message)

    def _step(self, row, now: datetime) -> None:
        orders, r = self._platform.orders, self._random.random()
        if row.status in (Status.REGISTERED, Status.RETURNED):
            orders.act(DISPATCHER, row.number, "dispatch", {"department": self._department_for(row)}, at=now)
            return
        handler = Actor(f"handler-{row.department}", Role.HANDLER, row.department)
        if row.status == Status.DISPATCHED:
            if r < 0.05:
                orders.act(handler, row.number, "return", {"reason": "不属于本单位职责范围"}, at=now)
            else:
                orders.act(handler, row.number, "sign", {}, at=now)
        elif row.status == Status.IN_PROGRESS:
            orders.act(handler, row.number, "reply", {"content": "经核实，已安排人员现场处理，问题已解决。"}, at=now)
        elif row.callback_at is None:
            satisfaction = "satisfied" if r < 0.85 else "basic" if r < 0.95 else "dissatisfied"
            orders.act(SUPERVISOR, row.number, "callback",
                       {"satisfaction": satisfaction, "resolved": satisfaction != "dissatisfied"}, at=now)
        elif row.satisfaction == "dissatisfied":
            orders.act(SUPERVISOR, row.number, "reopen", {"reason": "回访不满意，重新办理"}, at=now)
        else:
            orders.act(SUPERVISOR, row.number, "close", {}, at=now)

    def _department_for(self, row) -> str:
        """The catalogue's unit for the category and place; among equals, the one the citizen names."""
        snap = self._platform.reference_cache.get()
        units = sorted((d for d in snap.departments.values() if d.active), key=lambda d: d.code)
        ranked = standing(row.category or "", row.category_l1 or "", row.street, row.district,
                          [(d.kind, d.region or "", set(d.categories or [])) for d in units])
        leads = [units[i] for i, weight in ranked if weight == ranked[0][1]]
        named = [d for d in leads if any(name in (row.content or "") for name in [d.name, *(d.aliases or [])])]
        return (named or leads)[0].code
