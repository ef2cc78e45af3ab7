"""`StepPooling`: the mean of every `stride` consecutive frames, so long series get short."""

from __future__ import annotations

import keras
import numpy as np

from rnn_zoo._validation import check_int

__all__ = ["StepPooling", "pool_steps"]


def pool_steps(frames: np.ndarray, stride: int) -> np.ndarray:
    """NumPy twin of `StepPooling` for one series `(T, F)` -> `(ceil(T / stride), F)`.

    The last window is zero-padded to `stride` frames before the mean, as the layer does.
    """
    if stride == 1:
        return frames
    steps = -(-len(frames) // stride)
    padded = np.zeros((steps * stride, frames.shape[1]), frames.dtype)
    padded[:len(frames)] = frames
    return padded.reshape(steps, stride, frames.shape[1]).mean(axis=1)


@keras.saving.register_keras_serializable(package="rnn_zoo")
class StepPooling(keras.layers.Layer):
    """Averages non-overlapping windows of `stride` frames of `(batch, time, features)`.

    Meant to follow `SeriesNormalizer`: its padding frames are all zero, so a window of padding
    stays all zero (and `Masking(mask_value=0.0)` still masks it), while a window holding a real
    step keeps a non-zero real-step indicator. The time axis is zero-padded on the right to a
    multiple of `stride` first, so a series of `T` steps gives `ceil(T / stride)` frames
    whatever padding its batch adds. A recurrent layer over a 1,500-step series is slow and
    forgets its start; one over 1,500 / 6 mean frames is neither.

    Args:
        stride: frames averaged into one (1: the input unchanged).

    Example:

    >>> import keras, numpy as np
    >>> pooled = StepPooling(stride=2)(np.array([[[1.0], [3.0], [5.0]]], "float32"))
    >>> keras.ops.convert_to_numpy(pooled).tolist()
    [[[2.0], [2.5]]]
    """

    def __init__(self, *, stride: int, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.stride = check_int("stride", stride)

    def call(self, x):
        if self.stride == 1:
            return x
        ops = keras.ops
        shape = ops.shape(x)
        steps = (shape[1] + self.stride - 1) // self.stride
        x = ops.pad(x, [[0, 0], [0, steps * self.stride - shape[1]], [0, 0]])
        return ops.mean(ops.reshape(x, (-1, steps, self.stride, x.shape[-1])), axis=2)

    def compute_output_shape(self, input_shape):
        batch, time, features = input_shape
        steps = None if time is None else -(-time // self.stride)
        return (batch, steps, features)

    def get_config(self):
        return {**super().get_config(), "stride": self.stride}
