"""Log-linear pooling: several classifiers' probabilities combined by weights learnt from their
out-of-fold probabilities.

The pooled log-probability of a class is a weighted sum of each source's log-probability plus a bias
per class, normalised over the classes (a product of experts). The weights are kept non-negative, so a
source that knows nothing ends at or near 0 and one whose probabilities are too flat or too sharp is
scaled; the biases correct the mix of classes the sources lean towards. Fitted by maximum likelihood
on out-of-fold rows (each row scored by heads that never saw it), which unlike a small hold-out uses
every training row to weigh the sources (docs/nlp-evaluation.md, "Pooled by out-of-fold weights").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

EPS = 1e-4  # floor of a probability before its log: one confident miss must not outweigh all else
BIAS_PENALTY = 0.01  # L2 on the class biases: a class of a few rows should not buy itself a large one


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    return scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))


@dataclass
class Pool:
    """Weights of the sources (in the order their tables are given) and biases of the classes."""

    weights: np.ndarray
    bias: np.ndarray

    def proba(self, tables: list[np.ndarray]) -> np.ndarray:
        """The pooled probabilities of the sources' tables (rows × classes each)."""
        return np.exp(_log_softmax(self._scores(tables)))

    def _scores(self, tables: list[np.ndarray]) -> np.ndarray:
        scores = np.tile(self.bias, (len(tables[0]), 1))
        for weight, table in zip(self.weights, tables):
            if weight > 0:
                scores += weight * np.log(table + EPS)
        return scores


def fit_pool(tables: list[np.ndarray], truth: np.ndarray) -> Pool:
    """The weights and biases with the best likelihood of `truth` (class positions) under the tables'
    pooled probabilities. Starts from equal weights summing to one and no biases."""
    logs = np.stack([np.log(t + EPS) for t in tables])  # sources × rows × classes
    n_sources, n_rows, n_classes = logs.shape
    rows = np.arange(n_rows)
    onehot = np.zeros((n_rows, n_classes))
    onehot[rows, truth] = 1.0

    def loss_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = params[:n_sources], params[n_sources:]
        log_prob = _log_softmax(np.tensordot(weights, logs, axes=1) + bias)
        residual = (np.exp(log_prob) - onehot) / n_rows  # d(mean negative log-likelihood) / d(scores)
        loss = -log_prob[rows, truth].mean() + BIAS_PENALTY * float(bias @ bias)
        gradient = np.concatenate([np.einsum("src,rc->s", logs, residual),
                                   residual.sum(axis=0) + 2 * BIAS_PENALTY * bias])
        return float(loss), gradient

    start = np.concatenate([np.full(n_sources, 1.0 / n_sources), np.zeros(n_classes)])
    bounds = [(0.0, None)] * n_sources + [(None, None)] * n_classes
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return Pool(result.x[:n_sources].copy(), result.x[n_sources:].copy())
