"""Use cases on work orders; each validates first, then runs in one transaction it owns."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from hotline.clock import Clock
from hotline.db import unit_of_work
from hotline.errors import Conflict, DomainError, InvalidInput, NotFound
from hotline.knowledge import service as knowledge
from hotline.reference.lookup import ReferenceCache, Snapshot
from hotline.users.actor import Actor
from hotline.workorders import repository
from hotline.workorders.deadlines import SlaDeadlines, select_rule
from hotline.workorders.domain import OPEN_STATUSES, Action, Status
from hotline.workorders.intake import NewOrder, normalise_phone, validate_new_order
from hotline.workorders.lifecycle import STATE_FIELDS, OrderState, changed_fields, part_of, transition
from hotline.workorders.models import OrderEvent, WorkOrder

# Free-text parameters recorded in the event as said, though they are not fields of the order.
EVENT_NOTES = ("note", "reason", "opinion")
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: a bigger one is refused, not a server error


class OrderService:
    """Registers orders, moves them through their lifecycle and reads them, role rules applied."""

    def __init__(self, sessions: sessionmaker[Session], reference: ReferenceCache, clock: Clock, prefix: str,
                 publish: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._sessions = sessions
        self._publish = publish or (lambda event: None)
        self._reference = reference
        self._clock = clock
        self._prefix = prefix

    def create(self, actor: Actor, data: dict[str, Any], idempotency_key: str | None = None,
               at: datetime | None = None) -> tuple[WorkOrder, bool]:
        """Register a request as a new order; (order, created) — a known key returns the first order."""
        actor.require(Action.REGISTER)
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 128:
            raise InvalidInput("the Idempotency-Key header must be 1 to 128 characters", field="Idempotency-Key")
        new = validate_new_order(data)
        snap = self._reference.get()
        order_fields = self._place_and_category(snap, new)
        at = at or self._clock()
        try:
            with unit_of_work(self._sessions) as session:
                if idempotency_key is not None:
                    existing = repository.by_idempotency_key(session, idempotency_key)
                    if existing is not None:
                        return existing, False
                order = WorkOrder(
                    number=repository.next_number(session, at.strftime("%Y%m%d"), self._prefix),
                    channel=new.channel, request_type=new.request_type, content=new.content,
                    summary=new.summary, citizen_name=new.citizen_name, citizen_phone=new.citizen_phone,
                    address=new.address, lat=new.lat, lon=new.lon, urgency=new.urgency,
                    status=Status.REGISTERED, co_departments=[], created_at=at, updated_at=at,
                    created_by=actor.username, idempotency_key=idempotency_key, **order_fields,
                )
                session.add(order)
                session.flush()
                repository.add_event(session, OrderEvent(
                    order_id=order.id, at=at, actor=actor.username, actor_role=actor.role,
                    action=Action.REGISTER, from_status=None, to_status=Status.REGISTERED,
                    changes={k: v for k, v in order_fields.items() if v is not None} | {"channel": new.channel},
                ))
        except IntegrityError:
            if idempotency_key is None:
                raise
            # Another request with the same key won the race: return its order.
            with self._sessions() as session:
                existing = repository.by_idempotency_key(session, idempotency_key)
            if existing is None:
                raise
            return existing, False
        self._announce(order, Action.REGISTER)
        return order, True

    @staticmethod
    def _place_and_category(snap: Snapshot, new: NewOrder) -> dict[str, Any]:
        district = snap.resolve_region(new.district, "district")
        street = snap.resolve_region(new.street, "street", district)
        community = snap.resolve_region(new.community, "community", street)
        if street and district is None:
            district = snap.regions[street].parent
        if community and street is None:
            street = snap.regions[community].parent
            district = district or snap.regions[street].parent
        category_l1, category = snap.resolve_category(new.category)
        return dict(district=district, street=street, community=community,
                    category_l1=category_l1, category=category)

    def act(self, actor: Actor, number: str, action: str, params: dict[str, Any],
            at: datetime | None = None) -> WorkOrder:
        """Take one lifecycle action on an order; refused actions leave the order untouched."""
        return self.act_on_many(actor, [number], action, params, at, name_each=False)[0]

    def act_on_many(self, actor: Actor, numbers: list[str], action: str, params: dict[str, Any],
                    at: datetime | None = None, *, name_each: bool = True) -> list[WorkOrder]:
        """Take one action on several orders together (an incident dispatched or closed as one): all in
        one transaction, each order through the same lifecycle rules as alone; if the rules refuse any
        order, none is changed and the error names that order."""
        action = self._allowed(actor, action)
        if len(set(numbers)) != len(numbers):
            raise InvalidInput("'numbers' names an order more than once", field="numbers")
        snap = self._reference.get()
        self._check_references(snap, action, params)
        article_id = _article_id(params) if action == Action.CLOSE else None
        at = at or self._clock()
        acted: dict[int, WorkOrder] = {}
        try:
            with unit_of_work(self._sessions) as session:
                # Locked in one order whatever the caller's: two batches sharing orders cannot deadlock.
                for index in sorted(range(len(numbers)), key=numbers.__getitem__):
                    try:
                        order = self._visible(session, actor, numbers[index], lock=True)
                        self._apply(session, snap, actor, order, action, params, article_id, at)
                    except DomainError as error:
                        if not name_each:
                            raise
                        # A fault of a value the caller gave keeps its name; any other is this order's.
                        field = error.field if error.field in params else f"numbers[{index}]"
                        raise type(error)(f"order {numbers[index]}: {error.message}", field=field,
                                          rule=error.rule) from None
                    acted[index] = order
        except StaleDataError:
            raise Conflict("an order was changed by someone else meanwhile; reload and try again",
                           rule="concurrent_change") from None
        orders = [acted[index] for index in range(len(numbers))]
        for order in orders:
            self._announce(order, action)
        return orders

    @staticmethod
    def _allowed(actor: Actor, name: str) -> Action:
        try:
            action = Action(name)
        except ValueError:
            raise NotFound(f"there is no action {name!r}", field="action") from None
        if action == Action.REGISTER:
            raise NotFound("register is done by creating an order", field="action")
        actor.require(action)
        return action

    def _apply(self, session: Session, snap: Snapshot, actor: Actor, order: WorkOrder, action: Action,
               params: dict[str, Any], article_id: int | None, at: datetime) -> None:
        if action == Action.MERGE:
            self._check_master(session, actor, order, params)
        if article_id is not None:
            answer = knowledge.usable_article(session, article_id, at.date()).body
            params = params if params.get("reply") else params | {"reply": answer}  # the article's answer
        before = state_of(order)
        rule = select_rule(snap.sla_rules, order.category, order.category_l1, order.urgency, order.request_type)
        after = transition(before, action, params, at, SlaDeadlines(rule, snap.calendar),
                           department=actor.department_scope)
        diff = changed_fields(before, after)
        for name, (_, new) in diff.items():
            setattr(order, name, new)
        order.updated_at = at
        if "co_departments" in diff:
            repository.set_co_departments(session, order.id, after.co_departments)
        changes = {name: _jsonable(new) for name, (_, new) in diff.items()}
        changes |= {k: params[k] for k in EVENT_NOTES if isinstance(params.get(k), str)}
        if action == Action.OPINION:  # whose opinion it is: the event's department is the lead's
            changes["co_department"] = actor.department_scope
        if article_id is not None:
            changes["article_id"] = article_id
        repository.add_event(session, OrderEvent(
            order_id=order.id, at=at, actor=actor.username, actor_role=actor.role, action=action,
            from_status=before.status, to_status=after.status, department=order.department,
            changes=changes,
        ))
        if article_id is not None:  # so that the knowledge analytics count the closure with an article
            knowledge.add_use(session, username=actor.username, article_id=article_id, order_id=order.id, at=at)

    def _announce(self, order: WorkOrder, action: Action) -> None:
        # After the commit, so that screens never show a change that was rolled back; no personal data.
        self._publish({
            "type": "order", "action": str(action), "number": order.number, "status": order.status,
            "channel": order.channel, "district": order.district, "category": order.category,
            "category_l1": order.category_l1, "department": order.department,
            "co_departments": list(order.co_departments or []), "summary": order.summary,
            "at": order.updated_at.isoformat(),
        })

    @staticmethod
    def _check_references(snap: Snapshot, action: Action, params: dict[str, Any]) -> None:
        if action == Action.DISPATCH:
            if isinstance(params.get("department"), str):
                snap.require_department(params["department"])
            co = params.get("co_departments") or []
            for code in co if isinstance(co, list) else []:
                if isinstance(code, str):
                    snap.require_department(code, "co_departments")

    @staticmethod
    def _check_master(session: Session, actor: Actor, order: WorkOrder, params: dict[str, Any]) -> None:
        into = params.get("into")
        if not isinstance(into, str) or into == order.number:
            return  # the lifecycle names the fault
        master = repository.by_number(session, into)
        if master is None or (actor.department_scope and master.department != actor.department_scope):
            raise InvalidInput(f"'into' {into!r} is not a known order", field="into")
        if master.status not in OPEN_STATUSES:
            raise Conflict(f"the master order {into} is {master.status}; merge only into an open order",
                           field="into", rule="merge_into_open")

    def _visible(self, session: Session, actor: Actor, number: str, *, lock: bool = False) -> WorkOrder:
        if len(number) > 32 or not number.isprintable():
            raise NotFound(f"there is no order {number!r}", field="number")
        order = repository.by_number(session, number, lock=lock)
        scope = actor.department_scope
        if order is None or (scope and part_of(state_of(order), scope) is None):
            raise NotFound(f"there is no order {number!r}", field="number")
        return order

    def get(self, actor: Actor, number: str) -> WorkOrder:
        """One order as this actor may see it; unmasked reads are audited."""
        with unit_of_work(self._sessions) as session:
            order = self._visible(session, actor, number)
            if actor.sees_unmasked_phone:
                repository.record_personal_reads(session, actor.username, [order.id], self._clock())
            return order

    def events(self, actor: Actor, number: str) -> list[OrderEvent]:
        """The order's timeline."""
        with self._sessions() as session:
            order = self._visible(session, actor, number)
            return repository.events_of(session, order.id)

    def search(self, actor: Actor, filters: repository.OrderFilter, limit: int, offset: int) -> tuple[int, list[WorkOrder]]:
        """(total, page) of the orders this actor may see that match the filters."""
        if filters.department_role and not (filters.department or actor.department_scope):
            raise InvalidInput("'department_role' needs a 'department' to apply to", field="department_role")
        with unit_of_work(self._sessions) as session:
            total, page = repository.search(
                session, filters, department_scope=actor.department_scope, limit=limit, offset=offset
            )
            if actor.sees_unmasked_phone and page:
                repository.record_personal_reads(session, actor.username, [o.id for o in page], self._clock())
            return total, page

    def track(self, number: str, phone: str) -> tuple[WorkOrder, list[OrderEvent]]:
        """A citizen's own order, found by number and the phone it was registered with; else NotFound."""
        try:
            phone = normalise_phone(phone)
        except InvalidInput:
            raise NotFound("no request matches this number and phone", field="number") from None
        with self._sessions() as session:
            order = repository.by_number(session, number) if len(number) <= 32 and number.isprintable() else None
            if order is None or order.citizen_phone != phone:
                raise NotFound("no request matches this number and phone", field="number")
            return order, repository.events_of(session, order.id)


def state_of(order: WorkOrder) -> OrderState:
    """The lifecycle's view of a stored order."""
    values = {name: getattr(order, name) for name in STATE_FIELDS}
    values["status"] = Status(order.status)
    values["co_departments"] = list(order.co_departments or [])
    return OrderState(**values)


def _article_id(params: dict[str, Any]) -> int | None:
    """The knowledge-base article a closing answer rests on, if one is named."""
    value = params.get("article_id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROW_ID:
        raise InvalidInput("'article_id' must be the id (a whole number) of a knowledge-base article", field="article_id")
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, OrderState):
        return asdict(value)
    return value

