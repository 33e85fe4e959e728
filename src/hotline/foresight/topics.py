"""每月一题: rank a month's hard recurring problems by a heat index with its evidence; pure."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Weights of the heat index's parts, each first scaled to 0..1 across the month's candidates.
# A special topic's life: open → in progress → done; it may be dropped before it is done, and a
# topic whose problem comes back is taken up again.
TOPIC_STATUSES = ("open", "in_progress", "done", "dropped")
TOPIC_TRANSITIONS = {"open": {"in_progress", "dropped"}, "in_progress": {"done", "dropped"},
                     "done": {"in_progress"}, "dropped": set()}
WEIGHTS = {"volume": 0.30, "dissatisfied": 0.20, "reopened": 0.15, "departments": 0.10, "days_open": 0.10,
           "places": 0.10, "recurring": 0.05}
MIN_ORDERS = 20


def allowed_status_change(current: str, wanted: str) -> bool:
    """Whether a topic in `current` status may move to `wanted` (staying put is always allowed)."""
    return wanted == current or wanted in TOPIC_TRANSITIONS.get(current, set())


def rank(orders: pd.DataFrame, month: str, top: int = 10) -> list[dict]:
    """Problems (category × district) of one month ranked by heat index, hardest first.

    `orders`: number, created_at, closed_at, category, district, community, department,
    satisfaction, reopen_count. A problem recurs when it was also heavy in the months before.
    """
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.DateOffset(months=1)
    now = orders[(orders["created_at"] >= start) & (orders["created_at"] < end)]
    before = orders[(orders["created_at"] >= start - pd.DateOffset(months=3)) & (orders["created_at"] < start)]
    groups = now.groupby(["category", "district"])
    frame = pd.DataFrame({
        "volume": groups.size(),
        "dissatisfied": groups["satisfaction"].apply(lambda s: (s == "dissatisfied").mean()),
        "reopened": groups["reopen_count"].apply(lambda s: (s > 0).mean()),
        "departments": groups["department"].nunique(),
        "days_open": groups.apply(lambda g: ((g["closed_at"].fillna(end) - g["created_at"]) / pd.Timedelta(days=1)).mean(),
                                  include_groups=False),
        "places": groups["community"].nunique(),
    })
    frame["recurring"] = before.groupby(["category", "district"]).size().reindex(frame.index, fill_value=0) / 3
    frame = frame[frame["volume"] >= MIN_ORDERS]
    if frame.empty:
        return []
    scaled = (frame - frame.min()) / (frame.max() - frame.min()).replace(0, np.nan)
    heat = sum(scaled[k].fillna(0) * w for k, w in WEIGHTS.items()) * 100
    frame["heat_index"] = heat.round(1)
    frame = frame.sort_values("heat_index", ascending=False).head(top)
    out = []
    for (category, district), row in frame.iterrows():
        sample = now[(now["category"] == category) & (now["district"] == district)]
        out.append({"category": category, "district": district, "heat_index": float(row["heat_index"]),
                    "evidence": {k: round(float(row[k]), 3) for k in WEIGHTS} | {
                        "departments_involved": sample["department"].value_counts().head(3).index.tolist(),
                        "samples": sample["number"].head(5).tolist()}})
    return out


def before_after(daily: pd.Series, chosen_on: pd.Timestamp, days: int = 30) -> dict:
    """Orders a day in the `days` before a topic was chosen and since (the measure of success)."""
    before = daily[(daily.index >= chosen_on - pd.Timedelta(days=days)) & (daily.index < chosen_on)]
    after = daily[daily.index >= chosen_on]
    rate = lambda s, n: round(float(s.sum()) / n, 2) if n else None  # noqa: E731
    span_after = (daily.index.max() - chosen_on).days + 1 if len(daily) and daily.index.max() >= chosen_on else 0
    return {"before_per_day": rate(before, days), "after_per_day": rate(after, min(span_after, days) or 0),
            "days_after": int(max(span_after, 0))}
