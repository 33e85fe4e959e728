"""Incidents at two levels: local bursts and city-wide waves of a new problem."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from hotline.foresight import history
from hotline.nlp.duplicates import GroupingRules, OrderText, _vectors, cluster, pairwise_scores
from hotline.nlp.text import clean
from hotline.nlp.waves import CityHistory, WaveRules, district_surges, waves

START = datetime(2024, 1, 1, 8)
COMMUNITIES = [f"{name}社区" for name in "东西南北中金银铜铁锡锦绣和平安康泰丰"]
USUAL = ["夜市烧烤摊占道经营，油烟大还吵", "早市的摊贩占道经营，垃圾也不收拾", "摆摊需要办什么手续，有没有相关政策",
         "门口的广告牌歪了，刮风怕掉下来", "马路边有人乱扔建筑垃圾"]
NEW = ["共享电单车乱停乱放，把人行道都堵死了", "小区门口堆了几十辆共享电单车，车都出不去",
       "共享电单车停在消防通道上没人管", "那些共享电单车倒了一地，也没人来摆"]


def _order(n: int, at: datetime, text: str, community: str, category: str = "0106",
           district: str = "620302") -> OrderText:
    return OrderText(f"GD{n:06d}", at, f"你好，我住{community}，{text}，请尽快处理。", district,
                     f"{community[-3]}街道", community, category)


def _city(days: int = 200, waves_at: tuple = ((120, 40, 3),), place: str | None = None,
          seed: int = 1) -> tuple[list[OrderText], list[str]]:
    """A category's usual flow for `days`, and a new problem called in over (first day, days, a day) spans."""
    rng = random.Random(seed)
    orders, wave = [], []
    for day in range(days):
        for _ in range(rng.randint(4, 8)):
            at = START + timedelta(days=day, minutes=rng.randint(0, 600))
            orders.append(_order(len(orders), at, rng.choice(USUAL), rng.choice(COMMUNITIES)))
        for first, span, per_day in waves_at:
            for _ in range(per_day if first <= day < first + span else 0):
                at = START + timedelta(days=day, minutes=rng.randint(0, 600))
                orders.append(_order(len(orders), at, rng.choice(NEW), place or rng.choice(COMMUNITIES)))
                wave.append(orders[-1].key)
    return orders, wave


def test_a_new_problem_called_in_from_across_the_city_is_one_wave_without_the_usual_flow():
    orders, wave = _city()
    found = waves(orders)
    assert len(found) == 1
    scores = pairwise_scores([found[0].keys], [wave])
    assert scores["precision"] == 1.0 and scores["recall"] >= 0.9
    assert any("电单" in p for p in found[0].pieces)
    assert sum(len(keys) for keys in found[0].parts.values()) == len(found[0].keys)


def test_cluster_returns_the_wave_beside_the_local_bursts():
    orders, wave = _city()
    groups = cluster(orders, GroupingRules())
    assert pairwise_scores(groups, [wave])["precision"] == 1.0
    assert pairwise_scores(groups, [wave])["recall"] >= 0.9


def test_the_same_words_from_one_community_are_a_burst_not_a_wave():
    orders, _ = _city(waves_at=((120, 3, 15),), place="东社区")
    assert waves(orders) == []


def test_wording_the_city_used_before_is_not_new():
    # The words were already in use in spring: their return in summer is no new problem.
    orders, _ = _city(waves_at=((10, 40, 1), (160, 30, 3)))
    assert waves(orders) == []


def test_without_enough_history_nothing_is_judged():
    orders, _ = _city(days=60, waves_at=((20, 40, 3),))
    assert waves(orders) == []
    assert len(waves(orders, WaveRules(min_history_days=10))) == 1


def test_a_new_problem_back_after_a_quiet_spell_is_a_second_wave():
    orders, wave = _city(days=260, waves_at=((100, 30, 3), (200, 20, 3)))
    found = waves(orders)
    assert len(found) == 2 and found[0].end < found[1].start
    assert pairwise_scores([w.keys for w in found], [wave])["precision"] == 1.0


def test_no_orders_no_waves():
    assert waves([]) == [] and district_surges([]) == []


HEAT = ["暖气不热，屋里很冷", "暖气片冰凉", "暖气管道漏水"]
OUTAGE = ["暖气一点都不热，屋里只有十四五度", "供热站说在排气，排了三天了还是不热", "全楼暖气都不热，找了供热公司说在调试"]


