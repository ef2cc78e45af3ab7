"""Sliding windows on a small arange, test-split context, train-only normalization."""

import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo.data import (
    fit_normalization,
    sliding_windows,
    window_dataset,
    with_context,
)


def test_windows_values_are_exact_on_arange():
    x, y = sliding_windows(np.arange(10), lookback=3, horizon=2, stride=2)
    assert x.shape == (3, 3, 1) and y.shape == (3, 2)
    assert x[..., 0].tolist() == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    assert y.tolist() == [[3, 4], [5, 6], [7, 8]]


def test_windows_without_targets_and_with_channels():
    series = np.stack([np.arange(5), 10 * np.arange(5)], axis=1)
    x = sliding_windows(series, lookback=4, targets=False)
    assert x.shape == (2, 4, 2)
    assert x[1, :, 1].tolist() == [10, 20, 30, 40]
    x, y = sliding_windows(series, lookback=2, horizon=1)
    assert y.shape == (3, 1, 2) and y[-1, 0].tolist() == [4, 40]


@pytest.mark.parametrize("stride", [1, 3])
def test_window_dataset_matches_numpy_windows(stride):
    series = np.arange(12, dtype=np.float32)
    x, y = sliding_windows(series, lookback=4, horizon=2, stride=stride)
    pairs = list(window_dataset(tf.data.Dataset.from_tensor_slices(series), lookback=4,
                                horizon=2, stride=stride).as_numpy_iterator())
    np.testing.assert_array_equal(np.stack([p[0] for p in pairs]), x)
    np.testing.assert_array_equal(np.stack([p[1] for p in pairs]), y)


def test_test_split_windows_with_preceding_context_keep_every_target():
    series = np.arange(20, dtype=np.float32)
    train, test = series[:15], series[15:]
    x, y = sliding_windows(with_context(test, context=train, lookback=4), lookback=4)
    assert y[:, 0].tolist() == test.tolist()  # one target per test step, none lost
    assert x[0, :, 0].tolist() == [11, 12, 13, 14]  # the first from the end of train
    # Without the context the first `lookback` test steps could never be targets.
    assert len(sliding_windows(test, lookback=4)[1]) == len(test) - 4


def test_normalization_uses_train_stats_only():
    train, test = np.array([1.0, 2.0, 3.0]), np.array([100.0])
    norm = fit_normalization(train)
    assert norm.mean == pytest.approx(2.0)
    assert norm.std == pytest.approx(np.std([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(norm.invert(norm.apply(test)), test)
    assert fit_normalization(np.ones((4, 2))).apply(np.ones((1, 2))).tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: sliding_windows(np.arange(5), lookback=0), ValueError,
         "`lookback` must be an int >= 1, got 0"),
        (lambda: sliding_windows(np.arange(5), lookback=2, stride=0), ValueError,
         "`stride` must be an int >= 1"),
        (lambda: sliding_windows(np.arange(5), lookback=2.5), TypeError,
         "`lookback` must be an int"),
        (lambda: sliding_windows(np.arange(3), lookback=3), ValueError,
         "`series` must have at least lookback \\+ horizon = 4 steps"),
        (lambda: sliding_windows(np.array([]), lookback=1), ValueError,
         "`series` must not be empty"),
        (lambda: sliding_windows(np.zeros((2, 2, 2)), lookback=1), ValueError,
         r"`series` must have shape \(T,\) or \(T, C\)"),
        (lambda: sliding_windows("abc", lookback=1), TypeError, "`series` must be a numpy array"),
        (lambda: window_dataset(tf.data.Dataset.range(0), lookback=1), ValueError,
         "`series` must be a non-empty"),
        (lambda: with_context(np.arange(3), context=np.arange(2), lookback=3), ValueError,
         "`context` must have at least lookback = 3 steps, got 2"),
        (lambda: fit_normalization([]), ValueError, "`train` must not be empty"),
    ],
)
def test_window_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
