"""`encoder_decoder_parts`: the inference encoder and one-step decoder match the trained model."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import encoder_decoder
from rnn_zoo.decoding import EncoderDecoderParts, encoder_decoder_parts
from tests.harness import build_tiny

ATOL = 1e-5
SOURCE_LENGTHS = np.array([6, 3, 5])
TARGET_TIME = 4

VARIANTS = rnn_zoo.list_models("encoder_decoder_*")
EXTRA = {
    "lstm_2_layers_bi_dropout_bahdanau": dict(
        source_vocab_size=11,
        cell="lstm",
        num_layers=2,
        bidirectional=True,
        dropout=0.2,
        attention="bahdanau",
    ),
    "gru_to_simple_rnn_luong": dict(
        source_vocab_size=11, cell="gru", decoder_cell="simple_rnn", attention="luong"
    ),
    "float_source_gru": dict(source_input_dim=2, cell="gru", num_layers=2),
}


def make_model(key):
    if key in EXTRA:
        kwargs = dict(target_vocab_size=9, embedding_dim=3, units=3, **EXTRA[key])
        return kwargs, encoder_decoder(**kwargs)
    _, kwargs, model = build_tiny(key)
    return kwargs, model


def make_batch(model, rng):
    source_input = next(i for i in model.inputs if i.name.startswith("source_"))
    if source_input.name == "source_tokens":
        vocab = model.get_layer("source_embedding").input_dim
        source = rng.integers(1, vocab, (3, 6)).astype("int32")
        for i, length in enumerate(SOURCE_LENGTHS):
            source[i, length:] = 0
    else:
        source = rng.normal(size=(3, 6, source_input.shape[-1])).astype("float32")
    vocab = model.get_layer("target_embedding").input_dim
    target = rng.integers(1, vocab, (3, TARGET_TIME)).astype("int32")
    return {source_input.name: source, "target_tokens": target}


@pytest.fixture(scope="module", params=[*VARIANTS, *EXTRA])
def case(request):
    keras.utils.set_random_seed(0)
    kwargs, model = make_model(request.param)
    batch = make_batch(model, np.random.default_rng(0))
    return kwargs, model, batch, encoder_decoder_parts(model)


def decode_teacher_forced(parts: EncoderDecoderParts, source, target):
    """Runs `parts.decoder_step` over `target` one token at a time; returns logits and scores."""
    encoded = parts.encoder(source)
    states = list(encoded["states"])
    logits, scores = [], []
    for t in range(target.shape[1]):
        step = parts.decoder_step(
            {
                "token": keras.ops.convert_to_tensor(target[:, t : t + 1]),
                "encoder_outputs": encoded["encoder_outputs"],
                "source_mask": encoded["source_mask"],
                "states": states,
            }
        )
        states = list(step["states"])
        logits.append(keras.ops.convert_to_numpy(step["logits"]))
        scores.append(keras.ops.convert_to_numpy(step["attention_scores"]))
    return np.stack(logits, axis=1), np.stack(scores, axis=1), encoded


def test_parts_describe_the_model(case):
    kwargs, model, batch, parts = case
    assert isinstance(parts, EncoderDecoderParts)
    assert isinstance(parts.encoder, keras.Model) and isinstance(parts.decoder_step, keras.Model)
    assert parts.num_layers == kwargs.get("num_layers", 1)
    assert parts.states_per_layer == (2 if kwargs["cell"] == "lstm" else 1)
    # The parts share the trained weights rather than copying them.
    step_weights = {id(w) for w in parts.decoder_step.weights}
    assert {id(w) for w in model.get_layer("head").weights} <= step_weights
    assert {id(w) for w in model.get_layer("decoder_rnn_0").weights} <= step_weights


def test_teacher_forced_steps_equal_full_model(case):
    kwargs, model, batch, parts = case
    source = next(v for k, v in batch.items() if k.startswith("source_"))
    full = keras.ops.convert_to_numpy(model(batch, training=False))
    stepped, _, encoded = decode_teacher_forced(parts, source, batch["target_tokens"])
    assert len(encoded["states"]) == parts.num_layers * parts.states_per_layer
    assert stepped.shape == full.shape == (3, TARGET_TIME, kwargs["target_vocab_size"])
    np.testing.assert_allclose(stepped, full, rtol=0, atol=ATOL)


def test_source_mask_and_attention_scores(case):
    kwargs, model, batch, parts = case
    source = next(v for k, v in batch.items() if k.startswith("source_"))
    _, scores, encoded = decode_teacher_forced(parts, source, batch["target_tokens"])
    mask = keras.ops.convert_to_numpy(encoded["source_mask"])
    expected_mask = source != 0 if source.ndim == 2 else np.ones(source.shape[:2], bool)
    np.testing.assert_array_equal(mask, expected_mask)
    outputs = keras.ops.convert_to_numpy(encoded["encoder_outputs"])
    assert (outputs[~mask] == 0).all()  # padded encoder steps are zeroed
    assert scores.shape == (3, TARGET_TIME, source.shape[1])
    if kwargs.get("attention") is None:
        assert (scores == 0).all()
        return
    mask = np.broadcast_to(mask[:, None, :], scores.shape)
    np.testing.assert_allclose(np.where(mask, scores, 0).sum(-1), 1.0, rtol=0, atol=1e-5)
    assert (scores[~mask] < 1e-7).all()
    assert (scores[mask] > 0).all()


def test_greedy_decoding_runs_from_the_encoder_states(case):
    """A few greedy steps, feeding back the argmax, give finite logits of the right shape."""
    kwargs, model, batch, parts = case
    source = next(v for k, v in batch.items() if k.startswith("source_"))
    encoded = parts.encoder(source)
    token = keras.ops.ones((3, 1), dtype="int32")
    states = list(encoded["states"])
    for _ in range(3):
        step = parts.decoder_step(
            {
                "token": token,
                "encoder_outputs": encoded["encoder_outputs"],
                "source_mask": encoded["source_mask"],
                "states": states,
            }
        )
        logits = keras.ops.convert_to_numpy(step["logits"])
        assert logits.shape == (3, kwargs["target_vocab_size"]) and np.isfinite(logits).all()
        token = keras.ops.cast(keras.ops.argmax(step["logits"], axis=-1)[:, None], "int32")
        states = list(step["states"])


def test_rejects_a_model_that_is_not_an_encoder_decoder():
    model = rnn_zoo.many_to_one(vocab_size=11, num_classes=2, units=2)
    with pytest.raises(ValueError, match="many_to_one.*target_embedding"):
        encoder_decoder_parts(model)


def test_rejects_a_non_model():
    with pytest.raises(TypeError, match="keras.Model.*str"):
        encoder_decoder_parts("encoder_decoder_lstm")
