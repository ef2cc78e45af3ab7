"""Padding is invisible: a right-padded batch gives what each sequence gives on its own."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import encoder_decoder, many_to_many, many_to_one
from tests.harness import build_tiny, example_batch, row

ATOL = 1e-5


def predict(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def assert_padding_invisible(model, batch, *, per_step):
    """Compares each row of the padded batch with that row alone, cut to its length."""
    assert batch.lengths, "the batch must contain padded sequences"
    assert any((lengths < lengths.max()).any() for lengths in batch.lengths.values())
    padded = predict(model, batch.x)
    for i in range(padded.shape[0]):
        alone = predict(model, row(batch.x, i, batch.lengths))
        if per_step:
            valid = batch.output_lengths[i]
            assert alone.shape[1] == valid
            np.testing.assert_allclose(padded[i : i + 1, :valid], alone, rtol=0, atol=ATOL)
        else:
            np.testing.assert_allclose(padded[i : i + 1], alone, rtol=0, atol=ATOL)


def masked_variants():
    """Registry variants whose inputs are masked sequences (token ids or `mask_value`)."""
    names = []
    for name in rnn_zoo.list_models():
        spec = rnn_zoo.get_spec(name)
        if spec.topology in ("many_to_one", "many_to_many", "encoder_decoder") and (
            "input_dim" not in spec.defaults or "mask_value" in spec.defaults
        ):
            names.append(name)
    return names


@pytest.mark.parametrize("name", masked_variants())
def test_registry_variant_ignores_padding(name, rng):
    spec, kwargs, model = build_tiny(name)
    batch = example_batch(model, kwargs, rng, batch=3, time=6)
    assert_padding_invisible(model, batch, per_step=spec.topology != "many_to_one")


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_many_to_one_tokens(pooling, bidirectional, cell, rng):
    kwargs = dict(vocab_size=13, embedding_dim=3, num_classes=4, units=3, num_layers=2)
    kwargs.update(cell=cell, bidirectional=bidirectional, pooling=pooling)
    model = many_to_one(**kwargs)
    assert_padding_invisible(model, example_batch(model, kwargs, rng, time=6), per_step=False)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_many_to_one_float_mask_value(pooling, bidirectional, rng):
    kwargs = dict(input_dim=2, mask_value=0.0, output_dim=2, units=3, cell="gru")
    kwargs.update(bidirectional=bidirectional, pooling=pooling)
    model = many_to_one(**kwargs)
    batch = example_batch(model, kwargs, rng, time=6)
    assert (batch.x[1, batch.lengths["features"][1] :] == 0.0).all()
    assert_padding_invisible(model, batch, per_step=False)


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_many_to_many_tokens_valid_steps(cell, bidirectional, rng):
    kwargs = dict(vocab_size=13, embedding_dim=3, num_classes=4, units=3, num_layers=2)
    kwargs.update(cell=cell, bidirectional=bidirectional)
    model = many_to_many(**kwargs)
    assert_padding_invisible(model, example_batch(model, kwargs, rng, time=6), per_step=True)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_many_to_many_float_mask_value(bidirectional, rng):
    kwargs = dict(input_dim=2, mask_value=-1.0, output_dim=2, units=3, cell="lstm")
    model = many_to_many(bidirectional=bidirectional, **kwargs)
    batch = example_batch(model, kwargs, rng, time=6)
    assert (batch.x[2, batch.lengths["features"][2] :] == -1.0).all()
    assert_padding_invisible(model, batch, per_step=True)


def test_many_to_many_output_carries_the_mask(rng):
    """Losses skip padded steps because the output keeps the input's mask."""
    kwargs = dict(vocab_size=13, embedding_dim=3, num_classes=4, units=3)
    model = many_to_many(**kwargs)
    batch = example_batch(model, kwargs, rng, time=6)
    mask = keras.ops.convert_to_numpy(model(batch.x)._keras_mask)
    np.testing.assert_array_equal(mask, batch.x != 0)


@pytest.mark.parametrize(
    "options",
    [
        dict(cell="lstm"),
        dict(cell="gru", num_layers=2),
        dict(cell="gru", attention="luong"),
        dict(cell="lstm", bidirectional=True, attention="bahdanau"),
        dict(cell="lstm", bidirectional=True, num_layers=2, attention="luong"),
    ],
    ids=lambda options: "-".join(f"{k}={v}" for k, v in options.items()),
)
def test_encoder_decoder_padded_source_and_target(options, rng):
    model = encoder_decoder(
        source_vocab_size=11, target_vocab_size=9, embedding_dim=3, units=3, **options
    )
    source_lengths, target_lengths = np.array([6, 3, 5]), np.array([4, 4, 2])
    source = rng.integers(1, 11, (3, 6)).astype("int32")
    target = rng.integers(1, 9, (3, 4)).astype("int32")
    for i in range(3):
        source[i, source_lengths[i] :] = 0
        target[i, target_lengths[i] :] = 0
    padded = predict(model, {"source_tokens": source, "target_tokens": target})
    assert padded.shape == (3, 4, 9)
    for i in range(3):
        alone = predict(
            model,
            {
                "source_tokens": source[i : i + 1, : source_lengths[i]],
                "target_tokens": target[i : i + 1, : target_lengths[i]],
            },
        )
        valid = target_lengths[i]
        np.testing.assert_allclose(padded[i : i + 1, :valid], alone, rtol=0, atol=ATOL)
