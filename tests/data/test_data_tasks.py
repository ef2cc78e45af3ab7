"""Task pipelines: char LM shift, text classification padding, seq2seq teacher forcing."""

import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo.data import (
    char_lm_pipeline,
    char_vectorizer,
    decode_ids,
    seq2seq_pipeline,
    target_vectorizer,
    target_vocabulary,
    text_classification_pipeline,
    word_vectorizer,
)

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n" * 3


@pytest.mark.parametrize("stride", [None, 5, 11])
def test_char_lm_targets_are_inputs_shifted_by_one(stride):
    vec = char_vectorizer([TEXT])
    ids = vec(TEXT).numpy()
    ds = char_lm_pipeline(TEXT, vectorizer=vec, seq_len=10, batch_size=4, stride=stride,
                          shuffle_buffer=None, drop_remainder=False)
    xs, ys = zip(*ds.as_numpy_iterator(), strict=True)
    x, y = np.concatenate(xs), np.concatenate(ys)
    assert x.shape[1] == y.shape[1] == 10 and x.dtype == np.int64
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    step = stride or 10
    for k, (row_x, row_y) in enumerate(zip(x, y, strict=True)):
        np.testing.assert_array_equal(row_x, ids[k * step:k * step + 10])
        np.testing.assert_array_equal(row_y, ids[k * step + 1:k * step + 11])
    if stride is None:  # default stride: every character after the first is a target once
        assert x.size == (len(ids) - 1) // 10 * 10
    assert decode_ids(x[0], vocabulary=vec) == TEXT[step * 0:10]


def test_char_lm_is_seeded_and_drops_remainder():
    vec = char_vectorizer([TEXT])
    runs = [[x.tolist() for x, _ in char_lm_pipeline(TEXT, vectorizer=vec, seq_len=8,
                                                        batch_size=3, seed=5).as_numpy_iterator()]
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert all(len(batch) == 3 for batch in runs[0])


def test_text_classification_padded_and_bucketed():
    texts = ["a good film", "bad", "really a very good film indeed", "good", "bad bad film"]
    ds = tf.data.Dataset.from_tensor_slices((texts, [1, 0, 1, 1, 0]))
    vec = word_vectorizer(texts)
    x, y = next(iter(text_classification_pipeline(ds, vectorizer=vec, batch_size=5)))
    assert x.dtype == tf.int64 and x.shape == (5, 6)
    assert decode_ids(x.numpy(), vocabulary=vec, separator=" ") == texts
    assert y.numpy().tolist() == [1, 0, 1, 1, 0]
    bucketed = text_classification_pipeline(ds, vectorizer=vec, batch_size=2, boundaries=[3],
                                            max_length=4)
    got = {}
    for xb, yb in bucketed.as_numpy_iterator():
        lengths = (xb > 0).sum(axis=1)
        assert len({int(n >= 3) for n in lengths}) == 1  # one bucket per batch
        assert xb.shape[1] == lengths.max() <= 4  # padded to the longest, truncated to 4
        for row, label in zip(decode_ids(xb, vocabulary=vec, separator=" "), yb, strict=True):
            got[row] = label
    assert got["really a very good"] == 1 and len(got) == 5


def test_seq2seq_pipeline_teacher_forcing_and_buckets():
    words = ["cat", "at", "tact", "act", "a"]
    prons = ["K AE1 T", "AE1 T", "T AE1 K T", "AE1 K T", "AH0"]
    ds = tf.data.Dataset.from_tensor_slices((words, prons))
    src_vec = char_vectorizer(words)
    tgt_vec = target_vectorizer(target_vocabulary(prons))
    batches = list(seq2seq_pipeline(ds, source_vectorizer=src_vec, target_vectorizer=tgt_vec,
                                    batch_size=2, boundaries=[3]).as_numpy_iterator())
    seen = {}
    for inputs, dec_out in batches:
        src, dec_in = inputs["source_tokens"], inputs["target_tokens"]
        assert src.dtype == dec_in.dtype == dec_out.dtype == np.int64
        assert dec_in.shape == dec_out.shape
        assert (dec_in[:, 0] == 2).all()
        np.testing.assert_array_equal(dec_in[:, 1:][dec_out[:, :-1] != 3],
                                      dec_out[:, :-1][dec_out[:, :-1] != 3])
        for s, out in zip(decode_ids(src, vocabulary=src_vec),
                          decode_ids(dec_out, vocabulary=tgt_vec, separator=" ", stop_id=3),
                          strict=True):
            seen[s] = out
        assert ((dec_out == 3).sum(axis=1) == 1).all()  # exactly one <end> per row
    assert seen == dict(zip(words, prons, strict=True))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda v: char_lm_pipeline("", vectorizer=v, seq_len=2, batch_size=1), ValueError,
         "`text` must be a non-empty str"),
        (lambda v: char_lm_pipeline(["ab"], vectorizer=v, seq_len=2, batch_size=1), TypeError,
         "`text` must be a str, got list"),
        (lambda v: char_lm_pipeline("abc", vectorizer=v, seq_len=0, batch_size=1), ValueError,
         "`seq_len` must be an int >= 1, got 0"),
        (lambda v: char_lm_pipeline("abc", vectorizer=v, seq_len=5, batch_size=1), ValueError,
         "`text` must have at least seq_len \\+ 1 = 6 characters, got 3"),
        (lambda v: char_lm_pipeline("abcd", vectorizer=v, seq_len=2, batch_size=0), ValueError,
         "`batch_size` must be an int >= 1, got 0"),
        (lambda v: char_lm_pipeline("abcd", vectorizer="v", seq_len=2, batch_size=1), TypeError,
         "`vectorizer` must be a keras.layers.TextVectorization, got str"),
        (lambda v: text_classification_pipeline(tf.data.Dataset.from_tensor_slices(["a"]),
                                                vectorizer=v, batch_size=1), TypeError,
         "`dataset` must yield scalar \\(string, int label\\) tuples"),
        (lambda v: seq2seq_pipeline(tf.data.Dataset.from_tensor_slices((["a"], ["b"])),
                                    source_vectorizer=v, target_vectorizer=v, batch_size=1),
         ValueError, "`start_token` '<start>' is not in target_vectorizer's vocabulary"),
    ],
)
def test_task_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call(char_vectorizer(["abcd"]))


def test_fixed_length_vectorizer_is_rejected():
    vec = char_vectorizer(["abcd"], output_sequence_length=3)
    with pytest.raises(ValueError, match="`vectorizer` must have output_sequence_length=None"):
        char_lm_pipeline("abcd", vectorizer=vec, seq_len=2, batch_size=1)
