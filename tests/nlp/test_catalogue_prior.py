"""The catalogue prior: the city pack's categories and phrasings as knowledge for classifying labelled files."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from hotline.nlp import messages
from hotline.nlp.cli import app as nlp_cli
from hotline.nlp.messages import FIELD_SEP, fit_messages
from hotline.nlp.pooling import Pool
from hotline.nlp.prior import catalogue_documents, catalogue_prior, fit_prior_head, read_prior
from hotline.reference.citypack import read_pack

# Real-looking subjects (written for these tests, not taken from any file) in three of the 7 classes.
SUBJECTS = {
    "环境保护": ["小区旁工地夜间施工噪音扰民", "化工厂偷排废水河道发臭", "楼下烧烤店油烟直排", "砖厂烟囱天天冒黑烟",
             "垃圾站臭气熏天", "养猪场粪便污染水塘", "KTV噪音太大睡不着", "搅拌站粉尘污染严重"],
    "交通运输": ["公交车班次太少等车难", "出租车拒载乱收费", "高速收费站长期拥堵", "网约车无证非法营运",
             "渣土车超载上路", "长途客运站乱拉客", "快递网点乱收费", "火车站黑车拉客"],
    "教育文体": ["学校乱收补课费", "幼儿园学位严重不足", "代课教师工资拖欠", "体育馆不对市民开放",
             "培训机构不退学费", "小学转学难", "民办学校收费太高", "中学师资力量不足"],
}


def _rows(copies: int = 3) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, subjects in SUBJECTS.items():
        for k in range(copies):
            for i, subject in enumerate(subjects):
                texts.append(f"{'A' if k else 'K'}{i % 5 + k}区{subject}{FIELD_SEP}尊敬的领导您好，{subject}，请尽快处理。")
                labels.append(label)
    return texts, labels


def test_the_prior_is_built_from_the_shipped_pack_alone():
    codes, names, documents = catalogue_documents()
    assert len(codes) == len(names) == len(documents) >= 50
    i = codes.index("0502")  # 噪声污染 under 生态环境: both names, then the pack's phrasings
    assert documents[i][:2] == ["生态环境", "噪声污染"] and len(documents[i]) > 5
    prior = catalogue_prior()
    assert prior is catalogue_prior()  # fitted once per process
    texts = ["小区日夜噪声环绕晚上睡不着", "家里突然停电了冰箱里的东西都坏了", ""]
    features = prior.features(texts)
    assert features.shape == (3, len(prior.codes)) and np.allclose(features.sum(axis=1), 1.0)
    top = [prior.codes[j] for j in features.argmax(axis=1)[:2]]
    assert top == ["0502", "0303"]  # noise pollution, power supply
    assert prior.features([]).shape == (0, len(prior.codes))


def test_every_level_2_category_has_lexicon_terms_and_they_enter_its_documents():
    pack = read_pack("jinchang")
    lexicon = yaml.safe_load((pack.path / "lexicon.yaml").read_text(encoding="utf-8"))["categories"]
    level2 = [c["code"] for c in pack.categories if c["level"] == 2]
    assert set(lexicon) == set(level2)
    codes, _, documents = catalogue_documents()
    for code in level2:
        terms = [str(t) for t in lexicon[code]]
        assert 25 <= len(terms) <= 40 and len(set(terms)) == len(terms), code
        assert all(2 <= len(t) <= 6 for t in terms), code
        assert documents[codes.index(code)][-len(terms):] == terms  # after the names and phrasings


def test_a_lexicon_term_alone_moves_the_prior_towards_its_category(tmp_path):
    # The same pack without lexicon.yaml: the file is optional, the names and phrasings remain.
    bare = tmp_path / "bare"
    shutil.copytree(read_pack("jinchang").path, bare, ignore=shutil.ignore_patterns("lexicon.yaml"))
    without, with_lexicon = catalogue_prior(str(bare)), catalogue_prior()
    assert sum(map(len, catalogue_documents(bare)[2])) < sum(map(len, catalogue_documents()[2]))
    # Words of the lexicon that no phrasing or name of the pack contains.
    terms = {"分贝": "0502", "跳闸": "0303", "非洲猪瘟": "1105", "准生证": "0904"}
    after, before = with_lexicon.features(list(terms)), without.features(list(terms))
    for row, (term, code) in enumerate(terms.items()):
        j = with_lexicon.codes.index(code)
        assert without.codes[j] == code
        assert after[row, j] > before[row, j] + 0.2, term
        assert with_lexicon.codes[int(after[row].argmax())] == code, term


def test_a_prior_head_maps_the_pack_categories_to_the_file_labels():
    prior = catalogue_prior()
    texts, labels = _rows()
    head = fit_prior_head(prior, prior.features(texts), np.array(labels))
    assert list(head.classes) == sorted(SUBJECTS)
    prob = head.proba(["楼下饭店油烟熏得没法开窗", "孩子明年小学入学招生怎么报名"])
    assert prob.shape == (2, 3) and np.allclose(prob.sum(axis=1), 1.0)
    # 24 distinct toy subjects for ~80 standardised features: besides the categories its rows cover,
    # the head leans on the absence of unrelated ones, so for the enrolment question (0801, seen in one
    # training subject) only the direction is checked: more education, less environment than the fumes.
    classes = list(head.classes)
    education, environment = classes.index("教育文体"), classes.index("环境保护")
    assert classes[int(prob[0].argmax())] == "环境保护"
    assert prob[1, education] > prob[0, education] + 0.1 and prob[0, environment] > prob[1, environment]


def test_the_pipeline_trains_and_predicts_with_the_prior_and_without_it():
    texts, labels = _rows(copies=8)
    with_prior = fit_messages(texts, labels)
    without = fit_messages(texts, labels, prior=None)
    assert without.prior_head is None and "prior" not in without.weights
    assert with_prior.weights["prior"] > 0 and with_prior.prior_head.reads_subject
    assert len(with_prior.prior_head.mean) == 2 * len(catalogue_prior().codes)
    new = [f"B1区工地晚上打桩噪音大{FIELD_SEP}晚上十二点还在施工", f"公交站台被拆了{FIELD_SEP}等车只能站在马路上"]
    for model in (with_prior, without):
        prob = model.proba(new)
        assert prob.shape == (2, 3) and np.allclose(prob.sum(axis=1), 1.0)
        assert list(model.predict(new)) == ["环境保护", "交通运输"]
    # Rows without a subject, or with an empty one, still give the head the columns it was fitted on.
    for odd in (["晚上十二点还在施工打桩"], [f"{FIELD_SEP}晚上十二点还在施工打桩"]):
        assert np.allclose(with_prior.proba(odd).sum(axis=1), 1.0)


def test_the_prior_enters_the_probabilities_by_its_pooled_weight_only():
    texts, labels = _rows(copies=4)
    model = fit_messages(texts, labels)
    assert model.sources()[-1] == "prior" and model.pool.weights[-1] > 0
    new = [t.replace("A", "C") for t in texts[::7]]
    subjects, wholes = zip(*(messages.split_fields(t) for t in new))
    tables = model.tables(list(subjects), list(wholes))
    pooled = model.proba(new)
    without = Pool(model.pool.weights[:-1], model.pool.bias).proba(tables[:-1])
    assert np.allclose(pooled.sum(axis=1), 1.0) and not np.allclose(pooled, without)
    model.pool.weights[-1] = 0.0
    assert np.allclose(model.proba(new), without)


def test_the_prior_reads_the_subject_apart_when_asked():
    texts, labels = _rows(copies=1)
    subjects = [t.split(FIELD_SEP)[0] for t in texts]
    prior = catalogue_prior()
    both = read_prior(prior, texts, subjects)
    whole = prior.features(texts)
    assert both.shape == (len(texts), 2 * len(prior.codes))
    assert np.allclose(both[:, :len(prior.codes)], whole) and np.allclose(read_prior(prior, texts), whole)
    assert np.allclose(both[:, len(prior.codes):], prior.features(subjects))
    head = fit_prior_head(prior, both, np.array(labels), reads_subject=True)
    assert np.allclose(head.proba(texts, subjects), head.proba_features(both))


def _write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言主题", "留言详情", "一级标签"])
        writer.writerows(rows)
    return path


def test_evaluate_with_train_runs_on_a_small_labelled_file(tmp_path):
    texts, labels = _rows(copies=4)
    rows = [(*t.split(FIELD_SEP), label) for t, label in zip(texts, labels)]
    train = _write(tmp_path / "train.csv", rows[0::2])
    test = _write(tmp_path / "test.csv", rows[1::2])
    result = CliRunner().invoke(nlp_cli, [
        "evaluate", "--input", str(test), "--text-col", "留言主题", "--text-col", "留言详情",
        "--label-col", "一级标签", "--train", str(train), "--baseline"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert set(scores["per_class"]) == set(SUBJECTS) and scores["n"] == len(rows) // 2
    assert 0.0 <= scores["macro_f1"] <= 1.0 and "gain_over_stronger_baseline_points" in scores


def test_evaluate_takes_the_pack_of_the_prior_or_none_and_names_a_wrong_one(tmp_path, monkeypatch):
    texts, labels = _rows(copies=12)  # enough training rows to weigh the prior
    rows = [(*t.split(FIELD_SEP), label) for t, label in zip(texts, labels)]
    train = _write(tmp_path / "train.csv", rows[0::2])
    test = _write(tmp_path / "test.csv", rows[1::2])
    args = ["evaluate", "--input", str(test), "--text-col", "留言主题", "--text-col", "留言详情",
            "--label-col", "一级标签", "--train", str(train)]
    asked = []
    monkeypatch.setattr(messages, "catalogue_prior", lambda pack: asked.append(pack) or catalogue_prior("jinchang"))
    folder = tmp_path / "pack"
    shutil.copytree(read_pack("jinchang").path, folder)
    for pack, expected in ((str(folder), [str(folder)]), ("jinchang", ["jinchang"]), ("None", []), (None, ["jinchang"])):
        asked.clear()
        result = CliRunner().invoke(nlp_cli, [*args, *(["--pack", pack] if pack else [])])
        assert result.exit_code == 0, result.output
        assert asked == expected
    predicted = fit_messages(texts[0::2], labels[0::2], prior=None).predict(texts[1::2])
    result = CliRunner().invoke(nlp_cli, [*args, "--pack", "none"])
    assert json.loads(result.output)["accuracy"] == round(float(np.mean(predicted == np.array(labels[1::2]))), 4)
    # Wrong or broken packs, and a pack where it does nothing, are named before anything is fitted.
    (folder / "lexicon.yaml").write_text("categories: [噪音, 扰民\n", encoding="utf-8")
    for extra, message in (([ "--pack", str(tmp_path / "no-such-pack")], "no city pack"),
                           (["--pack", str(folder)], "lexicon.yaml"), (["--pack", " "], "empty")):
        asked.clear()
        wrong = CliRunner().invoke(nlp_cli, [*args, *extra])
        assert wrong.exit_code != 0 and message in wrong.output and asked == []
    alone = CliRunner().invoke(nlp_cli, [*args[:9], "--pack", "jinchang"])
    assert alone.exit_code != 0 and "--train or --folds" in alone.output
