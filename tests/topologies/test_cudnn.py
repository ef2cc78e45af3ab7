"""Default settings keep the fused cuDNN LSTM/GRU kernels eligible; options that don't, warn."""

from __future__ import annotations

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
