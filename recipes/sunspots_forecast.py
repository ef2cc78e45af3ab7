"""sunspots_forecast: many-to-one regression, next year's sunspot number from the years before.

Data: `sunspots` (rnn_zoo.datasets; statsmodels' yearly numbers 1700-2008, split in time order
into train / validation / test, each one example holding the ordered series). The series is
standardised with the train split's mean and std only. Windows of `lookback` years predict the
next year; the validation and test splits are windowed with the preceding `lookback` years as
context (`with_context`), so every year of them is a target. Model: `many_to_one_gru_forecast`.

Metric: test RMSE in original units (sunspot number), one-step-ahead. Baselines, computed in the
same run on the same test years:

- ARIMA (statsmodels): the order is chosen by AIC on the train split among `arima_orders`,
  then fitted on everything before the test period (train + validation, the data the network
  also sees: it trains on train and early-stops on validation). Test forecasts are one step
  ahead: `results.append(test, refit=False)` keeps the fitted parameters and conditions each
  forecast on the true values up to the year before (no refit, no look-ahead).
- persistence (last value): next year = this year.

Bar (`full`): test RMSE below ARIMA's.

    python -m recipes.sunspots_forecast --profile quick --out runs/sunspots
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

import rnn_zoo
from recipes import _common
from rnn_zoo.data import finish, fit_normalization, sliding_windows, with_context

NAME = "sunspots_forecast"
DATASET = "sunspots"


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "many_to_one_gru_forecast"
    lookback: int = 24
    units: int = 32
    num_layers: int = 1
    dropout: float = 0.0
    learning_rate: float = 3e-3
    batch_size: int = 16
    epochs: int = 200
    patience: int = 30
    # Candidate ARIMA (p, d, q) orders; the one with the lowest AIC on train is used.
    arima_orders: tuple = ((9, 0, 0),)
    seed: int = 1


# (p, 0, q) for p in 1..10, q in 0..2: the classic AR(9)-like models of the sunspot cycle and
# small ARMA refinements.
_ARIMA_GRID = tuple((p, 0, q) for p, q in itertools.product(range(1, 11), range(3)))

PROFILES = {
    "quick": Config(epochs=60, patience=20, units=16, learning_rate=5e-3),
    "full": Config(lookback=24, units=48, dropout=0.1, learning_rate=2e-3, epochs=400,
                   patience=60, arima_orders=_ARIMA_GRID),
}

LIMITATIONS = (
    "One-year-ahead forecasts of yearly mean sunspot numbers (statsmodels' series, 1700-2008) "
    "with the true history as input at every step; multi-step forecasts are not evaluated. The "
    "test period is short (46 years), so RMSE differences carry wide uncertainty."
)

BAR = _common.Bar(metric="rmse", higher_is_better=False, baseline="arima")


def load_series(data_dir=None, manual_dir=None) -> dict[str, np.ndarray]:
    """The ordered yearly values (float64) and years of each split."""
    from rnn_zoo import datasets

    series = {}
    for split in ("train", "validation", "test"):
        batch = tfds.as_numpy(datasets.load(DATASET, split=split, data_dir=data_dir,
                                            manual_dir=manual_dir, batch_size=-1))
        series[split] = np.asarray(batch["value"][0], np.float64)
        series[f"{split}_years"] = np.asarray(batch["year"][0], np.int64)
    return series


def windows(series: dict, config: Config) -> dict:
    """Normalised `(x, y)` windows per split; validation/test keep every year as a target."""
    norm = fit_normalization(series["train"])
    lookback = config.lookback
    train = norm.apply(series["train"])
    validation = with_context(norm.apply(series["validation"]), context=train, lookback=lookback)
    before_test = np.concatenate([series["train"], series["validation"]])
    test = with_context(norm.apply(series["test"]), context=norm.apply(before_test),
                        lookback=lookback)
    out = {"norm": norm}
    for split, values in (("train", train), ("validation", validation), ("test", test)):
        x, y = sliding_windows(values, lookback=lookback, horizon=1)
        out[split] = (x.astype(np.float32), y.astype(np.float32))
    assert len(out["validation"][1]) == len(series["validation"])
    assert len(out["test"][1]) == len(series["test"])
    return out


def _dataset(x, y, config: Config, *, train: bool) -> tf.data.Dataset:
    return finish(tf.data.Dataset.from_tensor_slices((x, y)), batch_size=config.batch_size,
                  shuffle_buffer=len(x) if train else None, seed=config.seed)


def _rmse(prediction, target) -> float:
    prediction, target = np.ravel(prediction), np.ravel(target)
    return float(np.sqrt(np.mean((prediction - target) ** 2)))


def _score(model, data: dict, series: dict) -> dict:
    x, _ = data["test"]
    prediction = data["norm"].invert(model.predict(x, verbose=0)).ravel()
    target = series["test"]
    return {"rmse": _rmse(prediction, target),
            "mae": float(np.mean(np.abs(prediction - target))),
            "years": [int(series["test_years"][0]), int(series["test_years"][-1])]}


def arima_forecast(series: dict, orders) -> tuple[np.ndarray, dict]:
    """One-step-ahead ARIMA forecasts of the test years; the order picked by AIC on train."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.arima.model import ARIMA

    def fitted(values, order):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            return ARIMA(values, order=order, trend="c").fit()

    aic = {tuple(order): fitted(series["train"], tuple(order)).aic for order in orders}
    order = min(aic, key=aic.get)
    before_test = np.concatenate([series["train"], series["validation"]])
    results = fitted(before_test, order)
    extended = results.append(series["test"], refit=False)
    start = len(before_test)
    prediction = extended.predict(start=start, end=start + len(series["test"]) - 1)
    info = {"order": list(order), "selected_by": f"lowest AIC on train among {len(aic)} orders",
            "fitted_on": "train + validation", "forecast": "one step ahead, append(refit=False)",
            "train_aic": round(float(aic[order]), 3)}
    return np.asarray(prediction), info


def baselines(series: dict, config: Config) -> dict:
    target = series["test"]
    prediction, info = arima_forecast(series, config.arima_orders)
    last = np.concatenate([series["validation"][-1:], target[:-1]])
    return {
        "arima": {"rmse": _rmse(prediction, target),
                  "mae": float(np.mean(np.abs(prediction - target))), **info},
        "last_value": {"rmse": _rmse(last, target), "mae": float(np.mean(np.abs(last - target)))},
    }


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `out_dir/metrics.json` and `out_dir/model.keras`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    series = load_series(data_dir, manual_dir)
    data = windows(series, config)
    overrides = {"units": config.units, "num_layers": config.num_layers,
                 "dropout": config.dropout, "input_dim": 1, "output_dim": 1}

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse",
                      metrics=[keras.metrics.RootMeanSquaredError(name="rmse")])
        return model

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=_dataset(*data["train"], config, train=True),
        validation=_dataset(*data["validation"], config, train=False),
        score=lambda model: _score(model, data, series),
        baselines=lambda: baselines(series, config),
        bar=BAR, trivial="last_value",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET,
                 "years": {s: [int(series[f"{s}_years"][0]), int(series[f"{s}_years"][-1])]
                           for s in ("train", "validation", "test")},
                 "windows": {s: len(data[s][1]) for s in ("train", "validation", "test")}},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
        preprocessing={"standardize": {"mean": data["norm"].mean, "std": data["norm"].std},
                       "lookback": config.lookback},
    )


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    series = load_series(data_dir, manual_dir)
    data = windows(series, config)
    return _common.report_evaluation(Path(out_dir), metrics, _score(model, data, series))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
