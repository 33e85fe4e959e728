"""Foresight use cases over the store: forecasts, backtests, staffing, pre-planning and 每月一题."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from hotline.db import unit_of_work
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.foresight import forecast as fc
from hotline.foresight import preplan, staffing, topics
from hotline.foresight.daytypes import day_kinds
from hotline.foresight.models import SpecialTopic, TopicTask
from hotline.foresight.queries import (calls_per_slot, daily_counts, data_span, orders_frame, recent_talk,
                                       shifts_frame)

LEVELS = {"city": (), "category": ("category_l1",), "district": ("district",),
          "category_district": ("category_l1", "district")}


def staffing_answer(day: date, slots: pd.DataFrame, aht: float, shifts: pd.DataFrame, target: staffing.Target,
                    patience_seconds: float, inbound_share: float) -> dict:
    """The staffing answer from the day's forecast half-hours (ds, mean), the handling time and the shifts:
    per half-hour the agents needed (Erlang C and A), those on duty, and the service if nothing changes."""
    rows = []
    for slot in slots.itertuples(index=False):
        begin, finish = slot.ds.to_pydatetime(), slot.ds.to_pydatetime() + timedelta(minutes=30)
        on_duty = round(int(((shifts["start_at"] < finish) & (shifts["end_at"] > begin)).sum()) * inbound_share)
        need_c = staffing.agents_erlang_c(slot.mean, aht, 1800, target)
        need_a = staffing.agents_erlang_a(slot.mean, aht, 1800, target, patience_seconds)
        now = staffing.erlang_a(slot.mean, aht, 1800, on_duty, target.answer_seconds, patience_seconds)
        rows.append({"start": begin.isoformat(), "calls": round(slot.mean, 1), "agents_erlang_c": need_c.agents,
                     "agents_erlang_a": need_a.agents, "on_duty": on_duty, "gap": need_a.agents - on_duty,
                     "answer_rate_if_unchanged": round(1 - now.abandon_rate, 4),
                     "service_level_if_unchanged": round(now.service_level, 4)})
    return {"day": day.isoformat(), "aht_seconds": round(aht, 1), "patience_seconds": patience_seconds,
            "inbound_share": inbound_share, "target": vars(target), "slots": rows}


class ForesightService:
    """Reads history from the store and runs the pure foresight functions on it."""

    def __init__(self, platform) -> None:
        self.platform = platform

    def _kinds(self, first: date, last: date) -> pd.Series:
        calendar = self.platform.reference_cache.get().calendar
        return day_kinds([first + timedelta(days=i) for i in range((last - first).days + 1)], calendar)

    def _history(self, level: str, upto: datetime | None, history_days: int) -> tuple[pd.DataFrame, datetime]:
        if level not in LEVELS:
            raise InvalidInput(f"'level' must be one of {', '.join(LEVELS)}", field="level")
        _, last = data_span(self.platform.engine)
        if last is None:
            raise NotFound("the store holds no orders to learn from")
        end = upto or datetime.combine(last.date(), datetime.min.time())
        counts = daily_counts(self.platform.engine, end - timedelta(days=history_days), end, LEVELS[level])
        keys = LEVELS[level]
        counts["unique_id"] = counts[list(keys)].astype(str).agg("|".join, axis=1) if keys else "city"
        return fc.complete(counts[["unique_id", "ds", "y"]], end=pd.Timestamp(end) - pd.Timedelta(days=1)), end

    def forecast(self, level: str = "city", horizon: int = 14, upto: datetime | None = None,
                 history_days: int = 730, hourly: bool = False) -> pd.DataFrame:
        """Order forecasts at a level (city, category, district, category_district), daily or hourly.

        The day the store's last order falls on counts as not yet complete: it is forecast too.
        """
        if not 1 <= horizon <= 30:
            raise InvalidInput("'horizon' must be 1 to 30 days", field="horizon")
        history, end = self._history(level, upto, history_days)
        kinds = self._kinds(history["ds"].min().date(), end.date() + timedelta(days=horizon))
        daily = fc.forecast(history, kinds, horizon, n_jobs=1)
        if not hourly:
            return daily
        recent = orders_frame(self.platform.engine, end - timedelta(days=56), end, ("created_at",))
        return fc.hourly(daily, fc.slot_profile(recent["created_at"], kinds, 24), kinds, 24)

    def backtest(self, level: str = "city", test_days: int = 90, horizon: int = 7,
                 history_days: int = 730) -> fc.Backtest:
        """Rolling-origin backtest of daily forecasts at a level: MASE against seasonal-naive."""
        history, end = self._history(level, None, history_days)
        kinds = self._kinds(history["ds"].min().date(), end.date() + timedelta(days=horizon))
        return fc.backtest(history, kinds, test_days, horizon)

    def staffing(self, day: date, target: staffing.Target = staffing.Target(), patience_seconds: float = 75.0,
                 wrap_seconds: float = 90.0, inbound_share: float = 1.0, history_days: int = 365) -> dict:
        """Agents needed per half-hour of a day (Erlang C and A) against those on duty.

        Handling time is the recorded talk time plus `wrap_seconds` of after-call work (the store
        does not record it); only `inbound_share` of the agents on shift answer the phone queue,
        the rest take online requests and call citizens back.
        """
        start = datetime.combine(day, datetime.min.time())
        since = start - timedelta(days=history_days)
        per_slot = calls_per_slot(self.platform.engine, since, start, 30)
        if per_slot.empty:
            raise NotFound("the store holds no calls to learn from")
        daily = per_slot.groupby(per_slot["ds"].dt.normalize())["y"].sum().reset_index()
        daily = fc.complete(daily.assign(unique_id="calls"), end=pd.Timestamp(start) - pd.Timedelta(days=1))
        kinds = self._kinds(daily["ds"].min().date(), day)
        horizon = (day - daily["ds"].max().date()).days
        predicted = fc.forecast(daily, kinds, horizon)
        slots = fc.hourly(predicted.tail(1), fc.slot_shares(per_slot, kinds, 48), kinds, 48)
        # Mean talk of the newest 20,000 answered calls with talk: a sum of integers over a count, the same
        # float as pandas' mean of those rows.
        talked, talk_seconds = recent_talk(self.platform.engine, since, start, 20000)
        aht = (talk_seconds / talked if talked else 180.0) + wrap_seconds
        shifts = shifts_frame(self.platform.engine, start, start + timedelta(days=1))
        return staffing_answer(day, slots, aht, shifts, target, patience_seconds, inbound_share)

    def preplan(self, today: date, months: int = 2) -> list[dict]:
        """Problems history says are coming in the next months, with volumes per district and departments."""
        start = datetime.combine(today, datetime.min.time())
        orders = orders_frame(self.platform.engine, start - timedelta(days=460), start,
                              ("created_at", "category", "district", "department"))
        return preplan.coming(orders, pd.Timestamp(start), months)

    def monthly_ranking(self, month: str, top: int = 10) -> list[dict]:
        """每月一题 candidates of a month (YYYY-MM), ranked by heat index."""
        try:
            start = datetime.strptime(month, "%Y-%m")
        except ValueError:
            raise InvalidInput("'month' must be YYYY-MM", field="month") from None
        orders = orders_frame(self.platform.engine, start - timedelta(days=95), start + timedelta(days=32),
                              ("number", "created_at", "closed_at", "category", "district", "community",
                               "department", "satisfaction", "reopen_count"))
        return topics.rank(orders, month, top)

    def create_topic(self, body: dict, username: str) -> SpecialTopic:
        """Make a ranked problem a special topic with a lead department, co-departments and tasks."""
        snapshot = self.platform.reference_cache.get()
        for field in ("month", "title", "lead_department"):
            if not body.get(field):
                raise InvalidInput(f"'{field}' is required", field=field)
        lead, co = _departments(snapshot, body["lead_department"], body.get("co_departments", []))
        tasks = [_task(snapshot, i, task) for i, task in enumerate(_task_items(body))]
        with unit_of_work(self.platform.sessions) as session:
            topic = SpecialTopic(month=body["month"], title=body["title"][:200], category=body.get("category"),
                                 district=body.get("district"), lead_department=lead, co_departments=co, status="open",
                                 heat_index=float(body.get("heat_index", 0)), evidence=body.get("evidence", {}),
                                 description=body.get("description", ""), created_at=self.platform.clock(),
                                 created_by=username)
            session.add(topic)
            session.flush()
            for task in tasks:
                task.topic_id = topic.id
            session.add_all(tasks)
        return topic

    def update_topic(self, topic_id: int, body: dict) -> dict:
        """Change a topic's status, title, description, lead and co-departments, and add or update its tasks.

        `tasks`: items with an `id` change that task (title, department, due_on, done); items without
        one are new tasks. Everything is checked before anything is written.
        """
        unknown = set(body) - {"status", "title", "description", "lead_department", "co_departments", "tasks"}
        if unknown:
            raise InvalidInput(f"'{sorted(unknown)[0]}' cannot be changed", field=sorted(unknown)[0])
        snapshot = self.platform.reference_cache.get()
        now = self.platform.clock()
        with unit_of_work(self.platform.sessions) as session:
            topic = session.get(SpecialTopic, topic_id)
            if topic is None:
                raise NotFound(f"special topic {topic_id} does not exist")
            status = body.get("status", topic.status)
            if status not in topics.TOPIC_STATUSES:
                raise InvalidInput(f"'status' must be one of {', '.join(topics.TOPIC_STATUSES)}", field="status")
            if not topics.allowed_status_change(topic.status, status):
                raise Conflict(f"a topic that is {topic.status} cannot become {status}", field="status")
            title = body.get("title", topic.title)
            if not isinstance(title, str) or not title.strip():
                raise InvalidInput("'title' must be a non-empty text", field="title")
            lead, co = _departments(snapshot, body.get("lead_department", topic.lead_department),
                                    body.get("co_departments", topic.co_departments))
            existing = {t.id: t for t in session.scalars(select(TopicTask).where(TopicTask.topic_id == topic_id))}
            changes, added = [], []
            for i, item in enumerate(_task_items(body)):
                if item.get("done") is not None and not isinstance(item["done"], bool):
                    raise InvalidInput(f"'tasks[{i}].done' must be true or false", field=f"tasks[{i}].done")
                if "id" in item:
                    if item["id"] not in existing:
                        raise InvalidInput(f"'tasks[{i}].id' {item['id']!r} is not a task of this topic", field=f"tasks[{i}].id")
                    task = existing[item["id"]]
                    merged = {"title": task.title, "department": task.department, "due_on": task.due_on.isoformat()} | item
                    changes.append((task, _task(snapshot, i, merged), item.get("done")))
                else:
                    added.append((_task(snapshot, i, item), item.get("done")))
            description = body.get("description", topic.description)
            if not isinstance(description, str):
                raise InvalidInput("'description' must be a text", field="description")
            topic.status, topic.title, topic.description = status, title[:200], description
            topic.lead_department, topic.co_departments = lead, co
            for task, checked, done in changes:
                task.title, task.department, task.due_on = checked.title, checked.department, checked.due_on
                if done is not None:
                    task.done_at = (task.done_at or now) if done else None
            for checked, done in added:
                checked.topic_id, checked.done_at = topic_id, now if done else None
                session.add(checked)
        return next(t for t in self.topics() if t["id"] == topic_id)

    def topics(self) -> list[dict]:
        """Every special topic with its tasks and its volume before and after it was chosen."""
        with self.platform.sessions() as session:
            rows = session.scalars(select(SpecialTopic).order_by(SpecialTopic.id)).all()
            tasks = session.scalars(select(TopicTask).order_by(TopicTask.due_on)).all()
        out = []
        for topic in rows:
            chosen = topic.created_at
            counts = daily_counts(self.platform.engine, chosen - timedelta(days=30), chosen + timedelta(days=30),
                                  ("category", "district"))
            mine = counts[(counts["category"] == topic.category) | (topic.category is None)]
            if topic.district:
                mine = mine[mine["district"] == topic.district]
            series = mine.groupby("ds")["y"].sum()
            out.append({"id": topic.id, "month": topic.month, "title": topic.title, "category": topic.category,
                        "district": topic.district, "lead_department": topic.lead_department,
                        "co_departments": topic.co_departments, "status": topic.status, "heat_index": topic.heat_index,
                        "tasks": [{"id": t.id, "title": t.title, "department": t.department,
                                   "due_on": t.due_on.isoformat(), "done": t.done_at is not None,
                                   "done_at": t.done_at.isoformat() if t.done_at else None}
                                  for t in tasks if t.topic_id == topic.id],
                        "volumes": topics.before_after(series, pd.Timestamp(chosen.date()))})
        return out


def _task_items(body: dict) -> list[dict]:
    """The body's tasks, checked to be a list of objects (their fields are checked by _task)."""
    items = body.get("tasks", [])
    if not isinstance(items, list):
        raise InvalidInput("'tasks' must be a list", field="tasks")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(f"'tasks[{i}]' must be an object", field=f"tasks[{i}]")
    return items


def _departments(snapshot, lead: str, co: list) -> tuple[str, list[str]]:
    """A topic's lead and co-departments, each a known department, the lead not among the others."""
    snapshot.require_department(lead, "lead_department")
    if not isinstance(co, list):
        raise InvalidInput("'co_departments' must be a list", field="co_departments")
    for code in co:
        snapshot.require_department(code, "co_departments")
    if lead in co:
        raise InvalidInput("the lead department cannot also be a co-department", field="co_departments")
    return lead, list(dict.fromkeys(co))


def _task(snapshot, i: int, task: dict) -> TopicTask:
    """A checked task (not yet attached to a topic)."""
    try:
        due = date.fromisoformat(task["due_on"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"'tasks[{i}].due_on' must be a date", field=f"tasks[{i}].due_on") from None
    title = task.get("title", "")
    if not isinstance(title, str) or not title.strip():
        raise InvalidInput(f"'tasks[{i}].title' must be a non-empty text", field=f"tasks[{i}].title")
    snapshot.require_department(task.get("department", ""), f"tasks[{i}].department")
    return TopicTask(title=title[:200], department=task["department"], due_on=due)
