"""Float inputs of the tasks that take arrays (tabular rows, feature vectors, images).

Plain NumPy: the checks and the standardisation statistics a task learns on `fit`; the
`keras.layers.Normalization` that applies them inside the saved model is built by the task.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["check_float_array", "check_example_shape", "standardization"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float_array(name: str, value, *, ranks: Sequence[int], what: str) -> np.ndarray:
    """An array (or a list of equally shaped examples) of finite numbers -> float32.

    Every error is one line naming the argument, and the first bad example (`x[3]`) where one
    example is at fault.

    Args:
        name: the argument's name in messages (`"x"`).
        value: a NumPy array, a list/tuple of examples, or anything with `__array__`.
        ranks: allowed ranks of the whole array (examples first).
        what: the expected form in words, for the messages.
    """
    if isinstance(value, (str, bytes)) or not (
            isinstance(value, (Sequence, np.ndarray)) or hasattr(value, "__array__")):
        raise TypeError(f"`{name}` must be {what}, got {type(value).__name__}.")
    if len(value) == 0:
        raise ValueError(f"`{name}` is empty; give at least one example.")
    if isinstance(value, np.ndarray) and value.dtype != object:
        array = value
    else:
        array = _stack(name, value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold real numbers, got dtype {array.dtype}.")
    if array.ndim not in ranks:
        raise ValueError(f"`{name}` must be {what}, got shape {tuple(array.shape)}.")
    array = array.astype(np.float64, copy=False)
    flat = array.reshape(len(array), -1)
    bad = ~np.isfinite(flat).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(flat[i]).any() else "an infinite value"
        raise ValueError(f"`{name}[{i}]` contains {kind}; fill or drop missing values first.")
    # A float32 cast of 1e300 is inf, which the model would turn into NaN answers.
    large = (np.abs(flat) > _FLOAT32_MAX).any(axis=1)
    if large.any():
        i = int(np.flatnonzero(large)[0])
        raise ValueError(f"`{name}[{i}]` has a value beyond float32's range "
                         f"(|value| <= {_FLOAT32_MAX:.3g}).")
    return array.astype(np.float32)


def _stack(name: str, value) -> np.ndarray:
    """A list of examples -> one array, naming the first example of another shape."""
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple, np.ndarray)):
        try:
            return np.asarray(value)
        except (TypeError, ValueError) as e:
            raise TypeError(f"`{name}` must hold real numbers ({e}).") from None
    rows, first = [], None
    for i, example in enumerate(value):
        try:
            row = np.asarray(example)
        except (TypeError, ValueError):
            raise ValueError(f"`{name}[{i}]` is ragged; every example must have one shape."
                             ) from None
        if row.dtype.kind not in "biuf":
            raise TypeError(f"`{name}[{i}]` must hold real numbers, got "
                            f"{type(example).__name__} of dtype {row.dtype}.")
        if first is None:
            first = row.shape
        elif row.shape != first:
            raise ValueError(f"`{name}[{i}]` has shape {row.shape} but `{name}[0]` has "
                             f"{first}; every example must have one shape.")
        rows.append(row)
    return np.stack(rows)


def check_example_shape(name: str, array: np.ndarray, expected: Sequence[int], *,
                        what: str) -> None:
    """Refuses examples of another shape than the training ones (one line, both shapes)."""
    if tuple(array.shape[1:]) != tuple(expected):
        raise ValueError(f"`{name}` has {what} of shape {tuple(array.shape[1:])}; the task was "
                         f"trained on {tuple(expected)}.")


def standardization(x: np.ndarray, *, axes: tuple[int, ...]) -> tuple[list, list]:
    """Mean and variance over `axes` (computed in float64) as lists for `task.json`.

    A constant feature gets variance 1, so it is only centred (`breast_cancer`'s rule) instead
    of divided by zero.
    """
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=axes)
    variance = x.var(axis=axes)
    variance = np.where(variance > 0, variance, 1.0)
    return np.atleast_1d(mean).tolist(), np.atleast_1d(variance).tolist()
