"""Theme tagging: suggestions of action fields (themes) for contributions, with the words
that drove each suggestion and how unsure the model is.

Two taggers share one interface:
- `KeywordTagger` starts cold, before anyone has labelled anything: it compares a text with
  each theme's name, description and keywords.
- `SupervisedTagger` learns from the themes moderators confirmed. It stacks three linear
  models (NB-SVMs on character n-grams and on lemmas and compound parts, see `nlp.nbsvm`,
  and a classifier of the label sets that occur together) under one logistic regression
  per theme, trained on out-of-fold scores. The second level learns how themes go
  together (cycling implies non-motorised transport) and turns scores into calibrated
  probabilities. Measured on FreiRaum Ottensen this beats a single linear model on
  character n-grams clearly (see `participation nlp evaluate` and `_base_models`).
  With one theme per item it is a single logistic regression on character n-grams whose
  per-theme offsets are tuned on out-of-fold predictions for macro-F1, so that rare themes
  are suggested as often as they deserve rather than drowned by the frequent ones.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from nlp.features import FastTransform, char_vectorizer, term_vectorizer
from nlp.linear import LinearScores, linear_scores, sigmoid, softmax, two_class_logits
from nlp.nbsvm import NBSVMClassifier
from nlp.text import AnalysedText, is_evidence

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Probability above which a theme is suggested for multi-label data, unless the training
# data's own out-of-fold predictions favour another cut: measured on FreiRaum Ottensen
# (5-fold CV) between 0.3 and 0.5, 0.4 gave the best micro-F1.
MULTILABEL_THRESHOLD: Final = 0.4
# Saved models of another version are trained again, even on the same data.
TAGGER_VERSION: Final = "stacked-3"
EXPLANATION_WORDS: Final = 3
INNER_FOLDS: Final = 5
# Offsets tried per theme for one-theme-per-item data (`_macro_f1_bias`). Steps of 0.05
# instead of 0.1 fit noise: on Tempelhofer Feld 5-fold CV macro-F1 0.353 against 0.337 at
# seed 0 but 0.319 against 0.332 at seed 1, and lower on all learning-curve points.
BIAS_GRID: Final = np.linspace(-1.5, 1.5, 31)


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    """A theme of the taxonomy as the cold-start tagger reads it."""

    key: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    theme: str
    score: float  # calibrated probability (supervised) or similarity (cold start), 0..1
    words: tuple[str, ...]  # the words of the text that drove the suggestion most


@dataclass(frozen=True, slots=True)
class Tagging:
    suggestions: tuple[Suggestion, ...]  # best first
    uncertainty: float  # 0 = sure, 1 = the model cannot tell; ask a moderator first


class Tagger(Protocol):
    labels: tuple[str, ...]
    version: str

    def probabilities(self, docs: Sequence[AnalysedText]) -> FloatArray: ...

    def tag(self, docs: Sequence[AnalysedText]) -> list[Tagging]: ...


# --- explanations -------------------------------------------------------------------------


def explain(
    doc: AnalysedText,
    vector: csr_matrix,
    word_features: Callable[[str], IntArray],
    weights: FloatArray,
    limit: int,
) -> list[tuple[str, ...]]:
    """Per row of `weights` (one linear model's weights per label): the words whose
    character n-grams add most to that label's score, at most `limit`, the strongest first.
    `vector` is the text's row of the model's TF-IDF features (so it holds every feature of
    its words) and `word_features` gives a word's feature indices (its n-grams, repeats
    included). All labels are scored in one matrix product: word by word and label by
    label, explaining took 57% of the tagging time (cProfile, 400 resampled shared texts)."""
    # In order of appearance, so that ties break the same way each time; stop words and
    # short words never (see `is_evidence`).
    words = [w for w in dict.fromkeys(doc.normalised.split()) if is_evidence(w)]
    ids = [word_features(w) for w in words]
    kept = [i for i, found in enumerate(ids) if len(found)]
    if not kept:
        return [() for _ in range(len(weights))]
    features = np.concatenate([ids[i] for i in kept])
    order = np.argsort(vector.indices)
    tfidf = vector.data[order][np.searchsorted(vector.indices[order], features)]
    starts = np.cumsum([0] + [len(ids[i]) for i in kept[:-1]])
    totals = np.add.reduceat(weights[:, features] * tfidf, starts, axis=1)
    explained = []
    for row in totals:
        best = sorted((j for j in range(len(kept)) if row[j] > 0), key=lambda j: -row[j])
        explained.append(tuple(words[kept[j]] for j in best[:limit]))
    return explained


# --- cold start ---------------------------------------------------------------------------


@dataclass
class KeywordTagger:
    """Suggestions from the taxonomy alone: similarity of a text's terms to each theme's
    name, description and keywords (compound parts included, so "Breitbandausbau" meets the
    keyword "breitband")."""

    themes: Sequence[ThemeSpec]
    theme_docs: Sequence[AnalysedText]
    min_score: float = 0.05
    version: str = "keywords-1"
    labels: tuple[str, ...] = field(init=False)
    _vectorizer: TfidfVectorizer = field(init=False)
    _theme_vectors: csr_matrix = field(init=False)

    def __post_init__(self) -> None:
        self.labels = tuple(theme.key for theme in self.themes)
        self._vectorizer = term_vectorizer(0)
        self._theme_vectors = self._vectorizer.fit_transform(self.theme_docs)

    def probabilities(self, docs: Sequence[AnalysedText]) -> FloatArray:
        vectors = self._vectorizer.transform(docs)
        return np.asarray((vectors @ self._theme_vectors.T).toarray(), dtype=np.float64)

    def predict(self, docs: Sequence[AnalysedText]) -> list[tuple[str, ...]]:
        """The themes it suggests per text, as `SupervisedTagger.predict` gives them."""
        return [tuple(s.theme for s in tagging.suggestions) for tagging in self.tag(docs)]

    def tag(self, docs: Sequence[AnalysedText]) -> list[Tagging]:
        scores = self.probabilities(docs)
        taggings = []
        for doc, row in zip(docs, scores, strict=True):
            order = np.argsort(-row)
            suggestions = tuple(
                Suggestion(self.labels[j], round(float(row[j]), 3), self._shared_words(doc, j))
                for j in order[:3]
                if row[j] >= self.min_score
            )
            taggings.append(Tagging(suggestions, _margin_uncertainty(row)))
        return taggings

    def _shared_words(self, doc: AnalysedText, theme_index: int) -> tuple[str, ...]:
        theme_terms = set(self.theme_docs[theme_index].terms)
        counts = Counter(term for term in doc.terms if term in theme_terms and is_evidence(term))
        return tuple(term for term, _ in counts.most_common(EXPLANATION_WORDS))


def _margin_uncertainty(row: FloatArray) -> float:
    """1 minus the lead of the best theme over the second; 1 when nothing matches at all."""
    if row.size == 0 or float(row.max()) <= 0:
        return 1.0
    top = np.sort(row)[::-1]
    second = float(top[1]) if row.size > 1 else 0.0
    return round(1.0 - (float(top[0]) - second) / float(top[0]), 3)


# --- supervised ---------------------------------------------------------------------------


def _char_model(n_docs: int) -> Pipeline:
    return make_pipeline(char_vectorizer(n_docs), NBSVMClassifier(C=0.5))


class _LabelSetModel:
    """One classifier over the label combinations that occur at least `min_count` times;
    its scores tell per label how well the best combination with it beats the best without."""

    def __init__(self, n_docs: int, min_count: int = 5) -> None:
        self.n_docs = n_docs
        self.min_count = min_count

    def fit(self, docs: Sequence[AnalysedText], y: IntArray) -> _LabelSetModel:
        keys = [tuple(row.tolist()) for row in y]
        frequent = [k for k, n in Counter(keys).items() if n >= self.min_count]
        rest = tuple([0] * y.shape[1])
        self.sets_ = np.array([*frequent, rest], dtype=np.int64)
        index = {k: i for i, k in enumerate(frequent)}
        target = np.array([index.get(k, len(frequent)) for k in keys])
        self.model_ = make_pipeline(
            char_vectorizer(self.n_docs), LinearSVC(C=0.5, class_weight="balanced", random_state=0)
        )
        self.single_ = len(set(target.tolist())) < 2
        if not self.single_:
            self.model_.fit(docs, target)
        return self

    def decision_function(self, docs: Sequence[AnalysedText]) -> FloatArray:
        if self.single_:
            return np.zeros((len(docs), self.sets_.shape[1]))
        raw = np.asarray(self.model_.decision_function(docs), dtype=np.float64)
        return self.per_label(raw)

    def per_label(self, raw: FloatArray) -> FloatArray:
        """From the classifier's decision values per label set to one score per label."""
        if raw.ndim == 1 or raw.shape[1] == 1:  # two classes: one column, for the second
            raw = np.column_stack([-raw.ravel(), raw.ravel()])
        sets = self.sets_[self.model_.classes_]
        out = np.zeros((raw.shape[0], sets.shape[1]))
        for j in range(sets.shape[1]):
            with_label = sets[:, j] == 1
            best_with = raw[:, with_label].max(axis=1) if with_label.any() else -5.0
            best_without = raw[:, ~with_label].max(axis=1) if (~with_label).any() else -5.0
            out[:, j] = best_with - best_without
        return out


