"""Vectorizers: padding/OOV ids, round trip, in-model raw strings, teacher forcing."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo.data import (
    OOV_ID,
    PAD_ID,
    char_vectorizer,
    decode_ids,
    target_vectorizer,
    target_vocabulary,
    teacher_forcing_pair,
    word_vectorizer,
)

CORPUS = ["To be, or not to be", "that is the question"]


def test_char_vectorizer_reserves_padding_and_oov_ids():
    layer = char_vectorizer(CORPUS)
    vocab = layer.get_vocabulary()
    assert (PAD_ID, OOV_ID) == (0, 1)
    assert vocab[:2] == ["", "[UNK]"]
    ids = layer(["be", "Zz"]).numpy()
    assert ids[1].tolist() == [OOV_ID, OOV_ID]  # unseen characters map to OOV
    assert ids[0].tolist() == [vocab.index("b"), vocab.index("e")]


def test_char_vectorizer_right_pads_with_zero_to_longest():
    ids = char_vectorizer(CORPUS)(["to be", "t"]).numpy()
    assert ids.shape == (2, 5)
    assert ids[1, 1:].tolist() == [0, 0, 0, 0]
    assert (ids[0] > 0).all()


def test_char_round_trip_keeps_case_and_spaces():
    layer = char_vectorizer(CORPUS)
    for text in CORPUS:
        assert decode_ids(layer(text), vocabulary=layer) == text


def test_char_vectorizer_lowercase_and_max_tokens():
    layer = char_vectorizer(["AAAb"], standardize="lower", max_tokens=3)
    assert layer.get_vocabulary() == ["", "[UNK]", "a"]
    assert layer("Ab").numpy().tolist() == [2, OOV_ID]


def test_char_vectorizer_accepts_a_dataset_of_strings():
    layer = char_vectorizer(tf.data.Dataset.from_tensor_slices(CORPUS))
    assert set(layer.get_vocabulary()[2:]) == set("".join(CORPUS))


def test_word_vectorizer_standardizes_and_decodes():
    layer = word_vectorizer(CORPUS)
    ids = layer(["TO be!", "unseen word"]).numpy()
    assert ids[1].tolist() == [OOV_ID, OOV_ID]
    assert decode_ids(ids, vocabulary=layer, separator=" ") == ["to be", "[UNK] [UNK]"]


def test_word_vectorizer_fixed_output_length_pads_and_truncates():
    layer = word_vectorizer(CORPUS, output_sequence_length=3)
    assert layer(["to", "that is the question"]).numpy().shape == (2, 3)


def test_vectorizer_inside_a_model_takes_raw_strings():
    layer = char_vectorizer(CORPUS)
    inputs = keras.Input(shape=(), dtype="string")
    x = layer(inputs)
    x = keras.layers.Embedding(len(layer.get_vocabulary()), 4, mask_zero=True)(x)
    outputs = keras.layers.Dense(1)(keras.layers.GRU(3)(x))
    model = keras.Model(inputs, outputs)
    preds = model(tf.constant(["to be", "question"]))
    assert preds.shape == (2, 1)


def test_decode_ids_stops_at_end_id_and_skips_padding():
    layer = target_vectorizer(["AH0", "B"])
    ids = np.array([[5, 4, 3, 4], [4, 0, 0, 0]])
    assert decode_ids(ids, vocabulary=layer, separator=" ", stop_id=3) == ["B AH0", "AH0"]


def test_target_vectorizer_fixed_ids_and_teacher_forcing_shift():
    vocab = target_vocabulary(["HH AH0 L OW1", "W ER1 L D"])
    layer = target_vectorizer(vocab)
    assert layer.get_vocabulary()[:4] == ["", "[UNK]", "<start>", "<end>"]
    y = layer("HH AH0 L OW1")
    dec_in, dec_out = teacher_forcing_pair(y, start_id=2, end_id=3)
    assert dec_in.numpy().tolist() == [2, *y.numpy().tolist()]
    assert dec_out.numpy().tolist() == [*y.numpy().tolist(), 3]
    # The decoder must predict at step t what it is fed at step t + 1.
    assert dec_in.numpy()[1:].tolist() == dec_out.numpy()[:-1].tolist()


def test_teacher_forcing_on_a_right_padded_batch():
    ids = tf.constant([[7, 8, 9], [7, 0, 0]])
    dec_in, dec_out = teacher_forcing_pair(ids, start_id=2, end_id=3)
    assert dec_in.numpy().tolist() == [[2, 7, 8, 9], [2, 7, 0, 0]]
    assert dec_out.numpy().tolist() == [[7, 8, 9, 3], [7, 3, 0, 0]]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: char_vectorizer([]), ValueError, "`texts` must contain at least one non-empty"),
        (lambda: char_vectorizer([""]), ValueError, "`texts` must contain at least one non-empty"),
        (lambda: char_vectorizer("abc"), TypeError, "`texts` must be a list of strings"),
        (lambda: char_vectorizer([1, 2]), TypeError, r"`texts` must contain only strings, got 1"),
        (lambda: char_vectorizer(tf.data.Dataset.from_tensor_slices(["a"]).take(0)), ValueError,
         "`texts` must be a non-empty tf.data.Dataset"),
        (lambda: char_vectorizer(tf.data.Dataset.range(3)), TypeError,
         "`texts` must be a dataset of tf.string"),
        (lambda: char_vectorizer(["a"], max_tokens=2), ValueError,
         "`max_tokens` must be an int >= 3"),
        (lambda: word_vectorizer(["a"], standardize="upper"), ValueError,
         "`standardize` must be one"),
        (lambda: target_vectorizer([]), ValueError, "`vocabulary` must contain at least one"),
        (lambda: target_vectorizer(["A", "A"]), ValueError, "`vocabulary` must hold distinct"),
        (lambda: target_vectorizer(["<end>"]), ValueError, "`vocabulary` must hold distinct"),
        (lambda: teacher_forcing_pair([[1]], start_id=0, end_id=3), ValueError,
         "`start_id` must be an int >= 2"),
        (lambda: decode_ids([[9]], vocabulary=["", "[UNK]"]), ValueError,
         r"`ids` must be in \[0, 2\)"),
    ],
)
def test_text_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_model_with_vectorizer_round_trips_through_keras_file(tmp_path):
    layer = char_vectorizer(CORPUS)
    inputs = keras.Input(shape=(), dtype="string")
    x = keras.layers.Embedding(len(layer.get_vocabulary()), 4, mask_zero=True)(layer(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.LSTM(3)(x)))
    path = tmp_path / "text_model.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    texts = tf.constant(["to be", "zzz unseen"])
    np.testing.assert_allclose(restored(texts), model(texts), atol=1e-6)
