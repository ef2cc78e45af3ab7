"""`Arima`: one-step-ahead ARIMA forecasts of a series split in time (statsmodels)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from rnn_zoo.baselines.last_value import series_of
from rnn_zoo.tasks._metrics import regression_scores

__all__ = ["Arima"]


def _check_orders(orders) -> list[tuple[int, int, int]]:
    if isinstance(orders, (str, bytes)) or not isinstance(orders, Sequence) or not orders:
        raise ValueError(f"`orders` must be a non-empty list of (p, d, q), got {orders!r}.")
    checked = []
    for order in orders:
        if isinstance(order, (str, bytes)) or not isinstance(order, Sequence) \
                or len(order) != 3 or any(isinstance(v, bool) or not isinstance(v, int)
                                          or v < 0 for v in order):
            raise ValueError(f"`orders` must hold (p, d, q) triples of ints >= 0, got "
                             f"{order!r}.")
        checked.append(tuple(order))
    return checked


class Arima:
    """The classical baseline of a yearly series: ARIMA, its order chosen by AIC on train.

    The order with the lowest AIC on the train split among `orders` is fitted again on
    everything before the test period (train + validation: the data a network sees too, as it
    trains on train and early-stops on validation). Test forecasts are one step ahead:
    `results.append(test, refit=False)` keeps the fitted parameters and conditions each forecast
    on the true values up to the step before (no refit, no look-ahead). Scores are
    `Forecaster.evaluate`'s, plus the order and how it was chosen.

    Args:
        orders: candidate `(p, d, q)` orders.
        trend: statsmodels' trend term (`"c"`: a constant).

    Example:

    >>> t = np.arange(120)
    >>> wave = list(np.sin(0.5 * t) + 0.01 * np.cos(7.0 * t))
    >>> split = lambda a, b: ([wave[a:b]], None)
    >>> scores = Arima(orders=[(2, 0, 0)])(split(0, 80), split(80, 100), split(100, 120))
    >>> scores["order"], scores["rmse"] < 0.05
    ([2, 0, 0], True)
    """

    def __init__(self, *, orders=((9, 0, 0),), trend: str = "c"):
        self.orders = _check_orders(orders)
        if not isinstance(trend, str):
            raise TypeError(f"`trend` must be a statsmodels trend string, got {trend!r}.")
        self.trend = trend

    def _fitted(self, values, order):
        from statsmodels.tools.sm_exceptions import ConvergenceWarning
        from statsmodels.tsa.arima.model import ARIMA

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            return ARIMA(values, order=order, trend=self.trend).fit()

    def forecast(self, train, validation, test) -> tuple[np.ndarray, dict]:
        """The one-step-ahead test forecasts and how they were made."""
        train_values = series_of(train, "train")
        before = train_values if validation is None else np.concatenate(
            [train_values, series_of(validation, "validation")])
        target = series_of(test, "test")
        aic = {order: self._fitted(train_values, order).aic for order in self.orders}
        order = min(aic, key=aic.get)
        extended = self._fitted(before, order).append(target, refit=False)
        start = len(before)
        forecast = np.asarray(extended.predict(start=start, end=start + len(target) - 1))
        info = {"order": list(order),
                "selected_by": f"lowest AIC on train among {len(aic)} orders",
                "fitted_on": "train" if validation is None else "train + validation",
                "forecast": "one step ahead, append(refit=False)",
                "train_aic": round(float(aic[order]), 3)}
        return forecast, info

    def __call__(self, train, validation, test) -> dict:
        forecast, info = self.forecast(train, validation, test)
        target = series_of(test, "test")
        return {**regression_scores(target[:, None], forecast[:, None]), **info}
