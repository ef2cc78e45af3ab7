"""`Lowercase`: raw strings lower-cased in the graph, Unicode-aware (UTF-8)."""

from __future__ import annotations

import keras

__all__ = ["Lowercase", "lowercase_texts"]


def lowercase_texts(texts, *, tf=None):
    """A batch of strings, lower-cased (all scripts, not only ASCII), with TensorFlow ops."""
    if tf is None:
        import tensorflow as tf
    return tf.strings.lower(texts, encoding="utf-8")


@keras.saving.register_keras_serializable(package="rnn_zoo")
class Lowercase(keras.layers.Layer):
    """Raw strings -> the same strings lower-cased, so a lookup sees one case.

    `TextVectorization(standardize="lower")` folds ASCII only ("É" stays upper case); this layer
    folds every script, and travels inside a saved model like any Keras layer.

    Example:

    >>> import tensorflow as tf
    >>> [t.decode() for t in Lowercase()(tf.constant(["ÉCOLE Zoo"])).numpy()]
    ['école zoo']
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def call(self, inputs):
        import tensorflow as tf

        return lowercase_texts(inputs, tf=tf)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="string")

    def get_config(self):
        return super().get_config()
