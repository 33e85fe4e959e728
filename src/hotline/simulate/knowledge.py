"""The knowledge base: articles per category, and call-takers' searches in it (hits and gaps)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hotline.simulate.tables import dict_col, ts
from hotline.simulate.texts import Groups
from hotline.simulate.timeaxis import DAY, day_number


def articles(model, rng) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """A few hundred articles; returns the table and each category's (first id, count)."""
    pack, kb = model.pack, model.pack.phrases["kb"]
    lo, hi = model.sim["knowledge"]["articles_per_category"]
    rows, first, count = [], np.zeros(pack.n_cat, np.int64), np.zeros(pack.n_cat, np.int64)
    for ci, name in enumerate(pack.cat_names):
        k = int(rng.integers(lo, hi + 1))
        first[ci], count[ci] = len(rows) + 1, k
        for j in range(k):
            dept = int(model.catalogue.units[ci, int(rng.integers(len(pack.street_codes))), 0])
            valid_from = model.start - timedelta(days=int(rng.integers(30, 1200)))
            expired = rng.random() < 0.12
            title = kb["titles"][(j + ci) % len(kb["titles"])].format(cat=name, dept=pack.dept_names[dept], year=valid_from.year)
            body = kb["bodies"][int(rng.integers(len(kb["bodies"])))].format(cat=name, dept=_dept_name(model, dept))
            created = day_number(valid_from) * DAY + 9 * 3600
            updated = created + int(rng.integers(0, 400)) * DAY
            rows.append((len(rows) + 1, title, body, pack.cat_codes[ci], pack.dept_codes[dept], valid_from.isoformat(),
                         (valid_from + timedelta(days=int(rng.integers(200, 700)))).isoformat() if expired else None,
                         int(rng.integers(1, 5)), created, min(updated, model.horizon - DAY)))
    cols = list(zip(*rows))
    table = pa.table({
        "id": pa.array(cols[0], pa.int64()), "title": pa.array(cols[1]), "body": pa.array(cols[2]),
        "category": pa.array(cols[3]), "department": pa.array(cols[4]), "valid_from": pa.array(cols[5], pa.string()),
        "valid_to": pa.array(cols[6], pa.string()), "version": pa.array(cols[7], pa.int32()),
        "created_at": ts(np.array(cols[8])), "updated_at": ts(np.array(cols[9])),
        "updated_by": pa.array(["kbadmin"] * len(rows)),
    })
    return table, first, count


def _dept_name(model, dept: int) -> str:
    return model.pack.dept_names[dept]


class Searches:
    """Query strings per category (and per new-problem vocabulary, which the KB does not know)."""

    def __init__(self, model):
        kb, pack = model.pack.phrases["kb"], model.pack
        cats = model.pack.phrases["categories"]
        groups = []
        for ci, name in enumerate(pack.cat_names):
            shorts = cats.get(pack.cat_codes[ci], {}).get("s") or [name]
            groups.append([q.format(cat=name, short=s) for q in kb["queries"] for s in shorts[:3]])
        self.n_cat = pack.n_cat
        for inc_name in model.texts.incident_sets:
            entry = (pack.phrases.get("incidents") or {}).get(inc_name) or {"s": [inc_name]}
            groups.append(list(entry["s"]))
        self.queries = Groups(groups)
        self.gaps = Groups([kb["gaps"]])

    def table(self, model, rng, sk, ids, created_by, first_article, n_article) -> dict:
        """Searches by call-takers while taking phone orders; some find nothing (knowledge gaps)."""
        k = model.sim["knowledge"]
        rows = np.flatnonzero((sk["channel"] == 0) & (rng.random(len(ids)) < float(k["search_share"])))
        cat = sk["cat"][rows]
        inc = sk["incident"][rows]
        new_problem = np.zeros(len(rows), bool)
        group = cat.astype(np.int64)
        for j, incident in enumerate(model.incidents):
            if incident.kind == "new_problem":
                hit = inc == j
                new_problem |= hit
                group = np.where(hit, self.n_cat + model.vocab_index[incident.vocabulary], group)
        gap = new_problem | (rng.random(len(rows)) < float(k["no_hit_share"]))
        query = self.queries.pick(rng, group)
        gap_q = self.gaps.pick(rng, np.zeros(len(rows), np.int64))
        query = pa.chunked_array([query]).combine_chunks()
        query = pc.if_else(pa.array(gap & ~new_problem), gap_q, query)
        hits = np.where(gap, 0, n_article[cat] + rng.integers(0, 4, len(rows)))
        used = ~gap & (rng.random(len(rows)) < 0.7)
        article = first_article[cat] + (rng.random(len(rows)) * n_article[cat]).astype(np.int64)
        at = sk["created"][rows] - rng.integers(20, 120, len(rows))
        keep = at < model.horizon
        return {
            "at": ts(at[keep]),
            "username": dict_col(created_by[rows][keep], model.actors.names),
            "query": query.filter(pa.array(keep)),
            "hits": pa.array(hits[keep].astype(np.int32)),
            "article_id": pa.array(article[keep], mask=~used[keep]),
            "order_id": pa.array(ids[rows][keep]),
        }
