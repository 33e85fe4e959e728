"""One classifier head: a linear SVM and Complement NB blended, temperature-calibrated, explainable."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

BLEND_WEIGHTS = (1.0, 0.85, 0.7, 0.55)
# Weights below this fraction of a class's largest weight are dropped: the model file shrinks ~10x
# and predictions move by well under a point of accuracy.
PRUNE = 0.02


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class Head:
    """A trained head: classes, sparse SVM weights, NB log-probabilities and the calibration."""

    name: str
    classes: np.ndarray
    coef: sp.csr_matrix  # classes × features
    intercept: np.ndarray
    nb_log_prob: sp.csr_matrix | None = None
    nb_prior: np.ndarray | None = None
    temperature: float = 1.0
    weight: float = 1.0
    metrics: dict = field(default_factory=dict)

    def _transposed(self, name: str) -> sp.csr_matrix:
        # features × classes in CSR: a product then touches only the rows' own features, where the
        # transpose view would convert the whole weight matrix on every call.
        key = f"_{name}_t"
        if key not in self.__dict__:
            self.__dict__[key] = getattr(self, name).T.tocsr()
        return self.__dict__[key]

    def scores(self, matrix: sp.csr_matrix) -> np.ndarray:
        """Raw SVM margins, one column per class."""
        return (matrix @ self._transposed("coef")).toarray().astype(np.float64) + self.intercept

    def proba(self, matrix: sp.csr_matrix) -> np.ndarray:
        """Calibrated probabilities, one column per class."""
        prob = _softmax(self.scores(matrix) / self.temperature)
        if self.weight < 1.0 and self.nb_log_prob is not None:
            prob = self.weight * prob + (1 - self.weight) * self._nb_proba(matrix)
        return np.clip(prob, 0.0, 1.0)

    def _nb_proba(self, matrix: sp.csr_matrix) -> np.ndarray:
        # Complement NB scores are sums of per-feature log weights; its own normalisation is kept.
        joint = (matrix @ self._transposed("nb_log_prob")).toarray().astype(np.float64)
        if len(self.classes) == 1:
            return np.ones_like(joint)
        return _softmax(joint)

    def explain(self, row: sp.csr_matrix, class_index: int, names: np.ndarray, n_words: int, k: int = 5) -> list[str]:
        """The words whose weights pushed this row most towards the class, strongest first."""
        weights = self.coef.getrow(class_index)
        contrib = row.multiply(weights).tocsr()
        order = np.argsort(-contrib.data)
        chosen: list[str] = []
        for position in order:
            if contrib.data[position] <= 0 or len(chosen) >= k:
                break
            column = contrib.indices[position]
            name = str(names[column])
            # Single characters and place codes explain little to a call-taker.
            if name.startswith("@") or len(name.replace(" ", "")) < 2:
                continue
            name = name.replace(" ", "") if column < n_words else name
            if not any(name in c or c in name for c in chosen):
                chosen.append(name)
        return chosen


def _sparse(matrix: np.ndarray) -> sp.csr_matrix:
    limit = np.abs(matrix).max(axis=1, keepdims=True) * PRUNE
    kept = np.where(np.abs(matrix) >= limit, matrix, 0.0).astype(np.float32)
    return sp.csr_matrix(kept)


def _svm(matrix: sp.csr_matrix, labels: np.ndarray, c: float, balanced: bool, passes: int,
         tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # A fixed shuffle: the same rows give the same model, in whichever process and order heads are fitted.
    model = LinearSVC(C=c, class_weight="balanced" if balanced else None, max_iter=passes, tol=tol, random_state=0)
    with warnings.catch_warnings():
        # A pass cap reached before `tol` is a choice made for speed (fit_head), not a fault to report.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix, labels)
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # liblinear returns one row for two classes
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return model.classes_, coef, intercept


def log_count_ratios(matrix: sp.csr_matrix, labels: np.ndarray, classes: np.ndarray,
                     alpha: float = 1.0) -> np.ndarray:
    """Per class, log(share of the class's rows holding a feature / share of the other rows'), smoothed.

    The NB-SVM weighting (Wang & Manning 2012): features that single out a class are stretched before
    the SVM sees them, so a few hundred short messages are enough to trust a rare but telling n-gram.
    """
    present = (matrix > 0).astype(np.float64)
    ratios = np.empty((len(classes), matrix.shape[1]))
    for i, label in enumerate(classes):
        inside = alpha + np.asarray(present[labels == label].sum(axis=0)).ravel()
        outside = alpha + np.asarray(present[labels != label].sum(axis=0)).ravel()
        ratios[i] = np.log(inside / inside.sum()) - np.log(outside / outside.sum())
    return ratios


def _nb_svm(matrix: sp.csr_matrix, labels: np.ndarray, c: float, balanced: bool, passes: int,
            tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Each class against the rest on features scaled by that class's ratios; the scaling is folded back
    # into the weights, so the head scores raw TF-IDF rows like any other and explains them alike.
    classes = np.unique(labels)
    ratios = log_count_ratios(matrix, labels, classes)
    coef, intercept = np.empty((len(classes), matrix.shape[1])), np.empty(len(classes))
    for i, label in enumerate(classes):
        scaled = (matrix @ sp.diags(ratios[i])).tocsr()
        _, rows, offsets = _svm(scaled, (labels == label).astype(int), c, balanced, passes, tol)
        coef[i], intercept[i] = rows[1] * ratios[i], offsets[1]  # row 1 scores "this class"
    return classes, coef, intercept


def fit_head(name: str, matrix: sp.csr_matrix, labels: np.ndarray, c: float = 0.5, balanced: bool = True,
             holdout: float = 0.1, seed: int = 0, max_svm_rows: int = 20_000, refit_rows: int = 5_000,
             passes: int = 50, tol: float = 1e-2, nb_scale: bool = False, rows: np.ndarray | None = None) -> Head:
    """Fit a head; a stratified hold-out sets the temperature and the SVM/NB blend.

    The SVM's cost grows with rows × classes, so it sees at most `max_svm_rows` rows (every class kept);
    Complement NB, one pass over the data, sees them all. Sets of up to `refit_rows` rows are refitted on
    everything once calibrated. Two separate knobs stop the SVM: `tol` is how close to the optimum it
    must get (liblinear's relative projected-gradient criterion, so one value suits any scale of data)
    and `passes` caps the iterations spent getting there. The store's heads keep the 1e-2 and 50 passes
    they were measured with (accuracy flat from 50 passes on its large, repetitive sets, training on a
    million orders within minutes); files of a few thousand real messages take liblinear's own 1e-4
    and enough passes to reach it. `nb_scale` fits the SVM on NB-scaled features (log_count_ratios).
    `rows`, when given, are the matrix rows to learn from (`labels` are theirs): the same head as on
    `matrix[rows]`, without copying a large matrix.
    """
    labels = np.asarray(labels, dtype=object).astype(str)
    classes = np.unique(labels)
    if len(classes) == 1:
        return Head(name, classes, sp.csr_matrix((1, matrix.shape[1]), dtype=np.float32), np.zeros(1))
    rows = None if rows is None else np.asarray(rows)

    def at(positions: np.ndarray) -> np.ndarray:  # positions in `labels` -> rows of `matrix`
        return positions if rows is None else rows[positions]

    fit_idx, cal_idx = stratified_split(labels, holdout, seed)
    svm = (_nb_svm if nb_scale else _svm, c, balanced, passes, tol)
    if len(cal_idx) < 20:
        return _fit(name, matrix, labels, classes, svm, rows, _cap(labels, max_svm_rows, seed))
    # The fitting rows are named by position, not copied: a million orders' matrix is a gigabyte.
    head = _fit(name, matrix, labels[fit_idx], classes, svm, at(fit_idx), _cap(labels[fit_idx], max_svm_rows, seed))
    held_out = matrix[at(cal_idx)]
    head.temperature, head.weight = _calibrate(head, held_out, labels[cal_idx])
    head.metrics = _holdout_metrics(head, held_out, labels[cal_idx])
    if len(labels) <= refit_rows:
        refit = _fit(name, matrix, labels, classes, svm, rows, _cap(labels, max_svm_rows, seed))
        refit.temperature, refit.weight, refit.metrics = head.temperature, head.weight, head.metrics
        head = refit
    return head


def _cap(labels: np.ndarray, limit: int, seed: int) -> np.ndarray | None:
    """Row positions for the SVM: all if few, else a sample that keeps every class's rare rows."""
    if len(labels) <= limit:
        return None
    rng = np.random.default_rng(seed)
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    # Each class gets at least its share of an equal split, the rest goes by frequency.
    keep_p = np.minimum(1.0, np.maximum(limit / len(labels), (limit / (2 * len(classes))) / counts))
    return np.flatnonzero(rng.random(len(labels)) < keep_p[inverse])


def _holdout_metrics(head: Head, matrix: sp.csr_matrix, labels: np.ndarray) -> dict:
    prob = head.proba(matrix)
    truth = np.searchsorted(head.classes, labels)
    top3 = np.argsort(-prob, axis=1)[:, :3]
    return {"holdout": int(len(labels)), "holdout_top1": round(float((top3[:, 0] == truth).mean()), 4),
            "holdout_top3": round(float((top3 == truth[:, None]).any(axis=1).mean()), 4),
            "temperature": round(head.temperature, 3), "svm_weight": head.weight}


def _fit(name: str, matrix, labels, classes, svm: tuple, rows: np.ndarray | None = None,
         svm_rows: np.ndarray | None = None) -> Head:
    """A head fitted on `rows` of the matrix (all when None; `labels` are theirs), its SVM on `svm_rows` of those."""
    solver, *settings = svm
    if rows is None and svm_rows is None:
        seen, coef, intercept = solver(matrix, labels, *settings)
    else:
        chosen = np.arange(len(labels)) if svm_rows is None else svm_rows
        seen, coef, intercept = solver(matrix[chosen if rows is None else rows[chosen]], labels[chosen], *settings)
    # A class missing from this part of the data keeps a row that never wins.
    full_coef = np.zeros((len(classes), matrix.shape[1]), dtype=np.float64)
    full_intercept = np.full(len(classes), -10.0)
    where = np.searchsorted(classes, seen)
    full_coef[where], full_intercept[where] = coef, intercept
    nb_rows = np.zeros((len(classes), matrix.shape[1]), dtype=np.float32)
    present, nb_log_prob = complement_nb(matrix, labels, rows, alpha=0.3)
    nb_rows[np.searchsorted(classes, present)] = nb_log_prob
    # CNB's weights are negated complement log-probabilities; centre them per feature to keep them small.
    nb_rows = nb_rows - nb_rows.mean(axis=0, keepdims=True)
    return Head(name, classes, _sparse(full_coef), full_intercept, nb_log_prob=_sparse(nb_rows * 10.0))


def complement_nb(matrix: sp.csr_matrix, labels: np.ndarray, rows: np.ndarray | None,
                  alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(classes, feature_log_prob_) of scikit-learn's ComplementNB(alpha) fitted on `rows` (None: all).

    Counted through a sparse class-by-row indicator, so neither the rows nor a dense rows-by-classes
    label matrix (ComplementNB's way, 1.2 GB for a million orders) is ever made.
    """
    rows = np.arange(matrix.shape[0]) if rows is None else np.asarray(rows)
    present, inverse = np.unique(labels, return_inverse=True)
    indicator = sp.csr_matrix((np.ones(len(rows)), (inverse, rows)), shape=(len(present), matrix.shape[0]))
    feature_count = (indicator @ matrix).toarray()
    comp_count = feature_count.sum(axis=0) + alpha - feature_count
    return present, -np.log(comp_count / comp_count.sum(axis=1, keepdims=True))


def stratified_split(labels: np.ndarray, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) row positions: `holdout` of each class of five or more rows is held out."""
    rng = np.random.default_rng(seed)
    fit_idx, cal_idx = [], []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        rng.shuffle(idx)
        n_cal = int(len(idx) * holdout) if len(idx) >= 5 else 0
        cal_idx.append(idx[:n_cal])
        fit_idx.append(idx[n_cal:])
    return np.sort(np.concatenate(fit_idx)), np.sort(np.concatenate(cal_idx))


def _calibrate(head: Head, matrix: sp.csr_matrix, labels: np.ndarray) -> tuple[float, float]:
    truth = np.searchsorted(head.classes, labels)
    scores = head.scores(matrix)

    def loss(temperature: float, prob_nb: np.ndarray | None = None, weight: float = 1.0) -> float:
        prob = _softmax(scores / temperature)
        if prob_nb is not None:
            prob = weight * prob + (1 - weight) * prob_nb
        return float(-np.log(prob[np.arange(len(truth)), truth] + 1e-9).mean())

    temperature = float(minimize_scalar(loss, bounds=(0.02, 5.0), method="bounded").x)
    prob_nb = head._nb_proba(matrix)
    best = min(BLEND_WEIGHTS, key=lambda w: _blend_error(scores / temperature, prob_nb, w, truth))
    if best < 1.0:
        temperature = float(minimize_scalar(lambda t: loss(t, prob_nb, best), bounds=(0.02, 5.0), method="bounded").x)
    return temperature, best


def _blend_error(scores: np.ndarray, prob_nb: np.ndarray, weight: float, truth: np.ndarray) -> float:
    prob = weight * _softmax(scores) + (1 - weight) * prob_nb
    # Errors first, log-loss as the tie-break: the blend is chosen for accuracy.
    return float((prob.argmax(axis=1) != truth).mean()) + 1e-3 * float(-np.log(prob[np.arange(len(truth)), truth] + 1e-9).mean())


def top_k(head: Head, prob_row: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
    """The k likeliest classes with their probabilities."""
    order = np.argsort(-prob_row)[:k]
    return [(str(head.classes[i]), float(prob_row[i])) for i in order]

