"""`LastValue`: persistence, each step's forecast is the value the step before."""

from __future__ import annotations

import numpy as np

from rnn_zoo.tasks._metrics import regression_scores

__all__ = ["LastValue"]


def series_of(split, role: str) -> np.ndarray:
    """The one univariate series of a split `(x, None)` as float64 `(T,)`."""
    if split is None:
        raise ValueError(f"`{role}` is None; the baseline needs the {role} series.")
    xs = split[0]
    if len(xs) != 1:
        raise ValueError(f"`{role}` holds {len(xs)} series; the baseline takes one series per "
                         "split (a series split in time order).")
    series = np.asarray(xs[0], np.float64)
    if series.ndim == 2 and series.shape[1] == 1:
        series = series[:, 0]
    if series.ndim != 1 or len(series) == 0:
        raise ValueError(f"`{role}` must hold one non-empty univariate series, got shape "
                         f"{series.shape}.")
    return series


class LastValue:
    """The trivial one-step forecaster any working model beats: next value = this value.

    The splits continue each other in time; the first test step is forecast from the last
    step before it (of validation, else of train). Scores are `Forecaster.evaluate`'s.

    >>> LastValue()(([[1.0, 2.0]], None), None, ([[4.0, 4.0]], None))["rmse"]
    1.4142135623730951
    """

    def __call__(self, train, validation, test) -> dict:
        before = series_of(validation if validation is not None else train,
                           "validation" if validation is not None else "train")
        target = series_of(test, "test")
        forecast = np.concatenate([before[-1:], target[:-1]])
        return regression_scores(target[:, None], forecast[:, None])
