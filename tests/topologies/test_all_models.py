"""Every registry variant, at test size: build, call, fit, predict, save/load, rebuild."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnn_zoo
from tests.harness import build_tiny, example_batch, walk_layers

NAMES = rnn_zoo.list_models()
BATCH, TIME = 3, 5


class Entry:
    def __init__(self, name):
        self.spec, self.kwargs, self.model = build_tiny(name)
        self.batch = example_batch(
            self.model, self.kwargs, np.random.default_rng(0), batch=BATCH, time=TIME
        )


@pytest.fixture(scope="module")
def zoo():
    """Tiny models built once per module, keyed by name (read-only use: no compile/fit)."""
    cache = {}

    def get(name) -> Entry:
        if name not in cache:
            cache[name] = Entry(name)
        return cache[name]

    return get


def expected_output_shape(spec, kwargs) -> tuple:
    """The documented output shape of a batch of BATCH inputs with TIME steps."""
    topology = spec.topology
    width = kwargs.get("num_classes") or kwargs.get("output_dim") or kwargs.get("target_vocab_size")
    return {
        "one_to_one": (BATCH, width),
        "many_to_one": (BATCH, width),
        "one_to_many": (BATCH, kwargs.get("steps"), width),
        "many_to_many": (BATCH, TIME, width),
        "encoder_decoder": (BATCH, TIME, width),
    }[topology]


def outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


@pytest.mark.parametrize("name", NAMES)
def test_plain_uncompiled_functional_model(name, zoo):
    entry = zoo(name)
    model = entry.model
    assert isinstance(model, keras.Model)
    assert type(model).__name__ == "Functional" and type(model).__module__.startswith("keras.")
    assert not model.compiled
    assert model.name == name
    assert 0 < model.count_params() < 20_000, "tiny_overrides left the variant large"


@pytest.mark.parametrize("name", NAMES)
def test_call_output_shape(name, zoo):
    entry = zoo(name)
    out = outputs(entry.model, entry.batch.x)
    assert out.shape == expected_output_shape(entry.spec, entry.kwargs)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
    # The symbolic output shape agrees with the documented one (None for variable dims).
    symbolic = entry.model.output_shape
    assert len(symbolic) == out.ndim
    assert all(s is None or s == o for s, o in zip(symbolic, out.shape, strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_fit_changes_loss_and_predict(name):
    spec, kwargs, model = build_tiny(name)
    batch = example_batch(model, kwargs, np.random.default_rng(1), batch=BATCH, time=TIME)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=batch.loss)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(batch.x, batch.y, epochs=2, batch_size=BATCH, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 2
    assert np.isfinite(losses).all(), losses
    assert losses[0] != losses[1], losses
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))

    predicted = model.predict(batch.x, batch_size=BATCH, verbose=0)
    assert predicted.shape == expected_output_shape(spec, kwargs)
    assert np.isfinite(predicted).all()


@pytest.mark.parametrize("name", NAMES)
def test_keras_file_round_trip(name, zoo, tmp_path):
    entry = zoo(name)
    path = tmp_path / f"{name}.keras"
    entry.model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects: registered/stock layers only
    assert type(loaded) is type(entry.model)
    assert loaded.name == entry.model.name
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in entry.model.layers]
    np.testing.assert_allclose(
        outputs(loaded, entry.batch.x), outputs(entry.model, entry.batch.x), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name, zoo):
    entry = zoo(name)
    model = entry.model
    clone = keras.Model.from_config(model.get_config())
    assert type(clone) is type(model)
    assert [(layer.name, type(layer)) for layer in clone.layers] == [
        (layer.name, type(layer)) for layer in model.layers
    ]
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(
        outputs(clone, entry.batch.x), outputs(model, entry.batch.x), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("name", NAMES)
def test_layer_and_weight_names_are_deterministic(name):
    def names():
        _, _, model = build_tiny(name)
        layer_names = sorted(layer.name for layer in walk_layers(model))
        return layer_names, sorted(w.path for w in model.weights)

    first = names()
    keras.layers.Dense(2)  # bumps Keras's automatic name counters in between
    assert names() == first
