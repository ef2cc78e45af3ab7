"""`MajorityClass`: predicts the training split's most frequent class for every example."""

from __future__ import annotations

from collections import Counter

import numpy as np

from rnn_zoo.tasks._metrics import class_order, classification_scores

__all__ = ["MajorityClass"]


class MajorityClass:
    """The trivial classifier any working model beats.

    >>> MajorityClass()((["a", "b", "c"], ["x", "x", "y"]), None, (["d"], ["y"]))["accuracy"]
    0.0
    """

    def __call__(self, train, validation, test) -> dict:
        labels = list(train[1])
        classes = class_order([*labels, *test[1]])
        majority = Counter(labels).most_common(1)[0][0]
        index = {c: i for i, c in enumerate(classes)}
        truth = np.asarray([index[v] for v in test[1]])
        scores = classification_scores(truth, np.full(len(truth), index[majority]), classes)
        return {**scores, "class": majority}
