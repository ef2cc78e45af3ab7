"""`MaskedGlobalMaxPooling1D`: max over time that ignores padded steps."""

import keras
import numpy as np

from rnn_zoo.layers import MaskedGlobalMaxPooling1D


def pool(x, mask=None):
    layer = MaskedGlobalMaxPooling1D()
    return keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(x), mask=mask))


def test_padding_never_wins_the_max():
    x = np.array([[[1.0, -3.0], [5.0, -2.0], [9.0, 7.0]], [[-4.0, 0.5], [8.0, 1.0], [2.0, 6.0]]])
    mask = keras.ops.convert_to_tensor([[True, True, False], [True, False, False]])
    np.testing.assert_array_equal(pool(x.astype("float32"), mask), [[5.0, -2.0], [-4.0, 0.5]])


def test_without_mask_is_the_plain_max():
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    np.testing.assert_array_equal(pool(x), x.max(axis=1))


def test_fully_masked_row_is_zero_so_the_head_stays_finite():
    x = np.ones((2, 2, 3), "float32")
    out = pool(x, keras.ops.convert_to_tensor([[False, False], [True, False]]))
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])


def test_consumes_the_mask_and_shape():
    layer = MaskedGlobalMaxPooling1D()
    assert layer.compute_mask(None, mask=keras.ops.ones((2, 3), "bool")) is None
    assert layer.compute_output_shape((None, 7, 5)) == (None, 5)
    assert MaskedGlobalMaxPooling1D.from_config(layer.get_config()).name == layer.name
