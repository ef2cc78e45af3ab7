"""`Vader`: the VADER sentiment lexicon's compound score, thresholded into classes."""

from __future__ import annotations

import numpy as np

from rnn_zoo.tasks._metrics import class_order, classification_scores

__all__ = ["Vader"]


class Vader:
    """A rule-based English sentiment baseline that learns nothing from the training split.

    A text is `positive` when VADER's compound score is >= `threshold`, `negative` when it is
    <= -`threshold`, else `neutral` (the thresholds VADER's authors recommend). The three
    names are the dataset's class labels for each polarity. Needs `vaderSentiment`.

    Args:
        threshold: the compound score's neutral band half-width, in (0, 1).
        negative: the class label of negative texts.
        neutral: the class label of neutral texts.
        positive: the class label of positive texts.

    Example:

    >>> test = (["I love this, it is wonderful!", "This is terrible.", "It leaves at 5."],
    ...         ["positive", "negative", "neutral"])
    >>> Vader()(test, None, test)["accuracy"]
    1.0
    """

    def __init__(self, *, threshold: float = 0.05, negative="negative", neutral="neutral",
                 positive="positive"):
        if (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                or not 0 < threshold < 1):
            raise ValueError(f"`threshold` must be a number in (0, 1), got {threshold!r}.")
        self.threshold = float(threshold)
        self.labels = {"negative": negative, "neutral": neutral, "positive": positive}
        if len(set(self.labels.values())) != 3:
            raise ValueError(f"`negative`, `neutral` and `positive` must be three different "
                             f"class labels, got {list(self.labels.values())!r}.")

    def predict(self, texts) -> list:
        """The class label of each text."""
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
        compound = np.asarray([analyzer.polarity_scores(t)["compound"] for t in texts])
        return [self.labels["positive"] if c >= self.threshold else
                self.labels["negative"] if c <= -self.threshold else self.labels["neutral"]
                for c in compound]

    def __call__(self, train, validation, test) -> dict:
        classes = class_order([*train[1], *test[1], *self.labels.values()])
        index = {c: i for i, c in enumerate(classes)}
        truth = np.asarray([index[v] for v in test[1]])
        found = np.asarray([index[v] for v in self.predict(test[0])])
        return classification_scores(truth, found, classes)
