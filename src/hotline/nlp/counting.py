"""Counting the n-grams of a million orders for the text vectorisers: in parts, on every core, merged exactly.

scikit-learn counts a vectoriser's vocabulary one text at a time in one process, keeping every column
index in a Python list (a gigabyte for a million orders' character n-grams). Here the cleaned texts are
counted in parts of `PART_ROWS`, in forked processes when more than one core is free, each part with
the vectoriser's own counting; the parts' vocabularies are then merged into one numbering, which gives
the counts scikit-learn's single pass would give (it sorts and prunes the columns afterwards, and that
step is left to it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import jieba
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from hotline.nlp.text import clean, tokenize

PART_ROWS = 50_000
_job: Callable | None = None  # what a forked worker runs (given at its start, never pickled)


class BlockTokenizer:
    """`tokenize`, remembered per run of Chinese, letters and digits for the span of one fit.

    jieba cuts each such run (its `re_han_default` blocks) on its own, and the filters after it look at
    one word at a time, so a text's words are its runs' words in order: the same tokens as `tokenize`.
    Citizens' messages repeat their phrases: a million orders hold a few percent distinct runs.
    """

    def __init__(self) -> None:
        self.words: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for block in jieba.re_han_default.split(text):
            if block:
                words = self.words.get(block)
                if words is None:
                    words = self.words[block] = tokenize(block)
                out.extend(words)
        return out


def free_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def forked_map(function: Callable, items: list, workers: int = 1) -> list:
    """[function(item) for item in items], over `workers` forked processes when more than one.

    Forked workers see the caller's memory as it is (a million orders' matrix is shared, not copied), and
    jieba's dictionary with the city's names; only the items and the results travel between processes.
    A worker that dies (the out-of-memory killer) fails the call with BrokenProcessPool, never hangs it.
    """
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ProcessPoolExecutor(min(workers, len(items)), mp_context=get_context("fork"),
                             initializer=_set_job, initargs=(function,)) as pool:
        return list(pool.map(_run_job, items))


def usable_workers() -> int:
    """Processes a fit may fork: one per free core, or one when this process runs other threads (a fork
    copies a lock another thread may hold, and the child can wait on it for ever)."""
    return 1 if threading.active_count() > 1 else free_cores()


def _set_job(function: Callable) -> None:
    global _job  # set in each forked worker only: callers in several threads never share it
    _job = function


def _run_job(item):
    return _job(item)


def count_in_parts(texts: list[str], vectorizers: list[CountVectorizer],
                   workers: int = 1) -> list[tuple[dict[str, int], sp.csr_matrix]]:
    """Per vectoriser, (vocabulary, counts) as its `_count_vocab` would give them for all the cleaned texts."""
    parts = [texts[i:i + PART_ROWS] for i in range(0, len(texts), PART_ROWS)] or [[]]
    counted = forked_map(lambda part: _count_part(vectorizers, parts[part]), list(range(len(parts))), workers)
    merged = []
    for k in range(len(vectorizers)):
        block = [part[k] for part in counted]
        for part in counted:
            part[k] = None  # each part's counts are freed once merged
        merged.append(_merged(block))
    return merged


def _count_part(vectorizers: list[CountVectorizer], texts: list[str]) -> list[tuple[list[str], sp.csr_matrix]]:
    cleaned = [clean(t) for t in texts]
    out = []
    for vectorizer in vectorizers:
        try:
            vocabulary, counts = CountVectorizer._count_vocab(vectorizer, cleaned, False)
        except ValueError:  # a part with no words at all; only the whole set having none is an error
            vocabulary, counts = {}, sp.csr_matrix((len(cleaned), 0), dtype=vectorizer.dtype)
        out.append((list(vocabulary), sp.csr_matrix(counts)))  # terms in the order of their columns
    return out


def _merged(parts: list[tuple[list[str], sp.csr_matrix]]) -> tuple[dict[str, int], sp.csr_matrix]:
    vocabulary: dict[str, int] = {}
    renumbered = []
    for terms, counts in parts:
        # 32-bit column numbers, as scikit-learn's own: the matrix's indices are half its memory.
        column = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms), dtype=np.int32,
                             count=len(terms))
        renumbered.append((counts.data, column[counts.indices], counts.indptr, counts.shape[0]))
    width = len(vocabulary)
    if not width:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    merged = sp.vstack([sp.csr_matrix((data, indices, indptr), shape=(rows, width))
                        for data, indices, indptr, rows in renumbered], format="csr")
    merged.sort_indices()
    return vocabulary, merged
