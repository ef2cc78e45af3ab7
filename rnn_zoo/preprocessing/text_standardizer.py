"""`TextStandardizer`: raw strings -> space-separated word and punctuation tokens, in the graph.

The default text preprocessing of `rnn_zoo.tasks.TextClassifier`: it travels inside the saved
model (a registered Keras layer of `tf.strings` ops), so the `.keras` file and the SavedModel
take the same raw strings a user has.
"""

from __future__ import annotations

import keras

from rnn_zoo._validation import check_bool

__all__ = ["TextStandardizer", "standardize_texts"]

# Runs of letters/digits (any script, apostrophes inside words kept: "don't"), or one other
# visible character: punctuation and emoji become tokens of their own.
_TOKEN = r"[\pL\pN]+(?:'[\pL\pN]+)*|[^\pL\pN\s]"
_URL = r"https?://\S+|www\.\S+"
_NUMBER = r"\b\pN+(?:[.,]\pN+)*\b"
_SPACE = r"[\s\x{a0}\x{2000}-\x{200b}\x{2028}\x{2029}\x{3000}]+"


def standardize_texts(texts, *, lowercase: bool = True, tf=None):
    """A batch of strings -> the same strings as space-separated tokens (TensorFlow ops).

    URLs become `<url>`, numbers `<num>`; words (letters and digits, with inner apostrophes)
    and each other visible character are tokens; whitespace of any kind separates them.
    """
    if tf is None:
        import tensorflow as tf
    text = tf.strings.regex_replace(texts, _SPACE, " ")
    if lowercase:
        text = tf.strings.lower(text, encoding="utf-8")
    # URLs and numbers become one control character each, which the token pattern keeps as a
    # token of its own, then their `<url>` / `<num>` names.
    text = tf.strings.regex_replace(text, _URL, "\x01")
    text = tf.strings.regex_replace(text, _NUMBER, "\x02")
    text = tf.strings.regex_replace(text, _TOKEN, r" \0 ")
    text = tf.strings.regex_replace(text, "\x01", "<url>")
    text = tf.strings.regex_replace(text, "\x02", "<num>")
    text = tf.strings.regex_replace(text, " +", " ")
    return tf.strings.strip(text)


@keras.saving.register_keras_serializable(package="rnn_zoo")
class TextStandardizer(keras.layers.Layer):
    """Raw strings -> space-separated tokens, so a whitespace `TextVectorization` can look them up.

    Args:
        lowercase: lower-case the text first (Unicode-aware).

    Example:

    >>> import tensorflow as tf
    >>> layer = TextStandardizer()
    >>> [t.decode() for t in layer(tf.constant(["Hello, World!! see http://x.io 2024"])).numpy()]
    ['hello , world ! ! see <url> <num>']
    """

    def __init__(self, *, lowercase: bool = True, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.lowercase = check_bool("lowercase", lowercase)

    def call(self, inputs):
        import tensorflow as tf

        return standardize_texts(inputs, lowercase=self.lowercase, tf=tf)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="string")

    def get_config(self):
        return {**super().get_config(), "lowercase": self.lowercase}
