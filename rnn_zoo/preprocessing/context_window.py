"""`ContextWindow`: a start id before each row of token ids (unless None), then only the last
`max_length`."""

from __future__ import annotations

import keras

from rnn_zoo._validation import check_int

__all__ = ["ContextWindow"]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class ContextWindow(keras.layers.Layer):
    """Right-padded ids `(batch, T)` -> `(batch, min(T + 1, max_length))` int32, right-padded
    (`min(T, max_length)` without a start id).

    Each row becomes `[start_id, *ids]` cut to its last `max_length` ids: what a language model
    conditions on. The start id (the text boundary the model was trained with) gives an empty
    text one real step, and the cap bounds the work per text however long it is. Padding (id 0)
    must only be at the end of a row, as `TextVectorization` leaves it.

    Args:
        max_length: most ids kept per row (the last ones), >= 1.
        start_id: the id put before every row, >= 1; None puts none (a model trained without a
            boundary token).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> layer = ContextWindow(max_length=3, start_id=2)
    >>> keras.ops.convert_to_numpy(layer(np.array([[5, 6, 0], [5, 0, 0], [0, 0, 0]]))).tolist()
    [[2, 5, 6], [2, 5, 0], [2, 0, 0]]
    >>> keras.ops.convert_to_numpy(layer(np.array([[5, 6, 7, 8]]))).tolist()
    [[6, 7, 8]]
    >>> layer = ContextWindow(max_length=2, start_id=None)
    >>> keras.ops.convert_to_numpy(layer(np.array([[5, 6, 7], [5, 0, 0]]))).tolist()
    [[6, 7], [5, 0]]
    """

    def __init__(self, *, max_length: int, start_id: int | None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.max_length = check_int("max_length", max_length)
        self.start_id = None if start_id is None else check_int("start_id", start_id)

    def call(self, ids):
        ops = keras.ops
        ids = ops.cast(ids, "int32")
        batch, steps = ops.shape(ids)[0], ops.shape(ids)[1]
        row = ids
        if self.start_id is not None:
            row = ops.concatenate([ops.full((batch, 1), self.start_id, "int32"), ids], axis=1)
        extra = 0 if self.start_id is None else 1
        length = ops.sum(ops.cast(ops.not_equal(row, 0), "int32"), axis=1)
        width = ops.minimum(steps + extra, self.max_length)
        first = ops.maximum(length - self.max_length, 0)
        index = ops.expand_dims(first, 1) + ops.expand_dims(ops.arange(width, dtype="int32"), 0)
        real = ops.less(index, ops.expand_dims(length, 1))
        picked = ops.take_along_axis(row, ops.minimum(index, steps + extra - 1), axis=1)
        return ops.where(real, picked, ops.zeros_like(picked))

    def compute_output_shape(self, input_shape):
        steps, extra = input_shape[1], 0 if self.start_id is None else 1
        return (input_shape[0], None if steps is None else min(steps + extra, self.max_length))

    def compute_output_spec(self, ids):
        return keras.KerasTensor(self.compute_output_shape(ids.shape), dtype="int32")

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length,
                "start_id": self.start_id}
