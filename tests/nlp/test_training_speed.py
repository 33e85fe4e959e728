"""The shortcuts that let training read a million orders give what the plain ways give."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.naive_bayes import ComplementNB

from hotline.nlp import counting
from hotline.nlp.classifier import complement_nb, fit_head
from hotline.nlp.counting import BlockTokenizer
from hotline.nlp.features import TextFeatures
from hotline.nlp.registry import ModelRegistry
from hotline.nlp.routing import DepartmentRouter, _place, count_history
from hotline.nlp.text import add_words, clean, tokenize
from hotline.nlp.training import train_columns

from .conftest import PARENTS, tiny_orders

ODD_TEXTS = [
    "我住湖光社区12号楼3单元，暖气不热。Hello world 3.5kg！电话13800000000",
    "<b>停水</b>了&amp;没通知…… a_b  c#d 2024-03-01 供热管道漏水",
    "", "   ", "！！！", "abc中文ABC", "邻居家狗天天叫，邻居家狗天天叫，邻居家狗天天叫",
]


def test_block_tokenizer_gives_the_tokens_of_tokenize_for_every_text():
    add_words(["湖光社区", "河口社区"])
    texts = [clean(t) for t in tiny_orders(300)["text"] + ODD_TEXTS] + ODD_TEXTS
    memo = BlockTokenizer()
    assert [memo(t) for t in texts] == [tokenize(t) for t in texts]
    assert [memo(t) for t in texts] == [tokenize(t) for t in texts]  # the second time from memory
    assert 0 < len(memo.words) < sum(len(t) for t in texts)


def test_fitted_features_keep_the_plain_tokenizer_and_transform_alike():
    data = tiny_orders(200)
    features = TextFeatures()
    matrix = features.fit_transform(data["text"], data["places"])
    assert features.words.tokenizer is tokenize  # the model file names the module function
    again = features.transform(data["text"], data["places"])
    assert abs(matrix - again).max() < 1e-6


def test_complement_nb_on_chosen_rows_is_scikit_learns():
    rng = np.random.default_rng(3)
    matrix = sp.random(300, 40, density=0.2, format="csr", random_state=4, dtype=np.float32)
    labels = rng.choice(["a", "b", "c", "d"], size=300)
    rows = np.sort(rng.choice(300, size=200, replace=False))
    expected = ComplementNB(alpha=0.3).fit(matrix[rows], labels[rows])
    classes, log_prob = complement_nb(matrix, labels[rows], rows, alpha=0.3)
    assert list(classes) == list(expected.classes_)
    assert np.allclose(log_prob, expected.feature_log_prob_, rtol=1e-10, atol=1e-12)
    _, everything = complement_nb(matrix, labels, None, alpha=0.3)
    assert np.allclose(everything, ComplementNB(alpha=0.3).fit(matrix, labels).feature_log_prob_)


def test_a_head_fitted_on_rows_is_the_head_fitted_on_their_copy():
    data = tiny_orders(400)
    matrix = TextFeatures().fit_transform(data["text"], data["places"])
    rows = np.flatnonzero(np.arange(400) % 7 != 3)
    labels = np.array(data["category"], dtype=object)[rows]
    copied = fit_head("category", matrix[rows], labels, refit_rows=0)
    named = fit_head("category", matrix, labels, refit_rows=0, rows=rows)
    assert (copied.coef != named.coef).nnz == 0
    assert abs(copied.nb_log_prob - named.nb_log_prob).max() < 1e-4
    assert copied.temperature == named.temperature and copied.metrics == named.metrics


def _counted_one_by_one(categories, districts, streets, units, departments) -> DepartmentRouter:
    """The history counted order by order, as the router was first written."""
    column = np.searchsorted(departments, np.asarray(units, dtype=object).astype(str))
    tables: tuple[dict, dict, dict] = ({}, {}, {})
    overall = np.zeros(len(departments))
    for category, district, street, col in zip(categories, districts, streets, column):
        overall[col] += 1
        for table, key in zip(tables, (category, (category, _place(district)), (category, _place(street)))):
            table.setdefault(key, np.zeros(len(departments)))[col] += 1
    return DepartmentRouter(departments, tables[0], {k: v for k, v in tables[1].items() if k[1]},
                            {k: v for k, v in tables[2].items() if k[1]}, overall)


def test_counted_history_is_the_order_by_order_count():
    data = tiny_orders(500)
    data["street"][::9] = [None] * len(data["street"][::9])  # orders with no known street
    data["district"][::13] = [float("nan")] * len(data["district"][::13])
    departments = np.unique(np.asarray(data["department"], dtype=str))
    columns = (data["category"], data["district"], data["street"], data["department"])
    fast, slow = count_history(*columns, departments), _counted_one_by_one(*columns, departments)
    assert np.array_equal(fast.overall, slow.overall)
    for name in ("by_category", "by_district", "by_street"):
        mine, theirs = getattr(fast, name), getattr(slow, name)
        assert list(mine) == list(theirs)
        assert all(np.array_equal(mine[k], theirs[k]) for k in theirs)


@pytest.mark.parametrize("workers", [1, 2])
def test_features_counted_in_parts_are_scikit_learns_single_pass(monkeypatch, workers):
    data = tiny_orders(300, seed=8)
    texts = data["text"] + ODD_TEXTS[:2]
    plain = TextFeatures(max_words=150, max_chars=500)  # small caps, so the pruning ties are exercised
    cleaned = [clean(t) for t in texts]
    expected = [v.fit_transform(cleaned) for v in (plain.words, plain.chars)]
    monkeypatch.setattr(counting, "PART_ROWS", 37)
    features = TextFeatures(max_words=150, max_chars=500)
    matrix = features.fit_transform(texts, data["places"] + ["", ""], workers=workers)
    assert features.words.vocabulary_ == plain.words.vocabulary_
    assert features.chars.vocabulary_ == plain.chars.vocabulary_
    assert np.array_equal(features.chars.idf_, plain.chars.idf_)
    width = len(plain.words.vocabulary_) + len(plain.chars.vocabulary_)
    assert (matrix[:, :width] != sp.hstack(expected, format="csr")).nnz == 0
    assert matrix.indices.dtype == np.int32
    assert "_count_vocab" not in vars(features.words) and "_count_vocab" not in vars(features.chars)


def test_heads_fitted_in_two_processes_are_the_heads_fitted_in_one(tmp_path):
    data = tiny_orders(360, seed=4)
    one = train_columns(data, PARENTS, tmp_path / "one", workers=1)
    two = train_columns(data, PARENTS, tmp_path / "two", workers=2)
    assert one["heads"].keys() == two["heads"].keys() == {"category", "request_type", "department"}
    for name in one["heads"]:
        assert {k: v for k, v in one["heads"][name].items() if k != "seconds"} == \
            {k: v for k, v in two["heads"][name].items() if k != "seconds"}
    first, second = ModelRegistry(tmp_path / "one").current(), ModelRegistry(tmp_path / "two").current()
    for name, head in first.heads.items():
        assert (head.coef != second.heads[name].coef).nnz == 0
        assert np.array_equal(head.intercept, second.heads[name].intercept)
    assert one["router"] == two["router"]


def test_the_text_heads_read_the_newest_orders_and_the_router_counts_them_all(tmp_path):
    data = tiny_orders(600, seed=6)
    summary = train_columns(data, PARENTS, tmp_path, workers=1, text_rows=300)
    assert summary["orders"] == 600 and summary["text_orders"] == 300
    assert all(25 <= h["holdout"] <= 30 for h in summary["heads"].values())  # a tenth of the 300 read
    assert summary["router"]["holdout"] == 30  # the blend is chosen on orders the heads have read
    assert ModelRegistry(tmp_path).current().router.overall.sum() == 600
