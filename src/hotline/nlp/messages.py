"""A classifier for labelled messages read from files: heads on several views of the text, pooled.

Citizens' messages to a government come as a subject line and a rambling body. The subject is short
and usually names the matter; the body carries more words but also stories, greetings and side
remarks. Heads are fitted on the whole text's characters, on its jieba words (long texts only), on the
subject alone (files with a subject column), and the city pack's catalogue prior (prior.py) is read on
the whole text and the subject. Their probabilities are pooled log-linearly with weights learnt from
out-of-fold probabilities of every training row (pooling.py), so a subject column that says nothing,
or a pack that does not fit the file, ends up with little or no weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hotline.nlp.classifier import Head, fit_head
from hotline.nlp.counting import BlockTokenizer
from hotline.nlp.features import TextFeatures
from hotline.nlp.pooling import EPS, Pool, fit_pool
from hotline.nlp.prior import DEFAULT_PACK, CataloguePrior, PriorHead, catalogue_prior, fit_prior_head, read_prior
from hotline.nlp.text import clean

# Joins a file's text columns (see evaluation.read_table) so the first one can be told apart again;
# cleaning turns it into a space, so models that do not look for it see plain text.
FIELD_SEP = "\x1f"
# Heads for files are refitted on all rows once calibrated, and their SVM runs to convergence:
# files hold thousands of rows, not the store's hundreds of thousands. NB-scaled character 1–2-grams
# seen in at least two training rows (docs/nlp-evaluation.md, real subjects and subject + start of
# body): the NB scaling gained 3 points of macro-F1 over the same SVM on plain TF-IDF on subjects and
# 1.4 on the longer texts, where with n-grams seen once it lost 1.2 (it trusts a one-off name or place
# as if it named the class); on subjects, word n-grams and character trigrams each cost a point or two.
FILE_HEAD = {"refit_rows": 200_000, "passes": 1000, "tol": 1e-4, "nb_scale": True}
FILE_FEATURES = {"word_ngrams": None, "char_ngrams": (1, 2), "min_df": 2}
# The second view of long whole texts: jieba word 1–2-grams (and single characters, so a text no word of
# the vocabulary covers still scores). It helped on the real sample's whole bodies (median 149
# characters) and cost 0.75 points on subjects alone (a dozen characters), hence long texts only.
FILE_WORD_FEATURES = {"word_ngrams": (1, 2), "char_ngrams": (1, 1), "min_df": 2}
WORDS_FROM_LENGTH = 50  # median characters of a file's whole texts
# Out-of-fold probabilities for the pooling weights: 5 folds, on files of at least POOL_FROM_ROWS distinct
# texts, so every fold scores about 8 and is fitted on about 32 (fewer keep the character head alone, and no
# prior: 11 pool parameters are not worth learning from less).
POOL_FOLDS = 5
POOL_FROM_ROWS = 40
# A source whose pooled weight is below this is dropped: it moves no probability by as much as 1 %
# (log-probabilities are floored at log EPS = -9.2).
DROP_BELOW = 1e-3
# Each source's attributes on MessageClassifier, in the order of its tables.
SOURCES = (("chars", ("features", "head")), ("words", ("word_features", "word_head")),
           ("subject", ("subject_features", "subject_head")), ("prior", ("prior_head",)))


def split_fields(text: str) -> tuple[str, str]:
    """(subject, whole text) of a joined row; a single-column row has no subject."""
    subject, sep, _ = text.partition(FIELD_SEP)
    return (subject, text) if sep else ("", text)


@dataclass
class MessageClassifier:
    """The heads over their own feature spaces (characters of the whole text always; words, subject and
    the catalogue prior's when the file has them) and the pool's weights, one per source."""

    classes: np.ndarray
    features: TextFeatures
    head: Head
    word_features: TextFeatures | None = None
    word_head: Head | None = None
    subject_features: TextFeatures | None = None
    subject_head: Head | None = None
    prior_head: PriorHead | None = None
    pool: Pool | None = None
    dropped: dict[str, float] = field(default_factory=dict)  # sources the pool gave next to no weight

    @property
    def weights(self) -> dict[str, float]:
        """Each source's pooled weight, rounded, dropped ones included (the character head alone: 1)."""
        if self.pool is None:
            return {"chars": 1.0}
        kept = dict(zip(self.sources(), self.pool.weights))
        return {name: round(float(kept.get(name, self.dropped.get(name, 0.0))), 3)
                for name, _ in SOURCES if name in kept or name in self.dropped}

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Pooled probabilities, one column per class."""
        subjects, wholes = (list(x) for x in zip(*(split_fields(t) for t in texts)))
        tables = self.tables(subjects, wholes)
        if self.pool is None:
            return tables[0]
        return self.pool.proba(tables)

    def tables(self, subjects: list[str], wholes: list[str], prior_rows: np.ndarray | None = None) -> list[np.ndarray]:
        """Each source's probabilities over all the classes, in `sources()` order (`prior_rows`: the
        texts' `read_prior` rows when already at hand)."""
        def aligned(prob: np.ndarray, have: np.ndarray) -> np.ndarray:
            # A head fitted on part of the rows may lack a class: it gives it almost nothing.
            if len(have) == len(self.classes):
                return prob
            out = np.full((len(prob), len(self.classes)), EPS)
            out[:, np.searchsorted(self.classes, have)] = prob
            return out

        tables = [aligned(self.head.proba(self.features.transform(wholes)), self.head.classes)]
        if self.word_head is not None:
            tables.append(aligned(self.word_head.proba(self.word_features.transform(wholes)), self.word_head.classes))
        if self.subject_head is not None:
            tables.append(aligned(self.subject_head.proba(self.subject_features.transform(subjects)),
                                  self.subject_head.classes))
        if self.prior_head is not None:
            prob = (self.prior_head.proba(wholes, subjects) if prior_rows is None
                    else self.prior_head.proba_features(prior_rows))
            tables.append(aligned(prob, self.prior_head.classes))
        return tables

    def sources(self) -> list[str]:
        """Names of the sources, in the order of their tables."""
        return [name for name, attributes in SOURCES if getattr(self, attributes[-1]) is not None]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The likeliest label of each text."""
        return self.classes[self.proba(texts).argmax(axis=1)]


@dataclass
class _FileSources:
    """Which sources a file's classifier has, decided once from the whole file."""

    with_subject: bool
    with_words: bool
    catalogue: CataloguePrior | None
    prior_rows: np.ndarray | None  # read_prior rows of every training text
    # The word view is fitted six times on parts of the same texts: each run of text is segmented once.
    segmenter: BlockTokenizer = field(default_factory=BlockTokenizer)


def fit_messages(texts: Sequence[str], labels: Sequence[str], seed: int = 0,
                 prior: str | None = DEFAULT_PACK) -> MessageClassifier:
    """Fit the heads on all rows and pool them with weights learnt from out-of-fold probabilities.

    `prior`: a city pack name or folder for the catalogue prior, None to leave it out. Files of fewer
    than POOL_FROM_ROWS rows, or of one class, get the character head alone.
    """
    texts = list(texts)
    labels = np.asarray(labels, dtype=object).astype(str)
    subjects, wholes = (list(x) for x in zip(*(split_fields(t) for t in texts)))
    # Distinct texts, not rows: copies of one text stay in one fold, so a file of a few texts sent many
    # times would leave some folds nothing to fit on.
    poolable = len({clean(t) for t in texts}) >= POOL_FROM_ROWS and len(np.unique(labels)) > 1
    with_subject = poolable and sum(map(bool, subjects)) >= 0.5 * len(texts)
    catalogue = catalogue_prior(str(prior)) if prior is not None and poolable else None
    plan = _FileSources(with_subject, poolable and np.median([len(w) for w in wholes]) >= WORDS_FROM_LENGTH, catalogue,
                 read_prior(catalogue, wholes, subjects if with_subject else None) if catalogue else None)
    model = _fit_heads(plan, subjects, wholes, labels, np.arange(len(texts)), seed)
    if not poolable:
        return model
    out_of_fold = [np.zeros((len(texts), len(model.classes))) for _ in model.sources()]
    # Rows whose class their fold's heads never saw: every source gives it nothing, unlike at prediction,
    # where the heads know every class; as misses they would flatten the weights of the good sources.
    seen = np.zeros(len(texts), dtype=bool)
    for train_idx, test_idx in message_folds(texts, labels, POOL_FOLDS, seed):
        seen[test_idx] = np.isin(labels[test_idx], labels[train_idx])
        part = _fit_heads(plan, subjects, wholes, labels, train_idx, seed, classes=model.classes)
        prior_rows = plan.prior_rows[test_idx] if plan.prior_rows is not None else None
        scored = dict(zip(part.sources(), part.tables([subjects[i] for i in test_idx],
                                                      [wholes[i] for i in test_idx], prior_rows)))
        for name, table in zip(model.sources(), out_of_fold):
            # A part of one class has no prior head: it says nothing about these rows.
            table[test_idx] = scored.get(name, 1.0 / len(model.classes))
    truth = np.searchsorted(model.classes, labels)
    pool = fit_pool([table[seen] for table in out_of_fold], truth[seen])
    weights = dict(zip(model.sources(), pool.weights))
    # Sources (other than the character head) the pool gives next to no weight are dropped: nothing to
    # transform at prediction.
    for name, attributes in SOURCES[1:]:
        if name in weights and weights[name] < DROP_BELOW:
            model.dropped[name] = float(weights[name])
            for attribute in attributes:
                setattr(model, attribute, None)
    model.pool = Pool(np.array([weights[name] for name in model.sources()]), pool.bias)
    return model


def _fit_heads(plan: _FileSources, subjects: list[str], wholes: list[str], labels: np.ndarray, rows: np.ndarray,
               seed: int, classes: np.ndarray | None = None) -> MessageClassifier:
    """The plan's heads fitted on `rows` of the file (`classes`: the whole file's, when `rows` are part)."""
    part = labels[rows]
    features = TextFeatures(**FILE_FEATURES)
    model = MessageClassifier(np.unique(labels) if classes is None else classes, features,
                              fit_head("label", features.fit_transform([wholes[i] for i in rows]), part, seed=seed,
                                       **FILE_HEAD))
    if plan.with_words:
        model.word_features = TextFeatures(**FILE_WORD_FEATURES)
        words = model.word_features.fit_transform([wholes[i] for i in rows], segmenter=plan.segmenter)
        model.word_head = fit_head("words", words, part, seed=seed, **FILE_HEAD)
    if plan.with_subject:
        model.subject_features = TextFeatures(**FILE_FEATURES)
        model.subject_head = fit_head("subject", model.subject_features.fit_transform([subjects[i] for i in rows]),
                                      part, seed=seed, **FILE_HEAD)
    if plan.catalogue is not None and len(np.unique(part)) > 1:
        model.prior_head = fit_prior_head(plan.catalogue, plan.prior_rows[rows], part,
                                          reads_subject=plan.with_subject)
    return model


def message_folds(texts: Sequence[str], labels: np.ndarray, folds: int, seed: int = 0):
    """(train, test) row positions of stratified folds that keep every copy of one text in one fold.

    Each label's distinct texts are shuffled and dealt to the folds in turn, the deal carrying on from
    label to label so the folds stay the same size. (scikit-learn's StratifiedGroupKFold was tried: its
    greedy balancing keeps neighbouring rows of a file sorted by label together, and real files put
    messages on one matter next to each other, so its folds were systematically harder than random.)
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    copies = np.unique([clean(t) for t in texts], return_inverse=True)[1]
    first_row = np.unique(copies, return_index=True)[1]
    group_fold = np.empty(len(first_row), dtype=int)
    dealt = 0
    for label in np.unique(labels):
        groups = np.flatnonzero(labels[first_row] == label)
        rng.shuffle(groups)
        group_fold[groups] = (dealt + np.arange(len(groups))) % folds
        dealt += len(groups)
    row_fold = group_fold[copies]
    for k in range(folds):
        yield np.flatnonzero(row_fold != k), np.flatnonzero(row_fold == k)
