"""`LastStep`: each row's output at its last real (non-padding) step."""

from __future__ import annotations

import keras

__all__ = ["LastStep"]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class LastStep(keras.layers.Layer):
    """`[values (batch, T, ...), ids (batch, T)]` -> `values` at each row's last id != 0.

    A many-to-many model's output after the last real token of a right-padded row: a
    language model's next-token logits for the text it read. A row of padding only gives its
    first step.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> values = np.arange(6, dtype="float32").reshape(2, 3, 1)
    >>> out = LastStep()([values, np.array([[4, 5, 0], [4, 5, 6]])])
    >>> keras.ops.convert_to_numpy(out)[:, 0].tolist()
    [1.0, 5.0]
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def call(self, inputs):
        ops = keras.ops
        values, ids = inputs
        last = ops.maximum(ops.sum(ops.cast(ops.not_equal(ids, 0), "int32"), axis=1) - 1, 0)
        index = ops.reshape(last, (-1, 1) + (1,) * (len(values.shape) - 2))
        return ops.squeeze(ops.take_along_axis(values, index, axis=1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        values_shape, _ = input_shape
        return (values_shape[0], *values_shape[2:])
