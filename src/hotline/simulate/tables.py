"""From slot arrays to columnar tables: work_orders and order_events rows that agree with each other."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hotline.simulate.lifecycle import SLOTS, K, A, S
from hotline.simulate.profile import CHANNELS, REQUEST_TYPES, SATISFACTION, URGENCIES
from hotline.simulate.timeaxis import DAY
from hotline.simulate.vocab import ACTIONS, ROLES, STATUSES

NULL = -1


def fixed_width(chars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings of one width from an (m, width) uint8 array of ASCII: one per row, or one per valid
    row when `valid` (n rows, m of them true) is given, the others null.

    Arrow takes the bytes as they are (one data buffer, offsets i * width): no per-value work.
    """
    m, width = chars.shape
    n = m if valid is None else len(valid)
    data = chars
    if valid is None:
        offsets, bitmap, nulls = np.arange(0, (n + 1) * width, width, dtype=np.int32), None, 0
    else:
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(valid, out=offsets[1:])
        offsets *= width
        bitmap, nulls = pa.py_buffer(np.packbits(valid, bitorder="little")), n - m
    return pa.Array.from_buffers(pa.string(), n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))],
                                 null_count=nulls)


_CLOCK: np.ndarray | None = None  # b"HH:MM:SS" of each second of a day, as one uint64 per second
# 'YYYY-MM-' | 'DD' | ' ' | 'HH:MM:SS': fields of machine-word sizes, so that filling them is plain gathers.
_STAMP = np.dtype({"names": ["month", "day", "space", "clock"], "formats": [np.uint64, np.uint16, np.uint8, np.uint64],
                   "offsets": [0, 8, 10, 11], "itemsize": 19})


