"""Reading articles from Markdown, DOCX and XLSX files (one article per heading or per row)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from hotline.errors import InvalidInput

HEADING = re.compile(r"^(#{1,2})\s+(.+?)\s*#*\s*$")
META = re.compile(r"^(分类|类别|category|部门|department|生效日期|valid_from|失效日期|valid_to)\s*[:：]\s*(.+)$", re.I)
META_FIELDS = {"分类": "category", "类别": "category", "category": "category", "部门": "department",
               "department": "department", "生效日期": "valid_from", "valid_from": "valid_from",
               "失效日期": "valid_to", "valid_to": "valid_to"}
COLUMNS = {"标题": "title", "title": "title", "问题": "title", "内容": "body", "正文": "body", "答案": "body",
           "body": "body", **META_FIELDS}
MAX_BYTES = 20 * 1024 * 1024


def read_articles(filename: str, content: bytes) -> list[dict[str, Any]]:
    """Articles found in the file, by its extension: .md/.markdown/.txt, .docx or .xlsx."""
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // 2**20} MB", field="file")
    suffix = Path(filename).suffix.lower()
    try:
        if suffix in (".md", ".markdown", ".txt"):
            articles = from_markdown(content.decode("utf-8-sig"), Path(filename).stem)
        elif suffix == ".docx":
            articles = from_docx(content, Path(filename).stem)
        elif suffix in (".xlsx", ".xlsm"):
            articles = from_xlsx(content)
        else:
            raise InvalidInput(f"cannot import {suffix or 'a file without extension'}: use .md, .docx or .xlsx",
                               field="file")
    except InvalidInput:
        raise
    except Exception as error:  # a damaged file raises whatever its parser raises
        raise InvalidInput(f"cannot read {filename}: {type(error).__name__}: {error}", field="file") from None
    if not articles:
        raise InvalidInput(f"{filename} holds no article (no heading with text under it, or no rows)", field="file")
    return articles


def _article(title: str, lines: list[str]) -> dict[str, Any] | None:
    article: dict[str, Any] = {"title": title.strip()[:200]}
    body = []
    for line in lines:
        meta = META.match(line.strip())
        if meta and not body:  # metadata lines only at the top of a section
            article[META_FIELDS[meta.group(1).lower() if meta.group(1).isascii() else meta.group(1)]] = meta.group(2).strip()
        else:
            body.append(line)
    article["body"] = "\n".join(body).strip()
    return article if article["title"] and article["body"] else None


def from_markdown(text: str, default_title: str) -> list[dict[str, Any]]:
    """One article per level-1 or level-2 heading; a file without headings is one article."""
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            sections.append((heading.group(2), []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip():
            sections.append((default_title, [line]))
    return [a for title, lines in sections if (a := _article(title, lines))]


def from_docx(content: bytes, default_title: str) -> list[dict[str, Any]]:
    """One article per Heading 1/2 paragraph (标题 1/2 in Chinese Word); else the whole document."""
    import docx

    document = docx.Document(io.BytesIO(content))
    sections: list[tuple[str, list[str]]] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "").lower()
        if style.startswith(("heading 1", "heading 2", "标题 1", "标题 2", "title")) and paragraph.text.strip():
            sections.append((paragraph.text, []))
        elif sections:
            sections[-1][1].append(paragraph.text)
        elif paragraph.text.strip():
            sections.append((default_title, [paragraph.text]))
    return [a for title, lines in sections if (a := _article(title, lines))]


def from_xlsx(content: bytes) -> list[dict[str, Any]]:
    """One article per row of the first sheet; the header names title/标题 and body/内容 at least."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(v).strip().lower() if v is not None else "" for v in next(rows, ())]
    fields = [COLUMNS.get(h) or COLUMNS.get(h.lower()) for h in header]
    if "title" not in fields or "body" not in fields:
        raise InvalidInput("the first row must name a title column (标题/title) and a body column (内容/正文/body)",
                           field="file")
    articles = []
    for row in rows:
        article = {f: (v.isoformat()[:10] if hasattr(v, "isoformat") else str(v).strip())
                   for f, v in zip(fields, row) if f and v not in (None, "")}
        if article.get("title") and article.get("body"):
            articles.append(article)
    return articles
