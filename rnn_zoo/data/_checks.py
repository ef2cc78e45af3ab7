"""Argument checks specific to input pipelines (datasets, sequences, series).

Like `rnn_zoo._validation`, every check raises a one-line `ValueError` or `TypeError` that names
the argument, the value it got and what is allowed.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import tensorflow as tf


def check_dataset(name: str, value) -> tf.data.Dataset:
    """Returns `value` if it is a non-empty `tf.data.Dataset`."""
    if not isinstance(value, tf.data.Dataset):
        raise TypeError(f"`{name}` must be a tf.data.Dataset, got {type(value).__name__}.")
    # Cardinality is cheap and exact for most sources; only fall back to reading one element
    # when it is unknown (e.g. after `filter`), so an empty input fails here and not mid-training.
    cardinality = int(value.cardinality())
    if cardinality == 0 or (cardinality < 0 and cardinality != tf.data.INFINITE_CARDINALITY
                            and not any(True for _ in value.take(1))):
        raise ValueError(f"`{name}` must be a non-empty tf.data.Dataset, got an empty dataset.")
    return value


def check_strings(name: str, value) -> list[str] | tf.data.Dataset:
    """Returns a non-empty list of str, or a non-empty dataset of tf.string elements."""
    if isinstance(value, tf.data.Dataset):
        spec = value.element_spec
        if not isinstance(spec, tf.TensorSpec) or spec.dtype != tf.string:
            raise TypeError(
                f"`{name}` must be a dataset of tf.string tensors, got element_spec {spec}."
            )
        return check_dataset(name, value)
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be a list of strings, got a single {type(value).__name__}; "
                        "wrap it in a list.")
    if isinstance(value, (tf.Tensor, np.ndarray)):
        value = np.asarray(value).reshape(-1).tolist()
    if not isinstance(value, Iterable):
        raise TypeError(f"`{name}` must be a list of strings or a tf.data.Dataset of strings, "
                        f"got {type(value).__name__}.")
    texts = [v.decode("utf-8") if isinstance(v, bytes) else v for v in value]
    bad = [t for t in texts if not isinstance(t, str)]
    if bad:
        raise TypeError(f"`{name}` must contain only strings, got {bad[0]!r} "
                        f"({type(bad[0]).__name__}).")
    if not texts or not any(texts):
        raise ValueError(f"`{name}` must contain at least one non-empty string, got {texts[:3]!r}.")
    return texts


def check_boundaries(name: str, value) -> list[int]:
    """Returns `value` as a list of ints >= 1 that is non-empty and strictly increasing."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"`{name}` must be a sequence of ints, got {type(value).__name__}.")
    value = list(value)
    if not value or any(isinstance(b, bool) or not isinstance(b, numbers.Integral) for b in value):
        raise ValueError(f"`{name}` must be a non-empty sequence of ints, got {value!r}.")
    value = [int(b) for b in value]
    if value[0] < 1 or any(b >= c for b, c in zip(value, value[1:], strict=False)):
        raise ValueError(f"`{name}` must be strictly increasing ints >= 1, got {value!r}.")
    return value


def check_series(name: str, value) -> np.ndarray:
    """Returns `value` as a finite float32 array of shape (T,) or (T, C) with T >= 1."""
    if isinstance(value, (tf.data.Dataset, str, bytes)):
        raise TypeError(f"`{name}` must be a numpy array of shape (T,) or (T, C), "
                        f"got {type(value).__name__}.")
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`{name}` must be numeric, got {type(value).__name__}: {error}") from None
    if array.ndim not in (1, 2):
        raise ValueError(f"`{name}` must have shape (T,) or (T, C), got shape {array.shape}.")
    if array.shape[0] == 0:
        raise ValueError(f"`{name}` must not be empty, got shape {array.shape}.")
    finite = np.isfinite(array)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(f"`{name}` must hold finite values, got {array[where]} at index "
                         f"{where[0] if len(where) == 1 else where}; fill or drop missing "
                         "values first.")
    return array
