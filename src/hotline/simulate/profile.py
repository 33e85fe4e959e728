"""A city pack read into the arrays the simulator indexes: places, categories, departments, SLA."""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from hotline.reference.citypack import read_pack

REQUEST_TYPES = ("consult", "help", "complaint", "report", "suggestion", "praise")
URGENCIES = ("normal", "urgent", "critical")
CHANNELS = ("phone", "web", "app", "wechat", "grid", "open311", "email")
SATISFACTION = ("satisfied", "basic", "dissatisfied")


def _merge(base: dict, extra: dict) -> dict:
    """Deep-merge overrides into a copy of the profile (dicts merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def stable_hash(text: str) -> int:
    """A hash that is the same in every process (Python's hash() is salted)."""
    return zlib.crc32(text.encode("utf-8"))


@dataclass
class Pack:
    """Everything the simulator needs from one city pack, as parallel arrays."""

    path: Path
    city: dict
    sim: dict
    phrases: dict
    # Categories (level 2 only are simulated).
    cat_codes: list[str]
    cat_names: list[str]
    cat_l1: list[str]
    # Communities (the place an order is about) and their street/district.
    comm_codes: list[str]
    comm_names: list[str]
    comm_street: np.ndarray  # index into street_codes
    comm_district: np.ndarray  # index into district_codes
    comm_pop: np.ndarray
    comm_rural: np.ndarray  # bool: a village rather than an urban community
    comm_lat: np.ndarray
    comm_lon: np.ndarray
    street_codes: list[str]
    street_names: list[str]
    district_codes: list[str]
    district_names: list[str]
    # Departments.
    dept_codes: list[str]
    dept_names: list[str]
    dept_kinds: list[str]
    dept_regions: list[str]
    dept_cats: list[set[str]]
    dept_aliases: list[list[str]]
    sla_rows: list[dict]
    holidays: dict = field(default_factory=dict)  # date iso -> (kind, name)

    @property
    def n_cat(self) -> int:
        return len(self.cat_codes)


def load_pack(pack_dir: str | Path, overrides: dict | None = None) -> Pack:
    """Read a city pack folder (checked by the platform's own reader) plus simulation and phrases."""
    checked = read_pack(pack_dir)
    root = checked.path
    sim = _merge(yaml.safe_load((root / "simulation.yaml").read_text(encoding="utf-8")), overrides or {})
    phrases = yaml.safe_load((root / "phrases.yaml").read_text(encoding="utf-8"))
    cats = [c for c in checked.categories if c["level"] == 2 and c["code"] in sim["categories"]]
    by_code = {r["code"]: r for r in checked.regions}
    districts = [r for r in checked.regions if r["level"] == "district"]
    streets = [r for r in checked.regions if r["level"] == "street"]
    comms = [r for r in checked.regions if r["level"] == "community"]
    d_index = {r["code"]: i for i, r in enumerate(districts)}
    s_index = {r["code"]: i for i, r in enumerate(streets)}
    comm_street = np.array([s_index[c["parent"]] for c in comms], dtype=np.int32)
    comm_district = np.array([d_index[by_code[c["parent"]]["parent"]] for c in comms], dtype=np.int32)
    depts = checked.departments
    return Pack(
        path=root, city=checked.city, sim=sim, phrases=phrases,
        cat_codes=[c["code"] for c in cats], cat_names=[c["name"] for c in cats],
        cat_l1=[c["parent"] for c in cats],
        comm_codes=[c["code"] for c in comms], comm_names=[c["name"] for c in comms],
        comm_street=comm_street, comm_district=comm_district,
        # A community without a population counts as a small one rather than vanishing.
        comm_pop=np.array([float(c["population"] or 1000.0) for c in comms]),
        # Villages (村) are rural; 社区 are urban, whatever the town they belong to.
        comm_rural=np.array([c["name"].endswith("村") or "村委" in c["name"] for c in comms]),
        comm_lat=np.array([c["lat"] or 0.0 for c in comms]),
        comm_lon=np.array([c["lon"] or 0.0 for c in comms]),
        street_codes=[s["code"] for s in streets], street_names=[s["name"] for s in streets],
        district_codes=[d["code"] for d in districts], district_names=[d["name"] for d in districts],
        dept_codes=[d["code"] for d in depts], dept_names=[d["name"] for d in depts],
        dept_kinds=[d["kind"] for d in depts],
        dept_regions=[d["region"] or "" for d in depts],
        dept_cats=[set(d["categories"]) for d in depts],
        dept_aliases=[list(d["aliases"]) for d in depts],
        sla_rows=checked.sla,
        holidays={h["day"].isoformat(): (h["kind"], h["name"]) for h in checked.holidays},
    )


@dataclass
class Catalogue:
    """The dispatch catalogue (派单目录) per (category, street): who is responsible, who else could be.

    `units[c, s]` lists every unit able to handle the category there, best standing first (-1 pads);
    the first `n_lead[c, s]` share the line: which of them gets an order depends on what the citizen
    says (the company named, the office asked for). The rest are where a dispatcher's mistake goes.
    """

    units: np.ndarray  # (categories, streets, width) department index, -1 = none
    n_lead: np.ndarray  # (categories, streets) units of equal standing at the top (>= 1)
    n_units: np.ndarray  # (categories, streets) units listed (>= 1)


def standing(category: str, category_l1: str, street: str | None, district: str | None,
             units: list[tuple[str, str, set[str]]]) -> list[tuple[int, float]]:
    """Units (kind, region, categories) that may handle a category in a place, with their standing.

    Standing = (3 for naming the level-2 category, 1 for its level 1) × (3 for a unit of the street,
    1.6 of the district, 1 city-wide), so a town's own office comes before a city bureau; the centre
    keeps only what nobody else takes. Best first; units of equal standing at the top are a close
    case that the citizen's words decide.
    """
    out = []
    for index, (kind, region, cats) in enumerate(units):
        if kind == "centre" and category != "1503":
            continue
        if category in cats:
            weight = 3.0
        elif category_l1 in cats:
            weight = 1.0
        else:
            continue
        if region and region == street:
            weight *= 3.0
        elif region and region == district:
            weight *= 1.6
        elif region:
            continue  # serves another district or street
        out.append((index, weight))
    if not out:  # nobody named: the centre handles it itself
        out = [(i, 1.0) for i, (kind, _, _) in enumerate(units) if kind == "centre"][:1] or [(0, 1.0)]
    return sorted(out, key=lambda unit: (-unit[1], unit[0]))


def dispatch_catalogue(pack: Pack) -> Catalogue:
    """The catalogue of the pack's departments: deterministic per (category, street) but for ties."""
    n_s = len(pack.street_codes)
    street_district = np.zeros(n_s, dtype=np.int32)
    street_district[pack.comm_street] = pack.comm_district
    units = list(zip(pack.dept_kinds, pack.dept_regions, pack.dept_cats))
    rows = [[standing(code, pack.cat_l1[ci], pack.street_codes[si], pack.district_codes[street_district[si]], units)
             for si in range(n_s)] for ci, code in enumerate(pack.cat_codes)]
    width = max(len(cell) for row in rows for cell in row)
    table = np.full((pack.n_cat, n_s, width), -1, dtype=np.int32)
    n_lead = np.ones((pack.n_cat, n_s), dtype=np.int32)
    n_units = np.ones((pack.n_cat, n_s), dtype=np.int32)
    for ci, row in enumerate(rows):
        for si, ranked in enumerate(row):
            table[ci, si, : len(ranked)] = [di for di, _ in ranked]
            n_lead[ci, si] = sum(w == ranked[0][1] for _, w in ranked)
            n_units[ci, si] = len(ranked)
    return Catalogue(table, n_lead, n_units)


def sla_table(pack: Pack) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (category, urgency, request type): sign hours, finish value, finish unit (1 = hours)."""
    shape = (pack.n_cat, len(URGENCIES), len(REQUEST_TYPES))
    sign, value, unit = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int8)
    rules = pack.sla_rows
    for ci, code in enumerate(pack.cat_codes):
        for ui, urg in enumerate(URGENCIES):
            for ti, rtype in enumerate(REQUEST_TYPES):
                best, rank = None, None
                for r in rules:
                    if r["category"] and r["category"] not in (code, pack.cat_l1[ci]):
                        continue
                    if r["urgency"] and r["urgency"] != urg:
                        continue
                    if r["request_type"] and r["request_type"] != rtype:
                        continue
                    # Same rule as the service: highest priority, then the more specific rule.
                    key = (int(r["priority"] or 0), sum(bool(r[k]) for k in ("category", "urgency", "request_type")))
                    if rank is None or key > rank:
                        best, rank = r, key
                if best is None:
                    best = {"sign_hours": 24, "finish_value": 7, "finish_unit": "working_days"}
                sign[ci, ui, ti] = float(best["sign_hours"])
                value[ci, ui, ti] = float(best["finish_value"])
                unit[ci, ui, ti] = 1 if best["finish_unit"] == "hours" else 0
    return sign, value, unit


def department_profiles(pack: Pack, seed: int) -> dict[str, np.ndarray]:
    """Each department's speed, return/extension/overdue rates and satisfaction mix."""
    kinds = pack.sim["department_kinds"]
    overrides = pack.sim.get("departments") or {}
    n = len(pack.dept_codes)
    out = {k: np.zeros(n) for k in ("speed", "return_rate", "extension_rate", "overdue_rate")}
    out["satisfaction"] = np.zeros((n, 3))
    for i, code in enumerate(pack.dept_codes):
        prof = dict(kinds.get(pack.dept_kinds[i]) or kinds["bureau"])
        prof.update(overrides.get(code) or {})
        # A personal variation per department, fixed by the seed, so rankings have a spread.
        rng = np.random.default_rng([seed, stable_hash(code)])
        jitter = rng.lognormal(0.0, [0.25, 0.45, 0.45, 0.5])
        out["speed"][i] = min(0.9, prof["speed"] * jitter[0])
        out["return_rate"][i] = min(0.4, prof["return_rate"] * jitter[1])
        out["extension_rate"][i] = min(0.4, prof["extension_rate"] * jitter[2])
        out["overdue_rate"][i] = min(0.5, prof["overdue_rate"] * jitter[3])
        sat = np.array(prof["satisfaction"], dtype=float)
        sat[2] *= jitter[3]
        out["satisfaction"][i] = sat / sat.sum()
    return out
