"""`Forecaster`: the next `horizon` values of a series from its last `lookback` steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.tasks._series import (
    _is_series_like,
    check_recurrent_config,
    check_series_list,
    feature_statistics,
)
from rnn_zoo.tasks.task import Task

__all__ = ["Forecaster"]


class Forecaster(Task):
    """Forecasts the next `horizon` steps of a univariate or multivariate float series.

    `fit(series)` takes one long series, `(T,)` or `(T, C)`, or a list of them (same `C`).
    The last `validation_split` of each series in time is held out for early stopping (its
    windows take the `lookback` steps before it as context, so every held-out step is a
    target and no training target lies after a validation one). Each channel is standardised
    with the mean and std of the training part only; windows of `lookback` steps then train a
    recurrent many-to-one model to output the next `horizon` steps of every channel (mean
    squared error on the standardised values, warm-up + cosine, clipping). The normalisation
    and its inverse are layers inside the saved model, so `model.keras` maps raw windows
    `(batch, lookback, C)` to raw forecasts.

    `predict(history)` forecasts from the last `lookback` steps of each history: one history
    gives `(horizon,)` (one channel) or `(horizon, C)`, a list of them stacks those.
    `evaluate(history, future)` scores such forecasts against the true futures (RMSE, MAE,
    R^2 over every value).

    A data set split in time order (train, then validation, then test, each its own series)
    is taken as it comes with `contiguous=True`: the validation series continue the training
    ones and the series `evaluate` backtests continue those `fit` saw last, so each is read
    after the `lookback` steps that precede it and every one of its steps is a target. The
    last `lookback` steps `fit` saw are kept in the state (`context`) for that.

    Args:
        lookback: steps each forecast reads.
        horizon: steps forecast.
        cell: `"gru"`, `"lstm"` or `"simple_rnn"`.
        units: recurrent units per direction.
        num_layers: stacked recurrent layers.
        bidirectional: read each window in both directions.
        dropout: dropout after each recurrent layer.
        pooling: `"last"`, `"mean"` or `"max"` over the steps of a window.
        relative: read each window relative to its last value (subtracted from the window
            and the targets after standardisation, added back to the forecast, by
            `rnn_zoo.preprocessing.last_value` layers inside the model), so the model learns
            changes and follows a series that trends out of its training range (default);
            False reads the standardised levels (a stationary series may prefer them).
        contiguous: the series of `validation_data` continue those of `series` in time (one
            for one), and the histories of a backtest (`evaluate(history)`) continue the last
            ones `fit` saw; each is prefixed with the `lookback` steps before it.
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo.tasks import Forecaster
    >>> wave = np.sin(np.arange(300) * 0.3)
    >>> task = Forecaster(lookback=12, horizon=3, units=4, epochs=2).fit(wave, verbose=0)
    >>> task.predict(wave[:100]).shape
    (3,)
    """

    INPUT_KIND = "array"

    # The recipe's (sunspots_forecast) choices: a unidirectional GRU reading the window in
    # time order, its last state to the head; little dropout, as one series gives few windows.
    MODEL_DEFAULTS = {
        "lookback": 24,
        "horizon": 1,
        "cell": "gru",
        "units": 48,
        "num_layers": 1,
        "bidirectional": False,
        "dropout": 0.1,
        "pooling": "last",
        # Changes from the window's last value: a trend out of the training range is
        # followed (benchmarks/README.md, "Task defaults": Airline, ShampooSales).
        "relative": True,
        "contiguous": False,
    }
    LEGACY_SETTINGS = {"relative": False}  # saved before the setting, levels were read
    TRAINING_DEFAULTS = {"epochs": 100, "batch_size": 32, "learning_rate": 2e-3,
                         "patience": 15}
    MONITOR = ("val_loss", "min")
    _features_in_fit: int | None = None
    _fit_tail: list | None = None

    def _check_config(self, config):
        check_recurrent_config(config)
        check_int("lookback", config["lookback"])
        check_int("horizon", config["horizon"])
        check_bool("contiguous", config["contiguous"])
        check_bool("relative", config["relative"])

    # --- public API (the base's, with the forecaster's argument names) ----------------------

    def fit(self, series, y=None, *, validation_data=None, out_dir=None,
            overwrite: bool = False, verbose: int = 1, strategy: str = "default",
            mixed_precision: bool = False, callbacks=()) -> Forecaster:
        """Learns the normalisation from `series`, then trains on its windows.

        Args:
            series: one series `(T,)` or `(T, C)`, or a list of them; each needs at least
                `lookback + horizon` steps.
            y: must be None: the targets are the series' own next values.
            validation_data: held-out series (same form; a pair `(series, None)` is taken
                too) for early stopping, or None to hold out the last `validation_split` of
                each series in time. With `contiguous`, each continues its training series
                and needs only `horizon` steps.
            out_dir, overwrite, verbose, strategy, mixed_precision, callbacks: see
                `Task.fit`.

        Returns:
            The forecaster itself, trained.
        """
        if y is not None:
            raise TypeError("`y` must be None: a Forecaster learns each series' next values "
                            "from the series itself; pass the series alone.")
        if isinstance(validation_data, tuple) and len(validation_data) == 2 \
                and validation_data[1] is None:  # `(series, None)`, as for the other tasks
            validation_data = validation_data[0]
        return super().fit(series, None, out_dir=out_dir, overwrite=overwrite,
                           verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
                           callbacks=callbacks, validation_data=None if validation_data is None
                           else (validation_data, None))

    def predict(self, history, *, batch_size: int | None = None) -> np.ndarray:
        """The next `horizon` values after each history (from its last `lookback` steps).

        One history `(T,)` / `(T, C)` gives `(horizon,)` for one channel, else
        `(horizon, C)`; a list of `N` histories gives `(N, horizon)` / `(N, horizon, C)`.
        """
        out = super().predict(history, batch_size=batch_size)
        return out[0] if _is_series_like(history) else out

    def evaluate(self, history, future=None, *,
                 batch_size: int | None = None) -> dict[str, Any]:
        """Scores forecasts against the truth: RMSE, MAE and R^2 over every value.

        Args:
            history: one history or a list of them (as for `predict`).
            future: the true next `horizon` steps of each history (in the form `predict`
                returns). None: a backtest instead, every window of each history (at least
                `lookback + horizon` steps) forecast from its `lookback` steps before; with
                `contiguous`, each history continues the `context` kept by `fit` (one for
                one), so every one of its steps is forecast.
            batch_size: windows per model call (default: the training batch size).
        """
        if future is not None:
            return super().evaluate(history, future, batch_size=batch_size)
        from rnn_zoo.data.windows import sliding_windows
        from rnn_zoo.tasks._metrics import regression_scores

        self._require_model("evaluate")
        config = self._config
        if config["contiguous"]:
            series = self._continued(self._histories(history, "history", training=True,
                                                     min_length=config["horizon"]),
                                     [np.asarray(c, np.float32) for c in self.state["context"]],
                                     "history")
        else:
            series = self._histories(history, "history", training=True)
        inputs, targets = [], []
        for s in series:
            xs, ys = sliding_windows(s, lookback=config["lookback"], horizon=config["horizon"])
            inputs += list(xs)
            targets.append(ys)
        outputs = self._run(inputs, batch_size=check_int(
            "batch_size", config["batch_size"] if batch_size is None else batch_size))
        return regression_scores(np.concatenate(targets), outputs)

    # --- inputs -----------------------------------------------------------------------------

    def _histories(self, x, name: str, *, training: bool, fitting: bool = False,
                   min_length: int | None = None):
        """Checked series: training ones need `lookback + horizon` steps (or `min_length`),
        histories `lookback`; while `fit` runs, validation series must match the training
        channels."""
        lookback, horizon = self._config["lookback"], self._config["horizon"]
        expected = None if fitting else (self._features_in_fit
                                         or self.state.get("num_features"))
        if min_length is not None:
            hint = " (horizon)"
        elif training:
            min_length, hint = lookback + horizon, " (lookback + horizon)"
        else:
            min_length, hint = lookback, " (lookback)"
        series = check_series_list(name, x, single=True, num_features=expected,
                                   min_length=min_length, length_hint=hint)
        if fitting:
            self._features_in_fit = series[0].shape[1]
            self._fit_tail = [s[-lookback:] for s in series]
        return series

    def _continued(self, series, before, name: str):
        """Each series after the last `lookback` steps of the one before it in time."""
        if len(series) != len(before):
            raise ValueError(f"`{name}` has {len(series)} series, but {len(before)} came before "
                             "them (`contiguous=True` continues each one); give one per series.")
        lookback = self._config["lookback"]
        return [np.concatenate([b[-lookback:].reshape(-1, s.shape[1]), s])
                for b, s in zip(before, series, strict=True)]

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        horizon = self._config["horizon"]
        name = {"x": "series" if fitting else "history",
                "validation_data[0]": "validation_data"}.get(x_name, x_name)
        validating = x_name.startswith("validation_data")
        if validating and self._config["contiguous"]:
            series = self._continued(
                self._histories(x, name, training=True, min_length=self._config["horizon"]),
                self._fit_tail, name)
            self._fit_tail = [s[-self._config["lookback"]:] for s in series]
        else:
            series = self._histories(x, name, fitting=fitting, training=fitting or validating)
        if y is None:
            return series, None
        y_name = "future" if y_name == "y" else y_name
        single = _is_series_like(x)
        if not single and (isinstance(y, (str, bytes)) or not hasattr(y, "__len__")
                           or len(y) != len(series)):
            raise ValueError(f"`{y_name}` must hold one future per history ({len(series)}), "
                             f"got {len(y) if hasattr(y, '__len__') else type(y).__name__}.")
        futures = check_series_list(y_name, y, single=single,
                                    num_features=series[0].shape[1])
        for i, f in enumerate(futures):
            if len(f) != horizon:
                raise ValueError(f"`{y_name}`{'' if single else f'[{i}]'} has {len(f)} steps; "
                                 f"a future is horizon = {horizon} steps.")
        return series, np.stack(futures)

    def _carve(self, x, y, fraction, seed):
        """The last `fraction` of each series in time (with `lookback` steps of context)."""
        lookback, horizon = self._config["lookback"], self._config["horizon"]
        train, validation = [], []
        for s in x:
            held = max(horizon, int(round(len(s) * fraction)))
            cut = len(s) - held
            if cut >= lookback + horizon:
                train.append(s[:cut])
                validation.append(s[cut - lookback:])
            else:  # too short to split: it trains whole
                train.append(s)
        if not validation:
            raise ValueError(f"`series` is too short to hold out its last {fraction} for "
                             f"validation (a series needs about lookback + 2 * horizon = "
                             f"{lookback + 2 * horizon} steps or more); pass `validation_data`.")
        return (train, None), (validation, None)

    # --- preprocessing and model ------------------------------------------------------------

    def _adapt(self, x, y):
        self._features_in_fit = None
        mean, std = feature_statistics(x)
        self.state = {"num_features": int(x[0].shape[1]), "mean": mean, "std": std,
                      "relative": self._config["relative"]}
        if self._config["contiguous"]:
            # The last `lookback` steps fit saw (of validation_data when given, else of the
            # series before the held-out part was carved): what a backtest continues.
            self.state["context"] = [t.tolist() for t in self._fit_tail]

    def _windows(self, x):
        from rnn_zoo.data.windows import sliding_windows

        config = self._config
        mean = np.asarray(self.state["mean"], np.float32)
        std = np.asarray(self.state["std"], np.float32)
        inputs, targets = [], []
        for s in x:
            xs, ys = sliding_windows((s - mean) / std, lookback=config["lookback"],
                                     horizon=config["horizon"])
            if self.state.get("relative"):  # as SubtractLast / AddLast in the model
                last = xs[:, -1:, :]
                xs, ys = xs - last, ys - last
            inputs.append(xs)
            targets.append(ys.reshape(len(ys), -1))
        return np.concatenate(inputs), np.concatenate(targets)

    def _datasets(self, x, y, *, training):
        import tensorflow as tf

        from rnn_zoo.data.pipeline import finish

        config = self._config
        inputs, targets = self._windows(x)
        return finish(tf.data.Dataset.from_tensor_slices((inputs, targets)),
                      batch_size=config["batch_size"],
                      shuffle_buffer=len(inputs) if training else None, seed=config["seed"])

    def _build_backbone(self, *, steps_per_epoch):
        from rnn_zoo.tasks._compile import compile_regressor
        from rnn_zoo.topologies import many_to_one

        config = self._config
        backbone = many_to_one(
            input_dim=self.state["num_features"], cell=config["cell"], units=config["units"],
            num_layers=config["num_layers"], bidirectional=config["bidirectional"],
            dropout=config["dropout"], pooling=config["pooling"],
            output_dim=config["horizon"] * self.state["num_features"], name="backbone")
        return compile_regressor(backbone, config, steps_per_epoch=steps_per_epoch)

    def _output_scale(self) -> float:
        return float(np.max(self.state["std"]))

    def _assemble(self, backbone):
        import keras

        from rnn_zoo.preprocessing.denormalizer import Denormalizer
        from rnn_zoo.preprocessing.series_normalizer import SeriesNormalizer

        config, state = self._config, self.state
        channels, horizon = state["num_features"], config["horizon"]
        history = keras.Input((config["lookback"], channels), dtype="float32", name="history")
        x = SeriesNormalizer(mean=state["mean"], std=state["std"], name="normalize")(history)
        # The head's outputs are step-major (h * C + c), as the flattened targets.
        if state.get("relative"):
            from rnn_zoo.preprocessing.last_value import AddLast, SubtractLast

            y = AddLast(horizon=horizon, name="add_last")(
                [backbone(SubtractLast(name="subtract_last")(x)), x])
        else:
            y = backbone(x)
        y = Denormalizer(mean=state["mean"] * horizon, std=state["std"] * horizon,
                         name="denormalize")(y)
        if channels > 1:
            y = keras.layers.Reshape((horizon, channels), name="forecast")(y)
        return keras.Model(history, y, name="forecaster")

    def _batch(self, x):
        lookback = self._config["lookback"]
        return np.stack([s[-lookback:] for s in x])

    # --- outputs ----------------------------------------------------------------------------

    def _answers(self, outputs):
        return outputs

    def _scores(self, y_true, outputs) -> dict[str, Any]:
        from rnn_zoo.tasks._metrics import regression_scores

        return regression_scores(y_true, outputs)
