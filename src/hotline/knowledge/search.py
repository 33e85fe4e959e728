"""Chinese full-text search of articles: BM25 over jieba words and character bigrams, in memory.

Why not FTS5 / tsvector: the ranking must be the same on SQLite and PostgreSQL (ts_rank is not BM25
and FTS5's tokenizers do not segment Chinese), and a city's knowledge base is thousands of articles,
whose index takes a few MB and answers in about a millisecond. The index is rebuilt when a cheap
signature of the table (count, newest change, sum of versions) changes, so several processes agree.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

from hotline.nlp.text import STOPWORDS, clean

TITLE_WEIGHT = 3  # a word in the title counts as three in the body
K1, B = 1.2, 0.75
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


def terms(text: str) -> list[str]:
    """Search terms: jieba's search-mode words (long words and their parts) plus character bigrams."""
    text = clean(text).lower()
    words = [w for w in jieba.cut_for_search(text) if w.strip() and w not in STOPWORDS and (len(w) > 1 or w.isalnum())]
    # Bigrams find 停水 in 停止供水-style wordings that segment differently from the query.
    bigrams = ["#" + run[i:i + 2] for run in HAN_RUN.findall(text) for i in range(len(run) - 1)]
    return words + bigrams


@dataclass(frozen=True)
class Doc:
    """What the index keeps of an article."""

    id: int
    title: str
    body: str


class Bm25Index:
    """An inverted index with BM25 scoring; built once, read by many threads."""

    def __init__(self, docs: Iterable[Doc]) -> None:
        self.docs: dict[int, Doc] = {}
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths: dict[int, int] = {}
        for doc in docs:
            counts = Counter(terms(doc.body))
            for term, n in Counter(terms(doc.title)).items():
                counts[term] += TITLE_WEIGHT * n
            self.docs[doc.id] = doc
            self.lengths[doc.id] = sum(counts.values())
            for term, n in counts.items():
                self.postings.setdefault(term, []).append((doc.id, n))
        self.average = (sum(self.lengths.values()) / len(self.lengths)) if self.lengths else 1.0

    def search(self, query: str, allowed: set[int] | None = None, limit: int = 10) -> list[tuple[int, float, list[str]]]:
        """(article id, score, matched words) best first; `allowed` restricts the candidates."""
        query_terms = set(terms(query))
        scores: dict[int, float] = {}
        matched: dict[int, list[str]] = {}
        n_docs = len(self.docs)
        for term in query_terms:
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n_docs - len(posting) + 0.5) / (len(posting) + 0.5))
            # Bigrams back words up; they must not outrank a real word match.
            weight = 0.5 if term.startswith("#") else 1.0
            for doc_id, tf in posting:
                if allowed is not None and doc_id not in allowed:
                    continue
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[doc_id] / self.average))
                scores[doc_id] = scores.get(doc_id, 0.0) + weight * idf * norm
                if not term.startswith("#"):
                    matched.setdefault(doc_id, []).append(term)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [(doc_id, round(score, 4), sorted(set(matched.get(doc_id, [])), key=len, reverse=True))
                for doc_id, score in best]


def snippet(body: str, words: list[str], width: int = 80) -> str:
    """A stretch of the body around the first matched word."""
    positions = [body.find(w) for w in words if w and body.find(w) >= 0]
    start = max(0, min(positions) - width // 4) if positions else 0
    text = body[start:start + width].replace("\n", " ")
    return ("…" if start > 0 else "") + text + ("…" if start + width < len(body) else "")
