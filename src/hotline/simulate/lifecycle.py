"""Each order's life (dispatch, returns, signing, extension, reply, callback, close, reopen) as arrays.

Every order gets a fixed row of event slots; a slot is either used or not, times only move
forward, and anything at or after the simulation's end has not happened yet (the order is still
open). Order fields and counters are then read off the slots that happened, so the work_orders row
and its events always agree, as they would if the live service had made them one action at a time.
"""

from __future__ import annotations

import numpy as np

from hotline.simulate.timeaxis import DAY
from hotline.simulate.vocab import ACTIONS, STATUSES

A = {a: i for i, a in enumerate(ACTIONS)}
S = {s: i for i, s in enumerate(STATUSES)}
# Slot: (name, action, status after).
SLOTS = [
    ("register", "register", "registered"), ("direct", "close", "closed"), ("merge", "merge", "merged"),
    ("dispatch1", "dispatch", "dispatched"), ("return1", "return", "returned"),
    ("dispatch2", "dispatch", "dispatched"), ("return2", "return", "returned"),
    ("dispatch3", "dispatch", "dispatched"), ("sign", "sign", "in_progress"),
    ("extend", "extend", "in_progress"), ("decide", "approve_extension", "in_progress"),
    ("supervise", "supervise", "in_progress"), ("reply", "reply", "replied"),
    ("callback", "callback", "replied"), ("close", "close", "closed"), ("reopen", "reopen", "dispatched"),
    ("sign2", "sign", "in_progress"), ("reply2", "reply", "replied"), ("callback2", "callback", "replied"),
    ("close2", "close", "closed"),
]
K = {name: i for i, (name, _, _) in enumerate(SLOTS)}


def _lognormal(rng, median_seconds, sigma, n):
    return (np.asarray(median_seconds) * np.exp(sigma * rng.standard_normal(n))).astype(np.int64)


def _misrouted_to(model, rng, cat, street, right):
    """Another unit of the catalogue's line for (category, street): where a dispatcher's slip goes."""
    cat_units = model.catalogue.units[cat, street]
    n_units = model.catalogue.n_units[cat, street]
    right_at = np.argmax(cat_units == right[:, None], axis=1)
    k = np.minimum((rng.random(len(cat)) * (n_units - 1)).astype(np.int32), np.maximum(n_units - 2, 0))
    k += k >= right_at  # skip the right one
    return cat_units[np.arange(len(cat)), np.minimum(k, n_units - 1)], n_units > 1


