"""`TweetStandardizer`: raw tweets -> space-separated tweet tokens, in the graph.

The `tokenizer="tweet"` text preprocessing of `rnn_zoo.tasks.TextClassifier`: the rules of
`rnn_zoo.preprocessing.tweet_tokenizer` (emoticons, @handles, `!!!` runs, `<url>`, `<num>`, HTML
entities) as `tf.strings` ops inside the saved model, so the `.keras` file and the SavedModel
take the tweets a user has. An @handle outside `handles` (the ones seen often enough in training)
becomes `<user>`, so rare handles share one learnt vector instead of the OOV one.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from rnn_zoo.preprocessing.tweet_tokenizer import tweet_tokens

__all__ = ["USER", "TweetStandardizer", "fold_handles"]

USER = "<user>"


def fold_handles(tokens: Sequence[str], handles) -> list[str]:
    """Python twin of the layer's folding: each @token not in `handles` becomes `<user>`.

    Args:
        tokens: the tokens of one text.
        handles: the @handles to keep (a set), or None to keep all.
    """
    if handles is None:
        return list(tokens)
    return [t if t[0] != "@" or t in handles else USER for t in tokens]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class TweetStandardizer(keras.layers.Layer):
    """Raw tweets -> their tokens joined by spaces, for a whitespace `TextVectorization`.

    Args:
        handles: the @handles kept as tokens of their own; any other @token becomes `<user>`.
            None keeps every handle (what a vocabulary is counted from).

    Example:

    >>> import tensorflow as tf
    >>> layer = TweetStandardizer(handles=["@united"])
    >>> [t.decode() for t in layer(tf.constant(["@United @bob Sooooo GOOD!!!! :)"])).numpy()]
    ['@united <user> sooo good !!! :)']
    """

    def __init__(self, *, handles: Sequence[str] | None = None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if handles is not None:
            if isinstance(handles, str) or not all(
                    isinstance(h, str) and h.startswith("@") for h in handles):
                raise TypeError("`handles` must be a list of str starting with '@', or None.")
            handles = sorted(set(handles))
        self.handles = handles
        self._lookup = None
        if handles:
            # One id per kept handle (0 for any other string): a table that travels with the
            # layer into the SavedModel.
            self._lookup = keras.layers.StringLookup(
                vocabulary=handles, num_oov_indices=1, mask_token=None, name="handles")

    def build(self, input_shape=None):
        # Nothing to build: the handle table is filled in `__init__`.
        self.built = True

    def call(self, inputs):
        import tensorflow as tf

        tokens = tweet_tokens(inputs)
        if self.handles is not None:
            flat = tokens.flat_values
            handle = tf.strings.regex_full_match(flat, "@.*")
            if self._lookup is not None:
                handle &= tf.equal(self._lookup(flat), 0)
            tokens = tokens.with_flat_values(tf.where(handle, USER, flat))
        return tf.strings.reduce_join(tokens, axis=-1, separator=" ")

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="string")

    def get_config(self):
        return {**super().get_config(), "handles": self.handles}
