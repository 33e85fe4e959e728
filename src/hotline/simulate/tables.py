"""From slot arrays to columnar tables: work_orders and order_events rows that agree with each other."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hotline.simulate.lifecycle import SLOTS, K, A, S
from hotline.simulate.profile import CHANNELS, REQUEST_TYPES, SATISFACTION, URGENCIES
from hotline.simulate.vocab import ACTIONS, ROLES, STATUSES

NULL = -1


def ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Seconds → 'YYYY-MM-DD HH:MM:SS' text (the store's format), null where not valid."""
    arr = pa.array(seconds.astype(np.int64), type=pa.int64(), mask=None if valid is None else ~valid)
    return arr.cast(pa.timestamp("s")).cast(pa.string())


def dict_col(codes: np.ndarray, vocab: list[str] | pa.Array, valid: np.ndarray | None = None) -> pa.Array:
    """A dictionary-encoded text column (small vocabulary, many rows)."""
    idx = pa.array(codes.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(idx, vocab if isinstance(vocab, pa.Array) else pa.array(vocab, pa.string()))


def _pick(arr: pa.Array, u: np.ndarray) -> pa.Array:
    return arr.take(pa.array(u % len(arr)))


def orders_table(model, sk, lc, ids, numbers, master_numbers, texts_cols, phones, names) -> pa.Table:
    """The work_orders rows of a chunk, as they stand at the simulation's end."""
    pack, axis = model.pack, model.axis
    H, T = lc["happened"], lc["T"]
    n = len(ids)
    rows = np.arange(n)
    last = len(SLOTS) - 1 - np.argmax(H[:, ::-1], axis=1)
    to_status = np.array([S[s] for _, _, s in SLOTS])[last]
    h = {name: H[:, K[name]] for name, _, _ in SLOTS}
    t = {name: T[:, K[name]] for name, _, _ in SLOTS}
    dep1, dep2, dep3 = lc["d1"], lc["d2"], lc["dept"]
    any_dispatch = h["dispatch1"]
    last_dispatch = np.where(h["dispatch3"], t["dispatch3"], np.where(h["dispatch2"], t["dispatch2"], t["dispatch1"]))
    dept = np.where(h["dispatch3"], dep3, np.where(h["dispatch2"], dep2, np.where(h["dispatch1"], dep1, NULL)))
    cat, urg, rtype = sk["cat"], sk["urgency"], sk["rtype"]
    sla = [x[cat, urg, rtype] for x in model.sla]
    sign_due, finish_due = axis.deadlines(last_dispatch, *sla)
    approved = h["decide"] & ~lc["denied"]
    finish_due = np.where(approved, lc["due"][2], finish_due)
    two = h["reopen"]
    sign_due = np.where(two, lc["due2"][0], sign_due)
    finish_due = np.where(two, lc["due2"][1], finish_due)
    dispatched_at = np.where(two, t["reopen"], last_dispatch)

    def phase(a, b):
        """Value time and whether it stands: the second round's after a reopen, else the first's."""
        return np.where(two, t[b], t[a]), np.where(two, h[b], h[a])

    signed, signed_ok = phase("sign", "sign2")
    replied, replied_ok = phase("reply", "reply2")
    callback, callback_ok = phase("callback", "callback2")
    closed, closed_ok = phase("close", "close2")
    closed = np.where(h["direct"], t["direct"], closed)
    closed_ok = closed_ok | h["direct"]
    sat = np.where(two, lc["sat2"], lc["sat"])
    resolved = np.where(two, lc["resolved2"], lc["resolved"])
    tx = model.texts
    reply_text = pc.if_else(pa.array(lc["reply_kind"] == 1), _pick(tx.reply_partial, lc["reply_pick"]), _pick(tx.reply_done, lc["reply_pick"]))
    reply_text = pc.if_else(pa.array(h["direct"]), _pick(tx.reply_direct, lc["reply_pick"]), reply_text)
    reply_text = pc.if_else(pa.array(h["reply"] | h["direct"]), reply_text, "")
    return_reason = np.where(h["return2"], lc["return_reason"][:, 1], lc["return_reason"][:, 0])
    return_text = pc.if_else(pa.array(h["return1"]), _pick(tx.return_reasons, return_reason), "")
    ext_text = pc.if_else(pa.array(h["extend"]), _pick(tx.extension_reasons, lc["ext_reason"]), "")
    pending = h["extend"] & ~h["decide"]
    comm = sk["comm"]
    jitter = model.rng_jitter(n)
    created_by = lc["created_by"]
    cols = {
        "id": pa.array(ids),
        "number": numbers,
        "channel": dict_col(sk["channel"], list(CHANNELS)),
        "request_type": dict_col(rtype, list(REQUEST_TYPES)),
        "content": texts_cols["content"],
        "summary": texts_cols["summary"],
        "citizen_name": names,
        "citizen_phone": phones,
        "district": dict_col(pack.comm_district[comm], pack.district_codes),
        "street": dict_col(pack.comm_street[comm], pack.street_codes),
        "community": dict_col(comm, pack.comm_codes),
        "address": texts_cols["address"],
        "lat": pa.array(np.round(pack.comm_lat[comm] + jitter[0] * 0.004, 6)),
        "lon": pa.array(np.round(pack.comm_lon[comm] + jitter[1] * 0.005, 6)),
        "category_l1": dict_col(cat, pack.cat_l1),
        "category": dict_col(cat, pack.cat_codes),
        "urgency": dict_col(urg, list(URGENCIES)),
        "status": dict_col(to_status, list(STATUSES)),
        "department": dict_col(np.maximum(dept, 0), pack.dept_codes, dept >= 0),
        "co_departments": pa.array(np.full(n, "[]")),
        "created_at": ts(sk["created"]),
        "created_by": dict_col(created_by, model.actors.names),
        "updated_at": ts(T[rows, last]),
        "dispatched_at": ts(dispatched_at, any_dispatch),
        "signed_at": ts(signed, signed_ok),
        "replied_at": ts(replied, replied_ok),
        "closed_at": ts(closed, closed_ok),
        "sign_due_at": ts(sign_due, any_dispatch),
        "finish_due_at": ts(finish_due, any_dispatch),
        "extension_days": pa.array(np.where(approved, lc["ext_days"], 0).astype(np.int32)),
        "extension_pending_days": pa.array(lc["ext_days"].astype(np.int32), mask=~pending),
        "extension_reason": ext_text,
        "return_reason": return_text,
        "reply": reply_text,
        "satisfaction": dict_col(sat, list(SATISFACTION), callback_ok),
        "resolved": pa.array(resolved, mask=~callback_ok),
        "callback_at": ts(callback, callback_ok),
        "merged_into": pc.if_else(pa.array(h["merge"]), master_numbers, pa.nulls(n, pa.string())),
        "closed_directly": pa.array(h["direct"]),
        "dispatch_count": pa.array((h["dispatch1"].astype(np.int32) + h["dispatch2"] + h["dispatch3"] + h["reopen"])),
        "return_count": pa.array(h["return1"].astype(np.int32) + h["return2"]),
        "reopen_count": pa.array(h["reopen"].astype(np.int32)),
        "supervision_count": pa.array(h["supervise"].astype(np.int32)),
        "idempotency_key": pa.nulls(n, pa.string()),
        "row_version": pa.array(H.sum(1).astype(np.int32)),
    }
    return pa.table(cols)


def events_table(model, sk, lc, ids, master_numbers, rng) -> pa.Table:
    """One order_events row per thing that happened to each order, in order."""
    H, T = lc["happened"], lc["T"]
    order_idx, slot = np.nonzero(H)  # row-major: by order, then slot = time order
    n_ev = len(order_idx)
    at = T[order_idx, slot]
    actors, ch = model.actors, model.changes
    action = np.array([A[a] for _, a, _ in SLOTS])[slot]
    decide = slot == K["decide"]
    action = np.where(decide & lc["denied"][order_idx], A["deny_extension"], action)
    to_status = np.array([S[s] for _, _, s in SLOTS])[slot]
    first = np.ones(n_ev, dtype=bool)
    first[1:] = order_idx[1:] != order_idx[:-1]
    from_status = np.empty(n_ev, dtype=np.int64)
    from_status[1:] = to_status[:-1]
    from_status[0] = 0
    # Which department the event concerns.
    d1, d2, d3 = lc["d1"][order_idx], lc["d2"][order_idx], lc["dept"][order_idx]
    dept = np.where(np.isin(slot, [K["dispatch1"], K["return1"]]), d1, np.where(np.isin(slot, [K["dispatch2"], K["return2"]]), d2, d3))
    no_dept = np.isin(slot, [K["register"], K["direct"], K["merge"]])
    # Who acted.
    handler_slots = np.isin(slot, [K[s] for s in ("return1", "return2", "sign", "extend", "reply", "sign2", "reply2")])
    sup_slots = np.isin(slot, [K["decide"], K["supervise"], K["reopen"]])
    cb_slots = np.isin(slot, [K[s] for s in ("callback", "close", "callback2", "close2")])
    u = rng.integers(0, 1 << 30, n_ev)
    actor = np.where(np.isin(slot, [K["register"], K["direct"]]), lc["created_by"][order_idx], actors.dispatcher0 + u % 6)
    actor = np.where(handler_slots, actors.handler0 + dept, actor)
    actor = np.where(sup_slots, actors.supervisor0 + u % 3, actor)
    actor = np.where(cb_slots, actors.callback0 + u % 8, actor)
    role = np.asarray(actors.roles)[actor]
    # What changed, as a small record.
    c = np.full(n_ev, ch.empty)
    c = np.where(slot == K["register"], ch.register0 + sk["channel"][order_idx], c)
    c = np.where(slot == K["direct"], ch.direct, c)
    c = np.where(np.isin(slot, [K["dispatch1"], K["dispatch2"], K["dispatch3"]]), ch.dispatch0 + dept, c)
    rr = lc["return_reason"][order_idx]
    n_ret = len(model.texts.return_reasons)
    c = np.where(slot == K["return1"], ch.return0 + rr[:, 0] % n_ret, c)
    c = np.where(slot == K["return2"], ch.return0 + rr[:, 1] % n_ret, c)
    c = np.where(slot == K["extend"], ch.extend0 + lc["ext_k"][order_idx] * ch.n_ext_reasons + lc["ext_reason"][order_idx], c)
    c = np.where(decide & ~lc["denied"][order_idx], ch.approve0 + lc["ext_k"][order_idx], c)
    c = np.where(slot == K["supervise"], ch.supervise0 + (~lc["overdue"][order_idx]).astype(np.int64), c)
    sat = np.where(slot == K["callback2"], lc["sat2"][order_idx], lc["sat"][order_idx])
    res = np.where(slot == K["callback2"], lc["resolved2"][order_idx], lc["resolved"][order_idx])
    c = np.where(np.isin(slot, [K["callback"], K["callback2"]]), ch.callback0 + sat * 2 + (~res), c)
    c = np.where(slot == K["reopen"], ch.reopen0 + dept, c)
    merge_rows = slot == K["merge"]
    changes = dict_col(c, ch.items).dictionary_decode()
    if merge_rows.any():
        into = pc.binary_join_element_wise('{"into": "', master_numbers.take(pa.array(order_idx[merge_rows])), '"}', "")
        changes = pc.replace_with_mask(changes, pa.array(merge_rows), into)
    return pa.table({
        "order_id": pa.array(ids[order_idx]),
        "at": ts(at),
        "actor": dict_col(actor, actors.names),
        "actor_role": dict_col(role, list(ROLES)),
        "action": dict_col(action, list(ACTIONS)),
        "from_status": dict_col(from_status, list(STATUSES), ~first),
        "to_status": dict_col(to_status, list(STATUSES)),
        "department": dict_col(np.maximum(dept, 0), model.pack.dept_codes, ~no_dept),
        "changes": changes,
    })
