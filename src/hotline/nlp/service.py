"""Suggestions at intake: category, request type, department, place and similar open orders."""

from __future__ import annotations

import threading
from time import perf_counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.foresight.history import KEY_SEPARATOR
from hotline.foresight.ledger import Ledger
from hotline.foresight.queries import data_span, read_orders
from hotline.nlp.duplicates import GroupingRules, OrderText, cluster, similar_open
from hotline.nlp.places import Gazetteer
from hotline.nlp.registry import ModelRegistry
from hotline.nlp.text import add_words, checked_text, has_chinese
from hotline.nlp.waves import CityHistory
from hotline.reference.lookup import ReferenceCache, Snapshot
from hotline.workorders.domain import OPEN_STATUSES
from hotline.workorders.models import WorkOrder

INCIDENT_COLUMNS = ("number", "created_at", "content", "district", "street", "community", "category", "status")
REQUEST_TYPE_NAMES = {"consult": "咨询", "help": "求助", "complaint": "投诉举报", "report": "举报", "suggestion": "建议",
                      "praise": "表扬"}
OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
STATUS_CHUNK = 500  # order numbers per status query (SQLite's bound-parameter limit is far above)


@dataclass(frozen=True)
class IncidentSnapshot:
    """Incidents as grouped at one moment: each group's orders that were open then."""

    computed_at: datetime  # the moment grouped at (in the background: the newest order's time)
    groups: list[list[str]]
    seconds: float  # how long the grouping took


