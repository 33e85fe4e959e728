"""Classifier heads, versioned model files with hot reload, evaluation on files, incident grouping."""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from hotline.errors import InvalidInput
from hotline.nlp.cli import app as nlp_cli
from hotline.nlp.duplicates import GroupingRules, OrderText, cluster, pairwise_scores, similar_open
from hotline.nlp.registry import ModelRegistry
from hotline.nlp.training import evaluate, train_columns

from .conftest import PARENTS, tiny_orders


def test_trained_heads_predict_top3_with_calibrated_probabilities_and_reasons(trained_models):
    bundle = ModelRegistry(trained_models).current()
    assert set(bundle.heads) == {"category", "request_type", "department"}
    head = bundle.heads["category"]
    matrix = bundle.features.transform(["我家暖气片冰凉，供暖温度不达标", "楼上邻居半夜吵闹"], ["", ""])
    prob = head.proba(matrix)
    assert np.allclose(prob.sum(axis=1), 1.0)
    assert list(head.classes[prob.argmax(axis=1)]) == ["0201", "0301"]
    assert 0.5 < prob[0].max() <= 1.0
    words = head.explain(matrix.getrow(0), int(prob[0].argmax()), bundle.features.names, bundle.features.n_word_features)
    assert any("暖气" in w or "供暖" in w for w in words)


def test_department_follows_the_district_given_as_place_tokens(trained_models):
    bundle = ModelRegistry(trained_models).current()
    head = bundle.heads["department"]
    east = bundle.features.transform(["楼上邻居半夜吵闹"], ["D990101 S990101001"])
    west = bundle.features.transform(["楼上邻居半夜吵闹"], ["D990102 S990102001"])
    assert head.classes[head.proba(east).argmax()] == "GOV-990101"
    assert head.classes[head.proba(west).argmax()] == "GOV-990102"


def test_a_new_version_is_picked_up_without_restart_and_a_corrupt_one_is_reported(tmp_path):
    registry = ModelRegistry(tmp_path)
    assert registry.current() is None and "no trained model" in registry.error
    train_columns(tiny_orders(120), PARENTS, tmp_path)
    first = registry.current()
    assert first.version == 1 and registry.error is None
    train_columns(tiny_orders(120, seed=5), PARENTS, tmp_path)
    assert registry.current().version == 2
    (tmp_path / "classifier-v0002.joblib").write_bytes(b"not a pickle")
    pointer = tmp_path / "current.json"
    os.utime(pointer, ns=(pointer.stat().st_atime_ns, pointer.stat().st_mtime_ns + 10**9))
    kept = registry.current()
    assert kept.version == 2 and "unusable" in registry.error  # the loaded model keeps serving
    assert ModelRegistry(tmp_path).current() is None  # a fresh process has none, and says why


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["主题", "详情", "标签"])
        writer.writerows(rows)


def _rows(seed):
    data = tiny_orders(240, seed)
    return [(t[:6], t, c) for t, c in zip(data["text"], data["category"])]


def test_evaluate_with_train_file_reports_scores_and_baseline(tmp_path):
    _write_csv(tmp_path / "train.csv", _rows(1))
    _write_csv(tmp_path / "test.csv", _rows(2))
    result = evaluate(tmp_path / "test.csv", ["主题", "详情"], "标签", train_file=tmp_path / "train.csv", baseline=True)
    assert result["accuracy"] > 0.9 and result["macro_f1"] > 0.9
    assert set(result["per_class"]) == {"0101", "0102", "0201", "0202", "0301", "0302"}
    assert "macro_f1" in result["baseline"]


def test_evaluate_reads_xlsx_and_uses_the_trained_model_by_its_labels(tmp_path, trained_models):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["详情", "一级"])
    data = tiny_orders(60, 9)
    for text, category in zip(data["text"], data["category"]):
        sheet.append([text, PARENTS[category]])
    book.save(tmp_path / "labelled.xlsx")
    result = evaluate(tmp_path / "labelled.xlsx", ["详情"], "一级", models_dir=trained_models)
    assert result["head"] == "category" and result["accuracy"] > 0.9


def test_evaluate_cli_prints_json_and_names_a_missing_column(tmp_path):
    _write_csv(tmp_path / "a.csv", _rows(1))
    runner = CliRunner()
    ok = runner.invoke(nlp_cli, ["evaluate", "--input", str(tmp_path / "a.csv"), "--text-col", "详情",
                                 "--label-col", "标签", "--train", str(tmp_path / "a.csv")])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["accuracy"] > 0.9
    bad = runner.invoke(nlp_cli, ["evaluate", "--input", str(tmp_path / "a.csv"), "--text-col", "正文",
                                  "--label-col", "标签", "--train", str(tmp_path / "a.csv")])
    assert bad.exit_code == 2 and "正文" in bad.output
    with pytest.raises(InvalidInput):
        evaluate(tmp_path / "missing.csv", ["详情"], "标签", train_file=tmp_path / "a.csv")


def _order(key, at, text, community="C1", category="0302", street="S1"):
    return OrderText(key, at, text, "D", street, community, category)


def test_a_burst_at_one_place_is_an_incident_and_the_usual_flow_is_not():
    start = datetime(2024, 3, 1, 8)
    orders = [_order(f"B{i}", start + timedelta(minutes=20 * i), f"小区停水了{i}号楼没水，什么时候来水") for i in range(6)]
    # The same category elsewhere and at the usual pace around: no incident there.
    orders += [_order(f"U{i}", start + timedelta(days=i), "小区停水了没有通知", community="C2") for i in range(10)]
    orders += [_order("X1", start + timedelta(minutes=30), "请问办证要带什么材料", category="1402")]
    groups = cluster(orders, GroupingRules())
    assert groups == [[f"B{i}" for i in range(6)]]
    scores = pairwise_scores(groups, [[f"B{i}" for i in range(6)]])
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0


def test_similar_open_orders_are_those_at_the_same_place_with_close_text():
    now = datetime(2024, 3, 1, 12)
    new = _order("", now, "金岭社区停水了一整天")
    candidates = [_order("A", now - timedelta(hours=3), "金岭社区停水一整天了没人管"),
                  _order("B", now - timedelta(hours=3), "金岭社区停水了一整天", community="C9", street="S9"),
                  _order("C", now - timedelta(days=5), "金岭社区停水了一整天"),
                  _order("D", now - timedelta(hours=1), "邻居家装修太吵")]
    found = [o.key for o, _ in similar_open(new, candidates)]
    assert found == ["A"]
