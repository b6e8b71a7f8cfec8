"""NB-SVM: one linear SVM per label over features scaled by that label's naive-Bayes
log-count ratio (Wang & Manning, "Baselines and Bigrams", ACL 2012).

The ratio says how much likelier a character n-gram is in texts with the label than in
texts without it, so n-grams that only ever occur on one side count for more before the
SVM weighs them. On short texts with few examples per label this beats the plain SVM on
the same features: on FreiRaum Ottensen (5-fold CV, 3 shuffles) micro-F1 of the tagger's
stack went from 0.864 to 0.877 with it as the character model.

The fitted model is linear in the unscaled features (`coef_` holds the SVM's weights times
the ratios), so `nlp.linear.linear_scores` and the explanations read it like any other.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, diags
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC

FloatArray = NDArray[np.float64]


def log_count_ratio(present: csr_matrix, positive: NDArray[np.bool_], alpha: float) -> FloatArray:
    """Per feature: log of its smoothed share among the positive texts' features over its
    share among the negative texts'. `present` holds 1 where a text has the feature."""
    p = alpha + np.asarray(present[positive].sum(axis=0), dtype=np.float64).ravel()
    q = alpha + np.asarray(present[~positive].sum(axis=0), dtype=np.float64).ravel()
    return np.asarray(np.log((p / p.sum()) / (q / q.sum())), dtype=np.float64)


class NBSVMClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Multi-label: `fit(X, Y)` with Y a 0/1 matrix, one column per label; the decision
    values are one column per label, like a one-vs-rest classifier's. A label that never
    (or always) occurs in training gets no weights and a constant decision of -1 (or 1)."""

    def __init__(self, C: float = 0.5, alpha: float = 1.0) -> None:
        self.C = C
        self.alpha = alpha

    def fit(self, X: csr_matrix, Y: NDArray[np.int64]) -> Self:
        features = csr_matrix(X, dtype=np.float64)
        present = features.copy()
        present.data[:] = 1.0
        targets = np.asarray(Y)
        self.classes_ = np.arange(targets.shape[1])
        coef = np.zeros((targets.shape[1], features.shape[1]))
        intercept = np.zeros(targets.shape[1])
        for j in range(targets.shape[1]):
            positive = targets[:, j] == 1
            if positive.all() or not positive.any():
                intercept[j] = 1.0 if positive.all() else -1.0
                continue
            ratio = log_count_ratio(present, positive, self.alpha)
            svm = LinearSVC(C=self.C, class_weight="balanced", random_state=0)
            svm.fit(features @ diags(ratio), positive.astype(np.int64))
            coef[j] = svm.coef_.ravel() * ratio
            intercept[j] = float(svm.intercept_[0])
        self.coef_ = coef
        self.intercept_ = intercept
        return self

    def decision_function(self, X: csr_matrix) -> FloatArray:
        return np.asarray(X @ self.coef_.T, dtype=np.float64) + self.intercept_

    def predict(self, X: csr_matrix) -> NDArray[np.int64]:
        return (self.decision_function(X) > 0).astype(np.int64)
