"""The classifier for labelled files: NB-scaled character n-grams, the SVM's stopping knobs, honest folds."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from hotline.nlp import classifier
from hotline.nlp.classifier import _nb_svm, fit_head, log_count_ratios
from hotline.nlp.evaluation import cross_validate
from hotline.nlp.features import TextFeatures
from hotline.nlp.messages import fit_messages, message_folds
from hotline.nlp.text import clean

SUBJECTS = {
    "环境保护": ["工地夜间施工噪音扰民", "化工厂偷排废水", "烧烤店油烟直排", "河道污水发黑发臭", "砖厂烟囱冒黑烟"],
    "交通运输": ["公交车班次太少", "出租车拒载乱收费", "高速收费站堵车", "网约车无证营运", "渣土车超载上路"],
    "教育文体": ["学校乱收补课费", "幼儿园学位不足", "代课教师工资拖欠", "体育馆不对市民开放", "培训机构不退学费"],
}


def _subjects(copies: int = 4) -> tuple[list[str], np.ndarray]:
    texts, labels = [], []
    for label, subjects in SUBJECTS.items():
        for i, subject in enumerate(subjects * copies):
            texts.append(f"A{i % 2}区{subject}")  # every text twice: copies
            labels.append(label)
    return texts, np.array(labels, dtype=object)


def test_log_count_ratios_stretch_the_ngrams_that_single_out_a_class():
    texts, labels = _subjects()
    features = TextFeatures(word_ngrams=None, char_ngrams=(1, 2), min_df=1)
    matrix = features.fit_transform(texts)
    classes = np.unique(labels)
    ratios = log_count_ratios(matrix, labels, classes)
    column = {name: i for i, name in enumerate(features.names)}
    noise, place = column["噪音"], column["a1"]  # char n-grams are lower-cased
    environment = list(classes).index("环境保护")
    assert ratios[environment, noise] > 1.0
    assert all(ratios[i, noise] < -1.0 for i in range(len(classes)) if i != environment)
    # A place every class mentions alike says nothing: its ratio stays near zero for all of them.
    assert np.abs(ratios[:, place]).max() < 0.3


def test_nb_scaled_weights_score_raw_rows_exactly_as_each_svm_scores_its_scaled_rows():
    texts, labels = _subjects(copies=2)
    matrix = TextFeatures(word_ngrams=None, char_ngrams=(1, 2), min_df=1).fit_transform(texts)
    classes, coef, intercept = _nb_svm(matrix, labels, c=1.0, balanced=False, passes=1000, tol=1e-6)
    ratios = log_count_ratios(matrix, labels, classes)
    raw_scores = matrix @ coef.T + intercept
    for i, label in enumerate(classes):
        scaled = (matrix @ sp.diags(ratios[i])).tocsr()
        svm = LinearSVC(C=1.0, max_iter=1000, tol=1e-6).fit(scaled, (labels == label).astype(int))
        assert np.allclose(raw_scores[:, i], svm.decision_function(scaled), atol=1e-6)
    assert (classes[raw_scores.argmax(axis=1)] == labels).all()


def test_fit_head_hands_the_svm_the_tolerance_it_is_given_whatever_the_pass_cap(monkeypatch):
    seen = []

    class Recording(LinearSVC):
        def fit(self, X, y, sample_weight=None):
            seen.append((self.tol, self.max_iter))
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(classifier, "LinearSVC", Recording)
    texts, labels = _subjects()
    matrix = TextFeatures(min_df=1).fit_transform(texts)
    fit_head("t", matrix, labels, passes=10, tol=1e-4, holdout=0.0)
    fit_head("t", matrix, labels, passes=1000, tol=1e-2, holdout=0.0, nb_scale=True)
    assert seen[0] == (1e-4, 10)
    assert set(seen[1:]) == {(1e-2, 1000)} and len(seen) == 1 + len(SUBJECTS)


def test_character_only_features_have_no_word_block_and_name_every_column():
    features = TextFeatures(word_ngrams=None, char_ngrams=(1, 2), min_df=1)
    matrix = features.fit_transform(["暖气不热", "停水了"])
    assert features.words is None and features.n_word_features == 0
    assert matrix.shape[1] == len(features.names)
    assert max(len(n) for n in features.names if not n.startswith("@")) == 2


def test_copies_of_one_message_never_straddle_a_fold():
    texts, labels = _subjects()
    seen_in_test = np.zeros(len(texts), dtype=int)
    for train, test in message_folds(texts, labels, folds=4, seed=1):
        assert not {clean(texts[i]) for i in train} & {clean(texts[i]) for i in test}
        seen_in_test[test] += 1
    assert (seen_in_test == 1).all()


@pytest.mark.slow
def test_cross_validation_reports_the_gain_over_the_stronger_baseline():
    texts, labels = _subjects()
    result = cross_validate(texts, labels, folds=3)
    stronger = max(result["baseline"]["macro_f1"], result["baseline_char12"]["macro_f1"])
    assert result["gain_over_stronger_baseline_points"] == round(100 * (result["ours"]["macro_f1"] - stronger), 2)
    assert result["duplicate_texts"] == len(texts) - len(set(texts))
    assert len(result["ours"]["folds"]) == 3


def test_the_file_classifier_reads_character_ngrams_seen_in_two_training_rows_only():
    texts, labels = _subjects(copies=2)  # each subject twice, behind two places
    texts = texts + ["A9区独一无二的怪事"]
    labels = np.append(labels, "环境保护")
    model = fit_messages(texts, labels)
    vocabulary = model.features.chars.vocabulary_
    assert model.features.words is None and max(len(g) for g in vocabulary) == 2
    assert "怪事" not in vocabulary and "噪音" in vocabulary
