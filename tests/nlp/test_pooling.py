"""Log-linear pooling of several sources' probabilities (pooling.py)."""

from __future__ import annotations

import numpy as np

from hotline.nlp.pooling import Pool, fit_pool


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _world(rows: int = 4000, classes: int = 5, seed: int = 0):
    """True class probabilities of each row and a label drawn from them."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.0, (rows, classes))
    truth = np.array([rng.choice(classes, p=p) for p in _softmax(logits)])
    return rng, logits, truth


def test_an_over_confident_source_is_scaled_back_to_its_true_temperature():
    _, logits, truth = _world()
    pool = fit_pool([_softmax(2.0 * logits)], truth)  # twice as sharp as the truth
    assert abs(pool.weights[0] - 0.5) < 0.05
    assert np.abs(pool.bias).max() < 0.1


def test_a_source_that_knows_nothing_gets_no_weight_beside_one_that_knows():
    rng, logits, truth = _world(seed=1)
    noise = _softmax(rng.normal(0, 2.0, logits.shape))
    pool = fit_pool([_softmax(logits), noise], truth)
    assert pool.weights[0] > 0.8 and pool.weights[1] < 0.05


def test_the_biases_correct_a_source_that_leans_to_one_class():
    _, logits, truth = _world(seed=2)
    leaning = logits.copy()
    leaning[:, 0] += 1.5  # the source favours class 0 for every row
    pool = fit_pool([_softmax(leaning)], truth)
    assert pool.bias[0] - pool.bias[1:].mean() < -1.0
    assert (pool.proba([_softmax(leaning)]).argmax(axis=1) == 0).mean() < (_softmax(leaning).argmax(axis=1) == 0).mean()


def test_pooled_probabilities_are_the_normalised_weighted_product():
    a = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3]])
    b = np.array([[0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    pool = Pool(np.array([0.6, 0.3]), np.array([0.0, 0.1, -0.1]))
    expected = a ** 0.6 * b ** 0.3 * np.exp(pool.bias)
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(pool.proba([a, b]), expected, atol=1e-3)
    # A source of weight 0 changes nothing, even one that rules a class out.
    assert np.allclose(Pool(np.array([0.6, 0.0]), pool.bias).proba([a, np.array([[1.0, 0, 0], [1.0, 0, 0]])]),
                       Pool(np.array([0.6]), pool.bias).proba([a]))
