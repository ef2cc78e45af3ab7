"""`TfidfLogisticRegression`: TF-IDF n-grams + logistic regression, C tuned on validation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnn_zoo._validation import check_choice, check_int
from rnn_zoo.tasks._metrics import class_order, classification_scores

__all__ = ["TfidfLogisticRegression"]


def _ngrams(name: str, value, *, optional: bool):
    if value is None and optional:
        return None
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in value)
            or not 1 <= value[0] <= value[1]):
        raise ValueError(f"`{name}` must be a pair (low, high) of ints with 1 <= low <= high"
                         f"{' or None' if optional else ''}, got {value!r}.")
    return tuple(value)


class TfidfLogisticRegression:
    """The strong linear text baseline: sublinear TF-IDF features + logistic regression.

    Word n-grams (and optionally character n-grams within word boundaries) are fitted on the
    training texts; one logistic regression per `C` in `c_grid` is fitted on them, the one with
    the best validation macro-F1 is scored on the test texts (without a validation split,
    `c_grid` must hold one `C`). Returns the classification scores a `TextClassifier`
    reports, plus the chosen `C`, the validation scores of each `C` and the number of
    features. Needs scikit-learn.

    Args:
        c_grid: inverse regularisation strengths to try.
        word_ngrams: `(low, high)` word n-gram range.
        char_ngrams: `(low, high)` character n-gram range (`char_wb`), or None for words only.
        min_df: least number of training texts an n-gram occurs in.
        token_pattern: the words' regular expression (scikit-learn's default drops
            one-character tokens and punctuation; `r"(?u)\\b\\w+\\b|[!?]"` keeps them and `!`/`?`).
        max_features: most features per vectorizer (the most frequent), or None for all.
        solver: scikit-learn's `LogisticRegression` solver.
        max_iter: its iteration cap.
        tol: its stopping tolerance.
        seed: its random state.

    Example:

    >>> train = (["good great fun", "great good day", "bad awful mess", "awful bad day"],
    ...          ["pos", "pos", "neg", "neg"])
    >>> TfidfLogisticRegression(c_grid=(10.0,), min_df=1)(
    ...     train, None, (["good fun", "awful mess"], ["pos", "neg"]))["accuracy"]
    1.0
    """

    def __init__(self, *, c_grid: Sequence[float] = (1.0,),
                 word_ngrams: tuple[int, int] = (1, 2),
                 char_ngrams: tuple[int, int] | None = None, min_df: int = 2,
                 token_pattern: str = r"(?u)\b\w\w+\b", max_features: int | None = None,
                 solver: str = "lbfgs", max_iter: int = 1000, tol: float = 1e-4,
                 seed: int = 0):
        if (isinstance(c_grid, (str, bytes)) or not isinstance(c_grid, Sequence) or not c_grid
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and c > 0
                           for c in c_grid)):
            raise ValueError(f"`c_grid` must be a non-empty list of positive numbers, got "
                             f"{c_grid!r}.")
        self.c_grid = tuple(float(c) for c in c_grid)
        self.word_ngrams = _ngrams("word_ngrams", word_ngrams, optional=False)
        self.char_ngrams = _ngrams("char_ngrams", char_ngrams, optional=True)
        self.min_df = check_int("min_df", min_df)
        if not isinstance(token_pattern, str) or not token_pattern:
            raise TypeError(f"`token_pattern` must be a non-empty str, got {token_pattern!r}.")
        self.token_pattern = token_pattern
        self.max_features = None if max_features is None else check_int("max_features",
                                                                          max_features)
        self.solver = check_choice("solver", solver,
                                   ("lbfgs", "liblinear", "newton-cg", "sag", "saga"))
        self.max_iter = check_int("max_iter", max_iter)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol > 0:
            raise ValueError(f"`tol` must be a positive number, got {tol!r}.")
        self.tol = float(tol)
        self.seed = check_int("seed", seed, minimum=0)

    def _features(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_union

        words = TfidfVectorizer(ngram_range=self.word_ngrams, min_df=self.min_df,
                                sublinear_tf=True, token_pattern=self.token_pattern,
                                max_features=self.max_features)
        if self.char_ngrams is None:
            return words
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                min_df=self.min_df, sublinear_tf=True,
                                max_features=self.max_features)
        return make_union(words, chars)

    def __call__(self, train, validation, test) -> dict:
        from sklearn.linear_model import LogisticRegression

        classes = class_order([*train[1], *test[1]])
        index = {c: i for i, c in enumerate(classes)}
        features = self._features()
        x_train = features.fit_transform(list(train[0]))
        y_train = np.asarray([index[v] for v in train[1]])
        if validation is None and len(self.c_grid) > 1:
            raise ValueError(f"`validation` is None: tuning `c_grid` {list(self.c_grid)} needs "
                             "a validation split (or give a single C).")
        tuning, best = {}, None
        for c in self.c_grid:
            model = LogisticRegression(C=c, max_iter=self.max_iter, tol=self.tol,
                                       solver=self.solver, random_state=self.seed)
            model.fit(x_train, y_train)
            if validation is None:
                best = (None, c, model)
                continue
            truth = np.asarray([index[v] for v in validation[1]])
            found = classification_scores(
                truth, model.predict(features.transform(list(validation[0]))), classes)
            tuning[str(c)] = {"validation_accuracy": found["accuracy"],
                              "validation_macro_f1": found["macro_f1"]}
            if best is None or found["macro_f1"] > best[0]:
                best = (found["macro_f1"], c, model)
        truth = np.asarray([index[v] for v in test[1]])
        scores = classification_scores(
            truth, best[2].predict(features.transform(list(test[0]))), classes)
        return {**scores, "C": best[1], "tuning": tuning, "features": int(x_train.shape[1])}
