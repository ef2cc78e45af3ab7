"""Defaults: every task with no per-dataset settings, against baselines run on the same splits.

What a user with their own data gets: each task is built with its defaults (the only argument
is what defines the problem: a forecast's `horizon`; `Forecaster` also gets one `lookback` for
every set, as its default of 24 is longer than ShampooSales' 30 training months allow), fitted
on the data set's training split (the task carves its own validation split) and scored on the
test split, for each of `--seeds` seeds; the baselines run in the same process on the same
splits:

- series classification (aeon-shipped UCR/UEA sets `ACSF1`, `BasicMotions`, `OSULeaf`,
  `JapaneseVowels`; their train/test splits): `SeriesClassifier()` against 1-NN DTW and ROCKET
  (aeon), test accuracy. `PLAID` and `Tecator` are not shipped by aeon 1.6 and nothing is
  downloaded: the result records them as not run.
- forecasting (`Airline`, `Lynx`, `ShampooSales`; the last `horizon` values are the test, all
  before them the training series, one forecast from its end): `Forecaster(horizon=h,
  lookback=12)` against ETS and ARIMA (statsmodels, each chosen by AIC over a small grid) and
  the seasonal-naive forecast, RMSE.
- series regression (`Covid3Month`, its train/test split): `SeriesRegressor()` against the
  training mean and ROCKET regression (aeon), RMSE.
- text (`tweet_sentiment`, the zoo's TFDS data set): `TextClassifier()` trained on 10 % and
  30 % (`--text-fractions`) of the training split (one seeded subset per fraction, the same
  for every model) against TF-IDF + logistic regression (words 1-2 and characters 2-5, C
  chosen on a validation split carved from the same subset), test accuracy.

Each row holds every seed's score and training seconds (wall clock, `fit` only), their means,
and the command. Rows are written as they finish (`--resume` keeps the rows of an interrupted
run; `--merge` joins the results of runs made side by side, one per section).

    nice -n 10 python -m benchmarks.defaults --out benchmarks/results/defaults.json
    nice -n 10 python -m benchmarks.defaults --quick --out /tmp/defaults_quick.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks import _common

MODULE = "benchmarks.defaults"
SECTIONS = ("series_classification", "forecasting", "series_regression", "text")
CLASSIFICATION_SETS = ("BasicMotions", "JapaneseVowels", "OSULeaf", "ACSF1")
NOT_SHIPPED = {
    "PLAID": "series classification (variable length): not shipped by aeon 1.6; not "
             "downloaded (offline)",
    "Tecator": "series regression: not shipped by aeon 1.6; not downloaded (offline)",
}
# Horizon: the test is the last `horizon` values; period: the seasonal-naive forecast's.
FORECAST_SETS = {
    "Airline": {"loader": "load_airline", "horizon": 12, "period": 12},
    "Lynx": {"loader": "load_lynx", "horizon": 12, "period": 10},
    "ShampooSales": {"loader": "load_shampoo_sales", "horizon": 6, "period": 12},
}
LOOKBACK = 12


def _data_folder() -> str:
    import aeon.datasets

    return str(Path(aeon.datasets.__file__).parent / "data")


def _as_series_list(x) -> list[np.ndarray]:
    """aeon's `(n, channels, length)` array or list of `(channels, length_i)` -> `(T_i, C)`."""
    return [np.asarray(s, np.float32).T for s in x]


def _padded(x: list[np.ndarray], longest: int) -> np.ndarray:
    """`(T_i, C)` series -> aeon's `(n, C, longest)`, each repeated from its last value (for
    the baselines that need equal lengths)."""
    return np.stack([np.pad(s, ((0, longest - len(s)), (0, 0)), mode="edge").T for s in x])


def _timed_seeds(fit_score, seeds: Sequence[int]) -> dict:
    scores, seconds = [], []
    for seed in seeds:
        start = time.perf_counter()
        score, fit_seconds = fit_score(seed)
        seconds.append(fit_seconds if fit_seconds is not None else time.perf_counter() - start)
        scores.append(float(score))
    return {"seeds": list(seeds), "scores": scores, "mean": float(np.mean(scores)),
            "train_seconds": seconds, "mean_train_seconds": float(np.mean(seconds))}


