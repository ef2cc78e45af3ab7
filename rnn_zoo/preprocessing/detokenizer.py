"""`Detokenizer`: decoded target ids -> strings, in the graph (the inverse of a vectorizer)."""

from __future__ import annotations

import keras

from rnn_zoo._validation import check_int

__all__ = ["Detokenizer"]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class Detokenizer(keras.layers.Layer):
    """`(batch, T)` ids -> `(batch,)` strings: the tokens before the first reserved id, joined.

    Ids below `reserved` are not text (padding, OOV, start, end: the convention of
    `rnn_zoo.data.target_vectorizer`); a row stops at the first of them, so what a search
    writes after the end token never shows.

    Args:
        vocabulary: the target tokens in id order (`vocabulary[i]` is id `i`).
        separator: joins the tokens: `""` for characters, `" "` for words.
        reserved: ids below it end a row (>= 1, below the vocabulary size).

    Example:

    >>> import numpy as np
    >>> layer = Detokenizer(vocabulary=["", "[UNK]", "<s>", "</s>", "a", "b"], separator="-")
    >>> [t.decode() for t in layer(np.array([[4, 5, 3, 4], [3, 0, 0, 0]])).numpy()]
    ['a-b', '']
    """

    def __init__(self, *, vocabulary, separator: str = " ", reserved: int = 4, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if isinstance(vocabulary, str) or not all(isinstance(t, str) for t in vocabulary):
            raise TypeError("`vocabulary` must be a list of str (the target tokens in id "
                            f"order), got {type(vocabulary).__name__}.")
        if not isinstance(separator, str):
            raise TypeError(f"`separator` must be a str, got {type(separator).__name__}.")
        self.vocabulary = list(vocabulary)
        self.separator = separator
        self.reserved = check_int("reserved", reserved)
        if self.reserved >= len(self.vocabulary):
            raise ValueError(f"`reserved` must be below the vocabulary size "
                             f"{len(self.vocabulary)}, got {reserved}.")

    def call(self, ids):
        import tensorflow as tf

        ids = tf.cast(ids, tf.int32)
        text = tf.cumsum(tf.cast(ids < self.reserved, tf.int32), axis=1) == 0
        tokens = tf.ragged.boolean_mask(tf.gather(tf.constant(self.vocabulary), ids), text)
        return tf.strings.reduce_join(tokens, axis=1, separator=self.separator)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],)

    def compute_output_spec(self, ids):
        return keras.KerasTensor((ids.shape[0],), dtype="string")

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary,
                "separator": self.separator, "reserved": self.reserved}