class NlpService:
    """Reads the current model on each call (hot reload) and the city's gazetteer from the reference cache."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], reference: ReferenceCache,
                 models_dir: str | Path, rules: GroupingRules = GroupingRules()) -> None:
        self._engine = engine
        self._sessions = sessions
        self._reference = reference
        self.registry = ModelRegistry(models_dir)
        self.rules = rules
        self._gazetteer: tuple[int, Gazetteer] | None = None
        self._incidents: IncidentSnapshot | None = None
        # One grouping at a time: the background and a request would both extend the ledger. Re-entrant, as
        # the background refresh groups under it too.
        self._grouping = threading.RLock()

    def gazetteer(self) -> Gazetteer:
        """The gazetteer of the current reference snapshot (rebuilt when the snapshot is reloaded)."""
        snap = self._reference.get()
        if self._gazetteer is None or self._gazetteer[0] != id(snap):
            gazetteer = Gazetteer.from_snapshot(snap)
            add_words(gazetteer.words() + [d.name for d in snap.departments.values()])
            self._gazetteer = (id(snap), gazetteer)
        return self._gazetteer[1]

    def model_status(self) -> dict:
        """Whether suggestions are available, which version, and why not if not."""
        bundle = self.registry.current()
        return {"available": bundle is not None, "version": bundle.version if bundle else None,
                "trained_at": bundle.trained_at if bundle else None, "error": self.registry.error,
                "heads": sorted(bundle.heads) if bundle else []}

    def suggest(self, content: Any, district: str | None = None, street: str | None = None, k: int = 3) -> dict:
        """Top-k suggestions for one text, with probabilities and the words behind them."""
        return self.suggest_many([content], district, street, k)[0]

    def suggest_many(self, contents: list[Any], district: str | None = None, street: str | None = None,
                     k: int = 3) -> list[dict]:
        """Suggestions for many texts at once (one matrix product per head)."""
        snap = self._reference.get()
        gazetteer = self.gazetteer()
        texts = [checked_text(c) for c in contents]
        places = [gazetteer.find(t) for t in texts]
        out = []
        for text, place in zip(texts, places):
            warnings = [] if has_chinese(text) else ["the text has no Chinese: nothing to suggest from it"]
            if district:
                place.district = district
            if street:
                place.street = street
            out.append({"chars": len(text), "place": place.as_dict(gazetteer.names), "warnings": warnings,
                        "model": self.model_status()})
        bundle = self.registry.current()
        chinese = [i for i, t in enumerate(texts) if has_chinese(t)]
        if bundle is None or not chinese:
            return out
        tokens = [places[i].tokens() for i in chinese]
        matrix = bundle.features.transform([texts[i] for i in chinese], tokens)
        names, n_words = bundle.features.names, bundle.features.n_word_features
        probs = {name: head.proba(matrix) for name, head in bundle.heads.items()}
        routed = bundle.router is not None and "category" in bundle.heads
        for name, head in bundle.heads.items():
            if name == "department" and routed:
                continue  # the router answers for the department, below
            prob = probs[name]
            for row, i in enumerate(chinese):
                order = np.argsort(-prob[row])[:k]
                out[i][name] = [self._item(snap, bundle, name, head.classes[c], float(prob[row, c]),
                                           head.explain(matrix.getrow(row), c, names, n_words)) for c in order]
                if name == "category":
                    out[i]["category_l1"] = self._level1(snap, bundle, head.classes, prob[row], k)
        if routed:
            self._route(snap, bundle, matrix, probs, [places[i] for i in chinese], [out[i] for i in chinese], k)
        return out

    @staticmethod
    def _route(snap: Snapshot, bundle, matrix, probs: dict, places: list, items: list[dict], k: int) -> None:
        """Department suggestions from the city's dispatch history for the category and place, with the text."""
        router, category = bundle.router, bundle.heads["category"]
        text = bundle.heads.get("department")
        districts, streets = [p.district for p in places], [p.street for p in places]
        prob = router.proba(category.classes, probs["category"], districts, streets,
                            text.classes if text else None, probs.get("department"))
        region_names = {code: r.name for code, r in snap.regions.items()}
        region_names |= {c: snap.name_of("category", c) for c in category.classes}
        text_index = {str(c): i for i, c in enumerate(text.classes)} if text else {}
        names, n_words = bundle.features.names, bundle.features.n_word_features
        for row, item in enumerate(items):
            best_category = str(category.classes[int(np.argmax(probs["category"][row]))])
            suggestions = []
            for c in np.argsort(-prob[row])[:k]:
                code = str(router.departments[c])
                column = text_index.get(code)
                words = [] if column is None else text.explain(matrix.getrow(row), column, names, n_words)
                evidence = router.evidence(best_category, districts[row], streets[row], code)
                suggestions.append({"code": code, "name": snap.name_of("department", code),
                                    "probability": round(float(prob[row, c]), 4), "words": words,
                                    "reason": evidence.reason(region_names)})
            item["department"] = suggestions

    @staticmethod
    def _item(snap: Snapshot, bundle, head: str, code: str, probability: float, words: list[str]) -> dict:
        kind = {"category": "category", "department": "department"}.get(head)
        name = snap.name_of(kind, code) if kind else REQUEST_TYPE_NAMES.get(code, code)
        item = {"code": code, "name": name, "probability": round(probability, 4), "words": words}
        if head == "category":
            parent = bundle.category_parent.get(code, code)
            item |= {"l1": parent, "l1_name": snap.name_of("category", parent)}
        return item

    @staticmethod
    def _level1(snap: Snapshot, bundle, classes: np.ndarray, prob: np.ndarray, k: int) -> list[dict]:
        # Level-1 probabilities are sums over their level-2 children, so the two levels never disagree.
        totals: dict[str, float] = {}
        for code, p in zip(classes, prob):
            parent = bundle.category_parent.get(code, code)
            totals[parent] = totals.get(parent, 0.0) + float(p)
        best = sorted(totals.items(), key=lambda item: -item[1])[:k]
        return [{"code": c, "name": snap.name_of("category", c), "probability": round(p, 4)} for c, p in best]

    def similar_open_orders(self, content: Any, at: datetime, district: str | None = None,
                            street: str | None = None, community: str | None = None, category: str | None = None,
                            limit: int = 5) -> list[dict]:
        """Open orders at the same place within the window whose text is close: candidates for merging."""
        text = checked_text(content)
        if not (street or community):
            place = self.gazetteer().find(text)
            street, community = street or place.street, community or place.community
        if not (street or community):
            return []
        new = OrderText("", at, text, district, street, community, category)
        candidates = self._open_orders(at, self.rules.duplicate_window_hours, street=street)
        return [{"number": c.key, "created_at": c.at.isoformat(), "similarity": s, "summary": c.text[:60]}
                for c, s in similar_open(new, candidates, self.rules, limit)]

    def latest_incidents(self) -> IncidentSnapshot | None:
        """The incidents the background grouped last, or None before its first grouping."""
        return self._incidents

    def refresh_incidents(self) -> IncidentSnapshot | None:
        """Group incidents at the newest order's time and keep them, unless those kept are of that time already
        (orders closed since are dropped when served); None for a store without orders."""
        _, newest = data_span(self._engine)
        if newest is None:
            return None
        with self._grouping:
            if self._incidents is None or self._incidents.computed_at < newest:
                self._incidents = self.group_incidents(newest)
        return self._incidents

    def group_incidents(self, at: datetime) -> IncidentSnapshot:
        """The incidents at `at`, grouped now (seconds at a big store: see can_group_on_request)."""
        with self._grouping:
            began = perf_counter()
            groups = self.incidents(at)
            return IncidentSnapshot(at, groups, round(perf_counter() - began, 2))

    def can_group_on_request(self, at: datetime, max_orders: int) -> bool:
        """Whether grouping at `at` reads at most `max_orders` orders (its window and the history before it,
        which the ledger may have to keep first), so a request may wait for it."""
        since = at - timedelta(days=self.rules.lookback_days + self.rules.waves.history_days)
        read = select(WorkOrder.id).where(WorkOrder.created_at >= since, WorkOrder.created_at <= at)
        with self._sessions() as session:  # counting stops past the limit: a big store costs no more
            counted = session.scalar(select(func.count()).select_from(read.limit(max_orders + 1).subquery()))
        return counted <= max_orders

    def still_open(self, groups: list[list[str]], min_size: int = 2) -> list[list[str]]:
        """Each group's orders that are open now, for the groups that keep `min_size` of them or more."""
        keys = [key for group in groups for key in group]
        statuses: dict[str, str] = {}
        with self._sessions() as session:
            # By number alone: with the status in the query too, SQLite walks the (status, created) index
            # through every open order for each chunk (8 s for 32k numbers at 10M orders).
            for first in range(0, len(keys), STATUS_CHUNK):
                statuses.update((number, status) for number, status in session.execute(select(
                    WorkOrder.number, WorkOrder.status).where(WorkOrder.number.in_(keys[first:first + STATUS_CHUNK]))))
        return _open_members(groups, {key for key, status in statuses.items() if status in OPEN_VALUES}, min_size)

    def incidents(self, at: datetime) -> list[list[str]]:
        """Open orders up to `at` grouped into incidents (two open orders or more): local bursts, district
        surges and city-wide waves, found as the benchmark finds them over a year.

        Every order of the last `lookback_days` is read, closed ones too (they are part of a place's
        usual rate and of a wave's first days); what came before them — which pieces of text the city
        used in the year before, each district's usual share — is read from the foresight ledger,
        which is brought up to date first.
        """
        begin = datetime.combine((at - timedelta(days=self.rules.lookback_days)).date(), time.min)
        rows = read_orders(self._engine, begin, at + timedelta(seconds=1), INCIDENT_COLUMNS)
        open_now = set(rows.loc[rows["status"].isin(OPEN_VALUES), "number"])
        orders = [OrderText(number, created.to_pydatetime(), content or "", *place)
                  for number, created, content, *place in rows.drop(columns="status").itertuples(index=False)]
        groups = cluster(orders, self.rules, self._history_before(begin.date()))
        return _open_members(groups, open_now, 2)

    def _history_before(self, first_day: date) -> CityHistory | None:
        """The kept history of the days before `first_day`, or None when the store has none yet."""
        ledger = Ledger(self._engine)
        kept = ledger.span()
        wanted = first_day - timedelta(days=self.rules.waves.history_days)
        # A ledger that begins later than wanted is extended, not rebuilt: the alert scan keeps it too.
        ledger.catch_up(max(wanted, kept[0]) if kept else wanted, until=first_day - timedelta(days=1))
        kept = ledger.span()
        if kept is None or kept[1] < kept[0]:
            return None
        cells = ledger.tallies(("cell",), max(kept[0], first_day - timedelta(days=self.rules.surges.usual_days)),
                               first_day)
        parts = cells["key"].str.split(KEY_SEPARATOR, expand=True) if len(cells) else None
        counts = {} if parts is None else cells.groupby([parts[0], parts[1]])["count"].sum().to_dict()
        return CityHistory(since=datetime.combine(kept[0], time.min), runs=ledger.piece_runs(),
                           district_counts={key: int(n) for key, n in counts.items() if all(key)})

    def _open_orders(self, at: datetime, hours: float, street: str | None = None) -> list[OrderText]:
        since = at - timedelta(hours=hours)
        query = select(WorkOrder.number, WorkOrder.created_at, WorkOrder.content, WorkOrder.district,
                       WorkOrder.street, WorkOrder.community, WorkOrder.category).where(
            WorkOrder.status.in_(sorted(OPEN_VALUES)), WorkOrder.created_at >= since,
            WorkOrder.created_at <= at)
        if street:
            query = query.where(WorkOrder.street == street)
        with self._sessions() as session:
            return [OrderText(*row) for row in session.execute(query.limit(20_000))]


def _open_members(groups: list[list[str]], open_now: set[str], min_size: int) -> list[list[str]]:
    """Each group's open orders, for the groups that keep `min_size` of them or more."""
    return [mine for group in groups if len(mine := [k for k in group if k in open_now]) >= min_size]
