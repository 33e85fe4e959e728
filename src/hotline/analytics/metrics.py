"""Pure arithmetic of the figures: rates with their parts, changes, shrinkage and composite scores."""

from __future__ import annotations

from collections.abc import Mapping


def ratio(numerator: float | None, denominator: float | None, digits: int = 4) -> dict:
    """A rate with its parts: {"rate", "numerator", "denominator"}; rate is None when nothing to divide."""
    numerator = numerator or 0
    denominator = denominator or 0
    rate = round(numerator / denominator, digits) if denominator else None
    return {"rate": rate, "numerator": numerator, "denominator": denominator}


def change(current: float | None, previous: float | None) -> dict:
    """Current vs previous: the difference and the relative change (None when previous is 0 or unknown)."""
    if current is None or previous is None:
        return {"current": current, "previous": previous, "change": None, "change_rate": None}
    diff = current - previous
    rate = round(diff / previous, 4) if previous else None
    return {"current": current, "previous": previous, "change": round(diff, 6), "change_rate": rate}


def mean(total: float | None, count: int | None, digits: int = 1) -> float | None:
    """An average from its sum and count."""
    return round(total / count, digits) if count else None


def shrunk_rate(successes: int, trials: int, prior: float | None, strength: float) -> float | None:
    """A rate pulled toward `prior` by `strength` pseudo-trials, so tiny samples do not top a ranking."""
    if prior is None:
        return successes / trials if trials else None
    return (successes + strength * prior) / (trials + strength)


def composite(rates: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean of the rates present; weights are renormalised over them."""
    used = {k: w for k, w in weights.items() if rates.get(k) is not None and w > 0}
    total = sum(used.values())
    if not total:
        return None
    return round(sum(rates[k] * w for k, w in used.items()) / total * 100, 2)


def rank(scores: Mapping[str, float | None], eligible: set[str]) -> dict[str, int | None]:
    """Competition ranks (1 = best) for eligible keys with a score; others get None."""
    ordered = sorted((s, k) for k, s in scores.items() if k in eligible and s is not None)
    ordered.reverse()
    out: dict[str, int | None] = {k: None for k in scores}
    position, previous = 0, None
    for index, (score, key) in enumerate(ordered, start=1):
        if score != previous:
            position, previous = index, score
        out[key] = position
    return out


def per_10k(count: int, population: int | None) -> float | None:
    """Requests per ten thousand residents."""
    return round(count * 10_000 / population, 2) if population else None
