"""Orders, events and calls agree with each other and with the lifecycle's rules."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pyarrow.compute as pc

from hotline.workorders.lifecycle import ALLOWED_FROM


def test_events_agree_with_orders(year):
    wo, ev = year.work_orders, year.order_events
    oid = np.array(ev["order_id"].to_pylist())
    assert (np.diff(oid) >= 0).all()  # events of an order are consecutive, in order
    action = np.array(ev["action"].to_pylist())
    to_s = np.array(ev["to_status"].to_pylist())
    from_s = np.array(ev["from_status"].to_pylist(), dtype=object)
    at = np.array(ev["at"].to_pylist())
    first = np.r_[True, oid[1:] != oid[:-1]]
    assert (action[first] == "register").all()
    assert (from_s[~first] == to_s[np.flatnonzero(~first) - 1]).all()
    assert (at[~first] >= at[np.flatnonzero(~first) - 1]).all()
    for act in np.unique(action[~first]):
        allowed = {str(s) for s in ALLOWED_FROM[act]}
        assert set(from_s[~first & (action == act)]) <= allowed, act
    ids = np.array(wo["id"].to_pylist())
    pos = np.searchsorted(ids, oid)
    n = len(ids)

    def per_order(mask):
        return np.bincount(pos[mask], minlength=n)

    def col(name):
        return np.array(wo[name].to_pylist())

    assert (per_order((action == "dispatch") | (action == "reopen")) == col("dispatch_count")).all()
    assert (per_order(action == "return") == col("return_count")).all()
    assert (per_order(action == "reopen") == col("reopen_count")).all()
    assert (per_order(action == "supervise") == col("supervision_count")).all()
    last = np.r_[np.flatnonzero(first)[1:] - 1, len(oid) - 1]
    assert (to_s[last] == col("status")).all()
    assert (at[last] == col("updated_at")).all()
    assert (at[first] == col("created_at")).all()
    closed = col("status") == "closed"
    assert all(v is not None for v in np.array(wo["closed_at"].to_pylist(), dtype=object)[closed])
    cb = np.array(wo["callback_at"].to_pylist(), dtype=object)
    sat = np.array(wo["satisfaction"].to_pylist(), dtype=object)
    assert ((cb == None) == (sat == None)).all()  # noqa: E711
    # The mix of lives: closed directly, returned, extended, reopened, supervised, still open.
    assert 0.08 <= col("closed_directly").mean() <= 0.2
    assert (col("return_count") > 0).mean() > 0.02
    assert (col("extension_days") > 0).sum() > 100
    assert (col("reopen_count") > 0).sum() > 50
    assert (col("supervision_count") > 0).sum() > 100
    recent = col("created_at") >= "2023-12-29"
    assert (col("status")[recent] != "closed").mean() > 0.5
    due = np.array(wo["finish_due_at"].to_pylist(), dtype=object)
    dispatched = np.array(wo["dispatched_at"].to_pylist(), dtype=object)
    assert all(d is None or f is not None for d, f in zip(dispatched, due))


def test_identifiers_and_texts(year):
    wo = year.work_orders
    numbers = wo["number"].to_pylist()
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"GD\d{8}\d{6}", n) for n in numbers[:5000])
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in wo["citizen_phone"].to_pylist()[:5000])
    counters = dict(zip(year.order_counters["day"].to_pylist(), year.order_counters["last"].to_pylist()))
    assert counters["20231021"] == sum(n.startswith("GD20231021") for n in numbers)
    content = wo["content"].to_pylist()
    assert len(set(content)) > 0.8 * len(content)  # many phrasings, places and times
    assert pc.min(pc.utf8_length(wo["content"])).as_py() >= 8
    assert all(s for s in wo["summary"].to_pylist()[:5000])
    assert any("社区" in c and "栋" in c for c in content[:200])


def test_same_seed_same_bytes():
    import hashlib

    import pyarrow as pa

    from hotline.simulate import generate
    from tests.simulate.conftest import PACK

    def digest(seed):
        data = generate(PACK, date(2023, 10, 20), 15, seed, 0.5)
        out = {}
        for name, table in data.tables().items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            out[name] = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
        return out

    a, b = digest(3), digest(3)
    assert a == b
    assert digest(4)["work_orders"] != a["work_orders"]
