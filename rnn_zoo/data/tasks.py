"""Task pipelines that compose vectorization, bucketing and the finishing step.

Each returns a batched, prefetched `tf.data.Dataset` that a model built by `rnn_zoo` can fit on:
token ids are int64, right padded with 0 (masked by `Embedding(mask_zero=True)`).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from rnn_zoo._validation import check_bool, check_int, check_optional_int
from rnn_zoo.data._checks import check_dataset
from rnn_zoo.data.pipeline import finish
from rnn_zoo.data.text import teacher_forcing_pair, vocabulary_of

_VECTORIZE_BATCH = 256


def _check_vectorizer(name, layer, *, variable_length=True):
    if not isinstance(layer, keras.layers.TextVectorization):
        raise TypeError(f"`{name}` must be a keras.layers.TextVectorization, "
                        f"got {type(layer).__name__}.")
    length = layer.get_config().get("output_sequence_length")
    if variable_length and length is not None:
        # A fixed length would truncate the text silently; padding is done per batch here.
        raise ValueError(f"`{name}` must have output_sequence_length=None, got {length}.")
    return layer


def _check_string_pair(name, dataset, second_dtype=None):
    dataset = check_dataset(name, dataset)
    spec = dataset.element_spec
    ok = (isinstance(spec, tuple) and len(spec) == 2 and spec[0].dtype == tf.string
          and spec[0].shape.rank == 0
          and (spec[1].dtype == tf.string if second_dtype is None else spec[1].dtype.is_integer))
    if not ok:
        wanted = "(string, string)" if second_dtype is None else "(string, int label)"
        raise TypeError(f"`{name}` must yield scalar {wanted} tuples (e.g. as_supervised=True), "
                        f"got element_spec {spec}.")
    return dataset


def _ragged(ids):
    # Vectorizing a batch pads it densely; stripping the trailing 0s gives each example its own
    # length back, so bucketing sees true lengths after `unbatch`.
    return tf.RaggedTensor.from_tensor(ids, padding=0)


def _vectorize_each(dataset, vectorize):
    # Lookup layers are much faster on batches than on single strings; `unbatch` restores the
    # examples (in order: the pipeline sets `deterministic`) for per-example bucketing.
    return (dataset.batch(_VECTORIZE_BATCH)
            .map(vectorize, num_parallel_calls=tf.data.AUTOTUNE)
            .unbatch())


def _dense(*components):
    # `unbatch` of a ragged batch yields rank-1 "ragged" specs that `padded_batch` rejects;
    # passing them through an op turns them back into plain variable-length tensors.
    return tuple(tf.nest.map_structure(tf.identity, c) for c in components)


def char_lm_pipeline(
    text,
    *,
    vectorizer: keras.layers.TextVectorization,
    seq_len: int,
    batch_size: int,
    stride: int | None = None,
    shuffle_buffer: int | None = 10_000,
    seed: int | None = 0,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Character language-model pairs: `target[t] == input[t + 1]`.

    The text becomes one id stream, cut into chunks of `seq_len + 1` that start every `stride`
    ids; each chunk splits into input `chunk[:-1]` and target `chunk[1:]`. With the default
    `stride = seq_len` every character is a target exactly once.

    Args:
        text: the whole corpus as one str (e.g. tiny_shakespeare's train text).
        vectorizer: adapted `char_vectorizer` with `output_sequence_length=None`.
        seq_len: input length (>= 1).
        batch_size: sequences per batch (>= 1).
        stride: ids between chunk starts (>= 1); `seq_len + 1` gives fully disjoint chunks.
        shuffle_buffer: shuffle buffer (>= 1) or `None` (e.g. for validation).
        seed: shuffle seed.
        drop_remainder: drop the last partial batch (keeps a static batch size for stateful use).

    Returns:
        Dataset of `(inputs, targets)`, both int64 `(batch, seq_len)`.

    Example:

    >>> from rnn_zoo.data.text import char_vectorizer
    >>> vec = char_vectorizer(["aaaabbbccd"])  # ids: a=2, b=3, c=4, d=5
    >>> ds = char_lm_pipeline("abcdab", vectorizer=vec, seq_len=2, batch_size=2,
    ...                       shuffle_buffer=None)
    >>> [(x.tolist(), y.tolist()) for x, y in ds.as_numpy_iterator()]
    [([[2, 3], [4, 5]], [[3, 4], [5, 2]])]
    """
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a str, got {type(text).__name__}.")
    if not text:
        raise ValueError("`text` must be a non-empty str, got ''.")
    _check_vectorizer("vectorizer", vectorizer)
    seq_len = check_int("seq_len", seq_len)
    stride = seq_len if stride is None else check_int("stride", stride)
    ids = vectorizer(tf.constant(text))
    if int(tf.size(ids)) < seq_len + 1:
        raise ValueError(f"`text` must have at least seq_len + 1 = {seq_len + 1} characters, "
                         f"got {int(tf.size(ids))}.")
    chunks = tf.signal.frame(ids, seq_len + 1, stride)
    pairs = tf.data.Dataset.from_tensor_slices(chunks).map(lambda c: (c[:-1], c[1:]))
    return finish(pairs, batch_size=batch_size, cache=False, shuffle_buffer=shuffle_buffer,
                  seed=seed, drop_remainder=drop_remainder)


