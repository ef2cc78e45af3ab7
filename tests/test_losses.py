import keras
import numpy as np
import pytest

from rnn_zoo.losses import (
    SmoothedSparseCrossentropy,
    TokenSumCrossentropy,
    expected_tokens_per_batch,
)


def _log_softmax(logits):
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def _per_step_model(vocab=5, classes=4):
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(vocab, 3, mask_zero=True)(tokens)
    return keras.Model(tokens, keras.layers.Dense(classes)(x))


def test_sums_unmasked_tokens_over_the_fixed_count():
    keras.utils.set_random_seed(0)
    model = _per_step_model()
    x = np.array([[1, 2, 3, 0], [4, 0, 0, 0]], "int32")  # 4 real tokens, 4 padded
    y = np.array([[1, 2, 3, 1], [0, 3, 2, 1]], "int32")  # labels under padding must not count
    logp = _log_softmax(model.predict(x, verbose=0).astype("float64"))
    nll = -np.take_along_axis(logp, y[..., None], -1)[..., 0]
    expected = nll[x > 0].sum() / 10.0
    model.compile(loss=TokenSumCrossentropy(tokens_per_batch=10.0))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_every_token_weighs_alike_however_batches_are_cut():
    """The sum of per-batch losses is the same for bucketed and mixed batches (not so for means)."""
    keras.utils.set_random_seed(1)
    model = _per_step_model()
    short = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], "int32")
    long = np.array([[1, 2, 3, 4], [4, 3, 2, 1]], "int32")
    labels = np.random.default_rng(0).integers(0, 4, size=(4, 4)).astype("int32")

    def total(loss, batches):
        model.compile(loss=loss)
        return sum(model.evaluate(x, y, verbose=0) for x, y in batches)

    bucketed = [(short, labels[:2]), (long, labels[2:])]
    mixed = [(np.stack([short[0], long[0]]), labels[[0, 2]]),
             (np.stack([short[1], long[1]]), labels[[1, 3]])]
    token_sum = TokenSumCrossentropy(tokens_per_batch=6.0)
    assert total(token_sum, bucketed) == pytest.approx(total(token_sum, mixed), rel=1e-5)
    mean = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert total(mean, bucketed) != pytest.approx(total(mean, mixed), rel=1e-3)


def test_probabilities_and_logits_agree():
    logits = np.array([[[0.5, -1.0, 2.0], [0.0, 0.1, 0.2]]], "float32")
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    y = np.array([[2, 0]])
    from_logits = TokenSumCrossentropy(tokens_per_batch=2.0)(y, logits)
    from_probs = TokenSumCrossentropy(tokens_per_batch=2.0, from_logits=False)(y, probs)
    assert float(from_logits) == pytest.approx(float(from_probs), rel=1e-5)


def test_label_smoothing_is_cross_entropy_against_the_smoothed_target():
    logits = np.array([[[0.5, -1.0, 2.0, 0.3], [0.0, 0.1, 0.2, -2.0]]], "float32")
    y = np.array([[2, 0]])
    e, k = 0.1, logits.shape[-1]
    smoothed = (1 - e) * np.eye(k)[y] + e / k  # Keras's categorical label smoothing
    expected = keras.losses.CategoricalCrossentropy(
        from_logits=True, reduction="sum")(smoothed, logits)
    loss = TokenSumCrossentropy(tokens_per_batch=2.0, label_smoothing=e)
    assert float(loss(y, logits)) == pytest.approx(float(expected) / 2.0, rel=1e-5)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    from_probs = TokenSumCrossentropy(tokens_per_batch=2.0, label_smoothing=e,
                                      from_logits=False)(y, probs)
    assert float(from_probs) == pytest.approx(float(expected) / 2.0, rel=1e-5)
    plain = TokenSumCrossentropy(tokens_per_batch=2.0)(y, logits)
    assert float(plain) != pytest.approx(float(loss(y, logits)), rel=1e-3)
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert clone.get_config()["label_smoothing"] == e


@pytest.mark.parametrize("value", [-0.1, 1.0, True, "0.1", None])
def test_bad_label_smoothing(value):
    with pytest.raises(ValueError, match="label_smoothing"):
        TokenSumCrossentropy(tokens_per_batch=1.0, label_smoothing=value)


def test_config_round_trip_and_compiled_model_reloads(tmp_path):
    loss = TokenSumCrossentropy(tokens_per_batch=12.5, from_logits=False, name="tok")
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(clone, TokenSumCrossentropy)
    assert clone.get_config() == loss.get_config() == {
        "name": "tok", "tokens_per_batch": 12.5, "from_logits": False, "label_smoothing": 0.0}

    model = _per_step_model()
    model.compile(optimizer="adam", loss=TokenSumCrossentropy(tokens_per_batch=3.0))
    model.optimizer.build(model.trainable_variables)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.loss.get_config()["tokens_per_batch"] == 3.0


@pytest.mark.parametrize("value", [0, -1.0, True, "8", None])
def test_bad_tokens_per_batch(value):
    with pytest.raises(ValueError, match="tokens_per_batch"):
        TokenSumCrossentropy(tokens_per_batch=value)


def test_reduction_cannot_be_changed():
    with pytest.raises(ValueError, match="reduction"):
        TokenSumCrossentropy(tokens_per_batch=1.0, reduction="sum_over_batch_size")


def test_bad_from_logits():
    with pytest.raises(TypeError, match="from_logits"):
        TokenSumCrossentropy(tokens_per_batch=1.0, from_logits="yes")


def test_expected_tokens_per_batch():
    assert expected_tokens_per_batch([2, 3, 7], batch_size=3) == 12.0
    with pytest.raises(ValueError, match="target_lengths"):
        expected_tokens_per_batch([], batch_size=3)
    with pytest.raises(ValueError, match="target_lengths"):
        expected_tokens_per_batch([3, 0], batch_size=3)
    with pytest.raises(ValueError, match="batch_size"):
        expected_tokens_per_batch([3], batch_size=0)


def test_smoothed_sparse_crossentropy_is_keras_categorical_smoothing_on_class_ids(tmp_path):
    logits = np.array([[0.5, -1.0, 2.0], [0.0, 0.1, 0.2]], "float32")
    y = np.array([2, 0])
    e, k = 0.1, logits.shape[-1]
    expected = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=e)(
        np.eye(k)[y], logits)
    loss = SmoothedSparseCrossentropy(label_smoothing=e)
    assert float(loss(y, logits)) == pytest.approx(float(expected), rel=1e-5)
    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
    assert float(SmoothedSparseCrossentropy()(y, logits)) == pytest.approx(float(plain),
                                                                           rel=1e-6)
    # Compiled into a saved model, it reloads with its setting.
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss=loss)
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras").loss
    assert isinstance(reloaded, SmoothedSparseCrossentropy) and reloaded.label_smoothing == e


@pytest.mark.parametrize("value", [-0.1, 1.0, True, "0.1", None])
def test_smoothed_sparse_crossentropy_bad_label_smoothing(value):
    with pytest.raises(ValueError, match="label_smoothing"):
        SmoothedSparseCrossentropy(label_smoothing=value)
