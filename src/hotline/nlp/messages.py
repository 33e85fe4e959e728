"""A classifier for labelled messages read from files: the whole text and its subject, blended.

Citizens' messages to a government come as a subject line and a rambling body. The subject is short
and usually names the matter; the body carries more words but also stories, greetings and side
remarks. Two heads are fitted — one on the whole text, one on the subject alone — and their calibrated
probabilities are blended with the weight that scores the best log-likelihood on a stratified hold-out,
so a file whose first column says nothing useful ends up ignoring it. A third source, the city pack's
catalogue prior (prior.py), is then blended in geometrically with the weight the same hold-out picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hotline.nlp.classifier import Head, fit_head, stratified_split
from hotline.nlp.features import TextFeatures
from hotline.nlp.prior import DEFAULT_PACK, PriorHead, catalogue_prior, fit_prior_head, log_blend

# Joins a file's text columns (see evaluation.read_table) so the first one can be told apart again;
# cleaning turns it into a space, so models that do not look for it see plain text.
FIELD_SEP = "\x1f"
SUBJECT_WEIGHTS = (0.0, 0.15, 0.3, 0.45, 0.6, 0.75)
# Weights of the catalogue prior in the geometric blend (docs/nlp-evaluation.md, "Catalogue prior").
PRIOR_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
# Heads for files are refitted on all rows once calibrated, and their SVM runs to convergence:
# files hold thousands of rows, not the store's hundreds of thousands. NB-scaled character 1–2-grams
# seen in at least two training rows (docs/nlp-evaluation.md, real subjects and subject + start of
# body): the NB scaling gained 3 points of macro-F1 over the same SVM on plain TF-IDF on subjects and
# 1.4 on the longer texts, where with n-grams seen once it lost 1.2 (it trusts a one-off name or place
# as if it named the class); on subjects, word n-grams and character trigrams each cost a point or two.
FILE_HEAD = {"refit_rows": 200_000, "passes": 1000, "tol": 1e-4, "nb_scale": True}
FILE_FEATURES = {"word_ngrams": None, "char_ngrams": (1, 2), "min_df": 2}


def split_fields(text: str) -> tuple[str, str]:
    """(subject, whole text) of a joined row; a single-column row has no subject."""
    subject, sep, _ = text.partition(FIELD_SEP)
    return (subject, text) if sep else ("", text)


@dataclass
class MessageClassifier:
    """Whole-text and subject heads over their own feature spaces, the subject's blend weight, and the
    catalogue prior's head and weight (none when the hold-out gave the prior no weight)."""

    features: TextFeatures
    head: Head
    subject_features: TextFeatures | None = None
    subject_head: Head | None = None
    subject_weight: float = 0.0
    prior_head: PriorHead | None = None
    prior_weight: float = 0.0

    @property
    def classes(self) -> np.ndarray:
        """The labels, in the probability columns' order."""
        return self.head.classes

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Blended probabilities, one column per class."""
        subjects, wholes = zip(*(split_fields(t) for t in texts)) if len(texts) else ((), ())
        prob = self.head.proba(self.features.transform(list(wholes)))
        if self.subject_head is not None and self.subject_weight > 0:
            subject_prob = self.subject_head.proba(self.subject_features.transform(list(subjects)))
            prob = (1 - self.subject_weight) * prob + self.subject_weight * subject_prob
        if self.prior_head is not None and self.prior_weight > 0:
            prob = log_blend(prob, self.prior_head.proba(list(wholes)), self.prior_weight)
        return prob

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The likeliest label of each text."""
        return self.classes[self.proba(texts).argmax(axis=1)]


def fit_messages(texts: Sequence[str], labels: Sequence[str], holdout: float = 0.15, seed: int = 0,
                 prior: str | None = DEFAULT_PACK) -> MessageClassifier:
    """Fit both heads and the prior's; their weights are the ones with the best hold-out log-likelihood,
    then all rows are used.

    Likelihood, not macro-F1: a subject head that knows nothing is calibrated to near-uniform
    probabilities, which leave most argmaxes alone, so on a hold-out of a few hundred rows some weight
    always wins a point or two of F1 by luck; blending in that flatness only ever costs likelihood.
    The subject weight is chosen first, then the catalogue prior's (`prior`: a city pack name or
    folder, None to leave the prior out) on top of that blend, on the same held-out rows.
    """
    texts = list(texts)
    labels = np.asarray(labels, dtype=object).astype(str)
    wholes = [split_fields(t)[1] for t in texts]
    has_subject = sum(bool(split_fields(t)[0]) for t in texts) >= 0.5 * len(texts)
    weight, prior_weight = 0.0, 0.0
    fit_idx, check_idx = stratified_split(labels, holdout, seed)
    checkable = len(check_idx) >= 20 and len(np.unique(labels[fit_idx])) > 1
    # Without a hold-out to weigh it on, the prior keeps weight 0: neither fitted nor applied.
    catalogue = catalogue_prior(str(prior)) if prior is not None and checkable else None
    prior_features = catalogue.features(wholes) if catalogue is not None else None
    if checkable and (has_subject or catalogue is not None):
        trial = _fit_both([texts[i] for i in fit_idx], labels[fit_idx], seed, with_subject=has_subject)
        whole = trial.head.proba(trial.features.transform([wholes[i] for i in check_idx]))
        truth = np.searchsorted(trial.classes, labels[check_idx])

        def likelihood(prob: np.ndarray) -> float:
            return float(np.log(prob[np.arange(len(truth)), truth] + 1e-9).mean())

        blended = whole
        if has_subject:
            subject = trial.subject_head.proba(
                trial.subject_features.transform([split_fields(texts[i])[0] for i in check_idx]))
            # Ties keep the smaller weight: max returns the first.
            weight = max(SUBJECT_WEIGHTS, key=lambda w: likelihood((1 - w) * whole + w * subject))
            blended = (1 - weight) * whole + weight * subject
        if catalogue is not None:
            head = fit_prior_head(catalogue, prior_features[fit_idx], labels[fit_idx])
            if list(head.classes) == list(trial.classes):
                prior_prob = head.proba_features(prior_features[check_idx])
                prior_weight = max(PRIOR_WEIGHTS, key=lambda w: likelihood(log_blend(blended, prior_prob, w)))
    model = _fit_both(texts, labels, seed, with_subject=weight > 0)
    model.subject_weight = weight
    if prior_weight > 0:
        model.prior_head = fit_prior_head(catalogue, prior_features, labels)
        model.prior_weight = prior_weight
    return model


def _fit_both(texts: list[str], labels: np.ndarray, seed: int, with_subject: bool = True) -> MessageClassifier:
    subjects, wholes = zip(*(split_fields(t) for t in texts))
    features = TextFeatures(**FILE_FEATURES)
    head = fit_head("label", features.fit_transform(list(wholes)), labels, seed=seed, **FILE_HEAD)
    if not with_subject:
        return MessageClassifier(features, head)
    subject_features = TextFeatures(**FILE_FEATURES)
    subject_head = fit_head("subject", subject_features.fit_transform(list(subjects)), labels, seed=seed, **FILE_HEAD)
    return MessageClassifier(features, head, subject_features, subject_head)
