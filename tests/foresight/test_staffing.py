"""Erlang C agrees with pyworkforce; Erlang A tends to Erlang C as patience grows and needs fewer agents."""

from __future__ import annotations

import pytest
from pyworkforce.queuing import ErlangC

from hotline.foresight.staffing import Target, agents_erlang_a, agents_erlang_c, erlang_a, erlang_c


@pytest.mark.parametrize("calls", [3, 12, 40, 95, 180, 420, 900])
@pytest.mark.parametrize("aht", [150, 240, 400])
def test_erlang_c_agents_within_one_of_pyworkforce(calls, aht):
    reference = ErlangC(transactions=calls, aht=aht / 60, asa=15 / 60, interval=30).required_positions(0.8)
    ours = agents_erlang_c(calls, aht, 1800, Target(service_level=0.8, answer_seconds=15))
    assert abs(ours.agents - reference["raw_positions"]) <= 1
    assert ours.service_level == pytest.approx(ErlangC(transactions=calls, aht=aht / 60, asa=15 / 60, interval=30)
                                               .service_level(ours.agents), abs=1e-9)


def test_erlang_a_tends_to_erlang_c_as_callers_never_give_up():
    c = erlang_c(100, 240, 1800, 16, 15)
    a = erlang_a(100, 240, 1800, 16, 15, patience_seconds=1e7)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-3)
    assert a.abandon_rate < 1e-4


def test_impatient_callers_abandon_when_understaffed_and_erlang_a_needs_fewer_agents_at_scale():
    few = erlang_a(300, 240, 1800, 30, 15, patience_seconds=75)
    assert few.abandon_rate > 0.2 and few.service_level < 0.5
    target = Target(service_level=0.8, answer_seconds=15, max_abandon=0.05)
    assert agents_erlang_a(900, 240, 1800, target, 75).agents < agents_erlang_c(900, 240, 1800, target).agents
