"""A city pack read into the arrays the simulator indexes: places, categories, departments, SLA."""

from __future__ import annotations

import copy
import csv
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

REQUEST_TYPES = ("consult", "help", "complaint", "report", "suggestion", "praise")
URGENCIES = ("normal", "urgent", "critical")
CHANNELS = ("phone", "web", "app", "wechat", "grid", "open311", "email")
SATISFACTION = ("satisfied", "basic", "dissatisfied")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


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
    sla_rows: list[dict]
    holidays: dict = field(default_factory=dict)  # date iso -> (kind, name)

    @property
    def n_cat(self) -> int:
        return len(self.cat_codes)


def load_pack(pack_dir: str | Path, overrides: dict | None = None) -> Pack:
    """Read a city pack folder (regions, categories, departments, SLA, simulation and phrases)."""
    root = Path(pack_dir)
    city = yaml.safe_load((root / "city.yaml").read_text(encoding="utf-8")) or {}
    sim = _merge(yaml.safe_load((root / "simulation.yaml").read_text(encoding="utf-8")), overrides or {})
    phrases = yaml.safe_load((root / "phrases.yaml").read_text(encoding="utf-8"))
    cats = [r for r in _csv(root / "categories.csv") if str(r["level"]).strip() == "2"]
    cats = [r for r in cats if r["code"] in sim["categories"]]
    regions = _csv(root / "regions.csv")
    by_code = {r["code"]: r for r in regions}
    districts = [r for r in regions if r["level"] == "district"]
    streets = [r for r in regions if r["level"] == "street"]
    comms = [r for r in regions if r["level"] == "community"]
    d_index = {r["code"]: i for i, r in enumerate(districts)}
    s_index = {r["code"]: i for i, r in enumerate(streets)}

    def _num(value: str, default: float) -> float:
        try:
            return float(value)
        except (TypeError, ValueError):
            return default

    comm_street = np.array([s_index[c["parent"]] for c in comms], dtype=np.int32)
    comm_district = np.array([d_index[by_code[c["parent"]]["parent"]] for c in comms], dtype=np.int32)
    depts = _csv(root / "departments.csv")
    holidays = {}
    if (root / "holidays.csv").exists():
        holidays = {r["date"]: (r["kind"], r.get("name", "")) for r in _csv(root / "holidays.csv")}
    return Pack(
        path=root, city=city, sim=sim, phrases=phrases,
        cat_codes=[c["code"] for c in cats], cat_names=[c["name"] for c in cats],
        cat_l1=[c["parent"] for c in cats],
        comm_codes=[c["code"] for c in comms], comm_names=[c["name"] for c in comms],
        comm_street=comm_street, comm_district=comm_district,
        comm_pop=np.array([_num(c["population"], 1000.0) for c in comms]),
        # Villages (村) are rural; 社区 are urban, whatever the town they belong to.
        comm_rural=np.array([c["name"].endswith("村") or "村委" in c["name"] for c in comms]),
        comm_lat=np.array([_num(c["lat"], 0.0) for c in comms]),
        comm_lon=np.array([_num(c["lon"], 0.0) for c in comms]),
        street_codes=[s["code"] for s in streets], street_names=[s["name"] for s in streets],
        district_codes=[d["code"] for d in districts], district_names=[d["name"] for d in districts],
        dept_codes=[d["code"] for d in depts], dept_names=[d["name"] for d in depts],
        dept_kinds=[d["kind"] for d in depts],
        dept_regions=[d.get("region") or "" for d in depts],
        dept_cats=[set(filter(None, (d.get("categories") or "").split("|"))) for d in depts],
        sla_rows=_csv(root / "sla.csv"), holidays=holidays,
    )


def dispatch_table(pack: Pack) -> tuple[np.ndarray, np.ndarray]:
    """Candidate departments per (category, street) with cumulative weights, padded to a width.

    A department is a candidate when it handles the category (level 2, or its level 1) and serves
    the whole city, the street's district or the street itself; closer and more specific duty
    weighs more, as a dispatch catalogue would route it.
    """
    n_s = len(pack.street_codes)
    street_district = np.zeros(n_s, dtype=np.int32)
    for c in range(len(pack.comm_codes)):
        street_district[pack.comm_street[c]] = pack.comm_district[c]
    table: list[list[list[tuple[int, float]]]] = []
    width = 1
    for ci, code in enumerate(pack.cat_codes):
        row = []
        for si in range(n_s):
            s_code, d_code = pack.street_codes[si], pack.district_codes[street_district[si]]
            cands = []
            for di, cats in enumerate(pack.dept_cats):
                kind, region = pack.dept_kinds[di], pack.dept_regions[di]
                if kind == "centre" and code != "1503":
                    continue
                if code in cats:
                    weight = 3.0
                elif pack.cat_l1[ci] in cats:
                    weight = 1.0
                else:
                    continue
                if region == s_code:
                    weight *= 3.0
                elif region == d_code:
                    weight *= 1.6
                elif region:
                    continue  # serves another district or street
                cands.append((di, weight))
            if not cands:  # nobody named: the centre handles it itself
                cands = [(i, 1.0) for i, k in enumerate(pack.dept_kinds) if k == "centre"][:1] or [(0, 1.0)]
            width = max(width, len(cands))
            row.append(cands)
        table.append(row)
    idx = np.zeros((pack.n_cat, n_s, width), dtype=np.int32)
    cum = np.full((pack.n_cat, n_s, width), 2.0)
    for ci, row in enumerate(table):
        for si, cands in enumerate(row):
            total = sum(w for _, w in cands)
            acc = 0.0
            for k, (di, w) in enumerate(cands):
                acc += w / total
                idx[ci, si, k] = di
                cum[ci, si, k] = acc
            cum[ci, si, len(cands) - 1] = 1.0
    return idx, cum


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