def text_classification_pipeline(
    dataset: tf.data.Dataset,
    *,
    vectorizer: keras.layers.TextVectorization,
    batch_size: int,
    boundaries: Sequence[int] | None = None,
    max_length: int | None = None,
    shuffle_buffer: int | None = None,
    seed: int | None = 0,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """`(text, label)` -> `(ids, label)` batches, padded per batch or bucketed by length.

    Args:
        dataset: unbatched `(string, int label)` pairs, e.g. `tfds.load(..., as_supervised=True)`.
        vectorizer: adapted `word_vectorizer`/`char_vectorizer` with `output_sequence_length=None`.
        batch_size: batch size (>= 1), or per-bucket sizes with `boundaries`.
        boundaries: bucket boundaries (see `bucket_by_length`), or `None` for plain padded batches.
        max_length: keep only the first `max_length` ids of each text (>= 1), or `None`.
        shuffle_buffer: shuffle buffer (>= 1) or `None`.
        seed: shuffle seed.
        drop_remainder: drop partial batches.

    Returns:
        Dataset of `(ids, labels)`: int64 `(batch, T)` right padded with 0, and the labels.

    Example:

    >>> from rnn_zoo.data.text import word_vectorizer
    >>> ds = tf.data.Dataset.from_tensor_slices((["good film", "bad"], [1, 0]))
    >>> vec = word_vectorizer(["good film", "bad"])
    >>> x, y = next(iter(text_classification_pipeline(ds, vectorizer=vec, batch_size=2)))
    >>> x.shape, y.numpy().tolist()
    (TensorShape([2, 2]), [1, 0])
    """
    dataset = _check_string_pair("dataset", dataset, second_dtype="int")
    _check_vectorizer("vectorizer", vectorizer)
    max_length = check_optional_int("max_length", max_length)
    check_bool("drop_remainder", drop_remainder)

    def vectorize(texts, labels):
        ids = _ragged(vectorizer(texts))
        return (ids if max_length is None else ids[:, :max_length]), labels

    examples = _vectorize_each(dataset, vectorize).map(_dense)
    return finish(examples, batch_size=batch_size, shuffle_buffer=shuffle_buffer, seed=seed,
                  boundaries=boundaries, length_of=0, drop_remainder=drop_remainder)


def seq2seq_pipeline(
    dataset: tf.data.Dataset,
    *,
    source_vectorizer: keras.layers.TextVectorization,
    target_vectorizer: keras.layers.TextVectorization,
    batch_size: int,
    boundaries: Sequence[int] | None = None,
    start_token: str = "<start>",
    end_token: str = "<end>",
    shuffle_buffer: int | None = None,
    seed: int | None = 0,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """`(source, target)` strings -> teacher-forcing batches for an encoder-decoder.

    Sources become ids with `source_vectorizer` (e.g. characters of a word); targets become
    `<start> y` (decoder input) and `y <end>` (decoder target) with `target_vectorizer` (e.g.
    phonemes). Batches are bucketed by the longer of source and target.

    Args:
        dataset: unbatched `(string, string)` pairs, e.g. `(word, "HH AH0 L OW1")`.
        source_vectorizer: adapted source vectorizer with `output_sequence_length=None`.
        target_vectorizer: a `target_vectorizer` (its vocabulary holds the start/end tokens).
        batch_size: batch size (>= 1), or per-bucket sizes with `boundaries`.
        boundaries: bucket boundaries, or `None` for plain padded batches.
        start_token: start token in `target_vectorizer`'s vocabulary.
        end_token: end token in `target_vectorizer`'s vocabulary.
        shuffle_buffer: shuffle buffer (>= 1) or `None`.
        seed: shuffle seed.
        drop_remainder: drop partial batches.

    Returns:
        Dataset of `({"source_tokens": source_ids, "target_tokens": decoder_input},
        decoder_target)`, int64, right padded with 0; `decoder_input` and `decoder_target` have
        the same length. The keys are `rnn_zoo.encoder_decoder`'s input names.

    Example:

    >>> from rnn_zoo.data.text import char_vectorizer, target_vectorizer
    >>> ds = tf.data.Dataset.from_tensor_slices((["at"], ["AE1 T"]))
    >>> src, tgt = char_vectorizer(["aat"]), target_vectorizer(["AE1", "T"])
    >>> inputs, d_out = next(iter(seq2seq_pipeline(
    ...     ds, source_vectorizer=src, target_vectorizer=tgt, batch_size=1)))
    >>> s, d_in = inputs["source_tokens"], inputs["target_tokens"]
    >>> s.numpy().tolist(), d_in.numpy().tolist(), d_out.numpy().tolist()
    ([[2, 3]], [[2, 4, 5]], [[4, 5, 3]])
    """
    dataset = _check_string_pair("dataset", dataset)
    _check_vectorizer("source_vectorizer", source_vectorizer)
    _check_vectorizer("target_vectorizer", target_vectorizer)
    vocab = vocabulary_of(target_vectorizer)
    for name, token in (("start_token", start_token), ("end_token", end_token)):
        if token not in vocab:
            raise ValueError(f"`{name}` {token!r} is not in target_vectorizer's vocabulary; build "
                             "it with `target_vectorizer(...)` using the same tokens.")
    start_id, end_id = vocab.index(start_token), vocab.index(end_token)

    def vectorize(sources, targets):
        return _ragged(source_vectorizer(sources)), _ragged(target_vectorizer(targets))

    def shift(source, target):
        decoder_input, decoder_target = teacher_forcing_pair(target, start_id=start_id,
                                                             end_id=end_id)
        # Keyed by the input names of `rnn_zoo.encoder_decoder`, so batches feed it directly.
        inputs = {"source_tokens": tf.identity(source), "target_tokens": decoder_input}
        return inputs, decoder_target

    def length(inputs, decoder_target):
        return tf.maximum(tf.shape(inputs["source_tokens"])[0], tf.shape(decoder_target)[0])

    examples = _vectorize_each(dataset, vectorize).map(shift)
    return finish(examples, batch_size=batch_size, shuffle_buffer=shuffle_buffer, seed=seed,
                  boundaries=boundaries, length_of=length, drop_remainder=drop_remainder)