def _clock() -> np.ndarray:
    global _CLOCK
    if _CLOCK is None:
        s = np.arange(DAY)
        chars = np.full((DAY, 8), ord(":"), dtype=np.uint8)
        for col, value in ((0, s // 3600), (3, s // 60 % 60), (6, s % 60)):
            chars[:, col], chars[:, col + 1] = 48 + value // 10, 48 + value % 10
        _CLOCK = chars.view(np.uint64).ravel()
    return _CLOCK


def ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Seconds → 'YYYY-MM-DD HH:MM:SS' text (the store's format), null where not valid.

    Tens of millions of these per 10M orders: made from a table of the run's dates and one of a
    day's clock times (a gather each) instead of formatting every value (3-4x faster than Arrow's
    cast, same bytes).
    """
    seconds = np.asarray(seconds, dtype=np.int64)
    if len(seconds) * 19 >= 2**31 - 1:  # beyond 32-bit offsets: let Arrow do it
        arr = pa.array(seconds, type=pa.int64(), mask=None if valid is None else ~valid)
        return arr.cast(pa.timestamp("s")).cast(pa.string())
    picked = seconds if valid is None else seconds[valid]
    day, sec = np.divmod(picked, DAY)
    stamps = np.empty(len(picked), dtype=_STAMP)
    if len(picked):
        first = int(day.min())
        dates = np.datetime_as_string(np.arange(first, int(day.max()) + 1).astype("datetime64[D]"))
        chars = np.frombuffer(dates.astype("S10").tobytes(), dtype=np.uint8).reshape(-1, 10)
        k = day - first
        stamps["month"] = np.ascontiguousarray(chars[:, :8]).view(np.uint64).ravel()[k]
        stamps["day"] = np.ascontiguousarray(chars[:, 8:]).view(np.uint16).ravel()[k]
        stamps["space"] = ord(" ")
        stamps["clock"] = _clock()[sec]
    return fixed_width(stamps.view(np.uint8).reshape(len(picked), 19), valid)


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


def _slot_table(values: dict[str, int], default: int = 0) -> np.ndarray:
    """A value per slot (by slot name), for lookups by each event's slot."""
    out = np.full(len(SLOTS), default, dtype=np.int64)
    for name, value in values.items():
        out[K[name]] = value
    return out


def events_table(model, sk, lc, ids, master_numbers, rng) -> pa.Table:
    """One order_events row per thing that happened to each order, in order.

    Per-event values come from small per-slot tables and from (orders x slots) matrices read
    with the `happened` mask (row-major, the events' order), not from a pass over all events
    per kind of slot: millions of events per chunk.
    """
    H = lc["happened"]
    order_idx, slot = np.nonzero(H)  # row-major: by order, then slot = time order
    slot = slot.astype(np.int8)
    n_ev, n = len(order_idx), len(H)
    # Columns are made one by one and their inputs let go: a month at 10M orders has 4M events,
    # and every int64 per event is 32 MB (small dtypes for the same reason).
    cols = {"order_id": pa.array(ids[order_idx]), "at": ts(lc["T"][H])}
    actors, ch = model.actors, model.changes
    first = np.ones(n_ev, dtype=bool)
    first[1:] = order_idx[1:] != order_idx[:-1]
    # Which department the event concerns: the first, second or last one dispatched to.
    which = _slot_table({"dispatch1": 0, "return1": 0, "dispatch2": 1, "return2": 1}, 2)
    dept = np.stack([lc["d1"], lc["d2"], lc["dept"]], axis=1).astype(np.int16)[order_idx, which[slot]]
    # Who acted: the call-taker who registered it, a handler of the department, or one of a few
    # dispatchers, supervisors and callback staff (drawn per event).
    u = rng.integers(0, 1 << 30, n_ev)
    handler = ("return1", "return2", "sign", "extend", "reply", "sign2", "reply2")
    base = _slot_table({**{k: actors.handler0 for k in handler}, **{k: actors.supervisor0 for k in ("decide", "supervise", "reopen")},
                        **{k: actors.callback0 for k in ("callback", "close", "callback2", "close2")},
                        "register": 0, "direct": 0}, actors.dispatcher0)
    spread = _slot_table({**{k: 1 for k in handler}, "decide": 3, "supervise": 3, "reopen": 3, "callback": 8, "close": 8,
                          "callback2": 8, "close2": 8, "register": 1, "direct": 1}, 6)
    u %= spread[slot]
    u += base[slot]
    u += _slot_table({k: 1 for k in handler})[slot] * dept
    actor = u.astype(np.int32)
    del u
    registered = np.isin(slot, [K["register"], K["direct"]])
    actor[registered] = lc["created_by"][order_idx[registered]]
    del registered
    cols["actor"] = dict_col(actor, actors.names)
    cols["actor_role"] = dict_col(np.asarray(actors.roles, dtype=np.int8)[actor], list(ROLES))
    del actor
    action = np.array([A[a] for _, a, _ in SLOTS], dtype=np.int8)[slot]
    action[(slot == K["decide"]) & lc["denied"][order_idx]] = A["deny_extension"]
    cols["action"] = dict_col(action, list(ACTIONS))
    del action
    to_status = np.array([S[s] for _, _, s in SLOTS], dtype=np.int8)[slot]
    from_status = np.empty(n_ev, dtype=np.int8)
    from_status[1:] = to_status[:-1]
    from_status[:1] = 0
    cols["from_status"] = dict_col(from_status, list(STATUSES), ~first)
    cols["to_status"] = dict_col(to_status, list(STATUSES))
    del from_status, to_status, first
    no_dept = np.isin(slot, [K["register"], K["direct"], K["merge"]])
    cols["department"] = dict_col(np.maximum(dept, 0), model.pack.dept_codes, ~no_dept)
    del dept, no_dept
    # What changed, as a small record (an index into the change vocabulary).
    C = np.full((n, len(SLOTS)), ch.empty, dtype=np.int16)
    C[:, K["register"]] = ch.register0 + sk["channel"]
    C[:, K["direct"]] = ch.direct
    for k, d in (("dispatch1", lc["d1"]), ("dispatch2", lc["d2"]), ("dispatch3", lc["dept"])):
        C[:, K[k]] = ch.dispatch0 + d
    n_ret = len(model.texts.return_reasons)
    C[:, K["return1"]] = ch.return0 + lc["return_reason"][:, 0] % n_ret
    C[:, K["return2"]] = ch.return0 + lc["return_reason"][:, 1] % n_ret
    C[:, K["extend"]] = ch.extend0 + lc["ext_k"] * ch.n_ext_reasons + lc["ext_reason"]
    C[:, K["decide"]] = np.where(lc["denied"], ch.empty, ch.approve0 + lc["ext_k"])
    C[:, K["supervise"]] = ch.supervise0 + (~lc["overdue"]).astype(np.int64)
    C[:, K["callback"]] = ch.callback0 + lc["sat"] * 2 + (~lc["resolved"])
    C[:, K["callback2"]] = ch.callback0 + lc["sat2"] * 2 + (~lc["resolved2"])
    C[:, K["reopen"]] = ch.reopen0 + lc["dept"]
    changes = dict_col(C[H], ch.items).dictionary_decode()
    del C
    merge_rows = slot == K["merge"]
    if merge_rows.any():
        into = pc.binary_join_element_wise('{"into": "', master_numbers.take(pa.array(order_idx[merge_rows])), '"}', "")
        changes = pc.replace_with_mask(changes, pa.array(merge_rows), into)
    cols["changes"] = changes
    return pa.table(cols)
