"""The vocabulary of work orders: statuses, actions, channels, types, urgency, roles."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an order stands in its lifecycle."""

    REGISTERED = "registered"  # 受理
    DISPATCHED = "dispatched"  # 派单
    IN_PROGRESS = "in_progress"  # 签收, being handled
    RETURNED = "returned"  # 退单, back with the dispatcher
    REPLIED = "replied"  # 答复, waiting for the callback
    CLOSED = "closed"  # 办结
    MERGED = "merged"  # 并单 into a master order


OPEN_STATUSES = frozenset(
    {Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED, Status.REPLIED}
)


class Action(StrEnum):
    """Everything that can be done to an order; each one leaves exactly one event."""

    REGISTER = "register"
    DISPATCH = "dispatch"
    SIGN = "sign"
    RETURN = "return"
    EXTEND = "extend"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REPLY = "reply"
    CALLBACK = "callback"
    CLOSE = "close"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    MERGE = "merge"
    OPINION = "opinion"  # 协办意见: a co-department's part of the work, given to the lead department


class Channel(StrEnum):
    """How the request reached the centre."""

    PHONE = "phone"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    GRID = "grid"
    OPEN311 = "open311"
    EMAIL = "email"


class RequestType(StrEnum):
    """What the citizen asks for."""

    CONSULT = "consult"  # 咨询
    HELP = "help"  # 求助
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬


class Urgency(StrEnum):
    """How urgent the request is."""

    NORMAL = "normal"  # 一般
    URGENT = "urgent"  # 紧急
    CRITICAL = "critical"  # 特急


class Satisfaction(StrEnum):
    """The citizen's verdict at the callback."""

    SATISFIED = "satisfied"
    BASIC = "basic"
    DISSATISFIED = "dissatisfied"


class Role(StrEnum):
    """What a user does at the centre."""

    CALL_TAKER = "call_taker"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    ADMIN = "admin"


# Who may take which action. Admins may take every action.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.CALL_TAKER: frozenset({Action.REGISTER, Action.CLOSE, Action.CALLBACK, Action.MERGE}),
    Role.DISPATCHER: frozenset(
        {Action.REGISTER, Action.DISPATCH, Action.MERGE, Action.CLOSE, Action.APPROVE_EXTENSION,
         Action.DENY_EXTENSION, Action.REOPEN, Action.CALLBACK}
    ),
    Role.HANDLER: frozenset({Action.SIGN, Action.RETURN, Action.EXTEND, Action.REPLY, Action.OPINION}),
    Role.SUPERVISOR: frozenset(
        {Action.SUPERVISE, Action.APPROVE_EXTENSION, Action.DENY_EXTENSION, Action.REOPEN,
         Action.CALLBACK, Action.CLOSE}
    ),
    Role.ANALYST: frozenset(),
    Role.ADMIN: frozenset(Action),
}

# A department's part in an order: lead (主办) or co-department (协办); `any` in a filter means either.
DEPARTMENT_ROLES = ("lead", "co", "any")

# Roles that see a citizen's phone unmasked (each such read is audited).
UNMASKED_PHONE_ROLES = frozenset({Role.CALL_TAKER, Role.ADMIN})


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits stay."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
