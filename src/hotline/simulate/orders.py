"""The city's model (rates, places, types) and the skeleton of each day's orders: when, what, where."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from hotline.calendar.seasons import in_season
from hotline.simulate import incidents as incidents_mod
from hotline.simulate.profile import CHANNELS, REQUEST_TYPES, department_profiles, dispatch_catalogue, load_pack, sla_table
from hotline.simulate.texts import Texts
from hotline.simulate.timeaxis import DAY, TimeAxis, day_number, monthly_curve


class Model:
    """Everything fixed for one simulation run: the pack as arrays, rates, incidents, calendar."""

    def __init__(self, pack_dir, start: date, days: int, seed: int, scale: float, overrides: dict | None = None):
        self.pack = pack = load_pack(pack_dir, overrides)
        self.sim = sim = pack.sim
        self.start, self.days, self.seed, self.scale = start, days, seed, scale
        self.end = start + timedelta(days=days)
        self.horizon = day_number(self.end) * DAY  # nothing happens at or after the end
        hol = sim.get("holidays") or {}
        # Deadlines of the last orders run well past the end (15 working days + extensions).
        self.axis = TimeAxis(start - timedelta(days=40), self.end + timedelta(days=420), pack.holidays,
                             list(hol.get("spring_festival_names") or ["Spring Festival", "春节"]))
        cats = [sim["categories"][c] for c in pack.cat_codes]
        self.cat_spec = cats
        ref = [date(2023, 1, 1) + timedelta(days=i) for i in range(365)]
        ref_season = self._season_factor(ref)
        doy = np.arange(365) + 0.5
        year_mean = np.array([(monthly_curve(doy, c.get("m")) * ref_season[k]).mean() for k, c in enumerate(cats)])
        w = np.array([float(c["w"]) for c in cats])
        # Normalised so that an average day of a year has base_daily_orders orders.
        self.base_rate = float(sim["base_daily_orders"]) * scale * w / float((w * year_mean).sum())
        wk = np.asarray(sim["weekdays"], float)
        ax = self.axis
        f = (wk / wk.mean())[ax.weekday]
        f = np.where(ax.workday & (ax.weekday >= 5), 1.0, f)  # a swapped working weekend day
        f = np.where(ax.holiday, float(hol.get("factor", 0.66)) / wk.mean(), f)
        self.day_factor = np.where(ax.spring, float(hol.get("spring_festival", 0.42)) / wk.mean(), f)
        rural = np.array([float(c.get("rural", 0.5)) for c in cats])
        self.cat_comm = pack.comm_pop[None, :] * np.where(pack.comm_rural[None, :], rural[:, None], 1.0)
        profiles = sim["type_profiles"]
        probs = np.array([[float(profiles[c["t"]].get(t, 0.0)) for t in REQUEST_TYPES] for c in cats])
        self.type_cum = np.cumsum(probs / probs.sum(1, keepdims=True), axis=1)
        self.urgent = np.array([float(c.get("u", 0.01)) for c in cats])
        self.critical = np.array([float(c.get("c", 0.002)) for c in cats])
        self.channel_p = np.array([float(sim["channels"].get(c, 0.0)) for c in CHANNELS])
        self.channel_p /= self.channel_p.sum()
        hours = sim["hours"]
        self.hour_p = {k: np.asarray(v, float) / sum(v) for k, v in hours.items()}
        self.catalogue = dispatch_catalogue(pack)
        self.sla = sla_table(pack)
        self.dept = department_profiles(pack, seed)
        self.incidents = incidents_mod.plan(pack, start, self.end, seed, scale, self.base_rate, self.cat_comm)
        vocab = sorted({i.vocabulary for i in self.incidents if i.vocabulary})
        self.vocab_index = {v: k for k, v in enumerate(vocab)}
        self.texts = Texts(pack, vocab)

    def _season_factor(self, days: list[date]) -> list[np.ndarray]:
        """Per category: 1 in season, the off-season cut outside (heating)."""
        heating = in_season(days, self.pack.city.get("heating_season"))
        off = float(self.sim.get("heating_off_season", 0.2))
        return [np.where(heating, 1.0, off) if c.get("season") == "heating" else np.ones(len(days)) for c in
                [self.sim["categories"][k] for k in self.pack.cat_codes]]

    def expected_rates(self, first: date, n: int) -> np.ndarray:
        """Expected orders per (day, category) for n days from `first` (before incidents)."""
        days = [first + timedelta(days=i) for i in range(n)]
        doy = np.array([d.timetuple().tm_yday for d in days]) - 0.5
        season = self._season_factor(days)
        curves = np.stack([monthly_curve(doy, c.get("m")) * season[k] for k, c in enumerate(self.cat_spec)], axis=1)
        idx = np.array([(d - self.axis.first).days for d in days])
        return curves * self.base_rate[None, :] * self.day_factor[idx][:, None]


def _pick_cum(cum: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Vectorised weighted choice: row r's cumulative weights cum[r], one uniform per pick."""
    return (u[:, None] > cum[rows]).sum(axis=1)


