"""Who is acting: the part of a user the rules need (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.errors import Forbidden
from hotline.workorders.domain import ROLE_ACTIONS, UNMASKED_PHONE_ROLES, Action, Role


@dataclass(frozen=True)
class Actor:
    """A signed-in user, or a system process acting under a named role."""

    username: str
    role: Role
    department: str | None = None

    @property
    def sees_unmasked_phone(self) -> bool:
        """Whether this role reads citizens' phones unmasked (each read is audited)."""
        return self.role in UNMASKED_PHONE_ROLES

    @property
    def department_scope(self) -> str | None:
        """The one department whose orders this actor is limited to, if any."""
        return self.department if self.role == Role.HANDLER else None

    def require(self, action: Action) -> None:
        """Refuse an action this role may not take."""
        if action not in ROLE_ACTIONS[self.role]:
            raise Forbidden(f"the role {self.role} may not {action} orders", rule="role_actions")

    def require_role(self, *roles: Role) -> None:
        """Refuse unless the actor has one of these roles (admins always pass)."""
        if self.role != Role.ADMIN and self.role not in roles:
            raise Forbidden(f"the role {self.role} may not do this", rule="role_required")


SYSTEM = Actor("system", Role.ADMIN)