@dataclass(frozen=True, slots=True)
class _MatrixForm:
    """A trained tagger's models as coefficient matrices (see `nlp.linear`), so that tagging
    one text transforms it once per vectorizer and multiplies, instead of passing it through
    a dozen scikit-learn estimators and their input checks."""

    char: FastTransform
    char_scores: LinearScores  # multi-label: one row per theme; one theme: softmax logits
    terms: FastTransform | None = None
    term_scores: LinearScores | None = None
    label_sets: _LabelSetModel | None = None
    # The label-set model's own vectorizer, only where it differs from `char`.
    label_set_char: FastTransform | None = None
    label_set_scores: LinearScores | None = None
    stack: LinearScores | None = None  # the second level, one row per theme
    stacked: NDArray[np.bool_] | None = None  # themes that have a second-level model


def _same_vectorizer(a: TfidfVectorizer, b: TfidfVectorizer) -> bool:
    return bool(a.vocabulary_ == b.vocabulary_ and np.array_equal(a.idf_, b.idf_))


def _matrix_form(tagger: SupervisedTagger) -> _MatrixForm:
    char_model = tagger.bases[0]
    assert isinstance(char_model, Pipeline)
    char: TfidfVectorizer = char_model.steps[0][1]
    char_scores = linear_scores(char_model.steps[-1][1], len(char.vocabulary_))
    if not tagger.multilabel:
        return _MatrixForm(FastTransform(char), two_class_logits(char_scores))
    term_model, label_sets = tagger.bases[1], tagger.bases[2]
    assert isinstance(term_model, Pipeline)
    assert isinstance(label_sets, _LabelSetModel)
    terms: TfidfVectorizer = term_model.steps[0][1]
    label_set_char, label_set_scores = None, None
    if not label_sets.single_:
        own: TfidfVectorizer = label_sets.model_.steps[0][1]
        label_set_char = None if _same_vectorizer(own, char) else FastTransform(own)
        label_set_scores = linear_scores(label_sets.model_.steps[-1][1], len(own.vocabulary_))
    width = len(tagger.labels) * 3
    stacked = np.array([stacker is not None for stacker in tagger.stackers])
    rows = [
        np.asarray(s.coef_, dtype=np.float64).ravel() if s is not None else np.zeros(width)
        for s in tagger.stackers
    ]
    intercepts = [float(s.intercept_[0]) if s is not None else 0.0 for s in tagger.stackers]
    return _MatrixForm(
        FastTransform(char),
        char_scores,
        FastTransform(terms),
        linear_scores(term_model.steps[-1][1], len(terms.vocabulary_)),
        label_sets,
        label_set_char,
        label_set_scores,
        LinearScores(np.vstack(rows), np.asarray(intercepts)),
        stacked,
    )


