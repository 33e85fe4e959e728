"""A classifier for labelled messages read from files: the whole text and its subject, blended.

Citizens' messages to a government come as a subject line and a rambling body. The subject is short
and usually names the matter; the body carries more words but also stories, greetings and side
remarks. Two heads are fitted — one on the whole text, one on the subject alone — and their calibrated
probabilities are blended with the weight that scores the best log-likelihood on a stratified hold-out,
so a file whose first column says nothing useful ends up ignoring it. When the texts are long, the
whole-text head is itself the average of two views of the text, character n-grams and jieba words. A
third source, the city pack's catalogue prior (prior.py), read on the whole text and on the subject, is
then blended in geometrically with the weight the same hold-out picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hotline.nlp.classifier import Head, fit_head, stratified_split
from hotline.nlp.features import TextFeatures
from hotline.nlp.prior import DEFAULT_PACK, PriorHead, catalogue_prior, fit_prior_head, log_blend, read_prior

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
# The second view of long whole texts: jieba word 1–2-grams (and single characters, so a text no word of
# the vocabulary covers still scores) in a head of its own, its probabilities averaged with the character
# head's. On the real sample with whole bodies (median 149 characters, docs/nlp-evaluation.md), together
# with the subject's prior (below): +0.9 points of macro-F1 on the fold deals it was chosen on and +1.0
# on fresh ones. On subjects alone (a dozen characters, a few words) the view cost 0.75, hence only for
# long texts; a weight picked by the hold-out kept little of the gain (a hold-out of a few dozen rows
# cannot weigh two similar views).
FILE_WORD_FEATURES = {"word_ngrams": (1, 2), "char_ngrams": (1, 1), "min_df": 2}
WORD_WEIGHT = 0.5
WORDS_FROM_LENGTH = 50  # median characters of a file's whole texts


def split_fields(text: str) -> tuple[str, str]:
    """(subject, whole text) of a joined row; a single-column row has no subject."""
    subject, sep, _ = text.partition(FIELD_SEP)
    return (subject, text) if sep else ("", text)


@dataclass
class MessageClassifier:
    """Whole-text heads (characters, and words for long texts) and the subject's head over their own
    feature spaces, the subject's blend weight, and the catalogue prior's head and weight (none when the
    hold-out gave the prior no weight)."""

    features: TextFeatures
    head: Head
    word_features: TextFeatures | None = None
    word_head: Head | None = None
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
        subjects, wholes = (list(x) for x in zip(*(split_fields(t) for t in texts)))
        prob = self.whole_proba(wholes)
        if self.subject_head is not None and self.subject_weight > 0:
            subject_prob = self.subject_head.proba(self.subject_features.transform(subjects))
            prob = (1 - self.subject_weight) * prob + self.subject_weight * subject_prob
        if self.prior_head is not None and self.prior_weight > 0:
            prob = log_blend(prob, self.prior_head.proba(wholes, subjects), self.prior_weight)
        return prob

    def whole_proba(self, wholes: list[str]) -> np.ndarray:
        """The whole-text head's probabilities, averaged with the word view's when there is one."""
        prob = self.head.proba(self.features.transform(wholes))
        if self.word_head is not None:
            word_prob = self.word_head.proba(self.word_features.transform(wholes))
            prob = (1 - WORD_WEIGHT) * prob + WORD_WEIGHT * word_prob
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
    Long texts (WORDS_FROM_LENGTH) get the word view. The subject weight is chosen first, then the
    catalogue prior's (`prior`: a city pack name or folder, None to leave the prior out) on top of that
    blend, on the same held-out rows.
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
    subjects = [split_fields(t)[0] for t in texts] if has_subject else None
    prior_rows = read_prior(catalogue, wholes, subjects) if catalogue is not None else None
    with_words = np.median([len(w) for w in wholes]) >= WORDS_FROM_LENGTH
    if checkable and (has_subject or catalogue is not None):
        trial = _fit_both([texts[i] for i in fit_idx], labels[fit_idx], seed, with_subject=has_subject,
                          with_words=with_words)
        whole = trial.whole_proba([wholes[i] for i in check_idx])
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
            head = fit_prior_head(catalogue, prior_rows[fit_idx], labels[fit_idx])
            if list(head.classes) == list(trial.classes):
                prior_prob = head.proba_features(prior_rows[check_idx])
                prior_weight = max(PRIOR_WEIGHTS, key=lambda w: likelihood(log_blend(blended, prior_prob, w)))
    model = _fit_both(texts, labels, seed, with_subject=weight > 0, with_words=with_words)
    model.subject_weight = weight
    if prior_weight > 0:
        model.prior_head = fit_prior_head(catalogue, prior_rows, labels, reads_subject=has_subject)
        model.prior_weight = prior_weight
    return model


def _fit_both(texts: list[str], labels: np.ndarray, seed: int, with_subject: bool = True,
              with_words: bool = False) -> MessageClassifier:
    subjects, wholes = zip(*(split_fields(t) for t in texts))
    features = TextFeatures(**FILE_FEATURES)
    model = MessageClassifier(features, fit_head("label", features.fit_transform(list(wholes)), labels, seed=seed,
                                                 **FILE_HEAD))
    if with_words:
        model.word_features = TextFeatures(**FILE_WORD_FEATURES)
        model.word_head = fit_head("words", model.word_features.fit_transform(list(wholes)), labels, seed=seed,
                                   **FILE_HEAD)
    if with_subject:
        model.subject_features = TextFeatures(**FILE_FEATURES)
        model.subject_head = fit_head("subject", model.subject_features.fit_transform(list(subjects)), labels,
                                      seed=seed, **FILE_HEAD)
    return model
