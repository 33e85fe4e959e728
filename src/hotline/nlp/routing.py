"""Department suggestion (智能派单): the city's dispatch history for the category and the place,
combined with the text model's department scores.

A dispatch catalogue says which unit handles a category in a place; the city's closed orders (the
unit that finally handled each, after any returns) are that catalogue as practised. The history of
the most specific place with enough orders (street, then district, then the whole city) gives one
opinion, the text model another (it reads the words that decide close cases, such as the company
named); the two are multiplied with exponents fitted on held-out orders, so the result is calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Pseudo-orders a wider level lends a narrower one: a street with few orders leans on its district.
BORROWED = 2.0
# Categories of the category model's top guesses the history is averaged over.
TOP_CATEGORIES = 3
EXPONENTS_HISTORY = (0.5, 1.0, 1.5, 2.0, 3.0)
EXPONENTS_TEXT = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
FLOOR = 1e-4  # no unit is ever certain to be wrong: a floor under both opinions
LEVEL_NAMES = {"street": "同街道（乡镇）", "district": "同区县", "city": "全市"}


def _place(value) -> str:
    """A place code, or "" for none (None, NaN and empty alike)."""
    return value if isinstance(value, str) else ""


@dataclass
class Evidence:
    """What the history says for one unit: at which level, out of how many orders, how many it handled."""

    level: str  # street | district | city
    place: str | None
    category: str
    orders: int
    handled: int

    def reason(self, names: dict[str, str]) -> str:
        """A sentence for the call-taker, e.g. 历史同类同地派单：河西堡镇「供暖」120 件中 118 件由该单位办理."""
        where = names.get(self.place, self.place) if self.place else LEVEL_NAMES["city"]
        what = names.get(self.category, self.category)
        if not self.orders:
            return f"历史同类同地派单：{where}「{what}」尚无办结记录，依文字判断"
        told = f"历史同类同地派单：{where}「{what}」{self.orders} 件中 {self.handled} 件由该单位办理"
        return told if self.handled else told + "，此建议来自文字中的线索"


@dataclass
class DepartmentRouter:
    """Counts of closed orders per (category, place, final unit) and the fitted blend with the text."""

    departments: np.ndarray  # unit codes, sorted
    by_category: dict[str, np.ndarray]
    by_district: dict[tuple[str, str], np.ndarray]
    by_street: dict[tuple[str, str], np.ndarray]
    overall: np.ndarray
    history_weight: float = 1.0
    text_weight: float = 1.0
    metrics: dict = field(default_factory=dict)

    def history(self, category: str, district: str | None, street: str | None) -> np.ndarray:
        """P(unit | category, place) from the counts, each level smoothed towards the wider one."""
        prior = (self.overall + 1.0) / (self.overall.sum() + len(self.overall))
        for counts in (self.by_category.get(category), self.by_district.get((category, _place(district))),
                       self.by_street.get((category, _place(street)))):
            if counts is not None:
                prior = (counts + BORROWED * prior) / (counts.sum() + BORROWED)
        return prior

    def evidence(self, category: str, district: str | None, street: str | None, unit: str) -> Evidence:
        """The most specific level with orders of this category, and how many of them the unit handled."""
        column = int(np.searchsorted(self.departments, unit))
        known = column < len(self.departments) and self.departments[column] == unit
        for level, place, counts in (("street", street, self.by_street.get((category, _place(street)))),
                                     ("district", district, self.by_district.get((category, _place(district)))),
                                     ("city", None, self.by_category.get(category))):
            if counts is not None and counts.sum() > 0:
                return Evidence(level, place, category, int(counts.sum()), int(counts[column]) if known else 0)
        return Evidence("city", None, category, 0, 0)

    def proba(self, category_classes: np.ndarray, category_prob: np.ndarray, districts: list, streets: list,
              text_classes: np.ndarray | None = None, text_prob: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities over `departments`, one row per order.

        `category_prob` are the category model's probabilities (columns `category_classes`), over whose
        top guesses the history is averaged; `text_prob` the department model's (columns `text_classes`).
        """
        history = self._history_matrix(category_classes, category_prob, districts, streets)
        text = self.align(text_classes, text_prob) if text_prob is not None else None
        return blend(history, text, self.history_weight, self.text_weight)

    def align(self, classes: np.ndarray, prob: np.ndarray) -> np.ndarray:
        """Another model's probabilities as columns of `departments` (units it does not know get 0)."""
        out = np.zeros((prob.shape[0], len(self.departments)))
        last = len(self.departments) - 1
        where = np.searchsorted(self.departments, classes)
        known = (where <= last) & (self.departments[np.minimum(where, last)] == classes)
        out[:, where[known]] = prob[:, known]
        return out

    def _history_matrix(self, category_classes, category_prob, districts, streets) -> np.ndarray:
        n = category_prob.shape[0]
        top = np.argsort(-category_prob, axis=1)[:, :TOP_CATEGORIES]
        place_index: dict[tuple[str, str], int] = {}
        place = np.array([place_index.setdefault((_place(d), _place(s)), len(place_index))
                          for d, s in zip(districts, streets)], dtype=np.int64).reshape(n)
        places = list(place_index)
        # Each distinct (category, place) is looked up once: a batch has few of them.
        keys, inverse = np.unique((top * max(len(places), 1) + place[:, None]).ravel(), return_inverse=True)
        table = np.stack([self.history(str(category_classes[key // len(places)]), *places[key % len(places)])
                          for key in keys]) if n else np.zeros((0, len(self.departments)))
        weights = np.take_along_axis(category_prob, top, axis=1)
        out = np.einsum("nk,nkd->nd", weights, table[inverse.reshape(top.shape)])
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)


def blend(history: np.ndarray, text: np.ndarray | None, history_weight: float, text_weight: float) -> np.ndarray:
    """The two opinions (rows over the same units) multiplied with their exponents, normalised per row."""
    logits = history_weight * np.log(history + FLOOR)
    if text is not None and text_weight > 0:
        logits += text_weight * np.log(text + FLOOR)
    logits -= logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    return prob / prob.sum(axis=1, keepdims=True)


def count_history(categories, districts, streets, units, departments: np.ndarray) -> DepartmentRouter:
    """A router holding the counts of these orders (the blend is left at 1:1 until `fit_router`)."""
    n_units = len(departments)
    column = np.searchsorted(departments, np.asarray(units, dtype=object).astype(str))
    categories = list(categories)
    overall = np.bincount(column, minlength=n_units).astype(np.float64)
    by_category = _counted(categories, column, n_units)
    by_district = _counted(list(zip(categories, map(_place, districts))), column, n_units)
    by_street = _counted(list(zip(categories, map(_place, streets))), column, n_units)
    # An unknown place is no evidence: keys without a district or street carry no counts.
    by_district = {k: v for k, v in by_district.items() if k[1]}
    by_street = {k: v for k, v in by_street.items() if k[1]}
    return DepartmentRouter(departments, by_category, by_district, by_street, overall)


def _counted(keys: list, column: np.ndarray, n_units: int) -> dict:
    """Per distinct key (in order of first appearance), how many of its orders each unit handled."""
    index: dict = {}
    code = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64, count=len(keys))
    counts = np.bincount(code * n_units + column, minlength=len(index) * n_units).astype(np.float64)
    # One array per key, as the router has always held them (a row view would pickle the whole table).
    return {key: counts[i * n_units:(i + 1) * n_units].copy() for key, i in index.items()}


def fit_router(data: dict[str, list], category_classes: np.ndarray, category_prob: np.ndarray,
               text_classes: np.ndarray | None, text_prob: np.ndarray | None, held_out: np.ndarray) -> DepartmentRouter:
    """Count the history on all orders; choose the blend on `held_out` rows, counted without them.

    `category_prob`/`text_prob` are the models' probabilities for the held-out rows (in their order).
    The blend minimises log-loss, which is what makes the probabilities calibrated.
    """
    units = np.asarray(data["department"], dtype=object)
    valid = np.array([bool(u) for u in units])
    departments = np.unique(units[valid].astype(str))
    rows = np.flatnonzero(valid)
    columns = [np.asarray(data[k], dtype=object) for k in ("category", "district", "street")]
    held = np.zeros(len(units), dtype=bool)
    held[held_out] = True
    fitted = count_history(*(c[rows[~held[rows]]] for c in columns), units[rows[~held[rows]]], departments)
    keep = valid[held_out]  # held-out rows with a known final unit
    districts = list(columns[1][held_out][keep])
    streets = list(columns[2][held_out][keep])
    truth = np.searchsorted(departments, units[held_out][keep].astype(str))
    history = fitted._history_matrix(category_classes, category_prob[keep], districts, streets)
    text = fitted.align(text_classes, text_prob[keep]) if text_prob is not None else None
    best = None
    for a in EXPONENTS_HISTORY:
        for b in EXPONENTS_TEXT if text is not None else (0.0,):
            prob = blend(history, text, a, b)
            loss = float(-np.log(prob[np.arange(len(truth)), truth] + 1e-12).mean())
            if best is None or loss < best[0]:
                best = (loss, a, b, prob)
    loss, a, b, prob = best
    top = np.argsort(-prob, axis=1)[:, :3]
    router = count_history(*(c[rows] for c in columns), units[rows], departments)
    router.history_weight, router.text_weight = a, b
    router.metrics = {"holdout": int(len(truth)), "holdout_top1": round(float((top[:, 0] == truth).mean()), 4),
                      "holdout_top3": round(float((top == truth[:, None]).any(axis=1).mean()), 4),
                      "holdout_log_loss": round(loss, 4), "history_weight": a, "text_weight": b,
                      "places": len(router.by_street) + len(router.by_district)}
    return router
