"""Use cases on users: create, authenticate, issue and read access tokens."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.clock import Clock
from hotline.db import unit_of_work
from hotline.errors import Conflict, InvalidInput, Unauthorized
from hotline.reference.lookup import ReferenceCache
from hotline.users.actor import Actor
from hotline.users.models import User
from hotline.workorders.domain import Role

USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD = 8


class UserService:
    """Keeps users and turns passwords into tokens and tokens into actors."""

    def __init__(self, sessions: sessionmaker[Session], reference: ReferenceCache, clock: Clock,
                 secret_key: str, token_minutes: int, hasher: PasswordHasher | None = None) -> None:
        self._sessions = sessions
        self._reference = reference
        self._clock = clock
        self._secret = secret_key
        self._token_minutes = token_minutes
        self._hasher = hasher or PasswordHasher()

    def add(self, username: str, role: str, password: str, department: str | None = None,
            display_name: str = "") -> User:
        """Create a user; a handler must name its department or outside unit."""
        if not USERNAME.match(username or ""):
            raise InvalidInput("'username' must be 2-64 letters, digits, '.', '_' or '-'", field="username")
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInput(f"'role' must be one of {', '.join(Role)}", field="role") from None
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise InvalidInput(f"'password' must have at least {MIN_PASSWORD} characters", field="password")
        if role == Role.HANDLER and not department:
            raise InvalidInput("a handler must be bound to a department (--department CODE)", field="department")
        if department:
            self._reference.get().require_department(department)
        try:
            with unit_of_work(self._sessions) as session:
                user = User(username=username, role=role, department=department or None,
                            password_hash=self._hasher.hash(password), display_name=display_name or username,
                            created_at=self._clock())
                session.add(user)
                session.flush()
                return user
        except IntegrityError:
            raise Conflict(f"a user named {username!r} exists already", field="username") from None

    def list(self) -> list[User]:
        """Every user, by name."""
        with self._sessions() as session:
            return list(session.scalars(select(User).order_by(User.username)))

    def authenticate(self, username: str, password: str) -> User:
        """The active user with this password, or Unauthorized (the same message either way)."""
        if not USERNAME.match(username or ""):
            raise Unauthorized("wrong username or password")
        with self._sessions() as session:
            user = session.scalars(select(User).where(User.username == username)).first()
        try:
            if user is None or not user.active or not self._hasher.verify(user.password_hash, password):
                raise Unauthorized("wrong username or password")
        except (VerificationError, InvalidHashError):
            raise Unauthorized("wrong username or password") from None
        return user

    def issue_token(self, user: User) -> str:
        """A signed bearer token naming the user, role and department."""
        now = datetime.now(timezone.utc)
        claims = {"sub": user.username, "role": user.role, "dep": user.department,
                  "iat": now, "exp": now + timedelta(minutes=self._token_minutes)}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def actor_from_token(self, token: str) -> Actor:
        """The actor a valid token names; Unauthorized if it is forged, expired or its user is gone."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise Unauthorized("the access token is invalid or expired") from None
        with self._sessions() as session:
            user = session.scalars(select(User).where(User.username == claims.get("sub"))).first()
        if user is None or not user.active:
            raise Unauthorized("the access token's user no longer exists")
        return Actor(user.username, Role(user.role), user.department)
