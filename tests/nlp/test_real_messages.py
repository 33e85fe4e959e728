"""`nlp evaluate --train` on long, rambling citizens' messages with a subject and a body.

No real labelled messages can be shipped or fetched here (see docs/nlp-evaluation.md for the public
set the check uses), so these tests use bench/hard_messages.py's synthetic stand-in: seven classes,
side remarks about other classes, words sharing characters across classes, typos and label noise.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hotline.errors import InvalidInput
from hotline.nlp.cli import app as nlp_cli
from hotline.nlp.evaluation import read_table
from hotline.nlp.messages import FIELD_SEP, fit_messages, split_fields
from hotline.nlp.pooling import EPS

COLUMNS = ["留言主题", "留言详情", "一级标签"]


def _hard_rows(n: int, seed: int) -> list[tuple[str, str, str]]:
    path = Path(__file__).resolve().parents[2] / "bench" / "hard_messages.py"
    spec = importlib.util.spec_from_file_location("hard_messages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(n, seed)


def _write(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def hard_files(tmp_path_factory):
    """A training file and a held-out file of the synthetic hard messages (different seeds)."""
    folder = tmp_path_factory.mktemp("hard")
    return _write(folder / "train.csv", _hard_rows(1500, seed=11)), _write(folder / "test.csv", _hard_rows(600, seed=12))


def test_evaluate_command_beats_the_char_tfidf_svm_baseline_on_hard_messages(hard_files):
    train, test = hard_files
    result = CliRunner().invoke(nlp_cli, [
        "evaluate", "--input", str(test), "--text-col", "留言主题", "--text-col", "留言详情",
        "--label-col", "一级标签", "--train", str(train), "--baseline"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert set(scores["per_class"]) == {"城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"}
    gain = scores["macro_f1"] - scores["baseline"]["macro_f1"]
    # Measured here: 0.964 against 0.905 (char 1-grams) and 0.949 (char 1–2-grams), with the sources pooled
    # by out-of-fold weights; the hold-out-weighted blend before it had 0.944, 0.5 under the char 1–2-gram
    # baseline (docs/nlp-evaluation.md, "Pooled by out-of-fold weights"). Seeded, so these are fixed figures.
    assert gain >= 0.03, (scores["macro_f1"], scores["baseline"]["macro_f1"])
    assert scores["macro_f1"] >= scores["baseline_char12"]["macro_f1"]
    assert scores["sources"]["chars"] > 0 and set(scores["sources"]) <= {"chars", "words", "subject", "prior"}


def test_the_first_text_column_is_kept_apart_as_the_subject(hard_files):
    train, _ = hard_files
    texts, labels = read_table(train, ["留言主题", "留言详情"], "一级标签")
    subject, whole = split_fields(texts[0])
    assert texts[0].count(FIELD_SEP) == 1 and whole == texts[0]
    with open(train, encoding="utf-8") as handle:
        assert subject == next(csv.DictReader(handle))["留言主题"]
    assert len(labels) == 1500
    assert split_fields("只有一列的正文") == ("", "只有一列的正文")


def test_a_subject_that_says_nothing_gets_little_weight_and_one_that_names_the_matter_more():
    rows = _hard_rows(1200, seed=5)
    rng = random.Random(0)
    informative = fit_messages([f"{s}{FIELD_SEP}{d}" for s, d, _ in rows], [label for *_, label in rows])
    # The same bodies behind subjects drawn at random from all rows: they carry no signal about the label.
    shuffled = [s for s, _, _ in rows]
    rng.shuffle(shuffled)
    noise = fit_messages([f"{s}{FIELD_SEP}{d}" for s, (_, d, _) in zip(shuffled, rows)], [label for *_, label in rows])
    assert informative.weights["subject"] > 0.2 and informative.subject_head is not None
    assert noise.weights["subject"] < 0.05


def test_one_text_column_is_classified_from_the_whole_text_alone():
    rows = _hard_rows(600, seed=6)
    model = fit_messages([d for _, d, _ in rows], [label for *_, label in rows])
    assert model.subject_head is None and "subject" not in model.weights and model.weights["chars"] > 0
    prob = model.proba([rows[0][1], rows[1][1]])
    assert prob.shape == (2, 7) and np.allclose(prob.sum(axis=1), 1.0)


def test_long_texts_get_the_word_view_and_short_ones_do_not():
    rows = _hard_rows(600, seed=7)
    labels = [label for *_, label in rows]
    short = fit_messages([s for s, _, _ in rows], labels, prior=None)
    assert short.word_head is None and short.features.words is None and set(short.weights) == {"chars"}
    joined = [f"{s}{FIELD_SEP}{d}" for s, d, _ in rows]
    long = fit_messages(joined, labels, prior=None)
    assert long.features.words is None and set(long.weights) == {"chars", "words", "subject"}
    # A view given next to no weight is dropped, but still reported (its weight under 0.001).
    assert ("words" in long.sources()) != ("words" in long.dropped)
    assert long.word_head is None or long.word_features.words is not None
    # The pooled probabilities are the normalised product of the kept sources' tables at their weights.
    subjects, joined_rows = [s for s, _, _ in rows[:3]], joined[:3]
    tables = long.tables(subjects, joined_rows)
    assert len(tables) == len(long.sources()) == len(long.pool.weights)
    product = np.exp(sum(w * np.log(t + EPS) for w, t in zip(long.pool.weights, tables)) + long.pool.bias)
    assert np.allclose(long.proba(joined_rows), product / product.sum(axis=1, keepdims=True))


def test_a_file_too_small_to_weigh_sources_keeps_the_character_head_alone():
    rows = _hard_rows(30, seed=8)
    model = fit_messages([f"{s}{FIELD_SEP}{d}" for s, d, _ in rows], [label for *_, label in rows])
    assert model.sources() == ["chars"] and model.pool is None and model.prior_head is None
    assert np.allclose(model.proba([rows[0][1]]).sum(axis=1), 1.0)
    # Many rows but few distinct texts: copies stay in one fold, so there is nothing to weigh sources on.
    copies = [f"{rows[0][0]}{FIELD_SEP}{rows[0][1]}"] * 39 + [f"{rows[1][0]}{FIELD_SEP}{rows[1][1]}"]
    model = fit_messages(copies, ["甲"] * 39 + ["乙"])
    assert model.sources() == ["chars"] and list(model.predict(copies[-2:])) == ["甲", "乙"]


def test_a_class_one_fold_never_saw_does_not_count_against_the_sources():
    rows = _hard_rows(400, seed=9)
    texts = [f"{s}{FIELD_SEP}{d}" for s, d, _ in rows]
    labels = [label for *_, label in rows]
    rare = [f"新能源充电桩收费乱{FIELD_SEP}小区新能源车充电桩收费太高，没有标准。"] * 12  # one text: one fold
    with_rare = fit_messages(texts + rare, labels + ["能源"] * 12, prior=None)
    without = fit_messages(texts, labels, prior=None)
    assert "能源" in with_rare.classes and with_rare.predict(rare[:1])[0] == "能源"
    # Its rows are left out of the pool's fit, so the weights stay what the other rows make them (0.760
    # against 0.757 here; counted as every source's misses, they pulled the character head's to 0.577).
    assert abs(with_rare.weights["chars"] - without.weights["chars"]) < 0.05


def test_evaluate_names_the_missing_column_and_the_empty_training_file(hard_files, tmp_path):
    train, test = hard_files
    with pytest.raises(InvalidInput, match="no column"):
        read_table(test, ["标题"], "一级标签")
    empty = _write(tmp_path / "empty.csv", [])
    result = CliRunner().invoke(nlp_cli, ["evaluate", "--input", str(test), "--text-col", "留言详情",
                                          "--label-col", "一级标签", "--train", str(empty)])
    assert result.exit_code == 2 and "no labelled rows" in result.output
