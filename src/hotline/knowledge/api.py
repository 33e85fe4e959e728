"""HTTP routes of the knowledge base: search, articles with versions, uses, file import."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile

from hotline.knowledge.importers import MAX_BYTES, read_articles
from hotline.knowledge.models import KbArticle, KbArticleVersion
from hotline.knowledge.service import KnowledgeService
from hotline.web.deps import CurrentActor, PlatformDep
from hotline.workorders.schemas import iso

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])


def get_knowledge(request: Request, platform: PlatformDep) -> KnowledgeService:
    """The knowledge service of this app (one per app, so its search index is shared)."""
    service = getattr(platform, "knowledge", None) or getattr(request.app.state, "knowledge", None)
    if service is None:
        service = KnowledgeService(platform.sessions, platform.reference_cache, platform.clock)
        request.app.state.knowledge = service
    return service


KnowledgeDep = Annotated[KnowledgeService, Depends(get_knowledge)]


def article_out(article: KbArticle, zone: ZoneInfo, snap) -> dict:
    """An article as JSON."""
    return {
        "id": article.id, "title": article.title, "body": article.body, "category": article.category,
        "category_name": snap.name_of("category", article.category), "department": article.department,
        "department_name": snap.name_of("department", article.department),
        "valid_from": article.valid_from.isoformat() if article.valid_from else None,
        "valid_to": article.valid_to.isoformat() if article.valid_to else None,
        "version": article.version, "status": article.status, "created_at": iso(article.created_at, zone),
        "updated_at": iso(article.updated_at, zone), "updated_by": article.updated_by,
    }


def version_out(version: KbArticleVersion, zone: ZoneInfo) -> dict:
    """One entry of an article's history."""
    return {"version": version.version, "action": version.action, "at": iso(version.at, zone),
            "actor": version.actor, "changed": version.changed, "snapshot": version.snapshot}


def _out(platform, article: KbArticle) -> dict:
    return article_out(article, ZoneInfo(platform.settings.timezone), platform.reference_cache.get())


@router.get("/search")
def search(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep, q: str = "",
           limit: Annotated[int, Query(ge=1, le=50)] = 10, category: str | None = None,
           department: str | None = None, include_expired: bool = False, order: str | None = None) -> dict:
    """Articles ranked for the words in q (valid today unless include_expired); every search is logged."""
    return kb.search(actor, q, limit, category or None, department or None, include_expired, order or None)


@router.get("/articles")
def list_articles(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep,
                  status: str = "active", limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    """Articles, newest change first; status=archived lists withdrawn ones, status= lists all."""
    total, page = kb.list(limit, offset, status or None)
    return {"total": total, "limit": limit, "offset": offset, "items": [_out(platform, a) for a in page]}


@router.post("/articles", status_code=201)
def create_article(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep,
                   body: Annotated[dict[str, Any], Body(examples=[{"title": "供暖时间", "body": "每年10月15日至次年4月15日"}])]) -> dict:
    """A new article (supervisors, dispatchers, admins)."""
    return _out(platform, kb.create(actor, body))


@router.get("/articles/{article_id}")
def get_article(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep, article_id: int) -> dict:
    """One article."""
    return _out(platform, kb.get(article_id))


@router.patch("/articles/{article_id}")
def update_article(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep, article_id: int,
                   body: Annotated[dict[str, Any], Body()]) -> dict:
    """Change fields; send the 'version' you read to be refused (409) if someone changed it meanwhile."""
    return _out(platform, kb.update(actor, article_id, body))


@router.post("/articles/{article_id}/archive")
def archive_article(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep, article_id: int) -> dict:
    """Withdraw an article from search; its history stays."""
    return _out(platform, kb.set_status(actor, article_id, "archived"))


@router.post("/articles/{article_id}/restore")
def restore_article(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep, article_id: int) -> dict:
    """Put an archived article back into search."""
    return _out(platform, kb.set_status(actor, article_id, "active"))


@router.get("/articles/{article_id}/versions")
def article_versions(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep, article_id: int) -> dict:
    """Who changed what, oldest first, with the article as it stood after each change."""
    zone = ZoneInfo(platform.settings.timezone)
    versions = kb.versions(article_id)
    return {"total": len(versions), "items": [version_out(v, zone) for v in versions]}


@router.post("/articles/{article_id}/use", status_code=201)
def use_article(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep, article_id: int,
                body: Annotated[dict[str, Any] | None, Body()] = None) -> dict:
    """Log that the article was used to answer a citizen (optionally for an order, after a query)."""
    body = body or {}
    use = kb.record_use(actor, article_id, str(body.get("query") or ""), body.get("order") or None)
    return {"id": use.id, "article_id": article_id, "at": iso(use.at, ZoneInfo(platform.settings.timezone))}


@router.post("/import", status_code=201)
async def import_articles(platform: PlatformDep, actor: CurrentActor, kb: KnowledgeDep,
                          file: Annotated[UploadFile, File(description=".md, .docx or .xlsx")]) -> dict:
    """Create articles from a Markdown (one per heading), Word (one per heading) or Excel (one per row) file."""
    content = await file.read(MAX_BYTES + 1)
    created = kb.import_articles(actor, read_articles(file.filename or "", content))
    return {"created": len(created), "items": [_out(platform, a) for a in created]}
