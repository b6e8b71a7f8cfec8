"""Fitted scikit-learn linear classifiers flattened into one coefficient matrix each.

Scoring one new contribution through scikit-learn's estimators costs more in input checks
than in arithmetic: a one-vs-rest model over 12 themes validates the same row 12 times.
As `X @ W.T + b` it is one sparse-dense product: measured on FreiRaum Ottensen (with the
other core busy), tagging one text went from 8.1 ms to 3.6 ms at the median, before the
vectorizers got their fast transform (`nlp.features.FastTransform`). The numbers
are the same as scikit-learn's `decision_function` (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.special import expit
from sklearn.multiclass import OneVsRestClassifier

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LinearScores:
    """Decision values `X @ coef.T + intercept`, one column per output."""

    coef: FloatArray  # (outputs, features)
    intercept: FloatArray  # (outputs,)

    def __call__(self, features: csr_matrix | FloatArray) -> FloatArray:
        return np.asarray(features @ self.coef.T, dtype=np.float64) + self.intercept

    @property
    def outputs(self) -> int:
        return int(self.coef.shape[0])


def linear_scores(classifier: object, features: int) -> LinearScores:
    """The matrix form of a fitted linear classifier (anything with `coef_` and
    `intercept_`, such as LinearSVC, LogisticRegression or `NBSVMClassifier`) or of a
    one-vs-rest of them (as taggers saved before NB-SVM hold until they are trained again).

    A one-vs-rest output whose label never varied in training is a constant predictor in
    scikit-learn (its decision value is the constant label); here it is a zero row with that
    constant as intercept.
    """
    if isinstance(classifier, OneVsRestClassifier):
        rows, intercepts = [], []
        for estimator in classifier.estimators_:
            coef = getattr(estimator, "coef_", None)
            if coef is None:
                rows.append(np.zeros(features))
                intercepts.append(float(np.ravel(estimator.y_)[0]))
            else:
                rows.append(np.asarray(coef, dtype=np.float64).ravel())
                intercepts.append(float(np.ravel(estimator.intercept_)[0]))
        return LinearScores(np.vstack(rows), np.asarray(intercepts))
    coef = np.asarray(classifier.coef_, dtype=np.float64)  # type: ignore[attr-defined]
    intercept = np.asarray(classifier.intercept_, dtype=np.float64).ravel()  # type: ignore[attr-defined]
    return LinearScores(np.atleast_2d(coef), intercept)


def two_class_logits(scores: LinearScores) -> LinearScores:
    """A binary model's single decision column as two softmax logits, [-d/2, d/2]: the
    softmax of those is scikit-learn's `predict_proba`, and each class gets weights of its
    own (the explanation of the negative class reads the negated weights)."""
    if scores.outputs != 1:
        return scores
    half_coef, half_intercept = scores.coef / 2, scores.intercept / 2
    return LinearScores(
        np.vstack([-half_coef, half_coef]), np.hstack([-half_intercept, half_intercept])
    )


def softmax(logits: FloatArray) -> FloatArray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float64)


def sigmoid(values: FloatArray) -> FloatArray:
    return np.asarray(expit(values), dtype=np.float64)
