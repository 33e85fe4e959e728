"""Calls, queueing and staffing: who called, how long they waited, who answered, who gave up.

Waits come from a per-half-hour Erlang-A-like approximation (Erlang C below capacity, the fluid
limit with exponential patience above it), so waits and abandonment rise when calls outrun the
agents on duty, as in the heating surge.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from hotline.simulate.tables import dict_col, ts
from hotline.simulate.timeaxis import DAY, day_number

HALF = 1800


def staffing(model, first, n_days: int) -> np.ndarray:
    """Agents on duty per half-hour for the days (scaled), overtime in incidents included."""
    st = model.sim["staffing"]
    base = np.asarray(st["per_half_hour"], float)
    i0 = (first - model.axis.first).days
    idx = np.arange(i0, i0 + n_days)
    ax = model.axis
    weekend = ~ax.workday[idx]
    f = np.where(weekend, float(st["weekend_factor"]), 1.0)
    f = np.where(ax.holiday[idx], float(st["holiday_factor"]), f)
    agents = base[None, :] * f[:, None] * model.scale
    day0 = day_number(first)
    for inc in model.incidents:
        if inc.overtime_agents:
            for d in range(day_number(inc.start), day_number(inc.end) + 1):
                if day0 <= d < day0 + n_days:  # overtime from 08:00 to 20:00
                    agents[d - day0, 16:40] += inc.overtime_agents * model.scale
    return np.maximum(np.round(agents), 1).astype(np.int64).ravel()


def max_layers(sim: dict, scale: float) -> int:
    """The most agents one team can ever have on duty at once."""
    over = max([float(i.get("overtime_agents", 0)) for i in (sim.get("incidents") or {}).get("fixed") or []] + [
        float(((sim.get("incidents") or {}).get("random") or {}).get("burst_outage", {}).get("overtime_agents", 0)) * 3])
    return int(np.ceil((max(sim["staffing"]["per_half_hour"]) + over) * scale)) + 2


def _erlang_c(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Probability of waiting (Erlang C) for offered load a on n servers, a < n, vectorised."""
    b = np.ones_like(a)
    for k in range(1, int(n.max()) + 1):
        nb = a * b / (k + a * b)
        b = np.where(k <= n, nb, b)
    return n * b / np.maximum(n - a * (1 - b), 1e-9)


