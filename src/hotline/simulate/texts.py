"""Citizens' words, vectorised: fragments are prepared once and joined per order with Arrow kernels."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hotline.simulate.profile import REQUEST_TYPES, Pack


def _noisy(phrases: list[str], typos: list[list[str]]) -> tuple[list[str], list[float]]:
    """Each phrasing plus noisy variants (a typo, lost punctuation, a doubled character)."""
    out, weights = [], []
    for k, text in enumerate(phrases):
        out.append(text)
        weights.append(1.0)
        for right, wrong in typos[k % len(typos):] + typos[: k % len(typos)]:
            if right in text:
                out.append(text.replace(right, wrong, 1))
                weights.append(0.12)
                break
        if "，" in text:
            out.append(text.replace("，", " ").replace("  ", " "))
            weights.append(0.15)
        if len(text) > 4:
            out.append(text[:-1] + text[-1] * 2)
            weights.append(0.05)
    return out, weights


class Groups:
    """Lists of strings by group, flattened for vectorised picks (weights within a group)."""

    def __init__(self, groups: list[list[str]], weights: list[list[float]] | None = None):
        flat = [s for g in groups for s in g]
        self.values = pa.array(flat or [""], pa.string())
        self.off = np.zeros(len(groups), dtype=np.int64)
        self.count = np.array([len(g) for g in groups], dtype=np.int64)
        self.off[1:] = np.cumsum(self.count)[:-1]
        # Within-group cumulative weights, for a weighted pick by searchsorted on a global axis.
        w = np.concatenate([np.asarray(ws, float) / sum(ws) for ws in weights]) if weights else None
        self.cum = None
        if w is not None:
            group_of = np.repeat(np.arange(len(groups)), self.count)
            self.cum = np.cumsum(w) - 1e-9  # each group sums to 1: group g lies in (g, g+1]

    def pick(self, rng: np.random.Generator, group: np.ndarray) -> pa.Array:
        """One string per row, from each row's group."""
        u = rng.random(len(group))
        if self.cum is not None:
            idx = np.searchsorted(self.cum, group + u)
            idx = np.minimum(idx, self.off[group] + self.count[group] - 1)
        else:
            idx = self.off[group] + (u * self.count[group]).astype(np.int64)
        return self.values.take(pa.array(idx))


