"""Pipelines for the online-only TFDS catalog datasets (`imdb_reviews`, `ted_hrlr_translate`).

They read through `rnn_zoo.datasets.load`, so they need the prepared data: a `data_dir` that holds
it, the exact source archive in a manual dir (`manual_dir`, `$RNN_ZOO_MANUAL_DIR`), or the
network; the tests run the same code under `tfds.testing.mock_data`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from rnn_zoo._validation import check_int
from rnn_zoo.data.tasks import seq2seq_pipeline, text_classification_pipeline
from rnn_zoo.data.text import target_vectorizer, word_vectorizer


def _load(name, split, data_dir, manual_dir):
    if not isinstance(split, str) or not split:
        raise TypeError(f"`split` must be a non-empty str such as 'train', got {split!r}.")
    from rnn_zoo.datasets import load  # lazily: importing it registers the offline builders

    return load(name, split=split, data_dir=data_dir, manual_dir=manual_dir, as_supervised=True)


def imdb_reviews_pipeline(
    *,
    split: str,
    batch_size: int,
    vectorizer: keras.layers.TextVectorization | None = None,
    max_tokens: int = 20_000,
    boundaries: Sequence[int] | None = (64, 128, 256, 512),
    max_length: int | None = 800,
    shuffle_buffer: int | None = None,
    seed: int | None = 0,
    data_dir: str | None = None,
    manual_dir: str | None = None,
) -> tuple[tf.data.Dataset, keras.layers.TextVectorization]:
    """IMDB reviews -> word ids, bucketed by length, with binary labels.

    Args:
        split: TFDS split, e.g. `"train"`, `"test"`, `"train[:90%]"`.
        batch_size: batch size (>= 1), or per-bucket sizes.
        vectorizer: a word vectorizer to reuse (pass the train one for test); `None` adapts a new
            one on `split`.
        max_tokens: vocabulary size when adapting (>= 3).
        boundaries: bucket boundaries in words, or `None` for plain padded batches.
        max_length: keep the first `max_length` words of a review, or `None`.
        shuffle_buffer: shuffle buffer (>= 1) or `None`.
        seed: shuffle seed.
        data_dir: TFDS data directory, or `None` for the default.
        manual_dir: directory holding the exact source archive (see `rnn_zoo.datasets.load`),
            or `None` for $RNN_ZOO_MANUAL_DIR, the checkout's manual dir, then the network.

    Returns:
        `(dataset of (ids, label), vectorizer)`.

    Example:

    ```python
    train, vec = imdb_reviews_pipeline(split="train", batch_size=64, shuffle_buffer=25_000)
    test, _ = imdb_reviews_pipeline(split="test", batch_size=64, vectorizer=vec)
    ```
    """
    reviews = _load("imdb_reviews", split, data_dir, manual_dir)
    if vectorizer is None:
        vectorizer = word_vectorizer(reviews.map(lambda text, label: text),
                                     max_tokens=max_tokens)
    dataset = text_classification_pipeline(
        reviews, vectorizer=vectorizer, batch_size=batch_size, boundaries=boundaries,
        max_length=max_length, shuffle_buffer=shuffle_buffer, seed=seed,
    )
    return dataset, vectorizer


def ted_hrlr_pt_to_en_pipeline(
    *,
    split: str,
    batch_size: int,
    vectorizers: tuple[keras.layers.TextVectorization, keras.layers.TextVectorization]
    | None = None,
    max_tokens: int = 8_000,
    boundaries: Sequence[int] | None = (16, 32, 64),
    shuffle_buffer: int | None = None,
    seed: int | None = 0,
    data_dir: str | None = None,
    manual_dir: str | None = None,
):
    """TED talks Portuguese -> English: word ids, teacher-forcing targets, bucketed by length.

    Args:
        split: TFDS split, e.g. `"train"`, `"validation"`, `"test"`.
        batch_size: batch size (>= 1), or per-bucket sizes.
        vectorizers: `(source, target)` vectorizers to reuse; `None` adapts both on `split`
            (the target one has `<start>` = 2 and `<end>` = 3).
        max_tokens: vocabulary size of each language when adapting (>= 5).
        boundaries: bucket boundaries in words, or `None` for plain padded batches.
        shuffle_buffer: shuffle buffer (>= 1) or `None`.
        seed: shuffle seed.
        data_dir: TFDS data directory, or `None` for the default.
        manual_dir: directory holding the exact source archive (see `rnn_zoo.datasets.load`),
            or `None` for $RNN_ZOO_MANUAL_DIR, the checkout's manual dir, then the network.

    Returns:
        `(dataset, (source_vec, target_vec))`; the dataset yields
        `({"source_tokens": pt_ids, "target_tokens": decoder_input}, decoder_target)`.

    Example:

    ```python
    train, vecs = ted_hrlr_pt_to_en_pipeline(split="train", batch_size=64)
    val, _ = ted_hrlr_pt_to_en_pipeline(split="validation", batch_size=64, vectorizers=vecs)
    ```
    """
    pairs = _load("ted_hrlr_translate/pt_to_en", split, data_dir, manual_dir)
    if vectorizers is None:
        # The target vocabulary gives two slots to <start>/<end>, so >= 5 leaves room for a word.
        max_tokens = check_int("max_tokens", max_tokens, minimum=5)
        source = word_vectorizer(pairs.map(lambda pt, en: pt), max_tokens=max_tokens,
                                 standardize="lower_and_strip_punctuation")
        english = word_vectorizer(pairs.map(lambda pt, en: en), max_tokens=max_tokens - 2,
                                  standardize="lower_and_strip_punctuation")
        # Reuse the adapted English words (minus padding/OOV) under the fixed start/end ids.
        target = target_vectorizer(english.get_vocabulary()[2:],
                                   standardize="lower_and_strip_punctuation")
        vectorizers = (source, target)
    dataset = seq2seq_pipeline(
        pairs, source_vectorizer=vectorizers[0], target_vectorizer=vectorizers[1],
        batch_size=batch_size, boundaries=boundaries, shuffle_buffer=shuffle_buffer, seed=seed,
    )
    return dataset, vectorizers
