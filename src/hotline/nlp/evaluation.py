"""Scoring classifiers on labelled CSV/XLSX files, side by side with a character-TF-IDF + SVM baseline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.svm import LinearSVC

from hotline.errors import InvalidInput
from hotline.nlp.messages import FIELD_SEP, fit_messages, message_folds
from hotline.nlp.prior import DEFAULT_PACK
from hotline.nlp.text import clean

Fitted = Callable[[Sequence[str]], np.ndarray]


def read_table(path: str | Path, text_cols: Sequence[str], label_col: str) -> tuple[list[str], np.ndarray]:
    """(texts, labels) from a CSV or XLSX file; several text columns are joined with FIELD_SEP.

    The separator reads as a space to every model, except ours, which keeps the first column apart.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="input")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(path, dtype=str)
        else:
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", sep=None, engine="python")
    except Exception as error:  # pandas raises many kinds for a file it cannot read
        raise InvalidInput(f"cannot read {path.name}: {error}", field="input") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in [*text_cols, label_col] if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{path.name} has no column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}",
                           field="text-col" if missing[0] in text_cols else "label-col")
    frame = frame[frame[label_col].notna() & (frame[label_col].str.strip() != "")]
    if frame.empty:  # checked first: joining the columns of no rows gives a frame, not a list
        raise InvalidInput(f"{path.name} has no labelled rows", field="label-col")
    texts = frame[list(text_cols)].fillna("").astype(str).agg(FIELD_SEP.join, axis=1).tolist()
    return texts, frame[label_col].str.strip().to_numpy(dtype=object)


def scores(truth: Sequence[str], predicted: Sequence[str]) -> dict:
    """{"accuracy", "macro_f1", "per_class": {label: {precision, recall, f1, support}}}."""
    truth, predicted = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_class = {
        str(label): {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                     "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    return {
        "n": int(len(truth)),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "per_class": per_class,
    }


def fit_ours(texts: Sequence[str], labels: np.ndarray, prior: str | None = DEFAULT_PACK) -> Fitted:
    """Our pipeline fitted on a labelled set (`prior`: the city pack of the catalogue prior, None for none);
    returns a predict function."""
    return fit_messages(texts, labels, prior=prior).predict


def fit_baseline(texts: Sequence[str], labels: np.ndarray) -> Fitted:
    """The plain baseline: character TF-IDF (scikit-learn defaults, unigrams) and a default LinearSVC."""
    vectoriser = TfidfVectorizer(analyzer="char")
    model = LinearSVC().fit(vectoriser.fit_transform(texts), labels)
    return lambda new: model.predict(vectoriser.transform(new))


def fit_baseline_ngrams(texts: Sequence[str], labels: np.ndarray) -> Fitted:
    """A stronger baseline: character 1–2-gram TF-IDF and a default LinearSVC."""
    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
    model = LinearSVC().fit(vectoriser.fit_transform(texts), labels)
    return lambda new: model.predict(vectoriser.transform(new))


def evaluate_split(train_texts, train_labels, test_texts, test_labels, baseline: bool = False,
                   prior: str | None = DEFAULT_PACK) -> dict:
    """Fit on one set, score on the other, with the pooled weight of each of our sources; with baseline,
    the baselines' scores come alongside."""
    model = fit_messages(train_texts, train_labels, prior=prior)
    result = {**scores(test_labels, model.predict(test_texts)), "sources": model.weights}
    if baseline:
        result["baseline"] = scores(test_labels, fit_baseline(train_texts, train_labels)(test_texts))
        result["baseline_char12"] = scores(test_labels, fit_baseline_ngrams(train_texts, train_labels)(test_texts))
        stronger = max(result["baseline"], result["baseline_char12"], key=lambda b: b["macro_f1"])
        result["gain_over_stronger_baseline_points"] = _points(result, stronger)
    return result


def cross_validate(texts: Sequence[str], labels: np.ndarray, folds: int = 5, seed: int = 0,
                   prior: str | None = DEFAULT_PACK) -> dict:
    """Ours and the baselines on the same stratified folds: mean and per-fold macro-F1 and accuracy.

    Copies of one message (the same text sent to several leaders, common in real sets) are kept in one
    fold: split across folds, the copy in training would hand every model its test row's answer.
    """
    texts = list(texts)
    runs = {"ours": [], "baseline": [], "baseline_char12": []}
    ours = partial(fit_ours, prior=prior)
    for train_idx, test_idx in message_folds(texts, labels, folds, seed):
        train = [texts[i] for i in train_idx]
        test = [texts[i] for i in test_idx]
        for name, fit in (("ours", ours), ("baseline", fit_baseline), ("baseline_char12", fit_baseline_ngrams)):
            result = scores(labels[test_idx], fit(train, labels[train_idx])(test))
            runs[name].append({"accuracy": result["accuracy"], "macro_f1": result["macro_f1"]})
    summary = {}
    for name, folds_out in runs.items():
        summary[name] = {
            "macro_f1": round(float(np.mean([f["macro_f1"] for f in folds_out])), 4),
            "accuracy": round(float(np.mean([f["accuracy"] for f in folds_out])), 4),
            "folds": folds_out,
        }
    summary["duplicate_texts"] = len(texts) - len({clean(t) for t in texts})
    summary["gain_macro_f1_points"] = _points(summary["ours"], summary["baseline"])
    # The target is set against the stronger of the two baselines.
    stronger = max(summary["baseline"], summary["baseline_char12"], key=lambda b: b["macro_f1"])
    summary["gain_over_stronger_baseline_points"] = _points(summary["ours"], stronger)
    return summary


def _points(ours: dict, other: dict) -> float:
    return round(100 * (ours["macro_f1"] - other["macro_f1"]), 2)