class Texts:
    """Every fragment of the city's phrasing, ready to assemble request texts per order."""

    def __init__(self, pack: Pack, incident_sets: list[str]):
        ph = pack.phrases
        typos = ph.get("typos") or [["的", "得"]]
        cats = ph["categories"]
        self.incident_sets = list(incident_sets)
        problem, problem_w, question, question_w, summary = [], [], [], [], []
        for code in pack.cat_codes:
            entry = cats.get(code) or {}
            p, pw = _noisy(entry.get("p") or entry.get("q") or [pack.cat_names[pack.cat_codes.index(code)]], typos)
            q, qw = _noisy(entry.get("q") or entry.get("p") or [], typos)
            problem.append(p), problem_w.append(pw), question.append(q), question_w.append(qw)
            summary.append(list(entry.get("s") or [pack.cat_names[pack.cat_codes.index(code)]]))
        for name in self.incident_sets:  # incident vocabularies follow the categories' groups
            entry = (ph.get("incidents") or {}).get(name) or {"p": ["出问题了"], "s": ["突发问题"]}
            p, pw = _noisy(entry["p"], typos)
            problem.append(p), problem_w.append(pw), question.append(p), question_w.append(pw)
            summary.append(list(entry["s"]))
        self.problem = Groups(problem, problem_w)
        self.question = Groups(question, question_w)
        self.summary = Groups(summary)
        self.openers = Groups([ph["openers"].get(t) or [""] for t in REQUEST_TYPES])
        self.asks = Groups([ph["asks"].get(t) or [""] for t in REQUEST_TYPES])
        self.times = Groups([ph["times"]])
        self.details = Groups([[d + "，" if d else "" for d in ph["details"]]])
        self.endings = Groups([ph["endings"]])
        self.fillers = Groups([ph["fillers"]])
        forms = [f.split("{place}") for f in ph["places"]]
        self.place_pre = Groups([[f[0] for f in forms]])
        self.place_suf = pa.array([f[1] for f in forms])
        self.surnames = pa.array(list(ph["surnames"]))
        self.given = pa.array(ph["given"])
        # Per community: the full written prefix, and the short forms people use.
        streets = [pack.street_names[s] for s in pack.comm_street]
        districts = [pack.district_names[d] for d in pack.comm_district]
        self.comm_full = pa.array([d + s + c for d, s, c in zip(districts, streets, pack.comm_names)])
        self.comm_mid = pa.array([s + c for s, c in zip(streets, pack.comm_names)])
        self.comm_name = pa.array(pack.comm_names)
        self.rural = pack.comm_rural
        # A cue naming the unit meant, for orders where the catalogue has several of equal standing.
        cues = ph.get("cues") or {}
        per_unit = []
        for full, kind, aliases in zip(pack.dept_names, pack.dept_kinds, pack.dept_aliases):
            templates = cues.get(kind) or cues.get("default") or ["{unit}，"]
            per_unit.append([template.format(unit=name) for template in templates for name in aliases or [full]])
        self.cues = Groups(per_unit)
        returns = ph.get("returns") or ["非我单位职责"]
        self.return_reasons = pa.array(returns)
        self.extension_reasons = pa.array(ph.get("extensions") or ["需协调处理"])
        self.reply_direct = pa.array(ph["replies"]["direct"])
        self.reply_done = pa.array(ph["replies"]["done"])
        self.reply_partial = pa.array(ph["replies"]["partial"])

    def addresses(self, rng: np.random.Generator, comm: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """Written address per order, and the way the citizen names the place in the text."""
        n = len(comm)
        building = pa.array(rng.integers(1, 36, n)).cast(pa.string())
        unit = pa.array(rng.integers(1, 7, n)).cast(pa.string())
        group = pa.array(rng.integers(1, 9, n)).cast(pa.string())
        full = self.comm_full.take(pa.array(comm))
        rural = pa.array(self.rural[comm])
        urban_tail = pc.binary_join_element_wise(building, "栋", unit, "单元", "")
        tail = pc.if_else(rural, pc.binary_join_element_wise(group, "组", ""), urban_tail)
        address = pc.binary_join_element_wise(full, tail, "")
        mid = self.comm_mid.take(pa.array(comm))
        short = pc.binary_join_element_wise(self.comm_name.take(pa.array(comm)), pc.if_else(rural, "", building), pc.if_else(rural, "", "号楼"), "")
        form = rng.choice(4, n, p=[0.3, 0.3, 0.25, 0.15])
        spoken = pc.choose(pa.array(form, pa.int8()), address, mid, short, self.comm_name.take(pa.array(comm)))
        return address, spoken

    def content(self, rng: np.random.Generator, group: np.ndarray, rtype: np.ndarray, spoken: pa.Array,
                unit: np.ndarray, cued: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """Request text and short title per order; `group` is the category or incident vocabulary, and
        orders marked `cued` name their unit (the catalogue alone cannot tell it)."""
        n = len(group)
        consult = rtype == 0
        core = pc.if_else(pa.array(consult), self.question.pick(rng, group), self.problem.pick(rng, group))
        zero = np.zeros(n, dtype=np.int64)
        form = rng.integers(0, len(self.place_suf), n)
        with_place = rng.random(n) < np.where(consult, 0.45, 0.85)
        place = pc.binary_join_element_wise(self.place_pre.values.take(pa.array(form)), spoken, self.place_suf.take(pa.array(form)), "")
        place = pc.if_else(pa.array(with_place), place, "")
        when = pc.if_else(pa.array(consult), "", self.times.pick(rng, zero))
        detail = pc.if_else(pa.array(consult | (rng.random(n) < 0.3)), "", self.details.pick(rng, zero))
        cue = pc.if_else(pa.array(cued), self.cues.pick(rng, unit), "")
        text = pc.binary_join_element_wise(
            self.openers.pick(rng, rtype), self.fillers.pick(rng, zero), place, when, core, "，",
            cue, detail, self.asks.pick(rng, rtype), self.endings.pick(rng, zero), "",
        )
        title = self.summary.pick(rng, group)
        prefix = pc.if_else(pa.array(rng.random(n) < 0.4), self.comm_name_for(spoken), "")
        return text, pc.binary_join_element_wise(prefix, title, "")

    def comm_name_for(self, spoken: pa.Array) -> pa.Array:
        """The place words at the start of a title (kept short: the first 12 characters)."""
        return pc.utf8_slice_codeunits(spoken, 0, 12)

    def names(self, phone: np.ndarray) -> pa.Array:
        """A citizen's name, a pure function of the phone so repeat callers keep their name."""
        h = (phone * 2654435761) % (1 << 31)
        sur = self.surnames.take(pa.array(h % len(self.surnames)))
        giv = self.given.take(pa.array((h // 131) % len(self.given)))
        return pc.binary_join_element_wise(sur, giv, "")
