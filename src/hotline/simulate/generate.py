"""Generation month by month: each chunk is a SimulatedData of Arrow tables, ids continuing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from hotline.simulate import calls as calls_mod
from hotline.simulate import knowledge, lifecycle, tables
from hotline.simulate.orders import Model, skeleton
from hotline.simulate.profile import CHANNELS
from hotline.simulate.timeaxis import DAY, day_number
from hotline.simulate.vocab import Actors, Changes

TABLES = ("work_orders", "order_events", "call_records", "agent_shifts", "kb_articles", "kb_searches", "order_counters")


@dataclass
class SimulatedData:
    """Columnar simulated data (Arrow tables, store column names) and the incidents' truth."""

    work_orders: pa.Table
    order_events: pa.Table
    call_records: pa.Table
    agent_shifts: pa.Table
    kb_articles: pa.Table
    kb_searches: pa.Table
    order_counters: pa.Table
    incidents: list[dict] = field(default_factory=list)

    def tables(self) -> dict[str, pa.Table]:
        """The tables by store table name."""
        return {name: getattr(self, name) for name in TABLES}


def build_model(pack_dir, start: date, days: int, seed: int, scale: float, overrides: dict | None = None) -> Model:
    """The run's fixed model: pack arrays, rates, incidents, actors and the frequent callers."""
    model = Model(pack_dir, start, days, seed, scale, overrides)
    model.max_layers = calls_mod.max_layers(model.sim, scale)
    teams = int(model.sim["staffing"]["teams"])
    model.actors = Actors(teams * model.max_layers, model.pack.dept_codes)
    tx = model.texts
    model.changes = Changes(CHANNELS, model.pack.dept_codes, tx.return_reasons.to_pylist(),
                            model.sim["handling"]["extension_days"], tx.extension_reasons.to_pylist())
    rng = np.random.default_rng([seed, 1])
    c = model.sim["citizens"]
    pool = max(int(float(model.sim["base_daily_orders"]) * scale * days * float(c["pool_per_1000_orders"]) / 1000), 10)
    model.pool_phones = rng.integers(13_000_000_000, 20_000_000_000, pool)
    # A frequent caller makes at most max_orders_per_day orders on average, however big the city.
    per_day = c.get("max_orders_per_day")  # a pack without it: no cap
    cap = float(per_day) / (float(c["repeat_share"]) * float(model.sim["base_daily_orders"]) * scale) if per_day else 1.0
    model.pool_cum = np.cumsum(caller_shares(pool, float(c["zipf"]), cap))
    model.pool_cum[-1] = 1.0
    model.masters = {}
    model.rng_jitter = lambda n: np.random.default_rng([seed, n, 3]).standard_normal((2, n))
    return model


def _month_chunks(start: date, days: int) -> Iterator[tuple[date, int]]:
    end = start + timedelta(days=days)
    first = start
    while first < end:
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        stop = min(nxt, end)
        yield first, (stop - first).days
        first = stop


def _numbers(created: np.ndarray, prefix: str) -> tuple[pa.Array, pa.Table]:
    """'GD' + YYYYMMDD + per-day 6-digit sequence; and the last number used per day."""
    day = created // DAY
    n = len(day)
    new_day = np.ones(n, dtype=bool)
    new_day[1:] = day[1:] != day[:-1]
    starts = np.flatnonzero(new_day)
    seq = np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n))) + 1
    d = day.astype("datetime64[D]")
    ymd = ((d.astype("datetime64[Y]").astype(np.int64) + 1970) * 10000
           + (d.astype("datetime64[M]").astype(np.int64) % 12 + 1) * 100
           + (d - d.astype("datetime64[M]")).astype(np.int64) + 1)
    # Fixed width (years 1000-9999): the digits are written straight into one byte buffer.
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars = np.empty((n, len(pre) + 14), dtype=np.uint8)
    chars[:, : len(pre)] = pre
    chars[:, len(pre):] = 48 + (ymd * 1_000_000 + seq)[:, None] // 10 ** np.arange(13, -1, -1, dtype=np.int64) % 10
    numbers = tables.fixed_width(chars)
    last = np.append(starts[1:] - 1, n - 1) if n else np.array([], dtype=np.int64)
    counters = pa.table({"day": pa.array(ymd[last]).cast(pa.string()), "last": pa.array(seq[last].astype(np.int32))})
    return numbers, counters


