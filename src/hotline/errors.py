"""Domain errors; the web face maps them to HTTP in one place (hotline.web.errors)."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse; `field` names the input at fault, when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule


class InvalidInput(DomainError):
    """A value that is malformed or out of range."""

    status_code = 422


class NotFound(DomainError):
    """The thing asked for does not exist, or this user may not know it exists."""

    status_code = 404


class Forbidden(DomainError):
    """The user's role may not do this."""

    status_code = 403


class Conflict(DomainError):
    """The action does not fit the current state (an illegal transition, a concurrent change)."""

    status_code = 409


class NotReady(DomainError):
    """The answer is being prepared in the background and is not there yet: ask again later."""

    status_code = 503


class Unauthorized(DomainError):
    """No valid credentials."""

    status_code = 401
