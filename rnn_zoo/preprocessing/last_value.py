"""A window read relative to its last value, and a forecast put back on that level.

`SubtractLast` and `AddLast` bracket a forecasting backbone: the backbone sees how each step
differs from the window's last one and forecasts changes from it, so a model trained on one
range of values follows a series that trends out of it (a global standardisation alone cannot:
every level past the training range is new to the model).
"""

from __future__ import annotations

import keras

from rnn_zoo._validation import check_int

__all__ = ["AddLast", "SubtractLast"]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SubtractLast(keras.layers.Layer):
    """`window - window[:, -1:, :]`: each step of a `(batch, steps, channels)` window minus
    the window's last step.

    Example:

    >>> import keras, numpy as np
    >>> window = np.array([[[1.0], [3.0], [4.0]]], "float32")
    >>> keras.ops.convert_to_numpy(SubtractLast()(window))[0, :, 0].tolist()
    [-3.0, -1.0, 0.0]
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def call(self, window):
        return window - window[:, -1:, :]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@keras.saving.register_keras_serializable(package="rnn_zoo")
class AddLast(keras.layers.Layer):
    """`[changes, window] -> changes + the window's last step`, for a step-major flat forecast
    `(batch, horizon * channels)` (entry `h * channels + c`: step `h`, channel `c`).

    Args:
        horizon: forecast steps (>= 1).

    Example:

    >>> import keras, numpy as np
    >>> window = np.array([[[1.0, 10.0], [4.0, 20.0]]], "float32")
    >>> changes = np.array([[0.5, -1.0, 1.0, -2.0]], "float32")  # 2 steps of 2 channels
    >>> keras.ops.convert_to_numpy(AddLast(horizon=2)([changes, window]))[0].tolist()
    [4.5, 19.0, 5.0, 18.0]
    """

    def __init__(self, *, horizon: int, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.horizon = check_int("horizon", horizon)

    def call(self, inputs):
        changes, window = inputs
        last = keras.ops.cast(window[:, -1, :], changes.dtype)
        return changes + keras.ops.tile(last, [1, self.horizon])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "horizon": self.horizon}
