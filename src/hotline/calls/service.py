"""Use cases on call records: the phone system (CTI) reports each call offered to the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.clock import Clock
from hotline.db import unit_of_work
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.calls.models import AgentShift, CallRecord
from hotline.users.actor import Actor
from hotline.workorders.domain import Role
from hotline.workorders.intake import normalise_phone
from hotline.workorders.models import WorkOrder

MAX_SECONDS = 6 * 3600
MAX_SHIFT = timedelta(hours=24)


def _seconds(data: dict, name: str) -> int:
    value = data.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SECONDS:
        raise InvalidInput(f"'{name}' must be whole seconds from 0 to {MAX_SECONDS}", field=name)
    return value


class CallService:
    """Records calls and lists them."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock,
                 publish: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._publish = publish or (lambda event: None)

    def record(self, actor: Actor, data: dict[str, Any]) -> CallRecord:
        """Store one call: caller, when it entered the queue, wait, answered or not, talk time, agent, order."""
        actor.require_role(Role.CALL_TAKER, Role.DISPATCHER)
        answered = data.get("answered")
        if not isinstance(answered, bool):
            raise InvalidInput("'answered' must be true or false", field="answered")
        wait, talk = _seconds(data, "wait_seconds"), _seconds(data, "talk_seconds")
        if not answered and talk:
            raise InvalidInput("an abandoned call has no talk time", field="talk_seconds")
        queued_at = data.get("queued_at") or self._clock()
        if not isinstance(queued_at, datetime):
            raise InvalidInput("'queued_at' must be a time", field="queued_at")
        agent = data.get("agent")
        if agent is not None and (not isinstance(agent, str) or not agent.isprintable() or len(agent) > 64):
            raise InvalidInput("'agent' must be an agent's name", field="agent")
        with unit_of_work(self._sessions) as session:
            order_id = None
            if data.get("order_number") is not None:
                number = data["order_number"]
                order_id = session.scalar(select(WorkOrder.id).where(WorkOrder.number == str(number)[:32]))
                if order_id is None:
                    raise InvalidInput(f"'order_number' {number!r} is not a known order", field="order_number")
            call = CallRecord(caller=normalise_phone(data.get("caller"), "caller"), queued_at=queued_at, wait_seconds=wait,
                              answered=answered, talk_seconds=talk, agent=agent if answered else None,
                              order_id=order_id)
            session.add(call)
        self._publish({"type": "call", "answered": answered, "wait_seconds": wait, "at": queued_at.isoformat()})
        return call

    def plan_shifts(self, actor: Actor, shifts: list[dict[str, Any]]) -> int:
        """Add agents' shifts to the roster (agent, start_at, end_at), all or none; a shift the roster
        already holds (same agent, start and end) is skipped. The number added."""
        actor.require_role(Role.SUPERVISOR, Role.ADMIN)
        wanted: dict[tuple[str, datetime, datetime], None] = {}
        for i, shift in enumerate(shifts):
            agent, start, end = shift.get("agent"), shift.get("start_at"), shift.get("end_at")
            if not isinstance(agent, str) or not agent.strip() or not agent.isprintable() or len(agent) > 64:
                raise InvalidInput("'agent' must be an agent's name (1 to 64 characters)", field=f"shifts[{i}].agent")
            for name, value in (("start_at", start), ("end_at", end)):
                if not isinstance(value, datetime):
                    raise InvalidInput(f"'{name}' must be a time", field=f"shifts[{i}].{name}")
            if not start < end <= start + MAX_SHIFT:
                raise InvalidInput("a shift ends after it starts, within 24 hours", field=f"shifts[{i}].end_at")
            wanted[(agent, start, end)] = None
        if not wanted:
            return 0
        with unit_of_work(self._sessions) as session:
            lo, hi = min(s for _, s, _ in wanted), max(s for _, s, _ in wanted)
            held = {tuple(row) for row in session.execute(select(AgentShift.agent, AgentShift.start_at, AgentShift.end_at)
                                                           .where(AgentShift.start_at >= lo, AgentShift.start_at <= hi))}
            new = [AgentShift(agent=a, start_at=s, end_at=e) for a, s, e in wanted if (a, s, e) not in held]
            session.add_all(new)
        return len(new)

    def record_callback(self, actor: Actor, call_id: int, at: datetime | None = None) -> CallRecord:
        """Mark a missed call as called back (at `at`, default now); the row's updated_at says it changed."""
        actor.require_role(Role.CALL_TAKER, Role.DISPATCHER)
        now = self._clock()
        at = now if at is None else at
        if not isinstance(at, datetime):
            raise InvalidInput("'at' must be a time", field="at")
        with unit_of_work(self._sessions) as session:
            call = session.get(CallRecord, call_id)
            if call is None:
                raise NotFound(f"there is no call {call_id}", field="call_id")
            if call.answered:
                raise Conflict("an answered call is not called back", rule="callback_missed_only")
            if not call.queued_at <= at <= now:
                raise InvalidInput("'at' must lie between the call and now", field="at")
            # Conditional, so that of two call-takers calling back at once only the first is recorded.
            marked = session.execute(
                update(CallRecord).where(CallRecord.id == call_id, CallRecord.called_back_at.is_(None))
                .values(called_back_at=at, updated_at=now).execution_options(synchronize_session=False))
            if marked.rowcount != 1:
                raise Conflict(f"call {call_id} was already called back", rule="callback_once")
            session.refresh(call)
        self._publish({"type": "call_callback", "call_id": call_id, "at": at.isoformat()})
        return call

    def recent(self, since: datetime, limit: int = 100) -> tuple[int, list[CallRecord]]:
        """(count since, the latest calls) for screens and supervisors."""
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(CallRecord).where(CallRecord.queued_at >= since))
            rows = session.scalars(select(CallRecord).where(CallRecord.queued_at >= since)
                                   .order_by(CallRecord.id.desc()).limit(limit)).all()
            return total or 0, list(rows)
