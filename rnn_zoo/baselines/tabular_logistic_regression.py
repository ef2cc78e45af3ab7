"""`TabularLogisticRegression`: scikit-learn's logistic regression on standardised rows."""

from __future__ import annotations

import numpy as np

from rnn_zoo._validation import check_int
from rnn_zoo.tasks._metrics import class_order, classification_scores

__all__ = ["TabularLogisticRegression"]


class TabularLogisticRegression:
    """Logistic regression (lbfgs) on float rows standardised with the train split's mean and
    standard deviation (a constant feature is only centred), scored like `TabularClassifier`.

    Args:
        c: inverse regularisation strength (scikit-learn's `C`), > 0.
        max_iter: lbfgs iterations, >= 1.
        seed: scikit-learn's `random_state`.

    >>> rows = [[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.2]]
    >>> TabularLogisticRegression()((rows, ["a", "b", "a", "b"]), None,
    ...                             ([[0.0, 0.8]], ["a"]))["accuracy"]
    1.0
    """

    def __init__(self, *, c: float = 1.0, max_iter: int = 5000, seed: int = 0):
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not c > 0:
            raise ValueError(f"`c` must be a number > 0, got {c!r}.")
        self.c, self.max_iter = float(c), check_int("max_iter", max_iter)
        self.seed = check_int("seed", seed, minimum=0)

    def __call__(self, train, validation, test) -> dict:
        from sklearn.linear_model import LogisticRegression

        x_train = np.asarray(train[0], np.float64)
        x_test = np.asarray(test[0], np.float64)
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        classes = class_order([*train[1], *test[1]])
        index = {c: i for i, c in enumerate(classes)}
        y_train = np.asarray([index[v] for v in train[1]])
        model = LogisticRegression(C=self.c, max_iter=self.max_iter, random_state=self.seed)
        model.fit((x_train - mean) / std, y_train)
        predicted = model.predict((x_test - mean) / std)
        truth = np.asarray([index[v] for v in test[1]])
        return {**classification_scores(truth, predicted, classes),
                "model": f"sklearn LogisticRegression(C={self.c}, lbfgs), standardised "
                         "features"}
