"""Training the suggestion heads from the store's closed orders, and evaluating on labelled files."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.errors import InvalidInput
from hotline.nlp.classifier import Head, fit_head
from hotline.nlp.counting import forked_map, usable_workers
from hotline.nlp.evaluation import evaluate_split, read_table, scores
from hotline.nlp.features import TextFeatures
from hotline.nlp.places import Gazetteer
from hotline.nlp.prior import DEFAULT_PACK
from hotline.nlp.registry import Bundle, ModelRegistry
from hotline.nlp.routing import DepartmentRouter, fit_router
from hotline.nlp.text import add_words
from hotline.reference.models import Category, Department, Region
from hotline.workorders.models import WorkOrder

HEADS = ("category", "request_type", "department")
MIN_PER_CLASS = 3
ROUTER_HELD_OUT = 20_000  # orders the router's blend is chosen on (at most)
# The newest closed orders learnt from: the dispatch history counts them all (a million is the bench
# store's whole history). The text heads read the newest TEXT_ROWS of them: on the bench store, held-out
# top-1/top-3 of every head were level from 200,000 to 931,000 orders (within 0.001), while the text
# matrix's time and memory grow with every order (bench/nlp_bench.py --train-store).
MAX_ROWS = 1_000_000
TEXT_ROWS = 300_000


def _sessions(sessions_or_url: sessionmaker[Session] | str) -> sessionmaker[Session]:
    if isinstance(sessions_or_url, str):
        from hotline.db import make_engine, make_session_factory

        return make_session_factory(make_engine(sessions_or_url))
    return sessions_or_url


def load_closed_orders(sessions: sessionmaker[Session], max_rows: int) -> dict[str, list]:
    """The newest closed orders, columnar: text, place tokens and the three labels."""
    columns = (WorkOrder.content, WorkOrder.district, WorkOrder.street, WorkOrder.category,
               WorkOrder.request_type, WorkOrder.department)
    query = (select(*columns).where(WorkOrder.status == "closed")
             .order_by(WorkOrder.closed_at.desc()).limit(max_rows))
    out: dict[str, list] = {"text": [], "places": [], "category": [], "request_type": [], "department": [],
                            "district": [], "street": []}
    with sessions() as session:
        # Plain rows in batches, transposed into columns: no ORM objects, and no per-row work but the places.
        result = session.connection().execute(query)
        while batch := result.fetchmany(50_000):
            content, district, street, category, request_type, department = zip(*batch)
            # Only the citizen's words: suggestions are made at intake, before anyone writes a summary.
            out["text"].extend(content)
            out["places"].extend(" ".join(t for t in (d and f"D{d}", s and f"S{s}") if t)
                                 for d, s in zip(district, street))
            for name, column in (("category", category), ("request_type", request_type),
                                 ("department", department), ("district", district), ("street", street)):
                out[name].extend(column)
    return out


def train(sessions_or_url: sessionmaker[Session] | str, models_dir: str | Path, max_rows: int = MAX_ROWS,
          seed: int = 0, text_rows: int = TEXT_ROWS) -> dict:
    """Fit every head on the store's newest closed orders and make the result the current model.

    The router counts `max_rows` orders' dispatch history; the text heads read the newest `text_rows`.
    """
    sessions = _sessions(sessions_or_url)
    began = time.perf_counter()
    data = load_closed_orders(sessions, max_rows)
    loaded = time.perf_counter() - began
    with sessions() as session:
        parents = {c.code: c.parent or c.code for c in session.scalars(select(Category))}
        # The service teaches jieba the city's names before segmenting; training must segment alike.
        gazetteer = Gazetteer([{"code": r.code, "name": r.name, "level": r.level, "parent": r.parent,
                                "aliases": r.aliases} for r in session.scalars(select(Region))])
        add_words(gazetteer.words() + list(session.scalars(select(Department.name))))
    summary = train_columns(data, parents, models_dir, seed, text_rows=text_rows)
    return {**summary, "seconds_load": round(loaded, 1)}


def train_columns(data: dict[str, list], category_parent: dict[str, str], models_dir: str | Path,
                  seed: int = 0, workers: int | None = None, text_rows: int | None = None) -> dict:
    """Fit every head on columnar orders (text, places, category, request_type, department) and save.

    The text heads read the first `text_rows` orders (all when None; the store's come newest first), the
    department router's history all of them. `workers` processes (default: usable_workers()) count the
    texts and fit the heads.
    """
    started = time.perf_counter()
    if len(data["text"]) < 20:
        raise InvalidInput(f"only {len(data['text'])} closed orders to learn from; at least 20 are needed",
                           field="db")
    workers = usable_workers() if workers is None else workers
    n_text = len(data["text"]) if text_rows is None else max(20, min(text_rows, len(data["text"])))
    features = TextFeatures()
    matrix = features.fit_transform(data["text"][:n_text], data["places"][:n_text], workers=workers)
    featured = time.perf_counter()
    # The heads are independent: each core fits its share, reading the one matrix they share.
    fitted = forked_map(lambda name: _head(name, data[name][:n_text], matrix, seed), list(HEADS), workers)
    heads = {name: head for name, (head, _) in zip(HEADS, fitted) if head is not None}
    seconds = {name: took for name, (_, took) in zip(HEADS, fitted)}
    headed = time.perf_counter()
    router = _router(data, matrix, heads, seed)
    registry = ModelRegistry(models_dir)
    summary = {
        "orders": len(data["text"]), "text_orders": n_text, "features": int(matrix.shape[1]),
        "heads": {n: {"classes": len(h.classes), **h.metrics, "seconds": seconds[n]} for n, h in heads.items()},
        "workers": workers,
        "router": router.metrics if router else None,
        "seconds_features": round(featured - started, 1),
        "seconds_heads": round(headed - featured, 1),
        "seconds_router": round(time.perf_counter() - headed, 1),
        "seconds_total": round(time.perf_counter() - started, 1),
    }
    bundle = Bundle(version=registry.next_version(), trained_at=datetime.now().isoformat(timespec="seconds"),
                    features=features, heads=heads, category_parent=category_parent, summary=summary,
                    router=router)
    path = registry.save(bundle)
    return {"version": bundle.version, "file": str(path), **summary}


def _head(name: str, labels: list, matrix, seed: int) -> tuple[Head | None, float]:
    """One head fitted on the rows whose label is known and not too rare, and the seconds it took."""
    began = time.perf_counter()
    labels = np.asarray(labels, dtype=object)
    counts = Counter(label for label in labels if label)
    rows = np.flatnonzero([bool(label) and counts[label] >= MIN_PER_CLASS for label in labels])
    if len(rows) < 20 or len(counts) < 2:
        return None, 0.0
    head = fit_head(name, matrix, labels[rows].astype(str), seed=seed, rows=None if len(rows) == len(labels) else rows)
    return head, round(time.perf_counter() - began, 1)


def _router(data: dict[str, list], matrix, heads: dict[str, Head], seed: int) -> DepartmentRouter | None:
    """The department router, when the orders carry their place and a category model was trained."""
    if "district" not in data or "category" not in heads or sum(bool(u) for u in data["department"]) < 20:
        return None
    rng = np.random.default_rng(seed)
    n = matrix.shape[0]  # the blend is chosen on orders the heads have features for
    held_out = np.sort(rng.permutation(n)[: min(ROUTER_HELD_OUT, max(n // 10, 10))])
    # The heads were fitted on these rows too, so their say is a little optimistic here; the history,
    # which would otherwise be certain of every row, is counted without them (see fit_router).
    category = heads["category"]
    department = heads.get("department")
    rows = matrix[held_out]
    return fit_router(data, category.classes, category.proba(rows),
                      department.classes if department else None, department.proba(rows) if department else None,
                      held_out)


def columns_from_table(table) -> dict[str, list]:
    """Training columns from an Arrow/pandas table of closed orders in the store's column names."""
    frame = table.to_pandas() if hasattr(table, "to_pandas") else table
    frame = frame[frame["status"] == "closed"]
    return {
        "text": frame["content"].fillna("").tolist(),
        "places": [" ".join(t for t in (d and f"D{d}", s and f"S{s}") if t)
                   for d, s in zip(frame["district"].tolist(), frame["street"].tolist())],
        "category": frame["category"].tolist(), "request_type": frame["request_type"].tolist(),
        "department": frame["department"].tolist(),
        "district": frame["district"].tolist(), "street": frame["street"].tolist(),
    }


def evaluate(input_file: str | Path, text_cols: Sequence[str], label_col: str, train_file: str | Path | None = None,
             models_dir: str | Path | None = None, baseline: bool = False, prior: str | None = DEFAULT_PACK) -> dict:
    """Accuracy, macro-F1 and per-class scores on a labelled file.

    With train_file, our pipeline (and, with baseline, the plain character-TF-IDF + SVM) is fitted on it
    first (`prior`: the city pack of its catalogue prior, None for none); without, the current trained
    model is used, its head chosen by the labels it knows.
    """
    if not text_cols:
        raise InvalidInput("give at least one text column", field="text-col")
    texts, labels = read_table(input_file, text_cols, label_col)
    if train_file is not None:
        train_texts, train_labels = read_table(train_file, text_cols, label_col)
        if len(set(train_labels)) < 2:
            raise InvalidInput("the training file needs at least two labels", field="train")
        return evaluate_split(train_texts, train_labels, texts, labels, baseline=baseline, prior=prior)
    if models_dir is None:
        raise InvalidInput("no --train file and no models folder to take a trained model from", field="train")
    registry = ModelRegistry(models_dir)
    bundle = registry.current()
    if bundle is None:
        raise InvalidInput(registry.error or "no trained model", field="train")
    head, mapped = _head_for(bundle, labels)
    prob = head.proba(bundle.features.transform(texts))
    predicted = head.classes[prob.argmax(axis=1)]
    if head.name == "category" and mapped == "l1":
        predicted = np.array([bundle.category_parent.get(c, c) for c in predicted], dtype=object)
    return {"head": head.name, "model_version": bundle.version, **scores(labels, predicted)}


def _head_for(bundle: Bundle, labels: np.ndarray) -> tuple[Head, str]:
    wanted = set(labels)
    best, best_overlap = None, 0.0
    for head in bundle.heads.values():
        candidates = {"codes": set(head.classes)}
        if head.name == "category":
            candidates["l1"] = {bundle.category_parent.get(c, c) for c in head.classes}
        for mapped, known in candidates.items():
            overlap = len(wanted & known) / len(wanted)
            if overlap > best_overlap:
                best, best_overlap = (head, mapped), overlap
    if best is None or best_overlap < 0.5:
        raise InvalidInput("the labels match no head of the trained model (category, request type, department "
                           "codes); pass --train to fit on a file instead", field="label-col")
    return best
