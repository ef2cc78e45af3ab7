"""`SeriesNormalizer`: raw float frames (NaN-padded) -> standardised frames, padding marked."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np

from rnn_zoo._validation import check_bool

__all__ = ["SeriesNormalizer", "check_statistics"]


def check_statistics(name: str, values, *, positive: bool = False) -> list[float]:
    """A non-empty list of finite floats (> 0 when `positive`), for a per-feature statistic."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"`{name}` must be a list of floats, one per feature, got "
                        f"{type(values).__name__}.")
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)) \
                or not math.isfinite(float(v)) or (positive and float(v) <= 0):
            raise ValueError(f"`{name}` must hold finite floats{' > 0' if positive else ''}, "
                             f"got {v!r}.")
        out.append(float(v))
    if not out:
        raise ValueError(f"`{name}` must hold one float per feature, got an empty list.")
    return out


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SeriesNormalizer(keras.layers.Layer):
    """Standardises each feature of right-padded float series; padding becomes all-zero frames.

    The input is `(batch, time, features)` (or one step, `(batch, features)`) raw values with
    padding steps filled with NaN, which no real step holds (the tasks refuse non-finite
    inputs), so padding cannot be mistaken for data. Real steps become `(x - mean) / std`;
    padding steps become zeros. With `mask_channel=True` a last feature is appended that is 1
    on real steps and 0 on padding: a real frame then never equals the all-zero padding frame,
    even where the standardised values are all exactly 0, so a following
    `keras.layers.Masking(mask_value=0.0)` masks padding and nothing else.

    Args:
        mean: per-feature means (of the training steps).
        std: per-feature standard deviations, each > 0.
        mask_channel: append the real-step indicator feature.

    Example:

    >>> import keras, numpy as np
    >>> layer = SeriesNormalizer(mean=[1.0], std=[2.0], mask_channel=True)
    >>> frames = layer(np.array([[[1.0], [5.0], [np.nan]]], "float32"))
    >>> keras.ops.convert_to_numpy(frames).tolist()
    [[[0.0, 1.0], [2.0, 1.0], [0.0, 0.0]]]
    """

    def __init__(self, *, mean, std, mask_channel: bool = False, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.mean = check_statistics("mean", mean)
        self.std = check_statistics("std", std, positive=True)
        if len(self.mean) != len(self.std):
            raise ValueError(f"`std` has {len(self.std)} values for {len(self.mean)} means; "
                             "give one of each per feature.")
        self.mask_channel = check_bool("mask_channel", mask_channel)

    def call(self, x):
        ops = keras.ops
        x = ops.cast(x, "float32")
        # A step is padding when all its features are NaN. `isnan`, not `x == x`: graph
        # optimisers (ONNX Runtime's among them) may fold `x == x` to True.
        real = ops.logical_not(ops.all(ops.isnan(x), axis=-1, keepdims=True))
        # Padding never reaches arithmetic: tf2onnx lowers a broadcast `where` to
        # `c * a + (1 - c) * b`, where NaN * 0 is NaN. So NaN -> 0 first, element by element.
        x = ops.where(ops.isnan(x), ops.zeros_like(x), x)
        z = (x - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        z = ops.where(ops.broadcast_to(real, ops.shape(z)), z, ops.zeros_like(z))
        if self.mask_channel:
            z = ops.concatenate([z, ops.cast(real, "float32")], axis=-1)
        return z

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], len(self.mean) + int(self.mask_channel))

    def get_config(self):
        return {**super().get_config(), "mean": list(self.mean), "std": list(self.std),
                "mask_channel": self.mask_channel}
