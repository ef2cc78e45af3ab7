"""`FitLength`: token ids cut to at most `max_length` steps and padded to at least one."""

from __future__ import annotations

import keras

from rnn_zoo._validation import check_int

__all__ = ["FitLength"]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class FitLength(keras.layers.Layer):
    """Right-padded ids `(batch, T)` -> `(batch, min(max(T, 1), max_length))`.

    The cap bounds the work per text; the floor of one (padding) step keeps a batch of empty
    texts a valid input for a recurrent layer, which cannot run over zero steps.

    Args:
        max_length: most steps kept (the first ones).

    Example:

    >>> import numpy as np
    >>> FitLength(max_length=2)(np.array([[5, 6, 7]])).shape
    (1, 2)
    """

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.max_length = check_int("max_length", max_length)

    def call(self, ids):
        ids = ids[:, :self.max_length]
        missing = keras.ops.maximum(0, 1 - keras.ops.shape(ids)[1])
        return keras.ops.pad(ids, [[0, 0], [0, missing]])

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else max(1, min(steps, self.max_length)))

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length}
