"""Agents needed per interval: Erlang C (no abandonment) and Erlang A (callers with patience); pure."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Queues longer than this many multiples of the agents are so unlikely in Erlang A that the
# truncated birth-death chain loses nothing measurable.
_QUEUE_CAP_EXTRA = 400


@dataclass(frozen=True)
class Target:
    """A service target: share answered within `answer_seconds`, abandonment and occupancy caps."""

    service_level: float = 0.8
    answer_seconds: float = 15.0
    max_abandon: float = 0.05
    max_occupancy: float = 1.0


@dataclass(frozen=True)
class QueueResult:
    """What one staffing level gives one interval's traffic."""

    agents: int
    service_level: float
    wait_probability: float
    abandon_rate: float
    occupancy: float


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of Erlang B by the stable recursion."""
    if load <= 0:
        return 0.0
    inverse = 1.0
    for n in range(1, agents + 1):
        inverse = 1.0 + inverse * n / load
    return 1.0 / inverse


def erlang_c_wait(agents: int, load: float) -> float:
    """Probability that a caller waits (Erlang C); 1 when the agents cannot carry the load."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return 1.0
    b = erlang_b(agents, load)
    return agents * b / (agents - load * (1 - b))


def erlang_c(calls: float, aht_seconds: float, interval_seconds: float, agents: int,
             answer_seconds: float) -> QueueResult:
    """Service level, wait probability and occupancy of `agents` under Erlang C."""
    load = calls * aht_seconds / interval_seconds
    if calls <= 0:
        return QueueResult(agents, 1.0, 0.0, 0.0, 0.0)
    if agents <= load:
        return QueueResult(agents, 0.0, 1.0, 0.0, 1.0)
    wait = erlang_c_wait(agents, load)
    level = 1 - wait * math.exp(-(agents - load) * answer_seconds / aht_seconds)
    return QueueResult(agents, max(0.0, level), wait, 0.0, load / agents)


def agents_erlang_c(calls: float, aht_seconds: float, interval_seconds: float, target: Target) -> QueueResult:
    """Fewest agents meeting the service level and occupancy cap under Erlang C."""
    if calls <= 0:
        return QueueResult(0, 1.0, 0.0, 0.0, 0.0)
    load = calls * aht_seconds / interval_seconds
    agents = max(1, math.floor(load) + 1)
    result = erlang_c(calls, aht_seconds, interval_seconds, agents, target.answer_seconds)
    while result.service_level < target.service_level or result.occupancy > target.max_occupancy:
        agents += 1
        result = erlang_c(calls, aht_seconds, interval_seconds, agents, target.answer_seconds)
    return result


def erlang_a(calls: float, aht_seconds: float, interval_seconds: float, agents: int,
             answer_seconds: float, patience_seconds: float) -> QueueResult:
    """Service level (answered within the threshold ÷ offered), abandonment and occupancy, M/M/N+M."""
    if calls <= 0:
        return QueueResult(agents, 1.0, 0.0, 0.0, 0.0)
    lam = calls / interval_seconds
    mu = 1.0 / aht_seconds
    theta = 1.0 / patience_seconds
    if agents <= 0:
        return QueueResult(0, 0.0, 1.0, 1.0, 0.0)
    size = agents + _QUEUE_CAP_EXTRA + int(4 * lam / theta)
    # Stationary law of the birth-death chain, in logs so that large loads do not overflow.
    n = np.arange(1, size + 1)
    death = np.minimum(n, agents) * mu + np.maximum(n - agents, 0) * theta
    log_p = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death))])
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    waiting = p[agents:]  # an arrival finds everyone busy (PASTA)
    # Positions beyond which the chain holds no measurable mass need no waiting-time computation.
    kept = np.nonzero(waiting > 1e-15)[0]
    waiting = waiting[: (kept[-1] + 1) if len(kept) else 1]
    queued = np.arange(0, len(waiting))  # callers already waiting when it arrives
    abandon = theta * float((np.maximum(np.arange(size + 1) - agents, 0) * p).sum()) / lam
    served_in_time = _served_within(queued, agents * mu, theta, answer_seconds)
    level = float(p[:agents].sum() + (waiting * served_in_time).sum())
    busy = float((np.minimum(np.arange(size + 1), agents) * p).sum())
    return QueueResult(agents, level, float(waiting.sum()), abandon, busy / agents)


def _served_within(queued: np.ndarray, service_rate: float, theta: float, seconds: float) -> np.ndarray:
    """P(reach an agent within `seconds`) for a caller arriving behind `queued` others, FCFS.

    With j callers ahead the caller moves up at rate service_rate + j·θ and gives up at rate θ;
    the chance of being answered by t is computed by uniformisation, as a backward recursion on
    the vector over starting positions (no matrix exponential needed).
    """
    top = int(queued.max()) + 1 if len(queued) else 1
    rates = service_rate + np.arange(top) * theta
    grand = float((rates + theta).max())
    mean = grand * seconds
    steps = int(mean + 10 * math.sqrt(mean + 1) + 20)
    stay = 1 - (rates + theta) / grand
    move = rates / grand
    reached = np.zeros(top)  # P(answered within k uniformised steps), per starting position
    answered = np.zeros(top)
    log_weight = -mean
    for k in range(steps + 1):
        if k > 0:
            ahead = np.concatenate([[1.0], reached[:-1]])
            reached = stay * reached + move * ahead
            log_weight += math.log(mean) - math.log(k)
        answered += math.exp(log_weight) * reached
    return answered[np.asarray(queued, dtype=int)]


def agents_erlang_a(calls: float, aht_seconds: float, interval_seconds: float, target: Target,
                    patience_seconds: float) -> QueueResult:
    """Fewest agents meeting service level, abandonment and occupancy caps under Erlang A."""
    if calls <= 0:
        return QueueResult(0, 1.0, 0.0, 0.0, 0.0)
    agents = 1
    result = erlang_a(calls, aht_seconds, interval_seconds, agents, target.answer_seconds, patience_seconds)
    while (result.service_level < target.service_level or result.abandon_rate > target.max_abandon
           or result.occupancy > target.max_occupancy):
        agents += 1
        result = erlang_a(calls, aht_seconds, interval_seconds, agents, target.answer_seconds, patience_seconds)
    return result
