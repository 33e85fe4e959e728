"""The work-order lifecycle as a pure transition function: state + action → new state or refusal."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Protocol

from hotline.errors import Conflict, InvalidInput
from hotline.workorders.domain import OPEN_STATUSES, ROLE_ACTIONS, Action, Role, Satisfaction, Status
from hotline.workorders.intake import refuse_control_characters

MAX_EXTENSION_DAYS = 30

# From which statuses each action may be taken.
ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.DISPATCH: frozenset({Status.REGISTERED, Status.RETURNED, Status.DISPATCHED}),
    Action.SIGN: frozenset({Status.DISPATCHED}),
    Action.RETURN: frozenset({Status.DISPATCHED, Status.IN_PROGRESS}),
    Action.EXTEND: frozenset({Status.IN_PROGRESS}),
    Action.APPROVE_EXTENSION: frozenset({Status.IN_PROGRESS}),
    Action.DENY_EXTENSION: frozenset({Status.IN_PROGRESS}),
    Action.REPLY: frozenset({Status.IN_PROGRESS}),
    Action.CALLBACK: frozenset({Status.REPLIED}),
    Action.CLOSE: frozenset({Status.REGISTERED, Status.REPLIED}),
    Action.REOPEN: frozenset({Status.REPLIED, Status.CLOSED}),
    Action.SUPERVISE: OPEN_STATUSES,
    Action.MERGE: OPEN_STATUSES,
    # A co-department gives its opinion while the lead works on the order, so that the reply can cite it.
    Action.OPINION: frozenset({Status.IN_PROGRESS}),
}

# What a department does as the order's lead (主办); a co-department (协办) may not do these for it.
LEAD_ACTIONS = frozenset({Action.SIGN, Action.RETURN, Action.EXTEND, Action.REPLY})


class DeadlinePolicy(Protocol):
    """Computes an order's deadlines; the service builds one from the SLA rules and calendar."""

    def on_dispatch(self, at: datetime) -> tuple[datetime, datetime]:
        """Sign-by and finish-by deadlines for an order dispatched at `at`."""

    def extend(self, finish_due_at: datetime, days: int) -> datetime:
        """The finish-by deadline moved by `days` working days."""


@dataclass(frozen=True)
class OrderState:
    """The part of an order the lifecycle reads and writes."""

    number: str
    status: Status
    department: str | None = None
    co_departments: list[str] = field(default_factory=list)
    dispatched_at: datetime | None = None
    signed_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    sign_due_at: datetime | None = None
    finish_due_at: datetime | None = None
    extension_days: int = 0
    extension_pending_days: int | None = None
    extension_reason: str = ""
    return_reason: str = ""
    reply: str = ""
    satisfaction: str | None = None
    resolved: bool | None = None
    callback_at: datetime | None = None
    merged_into: str | None = None
    closed_directly: bool = False
    dispatch_count: int = 0
    return_count: int = 0
    reopen_count: int = 0
    supervision_count: int = 0


STATE_FIELDS = tuple(f.name for f in fields(OrderState))


def transition(
    state: OrderState, action: Action, params: dict[str, Any], at: datetime, deadlines: DeadlinePolicy,
    department: str | None = None,
) -> OrderState:
    """The state after `action`, or a Conflict/InvalidInput naming the rule or field refused.

    `department` is the acting department (a handler's); None for the centre's staff, who act for any.
    """
    if action not in ALLOWED_FROM:
        raise InvalidInput(f"'{action}' is not an action on an existing order", field="action")
    refusal = _refusal(state, action, at, department)
    if refusal is not None:
        raise refusal
    return _HANDLERS[action](state, params, at, deadlines)


def allowed_actions(state: OrderState, role: Role, at: datetime, department: str | None = None) -> list[Action]:
    """The actions `role` (of `department`, if bound to one) may take on the order as it stands at `at`.

    The same checks `transition` runs before it looks at the parameters, so the pages show only buttons
    that can work; a merge still needs an open master order, which only the service can look up.
    """
    return [action for action in ALLOWED_FROM
            if action in ROLE_ACTIONS[role] and _refusal(state, action, at, department) is None]


