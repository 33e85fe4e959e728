"""Knowledge-base use cases: articles with versions, search and use logged, each in its own transaction."""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.clock import Clock
from hotline.db import unit_of_work
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.knowledge.models import KbArticle, KbArticleVersion, KbSearch
from hotline.knowledge.search import Bm25Index, Doc, snippet
from hotline.reference.lookup import ReferenceCache
from hotline.users.actor import Actor
from hotline.workorders.domain import Role
from hotline.workorders.models import WorkOrder

EDITORS = (Role.SUPERVISOR, Role.DISPATCHER)
FIELDS = ("title", "body", "category", "department", "valid_from", "valid_to")
MAX_QUERY = 200


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInput(f"'{name}' {value!r} is not an ISO date (YYYY-MM-DD)", field=name) from None


def snapshot_of(article: KbArticle) -> dict:
    """The article's fields as JSON, as stored in a version row."""
    out = {name: getattr(article, name) for name in FIELDS}
    out["valid_from"] = article.valid_from.isoformat() if article.valid_from else None
    out["valid_to"] = article.valid_to.isoformat() if article.valid_to else None
    return out | {"status": article.status}


class KnowledgeService:
    """Articles, versions, search and use logging over one store."""

    def __init__(self, sessions: sessionmaker[Session], reference: ReferenceCache, clock: Clock) -> None:
        self._sessions = sessions
        self._reference = reference
        self._clock = clock
        self._index: tuple[tuple, Bm25Index] | None = None
        self._lock = threading.Lock()

    def _validated(self, data: dict[str, Any], partial: bool) -> dict[str, Any]:
        unknown = sorted(set(data) - set(FIELDS) - {"version"})
        if unknown:
            raise InvalidInput(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
        out: dict[str, Any] = {}
        for name, limit in (("title", 200), ("body", 100_000)):
            if name in data or not partial:
                value = data.get(name)
                if not isinstance(value, str) or not value.strip():
                    raise InvalidInput(f"'{name}' is required and must be non-empty text", field=name)
                if len(value) > limit:
                    raise InvalidInput(f"'{name}' is longer than {limit} characters", field=name)
                out[name] = value.strip()
        snap = self._reference.get()
        if data.get("category") not in (None, ""):
            out["category"] = snap.resolve_category(data["category"])[1]
        elif "category" in data:
            out["category"] = None
        if data.get("department") not in (None, ""):
            out["department"] = snap.require_department(data["department"]).code
        elif "department" in data:
            out["department"] = None
        for name in ("valid_from", "valid_to"):
            if name in data:
                out[name] = _date(data[name], name)
        return out

    def create(self, actor: Actor, data: dict[str, Any]) -> KbArticle:
        """A new article at version 1."""
        actor.require_role(*EDITORS)
        fields = self._validated(data, partial=False)
        self._check_period(fields.get("valid_from"), fields.get("valid_to"))
        now = self._clock()
        with unit_of_work(self._sessions) as session:
            article = KbArticle(**fields, version=1, created_at=now, updated_at=now, updated_by=actor.username,
                                status="active")
            session.add(article)
            session.flush()
            session.add(KbArticleVersion(article_id=article.id, version=1, action="create", at=now,
                                         actor=actor.username, changed=sorted(fields), snapshot=snapshot_of(article)))
            return article

    def update(self, actor: Actor, article_id: int, data: dict[str, Any]) -> KbArticle:
        """Change fields; a stale 'version' is refused so two editors cannot overwrite each other."""
        actor.require_role(*EDITORS)
        fields = self._validated(data, partial=True)
        with unit_of_work(self._sessions) as session:
            article = self._article(session, article_id)
            expected = data.get("version")
            if expected is not None and expected != article.version:
                raise Conflict(f"the article is at version {article.version}, not {expected}; reload it",
                               field="version", rule="stale_version")
            changed = [name for name, value in fields.items() if getattr(article, name) != value]
            self._check_period(fields.get("valid_from", article.valid_from), fields.get("valid_to", article.valid_to))
            if not changed:
                return article
            return self._save(session, actor, article, fields, changed, "update")

    def set_status(self, actor: Actor, article_id: int, status: str) -> KbArticle:
        """Archive (withdraw from search) or restore an article; the history keeps it either way."""
        actor.require_role(*EDITORS)
        if status not in ("active", "archived"):
            raise InvalidInput("'status' must be active or archived", field="status")
        with unit_of_work(self._sessions) as session:
            article = self._article(session, article_id)
            if article.status == status:
                return article
            action = "archive" if status == "archived" else "restore"
            return self._save(session, actor, article, {"status": status}, ["status"], action)

    def _save(self, session: Session, actor: Actor, article: KbArticle, fields: dict, changed: list[str],
              action: str) -> KbArticle:
        now = self._clock()
        for name, value in fields.items():
            setattr(article, name, value)
        article.version += 1
        article.updated_at, article.updated_by = now, actor.username
        session.add(KbArticleVersion(article_id=article.id, version=article.version, action=action, at=now,
                                     actor=actor.username, changed=changed, snapshot=snapshot_of(article)))
        return article

    @staticmethod
    def _check_period(valid_from: date | None, valid_to: date | None) -> None:
        if valid_from and valid_to and valid_to < valid_from:
            raise InvalidInput("'valid_to' is before 'valid_from'", field="valid_to")

    @staticmethod
    def _article(session: Session, article_id: int) -> KbArticle:
        article = session.get(KbArticle, article_id)
        if article is None:
            raise NotFound(f"there is no article {article_id}", field="id")
        return article

    def get(self, article_id: int) -> KbArticle:
        """One article."""
        with self._sessions() as session:
            return self._article(session, article_id)

    def versions(self, article_id: int) -> list[KbArticleVersion]:
        """The article's history, oldest first."""
        with self._sessions() as session:
            self._article(session, article_id)
            query = select(KbArticleVersion).where(KbArticleVersion.article_id == article_id)
            return list(session.scalars(query.order_by(KbArticleVersion.version)))

    def list(self, limit: int, offset: int, status: str | None = "active") -> tuple[int, list[KbArticle]]:
        """(total, page) of articles, newest change first."""
        with self._sessions() as session:
            query = select(KbArticle)
            if status:
                query = query.where(KbArticle.status == status)
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            page = session.scalars(query.order_by(KbArticle.updated_at.desc(), KbArticle.id.desc())
                                   .limit(limit).offset(offset))
            return int(total or 0), list(page)

    def index(self) -> Bm25Index:
        """The search index, rebuilt when the articles changed (in this process or another)."""
        with self._sessions() as session:
            signature = tuple(session.execute(select(
                func.count(KbArticle.id), func.max(KbArticle.updated_at), func.sum(KbArticle.version),
                func.max(KbArticle.id))).one())
            if self._index is not None and self._index[0] == signature:
                return self._index[1]
            with self._lock:
                rows = session.execute(select(KbArticle.id, KbArticle.title, KbArticle.body))
                index = Bm25Index(Doc(*row) for row in rows)
                self._index = (signature, index)
                return index

    def search(self, actor: Actor, query: Any, limit: int = 10, category: str | None = None,
               department: str | None = None, include_expired: bool = False, order_number: str | None = None) -> dict:
        """Articles ranked for the query, valid today unless asked otherwise; the search is logged."""
        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("'q' is required: the words to search for", field="q")
        if len(query) > MAX_QUERY:
            raise InvalidInput(f"'q' is longer than {MAX_QUERY} characters", field="q")
        index = self.index()
        today = self._clock().date()
        with unit_of_work(self._sessions) as session:
            order_id = self._order_id(session, order_number)
            filters = [KbArticle.status == "active"]
            if category:
                filters.append(KbArticle.category.in_(self._category_codes(category)))
            if department:
                filters.append(KbArticle.department == department)
            if not include_expired:
                filters += [(KbArticle.valid_from.is_(None)) | (KbArticle.valid_from <= today),
                            (KbArticle.valid_to.is_(None)) | (KbArticle.valid_to >= today)]
            allowed = set(session.scalars(select(KbArticle.id).where(*filters)))
            hits = index.search(query, allowed, limit)
            log = KbSearch(at=self._clock(), username=actor.username, query=query.strip()[:MAX_QUERY],
                           hits=len(hits), order_id=order_id)
            session.add(log)
            session.flush()
            items = []
            for article_id, score, words in hits:
                doc = index.docs[article_id]
                items.append({"id": article_id, "title": doc.title, "score": score, "matched": words,
                              "snippet": snippet(doc.body, words)})
            return {"search_id": log.id, "query": query, "total": len(items), "items": items}

    def _category_codes(self, value: str) -> list[str]:
        snap = self._reference.get()
        level1, code = snap.resolve_category(value)
        if code == level1:  # a level-1 category covers its children
            return [code, *(c.code for c in snap.categories.values() if c.parent == code)]
        return [code]

    @staticmethod
    def _order_id(session: Session, order_number: str | None) -> int | None:
        if not order_number:
            return None
        order_id = session.scalar(select(WorkOrder.id).where(WorkOrder.number == order_number))
        if order_id is None:
            raise InvalidInput(f"'order' {order_number!r} is not a known order", field="order")
        return order_id

    def record_use(self, actor: Actor, article_id: int, query: str = "", order_number: str | None = None) -> KbSearch:
        """Log that an article was used (read out, sent, attached to an order)."""
        with unit_of_work(self._sessions) as session:
            self._article(session, article_id)
            return add_use(session, username=actor.username, article_id=article_id,
                           order_id=self._order_id(session, order_number), at=self._clock(), query=query)

    def import_articles(self, actor: Actor, articles: list[dict[str, Any]]) -> list[KbArticle]:
        """Create many articles in one transaction: all are checked before any is written."""
        actor.require_role(*EDITORS)
        checked = []
        for number, data in enumerate(articles, 1):
            try:
                fields = self._validated(data, partial=False)
                self._check_period(fields.get("valid_from"), fields.get("valid_to"))
            except InvalidInput as error:
                raise InvalidInput(f"article {number}: {error.message}", field=error.field) from None
            checked.append(fields)
        now = self._clock()
        with unit_of_work(self._sessions) as session:
            created = []
            for fields in checked:
                article = KbArticle(**fields, version=1, created_at=now, updated_at=now, updated_by=actor.username,
                                    status="active")
                session.add(article)
                session.flush()
                session.add(KbArticleVersion(article_id=article.id, version=1, action="create", at=now,
                                             actor=actor.username, changed=["import"], snapshot=snapshot_of(article)))
                created.append(article)
            return created


def usable_article(session: Session, article_id: int, today: date) -> KbArticle:
    """The article an answer may rest on: known, not archived and valid today; else InvalidInput on 'article_id'."""
    article = session.get(KbArticle, article_id)
    if article is None:
        raise InvalidInput(f"'article_id' {article_id} is not a known knowledge-base article", field="article_id")
    if article.status != "active":
        raise InvalidInput(f"'article_id' {article_id} is archived; answer from a current article", field="article_id")
    if (article.valid_from and article.valid_from > today) or (article.valid_to and article.valid_to < today):
        raise InvalidInput(f"'article_id' {article_id} is not valid on {today.isoformat()}", field="article_id")
    return article


def add_use(session: Session, *, username: str, article_id: int, order_id: int | None, at: datetime,
            query: str = "") -> KbSearch:
    """Add the log row of one use of an article, in the caller's transaction (never commits)."""
    use = KbSearch(at=at, username=username, query=(query or "")[:MAX_QUERY], hits=0, article_id=article_id,
                   order_id=order_id)
    session.add(use)
    return use