def _fit_seconds(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


# --- series classification ------------------------------------------------------------------

def _classification_rows(name: str, *, seeds, epochs, rocket_kernels, models=None):
    from aeon.classification.convolution_based import RocketClassifier
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
    from aeon.datasets import load_classification

    from rnn_zoo.tasks import SeriesClassifier

    folder = _data_folder()
    x_train, y_train = load_classification(name, split="train", extract_path=folder)
    x_test, y_test = load_classification(name, split="test", extract_path=folder)
    train, test = _as_series_list(x_train), _as_series_list(x_test)
    y_train, y_test = [str(v) for v in y_train], [str(v) for v in y_test]
    lengths = sorted({len(s) for s in train + test})
    about = {"train": len(train), "test": len(test), "channels": int(train[0].shape[1]),
             "length": [lengths[0], lengths[-1]], "classes": len(set(y_train))}
    equal = len(lengths) == 1

    def task(seed):
        extra = {} if epochs is None else {"epochs": epochs}
        model, seconds = _fit_seconds(lambda: SeriesClassifier(seed=seed, **extra).fit(
            train, y_train, verbose=0))
        return model.evaluate(test, y_test)["accuracy"], seconds

    def dtw(seed):
        knn, seconds = _fit_seconds(lambda: KNeighborsTimeSeriesClassifier(
            distance="dtw", n_neighbors=1).fit(_aeon_x(x_train, train, equal),
                                               np.asarray(y_train)))
        pred = knn.predict(_aeon_x(x_test, test, equal))
        return float(np.mean(np.asarray(pred) == np.asarray(y_test))), seconds

    def rocket(seed):
        clf, seconds = _fit_seconds(lambda: RocketClassifier(
            n_kernels=rocket_kernels, random_state=seed).fit(
                _fixed(x_train, train, equal, lengths[-1]), np.asarray(y_train)))
        pred = clf.predict(_fixed(x_test, test, equal, lengths[-1]))
        return float(np.mean(np.asarray(pred) == np.asarray(y_test))), seconds

    note = "" if equal else "ROCKET reads every series padded to the longest (edge values)"
    if _wanted("SeriesClassifier()", models):
        yield {"dataset": name, "data": about, "model": "SeriesClassifier()",
               "metric": "accuracy", **_timed_seeds(task, seeds)}
    if _wanted("1-NN DTW", models):  # deterministic: one run
        yield {"dataset": name, "data": about, "model": "1-NN DTW (aeon)", "metric": "accuracy",
               **_timed_seeds(dtw, seeds[:1])}
    if _wanted("ROCKET", models):
        yield {"dataset": name, "data": about, "model": f"ROCKET (aeon, {rocket_kernels} "
               "kernels)", "metric": "accuracy", "note": note, **_timed_seeds(rocket, seeds)}


def _wanted(model: str, models) -> bool:
    return not models or any(model.startswith(m) for m in models)


def _aeon_x(x_aeon, series, equal):
    """What aeon's distance classifiers take: the 3-D array, or a list of `(C, T_i)`."""
    return x_aeon if equal else [np.ascontiguousarray(s.T, np.float64) for s in series]


def _fixed(x_aeon, series, equal, longest):
    return x_aeon if equal else _padded(series, longest)


# --- forecasting ----------------------------------------------------------------------------

def _forecast_rows(name: str, *, seeds, epochs):
    import aeon.datasets

    from rnn_zoo.tasks import Forecaster

    spec = FORECAST_SETS[name]
    values = np.asarray(getattr(aeon.datasets, spec["loader"])(), np.float64).ravel()
    h, period = spec["horizon"], spec["period"]
    train, test = values[:-h], values[-h:]
    about = {"length": len(values), "train": len(train), "horizon": h,
             "split": f"test = the last {h} values, one forecast from the end of the rest",
             "seasonal_period": period}

    def rmse(forecast):
        return float(np.sqrt(np.mean((np.asarray(forecast, np.float64).ravel() - test) ** 2)))

    def task(seed):
        extra = {} if epochs is None else {"epochs": epochs}
        model, seconds = _fit_seconds(lambda: Forecaster(
            horizon=h, lookback=LOOKBACK, seed=seed, **extra).fit(
                train.astype(np.float32), verbose=0))
        return rmse(model.predict(train.astype(np.float32))), seconds

    def ets(seed):
        forecast, seconds = _fit_seconds(lambda: _ets_forecast(train, h, period))
        return rmse(forecast), seconds

    def arima(seed):
        forecast, seconds = _fit_seconds(lambda: _arima_forecast(train, h))
        return rmse(forecast), seconds

    def naive(seed):
        forecast, seconds = _fit_seconds(lambda: np.resize(train[-period:], h))
        return rmse(forecast), seconds

    yield {"dataset": name, "data": about, "model": f"Forecaster(horizon={h}, "
           f"lookback={LOOKBACK})", "metric": "rmse", **_timed_seeds(task, seeds)}
    for label, fn in (("ETS (statsmodels, AIC)", ets), ("ARIMA (statsmodels, AIC)", arima),
                      (f"seasonal naive (period {period})", naive)):
        yield {"dataset": name, "data": about, "model": label, "metric": "rmse",
               **_timed_seeds(fn, seeds[:1])}


def _ets_forecast(train, h, period):
    """Holt-Winters: trend none/additive(damped), seasonality none/additive/multiplicative
    (when two full periods fit), the lowest AIC."""
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    best = None
    seasonal = [None] + (["add", "mul"] if len(train) >= 2 * period else [])
    for trend, damped in ((None, False), ("add", False), ("add", True)):
        for season in seasonal:
            if season == "mul" and train.min() <= 0:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = ExponentialSmoothing(
                    train, trend=trend, damped_trend=damped, seasonal=season,
                    seasonal_periods=period if season else None).fit()
            if math.isfinite(fit.aic) and (best is None or fit.aic < best.aic):
                best = fit
    return best.forecast(h)


def _arima_forecast(train, h):
    """ARIMA(p, d, q), p and q in 0..2, d in 0..1, the lowest AIC."""
    import warnings

    from statsmodels.tsa.arima.model import ARIMA

    best = None
    for d in (0, 1):
        for p in range(3):
            for q in range(3):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        fit = ARIMA(train, order=(p, d, q),
                                    trend="c" if d == 0 else "t").fit()
                    except (ValueError, np.linalg.LinAlgError):
                        continue
                if math.isfinite(fit.aic) and (best is None or fit.aic < best.aic):
                    best = fit
    return best.forecast(h)


# --- series regression ----------------------------------------------------------------------

def _regression_rows(name: str, *, seeds, epochs, rocket_kernels):
    from aeon.datasets import load_regression
    from aeon.regression.convolution_based import RocketRegressor

    from rnn_zoo.tasks import SeriesRegressor

    folder = _data_folder()
    x_train, y_train = load_regression(name, split="train", extract_path=folder)
    x_test, y_test = load_regression(name, split="test", extract_path=folder)
    train, test = _as_series_list(x_train), _as_series_list(x_test)
    y_train, y_test = np.asarray(y_train, np.float64), np.asarray(y_test, np.float64)
    about = {"train": len(train), "test": len(test), "channels": int(train[0].shape[1]),
             "length": int(train[0].shape[0])}

    def rmse(pred):
        return float(np.sqrt(np.mean((np.asarray(pred, np.float64).ravel() - y_test) ** 2)))

    def task(seed):
        extra = {} if epochs is None else {"epochs": epochs}
        model, seconds = _fit_seconds(lambda: SeriesRegressor(seed=seed, **extra).fit(
            train, y_train.astype(np.float32), verbose=0))
        return rmse(model.predict(test)), seconds

    def mean(seed):
        value, seconds = _fit_seconds(lambda: float(y_train.mean()))
        return rmse(np.full_like(y_test, value)), seconds

    def rocket(seed):
        reg, seconds = _fit_seconds(lambda: RocketRegressor(
            n_kernels=rocket_kernels, random_state=seed).fit(x_train, y_train))
        return rmse(reg.predict(x_test)), seconds

    yield {"dataset": name, "data": about, "model": "SeriesRegressor()", "metric": "rmse",
           **_timed_seeds(task, seeds)}
    yield {"dataset": name, "data": about, "model": "training mean", "metric": "rmse",
           **_timed_seeds(mean, seeds[:1])}
    yield {"dataset": name, "data": about, "model": f"ROCKET regression (aeon, "
           f"{rocket_kernels} kernels)", "metric": "rmse", **_timed_seeds(rocket, seeds)}


# --- text -----------------------------------------------------------------------------------

def _tweets(data_dir):
    import tensorflow_datasets as tfds

    from rnn_zoo import datasets

    found = {}
    for split in ("train", "test"):
        ds, info = datasets.load("tweet_sentiment", split=split, data_dir=data_dir,
                                 with_info=True)
        names = info.features["label"].names
        rows = list(tfds.as_numpy(ds))
        found[split] = ([r["text"].decode("utf-8") for r in rows],
                        [names[int(r["label"])] for r in rows])
    return found


def _text_rows(fraction: float, *, seeds, epochs, splits):
    from rnn_zoo.baselines import TfidfLogisticRegression
    from rnn_zoo.tasks import TextClassifier
    from rnn_zoo.tasks._classes import stratified_split

    x_all, y_all = splits["train"]
    x_test, y_test = splits["test"]
    if fraction < 1:
        # One seeded subset per fraction (stratified), the same for every model and seed.
        _, (x, y) = stratified_split(x_all, y_all, fraction, 0)
    else:
        x, y = list(x_all), list(y_all)
    about = {"fraction": fraction, "train": len(x), "test": len(x_test),
             "classes": len(set(y_all))}

    def task(seed):
        extra = {} if epochs is None else {"epochs": epochs}
        model, seconds = _fit_seconds(lambda: TextClassifier(seed=seed, **extra).fit(
            x, y, verbose=0))
        return model.evaluate(x_test, y_test)["accuracy"], seconds

    def tfidf(seed):
        # C chosen on a validation split carved (stratified, 10 %) from the same subset.
        (x_fit, y_fit), (x_val, y_val) = stratified_split(x, y, 0.1, seed)
        baseline = TfidfLogisticRegression(c_grid=(0.5, 1.0, 2.0, 4.0, 8.0),
                                           word_ngrams=(1, 2), char_ngrams=(2, 5), seed=seed)
        found, seconds = _fit_seconds(lambda: baseline((x_fit, y_fit), (x_val, y_val),
                                                       (x_test, y_test)))
        return found["accuracy"], seconds

    name = f"tweet_sentiment {int(round(fraction * 100))} %"
    yield {"dataset": name, "data": about, "model": "TextClassifier()", "metric": "accuracy",
           **_timed_seeds(task, seeds)}
    # Deterministic given the carve; one run on the first seed's carve.
    yield {"dataset": name, "data": about, "model": "TF-IDF + LR (words 1-2, chars 2-5)",
           "metric": "accuracy", **_timed_seeds(tfidf, seeds[:1])}


# --- driver ---------------------------------------------------------------------------------

def _bars(rows: list[dict]) -> dict:
    """The issue's bars, judged on the rows present (a set without every row is left out)."""
    by = {}
    for row in rows:
        by.setdefault(row["dataset"], {})[row["model"]] = row["mean"]
    found = {}
    for dataset, models in by.items():
        task = next((v for k, v in models.items() if k.split("(")[0] in (
            "SeriesClassifier", "TextClassifier", "Forecaster", "SeriesRegressor")), None)
        if task is None:
            continue
        dtw = next((v for k, v in models.items() if k.startswith("1-NN DTW")), None)
        rocket = next((v for k, v in models.items() if k.startswith("ROCKET (")), None)
        tfidf = next((v for k, v in models.items() if k.startswith("TF-IDF")), None)
        stats = [v for k, v in models.items() if k.startswith(("ETS", "ARIMA"))]
        if dtw is not None:
            found[dataset] = {"beats_1nn_dtw": task > dtw,
                              "points_below_rocket": None if rocket is None
                              else round(100 * (rocket - task), 2)}
        elif tfidf is not None:
            found[dataset] = {"beats_tfidf_lr": task > tfidf}
        elif len(stats) == 2:
            found[dataset] = {"beats_ets_and_arima": task < min(stats)}
    judged = list(found.values())
    dtw = [b["beats_1nn_dtw"] for b in judged if "beats_1nn_dtw" in b]
    gaps = [b["points_below_rocket"] for b in judged if b.get("points_below_rocket") is not None]
    tfidf = [b["beats_tfidf_lr"] for b in judged if "beats_tfidf_lr" in b]
    stats = [b["beats_ets_and_arima"] for b in judged if "beats_ets_and_arima" in b]
    if judged:
        # The bars over the sets present in this result.
        found["all sets here"] = {
            "beats_1nn_dtw_on_every_set": all(dtw) if dtw else None,
            "beats_tfidf_lr_on_every_setting": all(tfidf) if tfidf else None,
            "beats_ets_and_arima_on_half_the_forecasts": (2 * sum(stats) >= len(stats)
                                                          if stats else None),
            "mean_points_below_rocket": round(float(np.mean(gaps)), 2) if gaps else None,
            "within_2_points_of_rocket": float(np.mean(gaps)) <= 2 if gaps else None}
    return found


def merge(paths: Sequence[str], *, out: str | None) -> dict:
    """One result from runs made side by side (e.g. one process per section); a row of a later
    file replaces the row of the same data set and model from an earlier one (a rerun)."""
    parts = [json.loads(Path(p).read_text()) for p in paths]
    rows = list({(row["dataset"], row["model"]): row
                 for part in parts for row in part["rows"]}.values())
    results = {"benchmark": "defaults", "machine": parts[0]["machine"],
               "runs": [part["machine"] for part in parts], "not_run": NOT_SHIPPED,
               "rows": rows, "bars": _bars(rows)}
    if out:
        _common.write_results(out, results)
    return results


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--datasets", nargs="+", default=None,
                        help="only these data sets (names as in the output)")
    parser.add_argument("--models", nargs="+", default=None,
                        help="series classification: only the models whose names start so "
                             "(e.g. ROCKET)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per randomised model")
    parser.add_argument("--text-fractions", nargs="+", type=float, default=[0.1, 0.3])
    parser.add_argument("--rocket-kernels", type=int, default=10_000)
    parser.add_argument("--data-dir", default=None, help="TFDS data directory")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: BasicMotions, ShampooSales, 2 %% of the tweets, one "
                             "seed, 2 epochs, 100 ROCKET kernels")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already in --out and run only the missing ones")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                        help="run nothing: join the rows of these result files (each keeps "
                             "its command; `runs` keeps each file's machine) into --out")
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge, out=args.out)
    if args.seeds < 1:
        parser.error("--seeds must be >= 1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    seeds = list(range(1 if args.quick else args.seeds))
    epochs = 2 if args.quick else None
    kernels = 100 if args.quick else args.rocket_kernels
    wanted = set(args.datasets or [])
    if args.quick:
        wanted = wanted or {"BasicMotions", "ShampooSales", "Covid3Month",
                            "tweet_sentiment 2 %"}
        fractions = [0.02]
    else:
        fractions = args.text_fractions
    results = {"benchmark": "defaults",
               "machine": _common.machine(_common.command_line(MODULE, argv)),
               "not_run": NOT_SHIPPED, "rows": []}
    if args.resume and args.out and Path(args.out).exists():
        results["rows"] = json.loads(Path(args.out).read_text())["rows"]
    done = {(r["dataset"], r["model"]) for r in results["rows"]}

    def keep(dataset):
        return not wanted or dataset in wanted

    jobs = []
    if "series_classification" in args.sections:
        jobs += [(n, lambda n=n: _classification_rows(n, seeds=seeds, epochs=epochs,
                                                      rocket_kernels=kernels,
                                                      models=args.models))
                 for n in CLASSIFICATION_SETS if keep(n)]
    if "forecasting" in args.sections:
        jobs += [(n, lambda n=n: _forecast_rows(n, seeds=seeds, epochs=epochs))
                 for n in FORECAST_SETS if keep(n)]
    if "series_regression" in args.sections and keep("Covid3Month"):
        jobs.append(("Covid3Month", lambda: _regression_rows(
            "Covid3Month", seeds=seeds, epochs=epochs, rocket_kernels=kernels)))
    if "text" in args.sections:
        cache = {}

        def tweets():  # read once, on the first text row that runs
            if not cache:
                cache.update(_tweets(args.data_dir))
            return cache

        for fraction in fractions:
            name = f"tweet_sentiment {int(round(fraction * 100))} %"
            if keep(name):
                jobs.append((name, lambda f=fraction: _text_rows(
                    f, seeds=seeds, epochs=epochs, splits=tweets())))
    for dataset, rows in jobs:
        if any(d == dataset for d, _ in done) and args.resume:
            print(f"{dataset}: kept from {args.out}", flush=True)
            continue
        for row in rows():
            row["command"] = results["machine"]["command"]
            results["rows"].append(row)
            print(f"{row['dataset']:<22} {row['model']:<40} {row['metric']} "
                  f"{row['mean']:.4f} ({', '.join(f'{s:.4f}' for s in row['scores'])}) "
                  f"train {row['mean_train_seconds']:.1f} s", flush=True)
            results["bars"] = _bars(results["rows"])
            if args.out:
                _common.write_results(args.out, results)
    results["bars"] = _bars(results["rows"])
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