def queue(model, answered_per_slot: np.ndarray, agents: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per half-hour: probability of waiting, mean wait when waiting (s), and abandonment share."""
    c = model.sim["calls"]
    st = model.sim["staffing"]
    handle = float(c["talk_mean_seconds"]) + float(c["wrap_seconds"])
    theta = float(c["patience_seconds"])
    n = np.maximum(np.round(agents * float(st["inbound_share"])), 1)
    # The load the agents actually carried is known (answered calls x handle time); abandoned
    # callers take no agent time, so they add to the arrivals but not to the load.
    a = answered_per_slot * handle / HALF
    rho = a / n
    stable_a = np.minimum(a, 0.97 * n)
    pw = np.clip(_erlang_c(stable_a, n), 0, 1)
    rate = (n - stable_a) / handle  # how fast a queue clears, per second
    mean_wait = np.maximum(1 / np.maximum(rate, 1e-9), np.where(rho > 1, theta * np.log(np.maximum(rho, 1)), 0))
    ab = pw * (1 / theta) / (1 / theta + 1 / mean_wait)  # waiting callers whose patience runs out first
    ab = np.minimum(np.maximum(ab, np.where(rho > 1, 1 - 1 / np.maximum(rho, 1e-9), 0)), 0.8)
    return np.where(rho > 1, 1.0, pw), np.minimum(mean_wait, 1200), ab


def citizen_phones(model, rng, n: int) -> np.ndarray:
    """Phones of n callers: a share from the pool of frequent callers, the rest new numbers."""
    c = model.sim["citizens"]
    fresh = rng.integers(13_000_000_000, 20_000_000_000, n)
    pool = model.pool_phones[np.searchsorted(model.pool_cum, rng.random(n))]
    return np.where(rng.random(n) < float(c["repeat_share"]), pool, fresh)


def simulate_calls(model, rng, first, n_days, created, channel, phones, ids, carry) -> dict:
    """All calls of the days; returns calls, shifts, the agent who took each phone order."""
    c = model.sim["calls"]
    t_lo = day_number(first) * DAY
    n_slots = n_days * 48
    agents = staffing(model, first, n_days)
    n_orders = len(created)
    phone_rows = np.flatnonzero(channel == 0)
    talk_sigma = float(c["talk_sigma"])
    talk_mu = np.log(float(c["talk_mean_seconds"])) - talk_sigma ** 2 / 2
    # Follow-ups about recent orders, and answered calls that make no order, spread like calls are.
    hour_p = model.hour_p["phone"]
    day_w = np.bincount((created - t_lo) // DAY, minlength=n_days).astype(float) + 1e-9

    def spread(k):
        d = rng.choice(n_days, k, p=day_w / day_w.sum())
        return t_lo + d * DAY + rng.choice(24, k, p=hour_p) * 3600 + rng.integers(0, 3600, k)

    n_follow = rng.poisson(float(c["followup_per_order"]) * n_orders)
    t_follow = np.sort(spread(n_follow))
    pool_t = np.concatenate([carry["created"], created])
    pool_id = np.concatenate([carry["id"], ids])
    pool_phone = np.concatenate([carry["phone"], phones])
    lo = np.searchsorted(pool_t, t_follow - int(c["followup_window_days"]) * DAY)
    hi = np.searchsorted(pool_t, t_follow - 3600)
    ok = hi > lo
    pick = lo + (rng.random(n_follow) * (hi - lo)).astype(np.int64)
    t_follow, pick = t_follow[ok], pick[ok]
    n_other = rng.poisson(float(c["other_answered_per_order"]) * n_orders)
    t_other = spread(n_other)
    # Answered calls: the order's own call, follow-ups, others.
    ans_t = np.concatenate([created[phone_rows], t_follow, t_other])
    ans_caller = np.concatenate([phones[phone_rows], pool_phone[pick], citizen_phones(model, rng, n_other)])
    ans_order = np.concatenate([ids[phone_rows], pool_id[pick], np.full(n_other, -1)])
    n_ans = len(ans_t)
    talk = np.clip(np.exp(talk_mu + talk_sigma * rng.standard_normal(n_ans)), 15, 3600).astype(np.int64)
    slot = np.clip((ans_t - t_lo) // HALF, 0, n_slots - 1)
    per_slot = np.bincount(slot, minlength=n_slots)
    pw, mean_wait, ab = queue(model, per_slot, agents)
    ring = rng.integers(int(c["ring_seconds"][0]), int(c["ring_seconds"][1]) + 1, n_ans)
    waits = ring + np.where(rng.random(n_ans) < pw[slot], rng.exponential(1.0, n_ans) * mean_wait[slot], 0).astype(np.int64)
    waits = np.minimum(waits, 1500)
    layer = (rng.random(n_ans) * agents[slot]).astype(np.int64)
    agent = agent_of(model, first, slot, layer)
    # The order is registered while the call goes on: the call started before created_at.
    queued = ans_t - (talk * 0.7).astype(np.int64) - waits
    created_by = np.full(n_orders, -1, dtype=np.int64)
    created_by[phone_rows] = agent[: len(phone_rows)]
    # Abandoned calls: base quick hang-ups plus the queue's share; many callers try again.
    base = float(c["base_abandon"])
    ab_total = 1 - (1 - ab) * (1 - base)
    n_ab_slot = rng.poisson(per_slot * ab_total / (1 - ab_total))
    ab_slot = np.repeat(np.arange(n_slots), n_ab_slot)
    n_ab = len(ab_slot)
    ab_t = t_lo + ab_slot * HALF + rng.integers(0, HALF, n_ab)
    patience = rng.exponential(float(c["patience_seconds"]), n_ab)
    ab_wait = (rng.integers(int(c["ring_seconds"][0]), int(c["ring_seconds"][1]) + 1, n_ab)
               + np.minimum(patience, rng.exponential(1.0, n_ab) * mean_wait[ab_slot] + 5)).astype(np.int64)
    ab_caller = citizen_phones(model, rng, n_ab)
    retry = (rng.random(n_ab) < float(c["abandoned_retry_share"])) & (n_ans > 0)
    # A retrying caller is someone who got through later in the same half-hour or the next.
    order_by_slot = np.argsort(slot, kind="stable")
    first_in = np.searchsorted(slot[order_by_slot], ab_slot)
    later = np.minimum(first_in + (rng.random(n_ab) * 8).astype(np.int64), max(n_ans - 1, 0))
    target = order_by_slot[later] if n_ans else np.zeros(n_ab, dtype=np.int64)
    if n_ans:
        ab_caller = np.where(retry, ans_caller[target], ab_caller)
        ab_t = np.where(retry, np.minimum(ab_t, queued[target] - rng.integers(60, 900, n_ab)), ab_t)
    called_back = ~retry & (rng.random(n_ab) < float(c["missed_callback_share"]))
    lo_cb, hi_cb = c["callback_delay_minutes"]
    cb_at = ab_t + ab_wait + rng.integers(int(lo_cb) * 60, int(hi_cb) * 60, n_ab)
    q = np.concatenate([queued, ab_t])
    order = np.argsort(q, kind="stable")
    keep = q[order] < model.horizon
    order = order[keep]
    answered = np.concatenate([np.ones(n_ans, bool), np.zeros(n_ab, bool)])[order]
    wait = np.concatenate([waits, ab_wait])[order]
    agent_all = np.concatenate([agent, np.zeros(n_ab, dtype=np.int64)])[order]
    oid = np.concatenate([ans_order, np.full(n_ab, -1)])[order]
    cb = np.concatenate([np.zeros(n_ans, np.int64), cb_at])[order]
    cb_ok = np.concatenate([np.zeros(n_ans, bool), called_back])[order] & (cb < model.horizon)
    calls = {
        "caller": pa.array(np.concatenate([ans_caller, ab_caller])[order]).cast(pa.string()),
        "queued_at": ts(q[order]),
        "wait_seconds": pa.array(wait.astype(np.int32)),
        "answered": pa.array(answered),
        "talk_seconds": pa.array(np.where(answered, np.concatenate([talk, np.zeros(n_ab, np.int64)])[order], 0).astype(np.int32)),
        "agent": dict_col(agent_all, model.actors.names, answered),
        "order_id": pa.array(oid, mask=oid < 0),
        "called_back_at": ts(cb, cb_ok),
    }
    stats = {"offered": int(len(order)), "abandoned": int((~answered).sum())}
    return dict(calls=calls, created_by=created_by, shifts=shifts_table(model, first, n_days, agents), stats=stats)


def agent_of(model, first, slot: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """The agent (actor index) of a layer on duty in a half-hour slot (see shifts_table)."""
    teams = int(model.sim["staffing"]["teams"])
    b = slot // (48 // teams)
    day = b // teams
    team = (b % teams + day + day_number(first)) % teams
    return model.actors.agent0 + team * model.max_layers + np.minimum(layer, model.max_layers - 1)


def shifts_table(model, first, n_days: int, agents: np.ndarray) -> dict:
    """Agent shifts that reproduce the staffing: each team's layer k works while k < agents."""
    teams = int(model.sim["staffing"]["teams"])
    per_block = 48 // teams
    m = agents.reshape(n_days * teams, per_block)
    layers = np.arange(model.max_layers)
    on = m[:, None, :] > layers[None, :, None]
    prev = np.concatenate([np.zeros_like(on[:, :, :1]), on[:, :, :-1]], axis=2)
    nxt = np.concatenate([on[:, :, 1:], np.zeros_like(on[:, :, :1])], axis=2)
    b, k, s = np.nonzero(on & ~prev)
    b2, k2, e = np.nonzero(on & ~nxt)  # same order as starts: runs are disjoint and sorted
    day = b // teams
    team = (b % teams + day + day_number(first)) % teams  # teams rotate through day and night
    block_start = day_number(first) * DAY + b * per_block * HALF
    start = block_start + s * HALF
    end = block_start + (e + 1) * HALF
    agent = team * model.max_layers + k
    order = np.lexsort((agent, start))
    return {
        "agent": dict_col(agent[order], model.actors.names),
        "start_at": ts(start[order]),
        "end_at": ts(end[order]),
    }
