"""The feature space shared by every classifier head: jieba words, character n-grams, place tokens."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from hotline.nlp.counting import BlockTokenizer, count_in_parts
from hotline.nlp.text import clean, tokenize


def place_tokens(doc: str) -> list[str]:
    """Place codes given as space-separated tokens (already codes, no segmentation needed)."""
    return doc.split()


class TextFeatures:
    """Word and character n-gram TF-IDF (sublinear tf), plus binary place tokens.

    The store's heads use word 1–2-grams and character 1–3-grams; `word_ngrams=None` leaves the word
    block out (the classifier for labelled files reads characters, and words in a separate head for
    long texts only, see messages.py).
    """

    def __init__(self, max_words: int = 150_000, max_chars: int = 150_000, min_df: int = 2,
                 place_weight: float = 0.5, word_ngrams: tuple[int, int] | None = (1, 2),
                 char_ngrams: tuple[int, int] = (1, 3)) -> None:
        # Sublinear tf keeps a long, repetitive message from being decided by its most repeated word.
        self.words = None if word_ngrams is None else TfidfVectorizer(
            tokenizer=tokenize, token_pattern=None, lowercase=False, ngram_range=word_ngrams,
            sublinear_tf=True, min_df=min_df, max_features=max_words, dtype=np.float32)
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, lowercase=True, sublinear_tf=True,
                                     min_df=min_df, max_features=max_chars, dtype=np.float32)
        self.places = CountVectorizer(tokenizer=place_tokens, token_pattern=None, lowercase=False, binary=True,
                                      dtype=np.float32)
        self.place_weight = place_weight
        self._names: np.ndarray | None = None

    def fit_transform(self, texts: Sequence[str], places: Sequence[str] | None = None,
                      workers: int = 1, segmenter: BlockTokenizer | None = None) -> sp.csr_matrix:
        """Learn the vocabularies and return the training matrix (texts counted on `workers` cores;
        `segmenter`: the word segmenter of earlier fits of the same texts, whose runs it remembers)."""
        texts = list(texts)
        places = list(places) if places is not None else [""] * len(texts)
        vectorizers = self._text_blocks()
        if self.words is not None:
            # Each distinct run of text is segmented once; the model keeps the plain `tokenize` (pickled by name).
            self.words.tokenizer = segmenter or BlockTokenizer()
        try:
            counted = count_in_parts(texts, vectorizers, workers)
        finally:
            if self.words is not None:
                self.words.tokenizer = tokenize
        blocks = []
        for vectorizer in vectorizers:
            # scikit-learn's own fit (column order, pruning, idf) over the counts made in parts: its counting
            # step hands them over instead of reading the texts again.
            vectorizer._count_vocab = lambda _documents, _fixed, done=counted.pop(0): done
            try:
                blocks.append(vectorizer.fit_transform(texts))
            finally:
                del vectorizer._count_vocab  # the counts go with it
        # An empty place vocabulary is legal (no orders had places): keep a zero-width block then.
        places = [p if p else "_" for p in places]
        blocks.append(self.places.fit_transform(places) * self.place_weight)
        self._names = None
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def transform(self, texts: Sequence[str], places: Sequence[str] | None = None) -> sp.csr_matrix:
        """The matrix of new texts in the learnt space."""
        cleaned = [clean(t) for t in texts]
        places = [p if p else "_" for p in (places if places is not None else [""] * len(cleaned))]
        blocks = [v.transform(cleaned) for v in self._text_blocks()]
        blocks.append(self.places.transform(places) * self.place_weight)
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def _text_blocks(self) -> list[TfidfVectorizer]:
        return [v for v in (self.words, self.chars) if v is not None]

    @property
    def names(self) -> np.ndarray:
        """Readable name of each column: the word, the characters, or the place code."""
        if self._names is None:
            self._names = np.concatenate([
                *(v.get_feature_names_out() for v in self._text_blocks()),
                np.array(["@" + n for n in self.places.get_feature_names_out()], dtype=object),
            ]).astype(object)
        return self._names

    @property
    def n_word_features(self) -> int:
        """How many columns the word block has (the words are the readable explanations)."""
        return 0 if self.words is None else len(self.words.vocabulary_)
