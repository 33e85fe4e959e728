"""A "catalogue prior" for classifying labelled files: what the city pack knows about each category.

A few hundred labelled messages cannot teach that `小区日夜噪声环绕` is about the environment or
`110千伏变电站` about the power supply; the city pack shipped with the product can. Its category
catalogue (categories.csv, two levels), its citizens' phrasings per category (phrases.yaml: short
titles `s`, problem statements `p`, questions `q`) and its category vocabulary (lexicon.yaml: 25–40
words of the field per category) make a small training set of their own. The prior

- fits, once per pack and process, a character 1–2-gram TF-IDF + multinomial logistic regression on
  those rows (each phrasing, each lexicon term, and the category's level-1 and level-2 names, one row
  labelled with its level-2 category): `CataloguePrior.features` gives, per text, the probability of
  each of the pack's level-2 categories;
- and, per labelled file, `PriorHead` learns from the file's own training rows how those probabilities
  map to the file's labels (a balanced, strongly regularised logistic regression on the standardised
  probabilities), since the file's classes are not the pack's.

Nothing here is fitted on the texts being scored, and nothing needs the store or the network: the pack
ships inside the package. `messages.fit_messages` pools the head with the others (docs/nlp-evaluation.md,
"Catalogue prior").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from hotline.errors import InvalidInput
from hotline.nlp.text import clean
from hotline.reference.citypack import read_pack

DEFAULT_PACK = "jinchang"
# The pack classifier is fitted on a few thousand short rows (the jinchang pack: 836 phrasings,
# 2,606 lexicon terms and the names) in 83 classes; a weak penalty lets it trust the words a
# category's rows share (C was chosen before the lexicon was added). The file's head sees ~80
# correlated probabilities from a few hundred rows, so it is regularised hard (chosen on fold deals
# 1–2 of the real sample, see the docs).
PACK_C = 10.0
HEAD_C = 0.03


@dataclass
class CataloguePrior:
    """The pack's level-2 categories and a classifier of texts into them, fitted on the pack alone."""

    codes: list[str]
    names: list[str]
    vectorizer: TfidfVectorizer
    model: LogisticRegression

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the probability of each level-2 category of the pack (columns in `codes` order)."""
        if not len(texts):
            return np.zeros((0, len(self.codes)))
        return self.model.predict_proba(self.vectorizer.transform([clean(t) for t in texts]))


def _optional_categories(path: Path) -> dict:
    """The `categories` mapping of an optional pack file; a file that is there but broken is named."""
    if not path.exists():
        return {}
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise InvalidInput(f"{path.name}: not valid YAML ({error})", field=path.name) from None
    categories = content.get("categories") if isinstance(content, dict) else None
    if not isinstance(categories, dict | None):
        raise InvalidInput(f"{path.name}: 'categories' must map category codes to lists", field=path.name)
    return categories or {}


def catalogue_documents(pack: str | Path = DEFAULT_PACK) -> tuple[list[str], list[str], list[list[str]]]:
    """(level-2 codes, names, phrasings) of a pack: each category's level-1 and own name, then its
    phrases.yaml titles, problem statements and questions, then its lexicon.yaml terms (one item each)."""
    checked = read_pack(pack)
    # Both files are optional: without them the names alone make the prior.
    by_category = _optional_categories(checked.path / "phrases.yaml")
    lexicon = _optional_categories(checked.path / "lexicon.yaml")
    names = {c["code"]: c["name"] for c in checked.categories}
    codes, labels, documents = [], [], []
    for category in checked.categories:
        if category["level"] != 2:
            continue
        own = by_category.get(category["code"]) or {}
        items = [names.get(category["parent"] or "", ""), category["name"]]
        items += [str(x) for kind in ("s", "p", "q") for x in own.get(kind) or []]
        items += [str(x) for x in lexicon.get(category["code"]) or []]
        codes.append(category["code"])
        labels.append(category["name"])
        documents.append([x for x in items if x])
    return codes, labels, documents


@lru_cache(maxsize=4)
def catalogue_prior(pack: str = DEFAULT_PACK) -> CataloguePrior | None:
    """The fitted prior of a pack (once per process), or None when the pack has fewer than two categories."""
    codes, names, documents = catalogue_documents(pack)
    rows = [clean(x) for items in documents for x in items]
    targets = [code for code, items in zip(codes, documents) for _ in items]
    if len(set(targets)) < 2:
        return None
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, dtype=np.float64)
    model = LogisticRegression(C=PACK_C, max_iter=2000).fit(vectorizer.fit_transform(rows), targets)
    # Columns follow the model's (sorted) classes; keep codes and names in that order.
    order = {code: i for i, code in enumerate(codes)}
    classes = [str(c) for c in model.classes_]
    return CataloguePrior(classes, [names[order[c]] for c in classes], vectorizer, model)


@dataclass
class PriorHead:
    """How a file's labels follow from the pack's category probabilities, learnt on its training rows."""

    prior: CataloguePrior
    model: LogisticRegression
    mean: np.ndarray
    scale: np.ndarray
    reads_subject: bool = False

    @property
    def classes(self) -> np.ndarray:
        return self.model.classes_

    def proba(self, texts: Sequence[str], subjects: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities of the file's labels, one column per class (`subjects`: for a head that reads them)."""
        return self.proba_features(read_prior(self.prior, texts, subjects if self.reads_subject else None))

    def proba_features(self, features: np.ndarray) -> np.ndarray:
        """The same from precomputed `read_prior` rows."""
        return self.model.predict_proba((features - self.mean) / self.scale)


def read_prior(prior: CataloguePrior, texts: Sequence[str], subjects: Sequence[str] | None = None) -> np.ndarray:
    """The pack's category probabilities of each whole text and, when given, of its subject too: in a long
    body the pack classifier, fitted on short phrasings, hears the subject faintly (on the real sample with
    whole bodies reading it apart added 0.25–0.35 points, docs/nlp-evaluation.md)."""
    whole = prior.features(texts)
    return whole if subjects is None else np.hstack([whole, prior.features(subjects)])


def fit_prior_head(prior: CataloguePrior, features: np.ndarray, labels: np.ndarray, c: float = HEAD_C,
                   reads_subject: bool = False) -> PriorHead:
    """A prior head on `read_prior` rows of the training texts (with their subjects' when `reads_subject`)
    and their labels (two classes or more)."""
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit((features - mean) / scale, np.asarray(labels, dtype=object).astype(str))
    return PriorHead(prior, model, mean, scale, reads_subject)