def part_of(state: OrderState, department: str | None) -> str | None:
    """The department's part in the order: "lead" (主办), "co" (协办), or None."""
    if department is None:
        return None
    if department == state.department:
        return "lead"
    return "co" if department in state.co_departments else None


def _refusal(state: OrderState, action: Action, at: datetime, department: str | None) -> Conflict | None:
    """Why the order as it stands refuses `action` by `department`, parameters aside; None if it is open to it."""
    allowed = ALLOWED_FROM[action]
    if state.status not in allowed:
        names = ", ".join(sorted(allowed))
        return Conflict(
            f"cannot {action} an order that is {state.status}; allowed from: {names}",
            field="status", rule=f"{action}_from_{state.status}",
        )
    part = part_of(state, department)
    if action in LEAD_ACTIONS and department is not None and part != "lead":
        return Conflict(f"only the lead department {state.department} may {action} this order",
                        field="department", rule="lead_department_only")
    # Centre staff have no department to speak for, so an opinion always names a co-department.
    if action == Action.OPINION and part != "co":
        return Conflict("only a co-department of this order may give its opinion",
                        field="department", rule="co_department_only")
    check = _PRECONDITIONS.get(action)
    return check(state, at) if check else None


def _extend_refusal(state: OrderState, at: datetime) -> Conflict | None:
    if state.extension_pending_days is not None:
        return Conflict("an extension request is already waiting for a decision", rule="one_pending_extension")
    if state.finish_due_at is not None and at > state.finish_due_at:
        return Conflict("an extension must be requested before the deadline", rule="extend_before_deadline")
    return None


def _decision_refusal(state: OrderState, at: datetime) -> Conflict | None:
    if state.extension_pending_days is None:
        return Conflict("there is no extension request to decide", rule="no_pending_extension")
    return None


def _callback_refusal(state: OrderState, at: datetime) -> Conflict | None:
    # One verdict per reply: a second callback would silently overwrite the first; reopening starts over.
    if state.callback_at is not None:
        return Conflict("the citizen has already been called back about this reply", rule="one_callback_per_reply")
    return None


def _close_refusal(state: OrderState, at: datetime) -> Conflict | None:
    if state.status == Status.REPLIED and state.callback_at is None:
        return Conflict("a replied order is closed only after the citizen's callback", rule="callback_before_close")
    return None


# Rules on the order's state beyond its status, checked before the parameters.
_PRECONDITIONS = {
    Action.EXTEND: _extend_refusal, Action.APPROVE_EXTENSION: _decision_refusal,
    Action.DENY_EXTENSION: _decision_refusal, Action.CALLBACK: _callback_refusal, Action.CLOSE: _close_refusal,
}


def changed_fields(before: OrderState, after: OrderState) -> dict[str, tuple[Any, Any]]:
    """Field → (old, new) for every field the transition changed."""
    out = {}
    for name in STATE_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            out[name] = (old, new)
    return out


def _text(params: dict[str, Any], name: str, limit: int = 2000) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"'{name}' is required and must be non-empty text", field=name)
    if len(value) > limit:
        raise InvalidInput(f"'{name}' is longer than {limit} characters", field=name)
    return refuse_control_characters(value, name).strip()


def _dispatch(state, params, at, deadlines):
    department = _text(params, "department", 32)
    co = params.get("co_departments") or []
    if not isinstance(co, list) or not all(isinstance(c, str) and c for c in co):
        raise InvalidInput("'co_departments' must be a list of department codes", field="co_departments")
    if department in co:
        raise InvalidInput("the lead department cannot also be a co-department", field="co_departments")
    sign_due, finish_due = deadlines.on_dispatch(at)
    return replace(
        state, status=Status.DISPATCHED, department=department, co_departments=list(co),
        dispatched_at=at, signed_at=None, sign_due_at=sign_due, finish_due_at=finish_due,
        extension_pending_days=None, dispatch_count=state.dispatch_count + 1,
    )


def _sign(state, params, at, deadlines):
    return replace(state, status=Status.IN_PROGRESS, signed_at=at)