@dataclass
class SupervisedTagger:
    """Themes learned from moderators' confirmed labels. Build it with `train_tagger`."""

    labels: tuple[str, ...]
    multilabel: bool
    bases: list[object]
    stackers: list[LogisticRegression | None]
    threshold: float
    version: str
    # One theme per item: added to the log-probabilities before the best theme is chosen.
    class_bias: FloatArray | None = None
    _matrices: _MatrixForm | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, object]:
        # The matrix form is rebuilt on first use; saved models stay small.
        return {k: v for k, v in self.__dict__.items() if k != "_matrices"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._matrices = None

    def _form(self) -> _MatrixForm:
        # Built on first use (also for models saved before it existed, hence getattr).
        form = getattr(self, "_matrices", None)
        if form is None:
            form = self._matrices = _matrix_form(self)
        return form

    def probabilities(self, docs: Sequence[AnalysedText]) -> FloatArray:
        return self._probabilities(docs, self._form().char(docs))

    def _probabilities(self, docs: Sequence[AnalysedText], char_vectors: csr_matrix) -> FloatArray:
        form = self._form()
        if not self.multilabel:
            raw = softmax(form.char_scores(char_vectors))
            bias = self.class_bias if self.class_bias is not None else 0.0
            return softmax(np.log(raw + 1e-12) + bias)
        assert form.terms is not None
        assert form.term_scores is not None
        assert form.label_sets is not None
        assert form.stack is not None
        assert form.stacked is not None
        if form.label_set_scores is None:
            label_set = np.zeros((len(docs), len(self.labels)))
        else:
            own = form.label_set_char
            vectors = char_vectors if own is None else own(docs)
            label_set = form.label_sets.per_label(form.label_set_scores(vectors))
        term_vectors = form.terms(docs)
        stacked = np.hstack(
            [form.char_scores(char_vectors), form.term_scores(term_vectors), label_set]
        )
        return np.where(form.stacked, sigmoid(form.stack(stacked)), 0.0)

    def predict(self, docs: Sequence[AnalysedText]) -> list[tuple[str, ...]]:
        probabilities = self.probabilities(docs)
        if self.multilabel:
            return [
                tuple(self.labels[j] for j in np.flatnonzero(row > self.threshold))
                for row in probabilities
            ]
        return [(self.labels[int(np.argmax(row))],) for row in probabilities]

    def uncertainty(self, probabilities: FloatArray) -> FloatArray:
        """Per item: how close the most borderline theme is to the decision (multi-label),
        or 1 minus the margin between the two likeliest themes (one theme per item)."""
        if self.multilabel:
            t = self.threshold
            distance = np.abs(probabilities - t) / np.where(probabilities > t, 1 - t, t)
            return np.asarray(1.0 - distance.min(axis=1), dtype=np.float64)
        top = -np.sort(-probabilities, axis=1)
        return np.asarray(1.0 - (top[:, 0] - top[:, 1]), dtype=np.float64)

    def tag(self, docs: Sequence[AnalysedText]) -> list[Tagging]:
        form = self._form()
        char_vectors = form.char(docs)
        probabilities = self._probabilities(docs, char_vectors)
        uncertainty = self.uncertainty(probabilities)
        taggings = []
        for i, (doc, row, unsure) in enumerate(zip(docs, probabilities, uncertainty, strict=True)):
            candidates: list[int] = (
                np.flatnonzero(row > self.threshold).tolist()
                if self.multilabel
                else [int(np.argmax(row))]
            )
            chosen = sorted(candidates, key=lambda j: -float(row[j]))
            words = explain(
                doc,
                char_vectors[i],
                form.char.word_features,
                form.char_scores.coef[chosen],
                EXPLANATION_WORDS,
            )
            suggestions = tuple(
                Suggestion(self.labels[j], round(float(row[j]), 3), why)
                for j, why in zip(chosen, words, strict=True)
            )
            taggings.append(Tagging(suggestions, round(float(unsure), 3)))
        return taggings


def review_priority(tagger: SupervisedTagger, docs: Sequence[AnalysedText]) -> FloatArray:
    """Which of these unlabelled items a moderator should label first, highest first.

    Multi-label: the tagger's uncertainty. One theme per item: round robin over the themes
    the tagger would choose, the most uncertain item of each theme first. Uncertainty alone
    keeps picking items between the big themes, so rare themes stay unseen: on Tempelhofer
    Feld (learning curve, 5 seeds) macro-F1 at 100/200 labels was 0.245/0.266 with it,
    0.250/0.240 at random, 0.282/0.295 with the round robin."""
    probabilities = tagger.probabilities(docs)
    uncertainty = tagger.uncertainty(probabilities)
    if tagger.multilabel:
        return uncertainty
    predicted = probabilities.argmax(axis=1).tolist()
    rank = np.zeros(len(docs))
    seen: Counter[int] = Counter()
    for i in np.argsort(-uncertainty, kind="stable").tolist():
        rank[i] = seen[predicted[i]]
        seen[predicted[i]] += 1
    # uncertainty is within 0..1, so it only orders items of the same rank
    return np.asarray(uncertainty - 2.0 * rank, dtype=np.float64)


def _multiclass_model(n_docs: int) -> Pipeline:
    lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000, random_state=0)
    return make_pipeline(char_vectorizer(n_docs), lr)