def chunks(pack_dir, start: date, days: int, seed: int, scale: float = 1.0, *, overrides: dict | None = None,
           prefix: str = "GD", model: Model | None = None) -> Iterator[SimulatedData]:
    """Generate the run month by month; each chunk holds only its own rows (memory stays bounded)."""
    model = model or build_model(pack_dir, start, days, seed, scale, overrides)
    ids = {k: 1 for k in ("order", "event", "call", "shift", "search")}
    carry = {"created": np.zeros(0, np.int64), "id": np.zeros(0, np.int64), "phone": np.zeros(0, np.int64)}
    kb_table, kb_first, kb_count = knowledge.articles(model, np.random.default_rng([seed, 2]))
    searches = knowledge.Searches(model)
    for k, (first, n_days) in enumerate(_month_chunks(start, days)):
        rng = np.random.default_rng([seed, day_number(first), 11])
        sk = skeleton(model, rng, first, n_days)
        n = len(sk["created"])
        order_ids = np.arange(ids["order"], ids["order"] + n, dtype=np.int64)
        numbers, counters = _numbers(sk["created"], prefix)
        phones = calls_mod.citizen_phones(model, rng, n)
        # Incidents: burst duplicates are merged into the first order of their burst.
        is_dup = np.zeros(n, dtype=bool)
        master = np.full(n, None, dtype=object)
        inc = sk["incident"]
        for j, incident in enumerate(model.incidents):
            rows = np.flatnonzero(inc == j)
            if not len(rows):
                continue
            incident.orders.extend(numbers.take(pa.array(rows)).to_pylist())
            if incident.merged_share > 0:
                if incident.id not in model.masters:
                    model.masters[incident.id] = numbers[int(rows[0])].as_py()
                    rows = rows[1:]
                dup = rows[rng.random(len(rows)) < incident.merged_share]
                is_dup[dup] = True
                master[dup] = model.masters[incident.id]
        tx = model.texts
        group = sk["cat"].astype(np.int64)
        for j, incident in enumerate(model.incidents):
            if incident.vocabulary in model.vocab_index:
                group = np.where(inc == j, model.pack.n_cat + model.vocab_index[incident.vocabulary], group)
        address, spoken = tx.addresses(rng, sk["comm"])
        content, summary = tx.content(rng, group, sk["rtype"], spoken, sk["dept"], sk["cued"])
        cr = calls_mod.simulate_calls(model, rng, first, n_days, sk["created"], sk["channel"], phones, order_ids, carry)
        created_by = np.where(cr["created_by"] >= 0, cr["created_by"], model.actors.desk0 + rng.integers(0, 4, n))
        lc = lifecycle.simulate(model, rng, sk, created_by, is_dup, model.changes, model.actors)
        master_arr = pa.array(master.tolist(), pa.string())
        wo = tables.orders_table(model, sk, lc, order_ids, numbers, master_arr,
                                 {"content": content, "summary": summary, "address": address},
                                 pa.array(phones).cast(pa.string()), tx.names(phones))
        ev = tables.events_table(model, sk, lc, order_ids, master_arr, rng)
        ev = ev.add_column(0, "id", pa.array(np.arange(ids["event"], ids["event"] + ev.num_rows, dtype=np.int64)))
        calls_t = pa.table(cr["calls"])
        calls_t = calls_t.add_column(0, "id", pa.array(np.arange(ids["call"], ids["call"] + calls_t.num_rows, dtype=np.int64)))
        shifts = pa.table(cr["shifts"])
        shifts = shifts.add_column(0, "id", pa.array(np.arange(ids["shift"], ids["shift"] + shifts.num_rows, dtype=np.int64)))
        ks = pa.table(searches.table(model, rng, sk, order_ids, created_by, kb_first, kb_count))
        ks = ks.add_column(0, "id", pa.array(np.arange(ids["search"], ids["search"] + ks.num_rows, dtype=np.int64)))
        ids["order"] += n
        ids["event"] += ev.num_rows
        ids["call"] += calls_t.num_rows
        ids["shift"] += shifts.num_rows
        ids["search"] += ks.num_rows
        # Follow-up calls of the next month may be about orders of this month's last days.
        cutoff = (day_number(first) + n_days - 12) * DAY
        old = carry["created"] >= cutoff
        new = sk["created"] >= cutoff
        carry = {"created": np.concatenate([carry["created"][old], sk["created"][new]]),
                 "id": np.concatenate([carry["id"][old], order_ids[new]]),
                 "phone": np.concatenate([carry["phone"][old], phones[new]])}
        data = SimulatedData(
            work_orders=wo, order_events=ev, call_records=calls_t, agent_shifts=shifts,
            kb_articles=kb_table if k == 0 else kb_table.slice(0, 0), kb_searches=ks, order_counters=counters,
            incidents=[i.truth() for i in model.incidents],
        )
        # A paused generator keeps its locals: let this month's working arrays go before handing
        # the month over, or they live on while the next month is made (a GB at 10M orders).
        del sk, lc, cr, wo, ev, calls_t, shifts, ks, content, summary, address, spoken, phones, numbers, counters
        del order_ids, created_by, master, master_arr, is_dup, inc, group, old, new
        yield data
        del data


def decoded(table: pa.Table) -> pa.Table:
    """The table with dictionary-encoded columns turned into plain text (what stores take)."""
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names).combine_chunks()


def caller_shares(pool: int, zipf: float, cap: float) -> np.ndarray:
    """Each frequent caller's share of the pool's orders: Zipf by rank, no share above `cap` (the excess
    spread over the others in proportion, as often as needed; all equal when the cap cannot hold)."""
    if cap * pool <= 1:
        return np.full(pool, 1.0 / pool)
    share = 1.0 / np.arange(1, pool + 1) ** zipf
    share /= share.sum()
    while (over := share > cap * (1 + 1e-9)).any():
        excess = (share[over] - cap).sum()
        share[over] = cap
        share[~over] += excess * share[~over] / share[~over].sum()
    return share


def generate(pack_dir, start: date, days: int, seed: int, scale: float = 1.0, *, overrides: dict | None = None) -> SimulatedData:
    """The whole run in memory (tests, demos, parquet); use chunks() for millions of orders."""
    parts = list(chunks(pack_dir, start, days, seed, scale, overrides=overrides))
    merged = {}
    for name in TABLES:
        merged[name] = decoded(pa.concat_tables([decoded(getattr(p, name)) for p in parts]))
    return SimulatedData(**merged, incidents=parts[-1].incidents if parts else [])
