"""Default settings keep the fused cuDNN LSTM/GRU kernels eligible; options that don't, warn."""

from __future__ import annotations

import importlib
import warnings

import keras
import pytest

import rnn_zoo
from rnn_zoo import CuDNNIneligibleWarning
from tests.harness import tiny_overrides, walk_layers

NAMES = rnn_zoo.list_models()


def build_recording(name, **overrides):
    """Builds registry variant `name`; returns the model and the cuDNN warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = rnn_zoo.get_model(name, **overrides)
    return model, [w for w in caught if issubclass(w.category, CuDNNIneligibleWarning)]


def recurrent_layers(model):
    return [layer for layer in walk_layers(model) if isinstance(layer, keras.layers.RNN)]


def cudnn_problems(layer) -> list[str]:
    """Why `layer` (LSTM or GRU) cannot use the cuDNN kernel; empty when it can."""
    problems = []
    if layer.activation is not keras.activations.tanh:
        problems.append(f"activation={layer.activation}")
    if layer.recurrent_activation is not keras.activations.sigmoid:
        problems.append(f"recurrent_activation={layer.recurrent_activation}")
    if layer.recurrent_dropout != 0:
        problems.append(f"recurrent_dropout={layer.recurrent_dropout}")
    if layer.unroll:
        problems.append("unroll=True")
    if not layer.use_bias:
        problems.append("use_bias=False")
    if isinstance(layer, keras.layers.GRU) and not layer.reset_after:
        problems.append("reset_after=False")
    return problems


@pytest.mark.parametrize("name", NAMES)
def test_default_configuration_is_cudnn_eligible(name):
    """At the registered (full-size) defaults: every LSTM/GRU qualifies, and nothing warns."""
    model, caught = build_recording(name)
    assert caught == [], [str(w.message) for w in caught]
    layers = recurrent_layers(model)
    assert layers, "no recurrent layer found"
    cell = rnn_zoo.get_spec(name).defaults.get("cell", "lstm")
    fused = [layer for layer in layers if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))]
    if cell == "simple_rnn":
        assert all(isinstance(layer, keras.layers.SimpleRNN) for layer in layers)
    else:
        assert fused, "an LSTM/GRU variant without LSTM/GRU layers"
    for layer in fused:
        assert cudnn_problems(layer) == [], layer.name


def test_bidirectional_halves_are_checked():
    model, _ = build_recording("many_to_one_bilstm", units=2, vocab_size=11, embedding_dim=2)
    names = {layer.name for layer in recurrent_layers(model)}
    assert {"forward_rnn_0", "backward_rnn_0", "forward_rnn_1", "backward_rnn_1"} <= names


def test_cudnn_problems_detects_ineligible_layers():
    """The checker itself can fail: each non-default option is reported."""
    assert cudnn_problems(keras.layers.LSTM(2)) == []
    assert cudnn_problems(keras.layers.LSTM(2, activation="relu")) == [
        f"activation={keras.activations.relu}"
    ]
    assert cudnn_problems(keras.layers.GRU(2, reset_after=False)) == ["reset_after=False"]
    assert len(cudnn_problems(keras.layers.GRU(2, unroll=True, use_bias=False))) == 2
    assert cudnn_problems(keras.layers.LSTM(2, recurrent_dropout=0.1)) == ["recurrent_dropout=0.1"]


OPTIONS = {
    "recurrent_dropout": {"recurrent_dropout": 0.1},
    "unroll": {"unroll": True},
    "both": {"recurrent_dropout": 0.1, "unroll": True},
}


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("name", NAMES)
def test_ineligible_options_warn_once(name, option):
    spec = rnn_zoo.get_spec(name)
    model, caught = build_recording(name, **tiny_overrides(spec), **OPTIONS[option])
    if spec.defaults.get("cell") == "simple_rnn":
        assert caught == []  # SimpleRNN has no cuDNN kernel to lose
        return
    assert len(caught) == 1, [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert spec.topology in message and "cuDNN" in message
    for key, value in OPTIONS[option].items():
        assert f"{key}={value}" in message
    fused = [
        layer
        for layer in recurrent_layers(model)
        if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))
    ]
    assert fused and all(cudnn_problems(layer) for layer in fused)


@pytest.mark.parametrize(
    ("cell", "decoder_cell", "expected"),
    [
        ("gru", "simple_rnn", 1),
        ("simple_rnn", "gru", 1),
        ("simple_rnn", "simple_rnn", 0),
        ("gru", "gru", 1),
    ],
)
def test_encoder_decoder_mixed_cells(cell, decoder_cell, expected):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnn_zoo.encoder_decoder(
            source_vocab_size=11,
            target_vocab_size=9,
            units=2,
            cell=cell,
            decoder_cell=decoder_cell,
            recurrent_dropout=0.2,
        )
    caught = [w for w in caught if issubclass(w.category, CuDNNIneligibleWarning)]
    assert len(caught) == expected
    if expected:
        assert "GRU" in str(caught[0].message)


def test_warning_points_at_the_caller():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnn_zoo.many_to_one(vocab_size=11, num_classes=2, units=2, unroll=True)
    caught = [w for w in caught if issubclass(w.category, CuDNNIneligibleWarning)]
    assert len(caught) == 1
    assert caught[0].filename == __file__


# The backends' own checks, read from Keras rather than restated: the TensorFlow backend's
# `cudnn_ok` (without its GPU probe) and the JAX backend's (with its GPU probe answered "yes").
TF_RNN = importlib.import_module("keras.src.backend.tensorflow.rnn")


def fused_layers(model):
    return [layer for layer in recurrent_layers(model)
            if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))]


@pytest.mark.parametrize("name", NAMES)
def test_default_layers_pass_the_tensorflow_backends_cudnn_check(name):
    model, _ = build_recording(name, **tiny_overrides(rnn_zoo.get_spec(name)))
    for layer in fused_layers(model):
        args = dict(activation=layer.activation, recurrent_activation=layer.recurrent_activation,
                    unroll=layer.unroll, use_bias=layer.use_bias)
        if isinstance(layer, keras.layers.GRU):
            assert TF_RNN._do_gru_arguments_support_cudnn(**args, reset_after=layer.reset_after)
        else:
            assert TF_RNN._do_lstm_arguments_support_cudnn(**args)
        assert layer.use_cudnn == "auto" and not layer.recurrent_dropout, layer.name


@pytest.fixture
def jax_rnn(monkeypatch):
    pytest.importorskip("jax")
    module = importlib.import_module("keras.src.backend.jax.rnn")
    monkeypatch.setattr(module, "_is_gpu_available", lambda: True)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_default_layers_pass_the_jax_backends_cudnn_check(name, jax_rnn):
    """LSTM: `jax.experimental.rnn`'s cuDNN kernel; GRU: JAX has none, but Keras's fused scan
    (input projections precomputed for all steps) has the same conditions plus `reset_after`."""
    model, _ = build_recording(name, **tiny_overrides(rnn_zoo.get_spec(name)))
    for layer in fused_layers(model):
        assert jax_rnn.cudnn_ok(layer.activation, layer.recurrent_activation, layer.unroll,
                                use_bias=layer.use_bias), layer.name
        if isinstance(layer, keras.layers.GRU):
            assert layer.reset_after, layer.name


def layer_is_masked(layer) -> bool:
    inputs = layer.input
    first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    return getattr(first, "_keras_mask", None) is not None


def pads_its_sequences(spec) -> bool:
    """Whether the variant's input is padded: token sequences (id 0) or a `mask_value`."""
    tokens = spec.topology != "one_to_one" and (
        spec.defaults.get("vocab_size") or spec.defaults.get("source_vocab_size"))
    return bool(tokens) or spec.defaults.get("mask_value") is not None


@pytest.mark.parametrize("name", NAMES)
def test_a_mask_reaches_recurrent_layers_only_where_the_input_is_padded(name):
    """The JAX backend runs LSTM/GRU fused only without a mask (TF's cuDNN takes right-padded
    masks), so a builder must not mask inputs that carry no padding."""
    spec = rnn_zoo.get_spec(name)
    model, _ = build_recording(name, **tiny_overrides(spec))
    top_level = [layer for layer in model.layers
                 if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))]
    assert top_level
    if pads_its_sequences(spec):
        # The encoder (and a decoder reading padded targets) see the padding mask.
        assert layer_is_masked(top_level[0]), name
    else:
        assert not any(layer_is_masked(layer) for layer in top_level), name