def simulate(model, rng, sk: dict, created_by: np.ndarray, is_dup: np.ndarray, changes, actors) -> dict:
    """Slot times, use, departments and details for every order of a chunk."""
    n = len(sk["created"])
    h = model.sim["handling"]
    prof = model.dept
    t0 = sk["created"]
    used = np.zeros((n, len(SLOTS)), dtype=bool)
    T = np.zeros((n, len(SLOTS)), dtype=np.int64)
    used[:, K["register"]] = True
    T[:, K["register"]] = t0
    phone = sk["channel"] == 0
    direct = phone & (sk["rtype"] == 0) & (sk["incident"] < 0) & (rng.random(n) < float(model.sim["closed_directly_consult"]))
    direct &= ~is_dup
    used[:, K["direct"]] = direct
    T[:, K["direct"]] = t0 + rng.integers(20, 180, n)
    used[:, K["merge"]] = is_dup
    T[:, K["merge"]] = t0 + rng.integers(600, 7200, n)
    normal = ~direct & ~is_dup
    street = model.pack.comm_street[sk["comm"]]
    cat = sk["cat"]
    # Dispatch: minutes by day; at night the order waits for the morning shift.
    hour = (t0 % DAY) // 3600
    morning = (t0 // DAY) * DAY + np.where(hour >= 22, DAY, 0) + int(h["night_dispatch_from_hour"]) * 3600
    night = (hour >= 22) | (hour < int(h["night_dispatch_from_hour"]))
    delay = _lognormal(rng, float(h["dispatch_minutes_median"]) * 60, 0.8, n)
    # The catalogue names the unit; a few orders first go to another unit of the line, which returns
    # them, and the centre re-dispatches to the right one. A right unit's own return (address unclear,
    # "not ours") is refused and the order goes back to it: the order ends where the catalogue says.
    right = sk["dept"]
    wrong, can_slip = _misrouted_to(model, rng, cat, street, right)
    slip = normal & can_slip & (rng.random(n) < float(h["misroute"]))
    d1 = np.where(slip, wrong, right)
    r1 = normal & (slip | (rng.random(n) < prof["return_rate"][d1]))
    r2 = r1 & (rng.random(n) < prof["return_rate"][right] * 0.5)
    used[:, K["dispatch1"]] = normal
    T[:, K["dispatch1"]] = np.where(night, morning + rng.integers(0, 5400, n), t0 + delay)
    for a, b, r in (("return1", "dispatch2", r1), ("return2", "dispatch3", r2)):
        used[:, K[a]] = r
        used[:, K[b]] = r
        T[:, K[a]] = T[:, K[a] - 1] + _lognormal(rng, 5 * 3600, 0.9, n)
        T[:, K[b]] = T[:, K[a]] + _lognormal(rng, 50 * 60, 0.9, n)
    dept = right
    last_dispatch = np.where(r2, T[:, K["dispatch3"]], np.where(r1, T[:, K["dispatch2"]], T[:, K["dispatch1"]]))
    speed = prof["speed"][dept]
    sla_sign, sla_value, sla_unit = (x[cat, sk["urgency"], sk["rtype"]] for x in model.sla)
    axis = model.axis
    sign_due, finish_due = axis.deadlines(last_dispatch, sla_sign, sla_value, sla_unit)
    used[:, K["sign"]] = normal
    T[:, K["sign"]] = last_dispatch + np.minimum(
        _lognormal(rng, float(h["sign_hours_median"]) * 3600 * speed / 0.4, 1.0, n), 5 * DAY)
    sign = T[:, K["sign"]]
    # Extension: asked before the deadline, by days; some are denied.
    ext = normal & (sla_unit == 0) & (rng.random(n) < prof["extension_rate"][dept]) & (sign < finish_due - 3 * 3600)
    ext_choices = np.asarray(h["extension_days"])
    ext_k = rng.integers(0, len(ext_choices), n)
    ext_days = ext_choices[ext_k]
    ext_reason = rng.integers(0, changes.n_ext_reasons, n)
    denied = rng.random(n) < float(h["extension_denied"])
    used[:, K["extend"]] = ext
    used[:, K["decide"]] = ext
    T[:, K["extend"]] = sign + ((finish_due - sign) * rng.uniform(0.2, 0.8, n)).astype(np.int64)
    T[:, K["decide"]] = T[:, K["extend"]] + rng.integers(3600, 20 * 3600, n)
    due_ext = np.where(ext & ~denied, axis.add_working_days(finish_due, ext_days), finish_due)
    # Reply: departments use a share of the time allowed; some run late (overdue).
    overdue = normal & (rng.random(n) < prof["overdue_rate"][dept])
    start = np.where(ext, T[:, K["decide"]], sign)
    window = np.maximum(due_ext - start, 600)
    frac = np.clip(speed * np.exp(float(h["spread"]) * 1.7 * rng.standard_normal(n)), 0.02, 0.97)
    late = due_ext + 600 + rng.exponential(30 * 3600, n).astype(np.int64)
    reply = np.where(overdue, np.maximum(late, start + 600), start + (window * frac).astype(np.int64))
    sup = normal & ((overdue & (rng.random(n) < 0.8)) | (rng.random(n) < float(h["supervise_random"])))
    used[:, K["supervise"]] = sup
    T[:, K["supervise"]] = np.where(overdue, due_ext + ((reply - due_ext) * rng.uniform(0.1, 0.9, n)).astype(np.int64),
                                    sign + ((reply - sign) * rng.uniform(0.2, 0.8, n)).astype(np.int64))
    used[:, K["reply"]] = normal
    T[:, K["reply"]] = reply
    lo, hi = h["callback_next_day_hours"]

    def callback_after(t):
        return (t // DAY + 1) * DAY + rng.integers(int(lo) * 3600, int(hi) * 3600, n)

    used[:, K["callback"]] = normal
    T[:, K["callback"]] = callback_after(reply)
    used[:, K["close"]] = normal
    T[:, K["close"]] = T[:, K["callback"]] + rng.integers(60, 1800, n)
    sat_p = prof["satisfaction"][dept].copy()
    sat_p[:, 2] = np.where(overdue, sat_p[:, 2] * 2.5, sat_p[:, 2])
    sat_p /= sat_p.sum(1, keepdims=True)
    sat = (rng.random(n)[:, None] > np.cumsum(sat_p, 1)[:, :2]).sum(1)
    resolved = rng.random(n) < np.array([0.96, 0.75, 0.22])[sat]
    reo = normal & (sat == 2) & ~resolved & (rng.random(n) < float(h["reopen_if_dissatisfied"]))
    for name in ("reopen", "sign2", "reply2", "callback2", "close2"):
        used[:, K[name]] = reo
    T[:, K["reopen"]] = T[:, K["close"]] + rng.integers(2 * 3600, 48 * 3600, n)
    sign_due2, finish_due2 = axis.deadlines(T[:, K["reopen"]], sla_sign, sla_value, sla_unit)
    T[:, K["sign2"]] = T[:, K["reopen"]] + _lognormal(rng, 1.5 * 3600, 0.8, n)
    T[:, K["reply2"]] = T[:, K["sign2"]] + (np.maximum(finish_due2 - T[:, K["sign2"]], 600) * rng.uniform(0.1, 0.8, n)).astype(np.int64)
    T[:, K["callback2"]] = callback_after(T[:, K["reply2"]])
    T[:, K["close2"]] = T[:, K["callback2"]] + rng.integers(60, 1800, n)
    sat2 = (rng.random(n)[:, None] > np.array([0.55, 0.85])).sum(1)
    resolved2 = rng.random(n) < np.array([0.95, 0.8, 0.3])[sat2]
    # Times only move forward within an order (each used slot after the previous used one).
    latest = T[:, 0].copy()
    for s in range(1, len(SLOTS)):
        fixed = np.maximum(T[:, s], latest + 1)
        T[:, s] = np.where(used[:, s], fixed, T[:, s])
        latest = np.where(used[:, s], T[:, s], latest)
    happened = used & (T < model.horizon)
    return dict(
        T=T, happened=happened, d1=d1, d2=np.where(r1, right, d1), dept=dept, ext_k=ext_k, ext_days=ext_days,
        ext_reason=ext_reason, denied=denied, due=(sign_due, finish_due, due_ext), due2=(sign_due2, finish_due2),
        dispatch_times=(T[:, K["dispatch1"]], T[:, K["dispatch2"]], T[:, K["dispatch3"]]),
        sat=sat, resolved=resolved, sat2=sat2, resolved2=resolved2, overdue=overdue,
        return_reason=rng.integers(0, 10_000, (n, 2)), created_by=created_by,
        reply_kind=np.where(sat == 2, 1, 0), reply_pick=rng.integers(0, 10_000, n),
    )
