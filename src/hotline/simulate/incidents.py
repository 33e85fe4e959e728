"""Incidents to inject: the pack's fixed ones and the seed's random ones, planned day by day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from hotline.simulate.profile import Pack
from hotline.simulate.timeaxis import day_number


@dataclass
class Incident:
    """One injected incident at one place: its orders per day and where they come from."""

    id: str
    kind: str
    category: int  # index into pack.cat_codes
    vocabulary: str  # phrase set in phrases.yaml `incidents`
    start: date
    end: date
    daily: dict[int, int]  # day number -> orders that day
    comm_weights: np.ndarray  # where in the city the orders come from
    place_code: str
    place_name: str
    replaces_district: int | None = None  # the usual flow of this category there is replaced
    baseline_per_day: float = 0.0  # what that usual flow would have been (expected)
    start_hour: float | None = None  # a burst starts at an hour and decays
    merged_share: float = 0.0
    overtime_agents: float = 0.0
    name: str = ""
    orders: list[str] = field(default_factory=list)

    def truth(self) -> dict:
        """The ground-truth record of this incident."""
        days = (self.end - self.start).days + 1
        total = sum(self.daily.values())
        return {
            "id": self.id, "kind": self.kind, "name": self.name,
            "place": {"code": self.place_code, "name": self.place_name},
            "category": self.category_code, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "orders_total": len(self.orders),
            "extra_per_day": round(max(total - self.baseline_per_day * days, 0) / days, 2),
            "orders": list(self.orders),
        }

    category_code: str = ""


def _split(total: int, shape: list[float]) -> list[int]:
    """Split a total over days by a shape, exactly (largest remainders)."""
    w = np.asarray(shape, float) / sum(shape)
    raw = w * total
    out = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - out))[: total - out.sum()]:
        out[k] += 1
    return out.tolist()


def plan(pack: Pack, start: date, end: date, seed: int, scale: float, base_rate: np.ndarray, cat_weights: np.ndarray) -> list[Incident]:
    """Every incident touching [start, end): fixed ones from the pack, random ones per year.

    base_rate[c] is category c's expected orders per day (at this scale, before seasonality), and
    cat_weights[c, comm] where its orders come from; both size the incidents against normal flow.
    """
    spec = pack.sim.get("incidents") or {}
    out: list[Incident] = []
    code_index = {c: i for i, c in enumerate(pack.cat_codes)}
    d_index = {n: i for i, n in enumerate(pack.district_names)}
    for fixed in spec.get("fixed") or []:
        s, e = date.fromisoformat(fixed["start"]), date.fromisoformat(fixed["end"])
        if e < start or s >= end:
            continue
        ci = code_index[fixed["category"]]
        days = (e - s).days + 1
        shape = fixed.get("shape") or [1] * days
        for dname, total in (fixed.get("totals") or {}).items():
            di = d_index[dname]
            in_d = pack.comm_district == di
            weights = np.where(in_d, cat_weights[ci], 0.0)
            counts = _split(int(round(total * scale)), shape[:days] + [1] * max(0, days - len(shape)))
            daily = {day_number(s) + k: n for k, n in enumerate(counts)}
            share = cat_weights[ci][in_d].sum() / cat_weights[ci].sum()
            out.append(Incident(
                id=f"{fixed['id']}-{pack.district_codes[di]}", kind=fixed["kind"], category=ci,
                vocabulary=fixed.get("phrases", ""), start=s, end=e, daily=daily, comm_weights=weights,
                place_code=pack.district_codes[di], place_name=dname, replaces_district=di,
                baseline_per_day=float(base_rate[ci] * share), overtime_agents=float(fixed.get("overtime_agents", 0)),
                name=fixed.get("name", fixed["kind"]), category_code=fixed["category"],
            ))
    rnd = spec.get("random") or {}
    urban_pop = np.where(pack.comm_rural, 0.0, pack.comm_pop)
    for year in range(start.year, end.year + 1):
        rng = np.random.default_rng([seed, year, 20230])
        y0, ndays = date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days
        burst = rnd.get("burst_outage")
        for k in range(int(burst["per_year"]) if burst else 0):
            code = burst["categories"][int(rng.integers(len(burst["categories"])))]
            comm = int(rng.choice(len(urban_pop), p=urban_pop / urban_pop.sum()))
            s = y0 + timedelta(days=int(rng.integers(ndays - 3)))
            days = int(rng.integers(burst["days"][0], burst["days"][1] + 1))
            total = int(round(rng.integers(burst["extra_orders"][0], burst["extra_orders"][1] + 1) * scale))
            counts = _split(max(total, 2), [0.62, 0.28, 0.1][:days])
            weights = np.zeros(len(urban_pop))
            weights[comm] = 1.0
            out.append(Incident(
                id=f"burst-{year}-{k + 1}", kind="burst_outage", category=code_index[code],
                vocabulary=f"burst_{code}", start=s, end=s + timedelta(days=days - 1),
                daily={day_number(s) + i: n for i, n in enumerate(counts)}, comm_weights=weights,
                place_code=pack.comm_codes[comm], place_name=pack.comm_names[comm],
                start_hour=float(rng.uniform(6, 20)), merged_share=float(burst.get("merged_share", 0.8)),
                overtime_agents=float(burst.get("overtime_agents", 0)), name=pack.cat_names[code_index[code]] + "突发",
                category_code=code,
            ))
        new = rnd.get("new_problem")
        for k in range(int(new["per_year"]) if new else 0):
            choice = new["choices"][int(rng.integers(len(new["choices"])))]
            s = y0 + timedelta(days=int(rng.integers(int(ndays * 0.7))))
            days = int(rng.integers(new["days"][0], new["days"][1] + 1))
            peak = rng.uniform(new["per_day"][0], new["per_day"][1]) * scale
            ramp = np.minimum(1.0, 0.25 + np.arange(days) / 21.0)  # word spreads over three weeks
            counts = rng.poisson(peak * ramp)
            out.append(Incident(
                id=f"new-{year}-{k + 1}", kind="new_problem", category=code_index[choice["category"]],
                vocabulary=choice["phrases"], start=s, end=s + timedelta(days=days - 1),
                daily={day_number(s) + i: int(n) for i, n in enumerate(counts)},
                comm_weights=urban_pop, place_code=pack.city.get("code", ""), place_name=pack.city.get("name", ""),
                name=choice["name"], category_code=choice["category"],
            ))
    return [i for i in out if i.end >= start and i.start < end]