def _macro_f1_bias(docs: Sequence[AnalysedText], y: IntArray, seed: int) -> FloatArray:
    """Offsets per theme for the log-probabilities that maximise macro-F1 on out-of-fold
    predictions (coordinate ascent over a grid). Measured on Tempelhofer Feld (5-fold CV, 3
    seeds) macro-F1 goes from 0.312 to 0.331 with them; the same model without them and a
    stack of SVM and logistic regression did worse. The variants measured since, none better
    over the shuffles, are listed in the README under "Tempelhofer Feld: variants measured
    and set aside"."""
    classes = np.unique(y)
    logits = np.zeros((len(docs), len(classes)))
    splitter = StratifiedKFold(_inner_folds(y), shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        model = _fit(_multiclass_model(len(train)), _take(docs, train), y[train])
        fold = np.full((len(test), len(classes)), 1e-12)
        seen = np.searchsorted(classes, model.classes_)  # type: ignore[attr-defined]
        fold[:, seen] = model.predict_proba(_take(docs, test))  # type: ignore[attr-defined]
        logits[test] = np.log(fold + 1e-12)
    target = np.searchsorted(classes, y)
    bias = np.zeros(len(classes))

    def macro(candidate: FloatArray) -> float:
        return _macro_f1(target, (logits + candidate).argmax(axis=1), len(classes))

    best = macro(bias)
    for _ in range(3):
        for j in range(len(classes)):
            for offset in BIAS_GRID:
                candidate = bias.copy()
                candidate[j] = offset
                score = macro(candidate)
                if score > best + 1e-9:
                    best, bias = score, candidate
    return bias


def _macro_f1(target: IntArray, predicted: IntArray, classes: int) -> float:
    """scikit-learn's macro-F1 over `classes` classes (absent ones count 0), without its
    input checks: the offset search calls it 1,281 times per training on seven themes."""
    hits = np.bincount(target[target == predicted], minlength=classes)
    total = np.bincount(predicted, minlength=classes) + np.bincount(target, minlength=classes)
    return float(np.mean(2 * hits / np.maximum(total, 1)))


def _scores(model: object, docs: Sequence[AnalysedText]) -> FloatArray:
    scores = np.asarray(model.decision_function(docs), dtype=np.float64)  # type: ignore[attr-defined]
    return scores[:, None] if scores.ndim == 1 else scores


def _base_models(n_docs: int, multilabel: bool) -> list[object]:
    """The first level. Measured by 5-fold CV over 3 shuffles on FreiRaum Ottensen, mean
    micro/macro-F1: plain linear SVMs on characters and terms 0.864/0.623; NB-SVM on
    characters 0.877/0.645; NB-SVM on both 0.878/0.658 (no shuffle below 0.877). Plain
    SVMs with other C (characters 0.5 or 2, terms 0.25 or 1) scored 0.862 to 0.864 micro;
    NB-SVM under a second level with C 3 0.877/0.653, with C 0.3 (plain SVMs) 0.860/0.590.
    With one theme per item (Tempelhofer Feld) a stack did worse than one logistic
    regression with tuned offsets, and terms or NB-SVM lowered macro-F1."""
    if multilabel:
        return [
            _char_model(n_docs),
            make_pipeline(term_vectorizer(n_docs), NBSVMClassifier(C=0.5)),
            _LabelSetModel(n_docs),
        ]
    return [_multiclass_model(n_docs)]


def _fit(model: object, docs: Sequence[AnalysedText], y: IntArray) -> object:
    with warnings.catch_warnings():
        # A theme nobody used in this sample is expected; it simply gets no suggestions.
        warnings.filterwarnings("ignore", message="Label not .* is present in all training")
        model.fit(docs, y)  # type: ignore[attr-defined]
    return model


def _out_of_fold(docs: Sequence[AnalysedText], y: IntArray, seed: int) -> FloatArray:
    """Each multi-label base model's scores for every training item, from models that did
    not see it: the second level's training data."""
    n = len(docs)
    splitter = KFold(INNER_FOLDS, shuffle=True, random_state=seed)
    columns = []
    for index, _ in enumerate(_base_models(n, multilabel=True)):
        block: FloatArray | None = None
        for train, test in splitter.split(np.zeros(n)):
            model = _fit(
                _base_models(len(train), multilabel=True)[index], _take(docs, train), y[train]
            )
            scores = _scores(model, _take(docs, test))
            if block is None:
                block = np.zeros((n, scores.shape[1]))
            block[test] = scores
        assert block is not None
        columns.append(block)
    return np.hstack(columns)


def _inner_folds(y: IntArray) -> int:
    smallest = min(Counter(y.tolist()).values())
    return max(2, min(INNER_FOLDS, smallest))


def _take(docs: Sequence[AnalysedText], indices: IntArray) -> list[AnalysedText]:
    return [docs[i] for i in indices]


def _best_threshold(
    stacked: FloatArray, y: IntArray, trainable: Sequence[bool], seed: int
) -> float:
    """The probability cut that gives the best micro-F1 on out-of-fold second-level
    predictions. With many examples it lands near 0.4; with a few dozen the probabilities
    are lower and so is the cut."""
    folds = min(INNER_FOLDS, len(y))
    probabilities = np.zeros(y.shape)
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(stacked):
        for j, ok in enumerate(trainable):
            if ok and 0 < y[train, j].sum() < len(train):
                model = LogisticRegression(C=1.0, max_iter=3000).fit(stacked[train], y[train, j])
                probabilities[test, j] = model.predict_proba(stacked[test])[:, 1]
    candidates = np.round(np.arange(0.1, 0.61, 0.05), 2)
    f1 = [f1_score(y, probabilities > t, average="micro", zero_division=0) for t in candidates]
    best = max(f1)
    # Among cuts within 0.005 of the best, the one closest to the usual 0.4.
    near = [t for t, score in zip(candidates, f1, strict=True) if score >= best - 0.005]
    return float(min(near, key=lambda t: abs(t - MULTILABEL_THRESHOLD)))


def train_tagger(
    docs: Sequence[AnalysedText],
    labels: Sequence[Sequence[str]],
    *,
    multilabel: bool,
    label_names: Sequence[str] | None = None,
    seed: int = 0,
) -> SupervisedTagger:
    """Train on texts and their themes (one theme each unless `multilabel`).

    Labels with fewer than two examples are kept in `labels` but never suggested: nothing
    can be learned from one example.
    """
    names = tuple(str(n) for n in (label_names or sorted({lbl for row in labels for lbl in row})))
    index = {name: i for i, name in enumerate(names)}
    if multilabel:
        y = np.zeros((len(docs), len(names)), dtype=np.int64)
        for row, row_labels in enumerate(labels):
            for label in row_labels:
                y[row, index[label]] = 1
    else:
        y = np.array([index[row[0]] for row in labels], dtype=np.int64)
        if len(set(y.tolist())) < 2:
            raise ValueError("at least two different themes are needed to train")
    bases = [_fit(m, docs, y) for m in _base_models(len(docs), multilabel)]
    stackers: list[LogisticRegression | None] = []
    threshold = MULTILABEL_THRESHOLD
    class_bias = None
    if multilabel:
        stacked = _out_of_fold(docs, y, seed)
        trainable = [2 <= y[:, j].sum() < len(docs) for j in range(len(names))]
        stackers = [
            LogisticRegression(C=1.0, max_iter=3000).fit(stacked, y[:, j]) if ok else None
            for j, ok in enumerate(trainable)
        ]
        threshold = _best_threshold(stacked, y, trainable, seed)
    else:
        class_bias = _macro_f1_bias(docs, y, seed)
    return SupervisedTagger(
        labels=names if multilabel else tuple(names[int(i)] for i in np.unique(y)),
        multilabel=multilabel,
        bases=bases,
        stackers=stackers,
        threshold=threshold,
        version=TAGGER_VERSION,
        class_bias=class_bias,
    )
