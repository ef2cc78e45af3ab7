"""Golden test: the recurrent neuron computes h_t = tanh(W x_t + U h_(t-1) + b), step by step."""

import keras
import numpy as np
import pytest

from rnn_zoo import many_to_many


def reference(x, kernel, recurrent, bias):
    """NumPy recurrence over `x` `(batch, time, features)`; returns every step's h."""
    h = np.zeros((x.shape[0], kernel.shape[1]), "float64")
    states = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        states.append(h)
    return np.stack(states, axis=1)


@pytest.mark.parametrize(("input_dim", "units"), [(1, 1), (2, 3)])
def test_simple_rnn_matches_numpy_recurrence(input_dim, units):
    model = many_to_many(input_dim=input_dim, output_dim=1, cell="simple_rnn", units=units)
    rnn = model.get_layer("rnn_0")
    assert isinstance(rnn, keras.layers.SimpleRNN)
    rng = np.random.default_rng(7)
    kernel = rng.uniform(-1, 1, (input_dim, units))
    recurrent = rng.uniform(-1, 1, (units, units))
    bias = rng.uniform(-0.5, 0.5, units)
    if units == 1:  # the single neuron of the lecture, with round numbers
        kernel, recurrent, bias = np.array([[0.5]]), np.array([[-0.8]]), np.array([0.1])
    rnn.set_weights([kernel, recurrent, bias])
    head_kernel, head_bias = np.full((units, 1), 0.3), np.array([-0.2])
    model.get_layer("head").set_weights([head_kernel, head_bias])

    x = rng.normal(size=(2, 7, input_dim)).astype("float32")
    hidden = keras.Model(model.input, rnn.output)
    h = keras.ops.convert_to_numpy(hidden(x))
    expected = reference(x.astype("float64"), kernel, recurrent, bias)
    assert h.shape == (2, 7, units)
    for t in range(x.shape[1]):  # every step, not only the last
        np.testing.assert_allclose(h[:, t], expected[:, t], rtol=0, atol=1e-6, err_msg=f"t={t}")
    # The head is a shared Dense over every step's state.
    y = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(y, expected @ head_kernel + head_bias, rtol=0, atol=1e-6)


def test_single_neuron_hand_computed():
    """Three steps worked by hand: x = (1, 0, -1), W = 0.5, U = -0.8, b = 0.1."""
    model = many_to_many(input_dim=1, output_dim=1, cell="simple_rnn", units=1)
    model.get_layer("rnn_0").set_weights([np.array([[0.5]]), np.array([[-0.8]]), np.array([0.1])])
    hidden = keras.Model(model.input, model.get_layer("rnn_0").output)
    h = keras.ops.convert_to_numpy(hidden(np.array([[[1.0], [0.0], [-1.0]]], "float32")))[0, :, 0]
    h1 = np.tanh(0.5 * 1.0 + 0.1)
    h2 = np.tanh(-0.8 * h1 + 0.1)
    h3 = np.tanh(0.5 * -1.0 - 0.8 * h2 + 0.1)
    np.testing.assert_allclose(h, [h1, h2, h3], rtol=0, atol=1e-6)