def _heating(days: int = 120, surge_from: int = 100, surge_days: int = 6, per_day: int = 20,
             everywhere: bool = False) -> tuple[list[OrderText], list[str], list[str]]:
    """Heating calls from two districts (A about a third of them); from `surge_from` A's supply fails.

    Returns the orders, A's outage orders and B's calls in the same words during the outage.
    """
    rng = random.Random(3)
    orders, outage, elsewhere = [], [], []
    for day in range(days):
        failing = surge_from <= day < surge_from + surge_days
        for district, usual in (("A", 2), ("B", 4)):
            loud = failing and (district == "A" or everywhere)
            for _ in range(per_day if loud else usual):
                at = START + timedelta(days=day, minutes=rng.randint(0, 600))
                words = OUTAGE if failing and (loud or rng.random() < 0.5) else HEAT
                orders.append(_order(len(orders), at, rng.choice(words), district + rng.choice(COMMUNITIES),
                                     "0301", district))
                if failing and words is OUTAGE:
                    (outage if district == "A" else elsewhere).append(orders[-1].key)
    return orders, outage, elsewhere


def test_a_district_far_above_its_share_of_the_city_is_a_surge():
    orders, outage, _ = _heating()
    found = district_surges(orders)
    assert [w.districts for w in found] == [["A"]]
    assert set(outage) <= set(found[0].keys)
    assert len(found[0].parts) > 1  # sub-groups by street


def test_a_season_raising_the_whole_city_is_no_surge():
    orders, _, _ = _heating(everywhere=True)
    assert district_surges(orders) == []


def test_orders_a_local_burst_explains_do_not_make_their_district_surge():
    orders, outage, _ = _heating()
    assert district_surges(orders, explained=frozenset(outage)) == []


def test_a_wave_that_is_mostly_one_districts_surge_is_split_by_district():
    orders, outage, elsewhere = _heating()
    groups = cluster(orders, GroupingRules())
    assert pairwise_scores(groups, [outage, elsewhere])["precision"] >= 0.9
    assert pairwise_scores(groups, [outage, elsewhere])["recall"] >= 0.9
    assert not any(set(outage) & set(g) and set(elsewhere) & set(g) for g in groups)


def test_a_burst_inside_a_wave_becomes_part_of_it():
    orders, wave = _city()
    rng = random.Random(9)
    burst = [_order(50_000 + k, START + timedelta(days=130, minutes=10 * k), rng.choice(NEW), "东社区")
             for k in range(15)]
    bursts_alone = cluster(burst, GroupingRules())
    groups = cluster(orders + burst, GroupingRules())
    assert bursts_alone and sorted(bursts_alone[0]) == sorted(o.key for o in burst)
    assert len(groups) == 1 and {o.key for o in burst} <= set(groups[0])


def _kept(orders: list[OrderText], until: datetime) -> CityHistory:
    """What the foresight ledger keeps of the orders before `until`: piece runs and calls per district."""
    past = [o for o in orders if o.at < until]
    days = pd.Series([pd.Timestamp(o.at).normalize() for o in past])
    counts: dict[tuple[str, str], int] = {}
    for o in past:
        counts[(o.category, o.district)] = counts.get((o.category, o.district), 0) + 1
    return CityHistory(since=START, runs=history.runs(history.piece_days(pd.Series([o.text for o in past]), days)),
                       district_counts=counts)


def test_a_wave_is_judged_against_the_kept_history_before_the_batch():
    orders, wave = _city()
    cut = START + timedelta(days=90)
    batch = [o for o in orders if o.at >= cut]
    assert waves(batch) == []  # alone, the batch holds too little history to judge
    found = waves(batch, before=_kept(orders, cut))
    assert len(found) == 1 and pairwise_scores([found[0].keys], [wave])["recall"] >= 0.9


def test_words_the_kept_history_shows_in_use_are_not_new():
    orders, _ = _city()
    spoken = [_order(90_000 + k, START + timedelta(days=80), text, "东社区") for k, text in enumerate(NEW)]
    cut = START + timedelta(days=90)
    assert waves([o for o in orders if o.at >= cut], before=_kept(orders + spoken, cut)) == []


def test_a_districts_usual_share_is_read_from_the_kept_counts():
    orders, outage, _ = _heating()
    cut = START + timedelta(days=100)
    batch = [o for o in orders if o.at >= cut]
    assert district_surges(batch) == []  # within the outage alone, A's loud share looks usual
    found = district_surges(batch, before=_kept(orders, cut))
    assert [w.districts for w in found] == [["A"]] and set(outage) <= set(found[0].keys)


def test_tfidf_rows_of_each_batch_are_those_of_a_vectoriser_fitted_on_that_batch_alone():
    batches = [["湖光社区停水了，一直没来水", "湖光社区3号楼停水", "请问办身份证在哪里"],
               ["暖气不热室温只有十度", "家里暖气片冰凉，暖气不热", "暖气不热", "水"], ["路灯坏了"]]
    for batch, rows in zip(batches, _vectors(batches)):
        fitted = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(
            [clean(t) or " " for t in batch])
        assert np.allclose((rows @ rows.T).toarray(), (fitted @ fitted.T).toarray(), rtol=0, atol=1e-12)
