"""`SeriesRegressor`: many-to-one regression from variable-length float series."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_zoo._validation import check_int
from rnn_zoo.tasks._series import RECURRENT_DEFAULTS, SeriesInputs, check_recurrent_config
from rnn_zoo.tasks.task import Task

__all__ = ["SeriesRegressor"]


class SeriesRegressor(SeriesInputs, Task):
    """Predicts a float (or a vector of floats) from each variable-length float series.

    `x` is a list of series `(T_i, F)` or `(T_i,)`; `y` one target per series, a float
    (`y` of shape `(N,)`) or a vector (`(N, D)`). On `fit` it learns each feature's mean and
    std over the real steps of the training series and the targets' mean and std, trains a
    masked recurrent stack on standardised targets (mean squared error, warm-up + cosine,
    clipping, early stopping on a validation split) and keeps both normalisations as layers
    inside the model, so `model.keras` takes raw NaN-padded series and answers in the targets'
    own units. `evaluate` reports RMSE, MAE and R^2.

    Args:
        cell: `"lstm"`, `"gru"` or `"simple_rnn"`.
        units: recurrent units per direction.
        num_layers: stacked recurrent layers.
        bidirectional: read each series in both directions (`stream()` needs False).
        dropout: dropout after each recurrent layer.
        pooling: `"mean"`, `"max"` or `"last"` over the steps.
        num_buckets: length buckets of the training batches.
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo.tasks import SeriesRegressor
    >>> rng = np.random.default_rng(0)
    >>> x = [rng.normal(size=int(n)) for n in rng.integers(3, 9, 40)]
    >>> y = [float(s.mean()) for s in x]
    >>> task = SeriesRegressor(units=4, num_layers=1, epochs=2).fit(x, y, verbose=0)
    >>> task.predict([np.ones(5)]).shape
    (1,)
    """

    INPUT_KIND = "array"

    MODEL_DEFAULTS = {**RECURRENT_DEFAULTS, "dropout": 0.1, "num_buckets": 4}
    # Series data sets are small: smaller batches, more patience than the text defaults.
    TRAINING_DEFAULTS = {"epochs": 100, "batch_size": 16, "learning_rate": 3e-3,
                         "patience": 15}
    MONITOR = ("val_loss", "min")
    _scalar_in_fit = True

    def _check_config(self, config):
        check_recurrent_config(config)
        check_int("num_buckets", config["num_buckets"])

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        series = self._check_x(x, x_name, fitting=fitting)
        if y is None:
            return series, None
        targets, scalar = check_targets(y_name, y, count=len(series), x_name=x_name,
                                        width=None if fitting else self.state.get("output_dim"))
        if fitting:
            self._scalar_in_fit = scalar
        return series, targets

    # --- preprocessing and model ------------------------------------------------------------

    def _adapt(self, x, y):
        from rnn_zoo.tasks._series import feature_statistics

        self._adapt_x(x)
        mean, std = feature_statistics([y])
        self.state.update({"target_mean": mean, "target_std": std,
                           "output_dim": int(y.shape[1]),
                           "scalar_target": bool(self._scalar_in_fit)})

    def _datasets(self, x, y, *, training):
        mean = np.asarray(self.state["target_mean"], np.float32)
        std = np.asarray(self.state["target_std"], np.float32)
        return self._series_dataset(x, ((y - mean) / std).astype(np.float32),
                                    training=training)

    def _build_backbone(self, *, steps_per_epoch):
        from rnn_zoo.tasks._compile import compile_regressor

        backbone = self._recurrent_backbone(output_dim=self.state["output_dim"])
        return compile_regressor(backbone, self._config, steps_per_epoch=steps_per_epoch)

    def _output_scale(self) -> float:
        return float(np.max(self.state["target_std"]))

    def _denormalizer(self):
        from rnn_zoo.preprocessing.denormalizer import Denormalizer

        return Denormalizer(mean=self.state["target_mean"], std=self.state["target_std"],
                            name="denormalize")

    def _assemble(self, backbone):
        import keras

        series, frames = self._raw_input()
        return keras.Model(series, self._denormalizer()(backbone(frames)),
                           name="series_regressor")

    def _stream_head(self, y):
        return self._denormalizer()(y)

    # --- outputs ----------------------------------------------------------------------------

    def _answers(self, outputs):
        return outputs[:, 0] if self.state["scalar_target"] else outputs

    def _scores(self, y_true, outputs) -> dict[str, Any]:
        from rnn_zoo.tasks._metrics import regression_scores

        return regression_scores(y_true, outputs)


def check_targets(name: str, y, *, count: int, x_name: str,
                  width: int | None) -> tuple[np.ndarray, bool]:
    """Float targets, one per series: `(N,)` or `(N, D)` -> (finite float32 `(N, D)`, whether
    they were scalars)."""
    try:
        array = np.asarray(y)
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype == object or array.dtype == bool or not (
            np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise TypeError(f"`{name}` must be floats, one (or one vector) per series, got "
                        f"{type(y).__name__}" + ("" if array is None else f" of {array.dtype}")
                        + ".")
    if array.ndim not in (1, 2) or len(array) != count:
        raise ValueError(f"`{name}` must have shape ({count},) or ({count}, D): one target per "
                         f"series in `{x_name}`, got {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"`{name}` has NaN or infinite values.")
    scalar = array.ndim == 1
    array = array.astype(np.float32).reshape(count, -1)
    if width is not None and array.shape[1] != width:
        raise ValueError(f"`{name}` has {array.shape[1]} values per series; the task was "
                         f"trained on {width}.")
    return array, scalar