def _return(state, params, at, deadlines):
    reason = _text(params, "reason", 500)
    return replace(
        state, status=Status.RETURNED, return_reason=reason, return_count=state.return_count + 1,
        extension_pending_days=None,
    )


def _extend(state, params, at, deadlines):
    days = params.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(f"'days' must be a whole number from 1 to {MAX_EXTENSION_DAYS}", field="days")
    reason = _text(params, "reason", 500)
    return replace(state, extension_pending_days=days, extension_reason=reason)


def _approve_extension(state, params, at, deadlines):
    days = state.extension_pending_days
    due = deadlines.extend(state.finish_due_at, days) if state.finish_due_at else None
    return replace(
        state, finish_due_at=due, extension_days=state.extension_days + days, extension_pending_days=None
    )


def _deny_extension(state, params, at, deadlines):
    return replace(state, extension_pending_days=None)


def _reply(state, params, at, deadlines):
    content = _text(params, "content", 5000)
    return replace(state, status=Status.REPLIED, reply=content, replied_at=at, extension_pending_days=None)


def _callback(state, params, at, deadlines):
    satisfaction = params.get("satisfaction")
    if satisfaction not in {s.value for s in Satisfaction}:
        raise InvalidInput("'satisfaction' must be satisfied, basic or dissatisfied", field="satisfaction")
    resolved = params.get("resolved")
    if not isinstance(resolved, bool):
        raise InvalidInput("'resolved' must be true or false", field="resolved")
    return replace(state, satisfaction=satisfaction, resolved=resolved, callback_at=at)


def _close(state, params, at, deadlines):
    if state.status == Status.REGISTERED:
        answer = params.get("reply") or ""
        if not isinstance(answer, str):
            raise InvalidInput("'reply' must be text", field="reply")
        return replace(state, status=Status.CLOSED, closed_at=at, closed_directly=True, reply=answer or state.reply)
    return replace(state, status=Status.CLOSED, closed_at=at)


def _reopen(state, params, at, deadlines):
    _text(params, "reason", 500)
    reset = dict(
        signed_at=None, replied_at=None, closed_at=None, satisfaction=None, resolved=None,
        callback_at=None, closed_directly=False, reopen_count=state.reopen_count + 1,
    )
    if state.department is None:
        return replace(state, status=Status.REGISTERED, **reset)
    sign_due, finish_due = deadlines.on_dispatch(at)
    return replace(
        state, status=Status.DISPATCHED, dispatched_at=at, sign_due_at=sign_due,
        finish_due_at=finish_due, dispatch_count=state.dispatch_count + 1, **reset,
    )


def _supervise(state, params, at, deadlines):
    _text(params, "note", 1000)
    return replace(state, supervision_count=state.supervision_count + 1)


def _opinion(state, params, at, deadlines):
    # The opinion changes no field of the order: it lives in its event, on the lead's timeline.
    _text(params, "opinion", 2000)
    return state


def _merge(state, params, at, deadlines):
    into = _text(params, "into", 32)
    if into == state.number:
        raise InvalidInput("an order cannot be merged into itself", field="into")
    return replace(state, status=Status.MERGED, merged_into=into, extension_pending_days=None)


_HANDLERS = {
    Action.DISPATCH: _dispatch, Action.SIGN: _sign, Action.RETURN: _return, Action.EXTEND: _extend,
    Action.APPROVE_EXTENSION: _approve_extension, Action.DENY_EXTENSION: _deny_extension,
    Action.REPLY: _reply, Action.CALLBACK: _callback, Action.CLOSE: _close, Action.REOPEN: _reopen,
    Action.SUPERVISE: _supervise, Action.MERGE: _merge, Action.OPINION: _opinion,
}


def is_overdue(state: OrderState, now: datetime) -> bool:
    """Open and past its sign-by (while unsigned) or finish-by deadline; computed, never stored."""
    if state.status not in OPEN_STATUSES:
        return False
    if state.status == Status.DISPATCHED and state.sign_due_at and now > state.sign_due_at:
        return True
    return bool(state.finish_due_at and state.status != Status.REPLIED and now > state.finish_due_at)