def _seconds_in_day(rng, n: int, hour_p: np.ndarray) -> np.ndarray:
    hour = rng.choice(24, n, p=hour_p)
    return hour * 3600 + rng.integers(0, 3600, n)


def skeleton(model: Model, rng: np.random.Generator, first: date, n_days: int) -> dict[str, np.ndarray]:
    """Orders created on the given days: time, category, place, channel, type, incident, unit."""
    pack, axis = model.pack, model.axis
    lam = model.expected_rates(first, n_days)
    counts = rng.poisson(lam)
    day0 = day_number(first)
    flat = counts.ravel()
    day = np.repeat(np.repeat(np.arange(n_days), pack.n_cat), flat) + day0
    cat = np.repeat(np.tile(np.arange(pack.n_cat), n_days), flat).astype(np.int32)
    # Where: each category draws on its own places (villages for farming, towns for heating...).
    cum = np.cumsum(model.cat_comm, axis=1)
    cum /= cum[:, -1:]
    flat_cum = (cum + np.arange(pack.n_cat)[:, None]).ravel()
    comm = (np.searchsorted(flat_cum, cat + rng.random(len(cat))) - cat * len(pack.comm_codes)).astype(np.int32)
    comm = np.clip(comm, 0, len(pack.comm_codes) - 1)
    incident = np.full(len(cat), -1, dtype=np.int32)
    keep = np.ones(len(cat), dtype=bool)
    for k, inc in enumerate(model.incidents):
        if inc.replaces_district is not None:  # the incident's totals replace the usual flow there
            lo, hi = day_number(inc.start), day_number(inc.end)
            keep &= ~((cat == inc.category) & (pack.comm_district[comm] == inc.replaces_district) & (day >= lo) & (day <= hi))
    day, cat, comm, incident = day[keep], cat[keep], comm[keep], incident[keep]
    channel = rng.choice(len(CHANNELS), len(cat), p=model.channel_p).astype(np.int8)
    online = ~np.isin(channel, [0, 4])  # phone and grid follow office hours
    secs = np.where(online, _seconds_in_day(rng, len(cat), model.hour_p["online"]), _seconds_in_day(rng, len(cat), model.hour_p["phone"]))
    parts = [dict(day=day, cat=cat, comm=comm, channel=channel, secs=secs, incident=incident)]
    for k, inc in enumerate(model.incidents):
        for d, n in inc.daily.items():
            if not (day0 <= d < day0 + n_days) or n <= 0:
                continue
            w = inc.comm_weights / inc.comm_weights.sum()
            ch = rng.choice(len(CHANNELS), n, p=model.channel_p).astype(np.int8)
            if inc.start_hour is not None and d == day_number(inc.start):
                s = (inc.start_hour * 3600 + rng.exponential(4 * 3600, n)).astype(np.int64)
                s = np.minimum(s, DAY - 1)
            else:
                s = _seconds_in_day(rng, n, model.hour_p["phone"])
            parts.append(dict(
                day=np.full(n, d), cat=np.full(n, inc.category, np.int32),
                comm=rng.choice(len(w), n, p=w).astype(np.int32), channel=ch, secs=s,
                incident=np.full(n, k, np.int32),
            ))
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    created = out.pop("day").astype(np.int64) * DAY + out.pop("secs").astype(np.int64)
    # Stable order: by time, ties broken by what was drawn first (deterministic for a seed).
    order = np.argsort(created, kind="stable")
    out = {k: v[order] for k, v in out.items()}
    out["created"] = created[order]
    n = len(created)
    ci = out["cat"]
    rtype = _pick_cum(model.type_cum, ci, rng.random(n)).astype(np.int8)
    inc_rows = out["incident"] >= 0
    if inc_rows.any():  # incident callers want help or complain; they rarely just ask
        rtype[inc_rows] = rng.choice([1, 2, 0], inc_rows.sum(), p=[0.55, 0.35, 0.10])
    out["rtype"] = np.minimum(rtype, len(REQUEST_TYPES) - 1)
    u = rng.random(n)
    urg = np.where(u < model.critical[ci], 2, np.where(u < model.critical[ci] + model.urgent[ci], 1, 0)).astype(np.int8)
    burst = np.zeros(n, dtype=bool)
    for k, inc in enumerate(model.incidents):
        if inc.start_hour is not None:
            burst |= out["incident"] == k
    out["urgency"] = np.where(burst & (urg == 0), 1, urg).astype(np.int8)
    # The responsible unit, by the catalogue; among units of equal standing the citizen's words
    # (a cue in the text) decide, so it is drawn here, before the text is written.
    street = pack.comm_street[out["comm"]]
    n_lead = model.catalogue.n_lead[ci, street]
    lead = np.minimum((rng.random(n) * n_lead).astype(np.int32), n_lead - 1)
    out["dept"] = model.catalogue.units[ci, street, lead]
    out["cued"] = n_lead > 1
    return out
