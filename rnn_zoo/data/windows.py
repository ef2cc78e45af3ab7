"""Sliding windows over a chronological series, plus train-only normalization.

Window `i` covers `series[i*stride : i*stride + lookback]` and, when targets are asked for, its
target is the next `horizon` values `series[i*stride + lookback : i*stride + lookback + horizon]`.
Inputs always carry a feature axis, `(lookback, C)`, because the models take `(batch, T, C)`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.data._checks import check_dataset, check_series


def _check_sizes(length, lookback, horizon, stride, targets):
    lookback = check_int("lookback", lookback)
    horizon = check_int("horizon", horizon)
    stride = check_int("stride", stride)
    check_bool("targets", targets)
    span = lookback + (horizon if targets else 0)
    if length is not None and length < span:
        raise ValueError(f"`series` must have at least lookback + horizon = {span} steps for one "
                         f"window, got {length}.")
    return lookback, horizon, stride, span


def sliding_windows(series, *, lookback: int, horizon: int = 1, stride: int = 1,
                    targets: bool = True):
    """Cuts a numpy series into windows (and next-value targets).

    Args:
        series: array of shape `(T,)` or `(T, C)`.
        lookback: steps per input window (>= 1).
        horizon: steps predicted after each window (>= 1); ignored when `targets=False`.
        stride: steps between window starts (>= 1).
        targets: also return the next `horizon` values of each window.

    Returns:
        `x` of shape `(N, lookback, C)` (C = 1 for a 1-D series) and, if `targets`, `y` of shape
        `(N, horizon)` for a 1-D series or `(N, horizon, C)`; float32.

    Example:

    >>> x, y = sliding_windows(np.arange(6), lookback=3, horizon=1)
    >>> x[:, :, 0].tolist(), y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [[3.0], [4.0], [5.0]])
    """
    array = check_series("series", series)
    lookback, horizon, stride, span = _check_sizes(len(array), lookback, horizon, stride, targets)
    starts = np.arange(0, len(array) - span + 1, stride)
    x = array[starts[:, None] + np.arange(lookback)]
    x = x[..., None] if array.ndim == 1 else x
    if not targets:
        return x
    return x, array[starts[:, None] + lookback + np.arange(horizon)]


def window_dataset(series, *, lookback: int, horizon: int = 1, stride: int = 1,
                   targets: bool = True) -> tf.data.Dataset:
    """Like `sliding_windows`, but streams windows from a dataset (or array) of time steps.

    Args:
        series: `tf.data.Dataset` of scalars or `(C,)` vectors in time order, or an array as in
            `sliding_windows`.
        lookback: steps per input window (>= 1).
        horizon: steps predicted after each window (>= 1); ignored when `targets=False`.
        stride: steps between window starts (>= 1).
        targets: yield `(x, y)` pairs instead of `x` alone.

    Returns:
        An unbatched dataset of `x` `(lookback, C)` or `(x, y)` with shapes as in
        `sliding_windows`.

    Example:

    >>> ds = window_dataset(np.arange(5), lookback=2, horizon=2, stride=2)
    >>> [(x[:, 0].tolist(), y.tolist()) for x, y in ds.as_numpy_iterator()]
    [([0.0, 1.0], [2.0, 3.0])]
    """
    length = None
    if not isinstance(series, tf.data.Dataset):
        array = check_series("series", series)
        length = len(array)
        series = tf.data.Dataset.from_tensor_slices(array)
    series = check_dataset("series", series)
    if series.element_spec.shape.rank not in (0, 1):
        raise ValueError("`series` must yield scalars or (C,) vectors per time step, got "
                         f"element shape {series.element_spec.shape}.")
    lookback, horizon, stride, span = _check_sizes(length, lookback, horizon, stride, targets)
    scalar = series.element_spec.shape.rank == 0
    frames = series.map(lambda v: tf.cast(v, tf.float32)).window(
        span, shift=stride, drop_remainder=True
    ).flat_map(lambda w: w.batch(span, drop_remainder=True))

    def split(frame):
        x = frame[:lookback, tf.newaxis] if scalar else frame[:lookback]
        return (x, frame[lookback:]) if targets else x

    return frames.map(split)


def with_context(series, *, context, lookback: int) -> np.ndarray:
    """Prepends the last `lookback` steps of the previous split, so no target of `series` is lost.

    Windowing the result with the same `lookback` (stride 1) yields one target for every step of
    `series`, the first one predicted from the end of `context`.

    Args:
        series: the split to window (e.g. test), shape `(T,)` or `(T, C)`.
        context: the split right before it in time (e.g. train or validation), same trailing shape.
        lookback: the window length that will be used (>= 1, <= len(context)).

    Returns:
        `concatenate([context[-lookback:], series])`, float32.

    Example:

    >>> with_context(np.array([7, 8]), context=np.arange(5), lookback=2).tolist()
    [3.0, 4.0, 7.0, 8.0]
    """
    series = check_series("series", series)
    context = check_series("context", context)
    lookback = check_int("lookback", lookback)
    if len(context) < lookback:
        raise ValueError(f"`context` must have at least lookback = {lookback} steps, "
                         f"got {len(context)}.")
    if context.shape[1:] != series.shape[1:]:
        raise ValueError(f"`context` must have the trailing shape of `series` {series.shape[1:]}, "
                         f"got {context.shape[1:]}.")
    return np.concatenate([context[-lookback:], series])


@dataclasses.dataclass(frozen=True)
class Normalization:
    """Mean/std of a training series; `apply` standardizes, `invert` maps predictions back."""

    mean: np.ndarray
    std: np.ndarray

    def apply(self, values) -> np.ndarray:
        return (np.asarray(values, dtype=np.float32) - self.mean) / self.std

    def invert(self, values) -> np.ndarray:
        return np.asarray(values, dtype=np.float32) * self.std + self.mean


def fit_normalization(train) -> Normalization:
    """Computes normalization stats on the training split only (no leakage from test).

    Args:
        train: training series, shape `(T,)` or `(T, C)`; stats are per channel.

    Returns:
        A `Normalization` whose `apply`/`invert` work on any split. A constant channel gets std 1
        so it maps to 0 instead of dividing by zero.

    Example:

    >>> norm = fit_normalization(np.array([1.0, 3.0]))
    >>> norm.apply([1.0, 3.0, 5.0]).tolist(), norm.invert([2.0]).tolist()
    ([-1.0, 1.0, 3.0], [4.0])
    """
    train = check_series("train", train)
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    return Normalization(mean=mean, std=np.where(std > 0, std, 1.0).astype(np.float32))
