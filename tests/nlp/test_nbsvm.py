"""NB-SVM: naive-Bayes log-count ratios as feature weights under one linear SVM per label."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, diags
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from nlp.linear import linear_scores
from nlp.nbsvm import NBSVMClassifier, log_count_ratio

TEXTS = [
    "Radweg an der Hauptstraße verbreitern",
    "sichere Radwege zur Schule",
    "Fahrradständer am Bahnhof",
    "mehr Bänke im Park",
    "Spielplatz im Park erneuern",
    "Bäume pflanzen und Park pflegen",
    "Radweg durch den Park",
    "Busse öfter fahren lassen",
]
# columns: cycling, green space, never used, always used
LABELS = np.array(
    [
        [1, 0, 0, 1],
        [1, 0, 0, 1],
        [1, 0, 0, 1],
        [0, 1, 0, 1],
        [0, 1, 0, 1],
        [0, 1, 0, 1],
        [1, 1, 0, 1],
        [0, 0, 0, 1],
    ]
)


def _features() -> tuple[TfidfVectorizer, csr_matrix]:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    return vectorizer, csr_matrix(vectorizer.fit_transform(TEXTS))


def test_ratio_favours_features_of_the_positive_texts() -> None:
    present = csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1]], dtype=float))
    positive = np.array([True, True, False, False])

    ratio = log_count_ratio(present, positive, alpha=1.0)

    assert ratio[0] > 0  # only in positive texts
    assert ratio[1] < 0  # only in negative texts
    assert ratio[2] == 0  # everywhere
    assert np.isclose(ratio[0], -ratio[1])


def test_weights_are_the_svm_weights_on_scaled_features_times_the_ratio() -> None:
    _, features = _features()
    model = NBSVMClassifier(C=0.5).fit(features, LABELS)
    present = features.copy()
    present.data[:] = 1.0
    positive = LABELS[:, 0] == 1
    ratio = log_count_ratio(present, positive, alpha=1.0)
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=0)
    svm.fit(features @ diags(ratio), positive.astype(int))

    assert np.allclose(model.coef_[0], svm.coef_.ravel() * ratio)
    assert np.allclose(
        model.decision_function(features)[:, 0], svm.decision_function(features @ diags(ratio))
    )


def test_it_learns_the_labels_and_reads_as_a_linear_model() -> None:
    vectorizer, features = _features()
    model = NBSVMClassifier().fit(features, LABELS)

    new = csr_matrix(vectorizer.transform(["neuer Radweg am Bahnhof", "Wiese im Park mähen"]))
    decided = model.predict(new)
    assert decided[0].tolist()[:2] == [1, 0]
    assert decided[1].tolist()[:2] == [0, 1]
    scores = linear_scores(model, features.shape[1])
    assert np.allclose(scores(new), model.decision_function(new))


def test_a_label_that_never_or_always_occurs_gets_a_constant_decision() -> None:
    _, features = _features()
    model = NBSVMClassifier().fit(features, LABELS)

    decisions = model.decision_function(features)
    assert not model.coef_[2].any()
    assert not model.coef_[3].any()
    assert (decisions[:, 2] == -1).all()
    assert (decisions[:, 3] == 1).all()
