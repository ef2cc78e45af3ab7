"""Input and output blocks shared by the builders: token or float inputs, class or value heads."""

from __future__ import annotations

import numbers

import keras
from keras import layers

from rnn_zoo._validation import (
    check_bool,
    check_exactly_one,
    check_int,
    check_optional_int,
)


def validate_inputs(*, vocab_size, input_dim, embedding_dim, mask_value=None, prefix=""):
    """Checks that exactly one input kind is chosen: token ids or float features."""
    check_exactly_one(**{f"{prefix}vocab_size": vocab_size, f"{prefix}input_dim": input_dim})
    # vocab_size counts the padding id 0, so 2 is the smallest useful vocabulary.
    check_optional_int(f"{prefix}vocab_size", vocab_size, minimum=2)
    check_optional_int(f"{prefix}input_dim", input_dim)
    check_int("embedding_dim", embedding_dim)
    if mask_value is not None:
        if vocab_size is not None:
            raise ValueError(
                "`mask_value` applies to float inputs (`input_dim`); token inputs already mask "
                f"id 0. Got mask_value={mask_value!r} with vocab_size={vocab_size!r}."
            )
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise TypeError(f"`mask_value` must be a float or None, got {mask_value!r}.")


def validate_outputs(*, num_classes, output_dim, logits):
    """Checks that exactly one head is chosen: classes (logits or probabilities) or values."""
    check_exactly_one(num_classes=num_classes, output_dim=output_dim)
    check_optional_int("num_classes", num_classes)
    check_optional_int("output_dim", output_dim)
    check_bool("logits", logits)


def sequence_input(*, vocab_size, input_dim, embedding_dim, sequence_length, mask_value, prefix=""):
    """A `(batch, time)` token input embedded with id 0 masked, or a `(batch, time, input_dim)`
    float input, optionally masked where every feature equals `mask_value`.

    Returns `(inputs, x)`. `sequence_length=None` allows variable lengths.
    """
    if vocab_size is not None:
        inputs = keras.Input((sequence_length,), dtype="int32", name=f"{prefix}tokens")
        x = layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name=f"{prefix}embedding")(
            inputs
        )
        return inputs, x
    inputs = keras.Input((sequence_length, input_dim), dtype="float32", name=f"{prefix}features")
    x = inputs
    if mask_value is not None:
        x = layers.Masking(mask_value=float(mask_value), name=f"{prefix}masking")(x)
    return inputs, x


def vector_input(*, vocab_size, input_dim, embedding_dim):
    """A single item: one token id `(batch, 1)` embedded, or one feature vector `(batch, dim)`.

    Returns `(inputs, x)` with `x` of shape `(batch, features)`.
    """
    if vocab_size is not None:
        inputs = keras.Input((1,), dtype="int32", name="token")
        x = layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
        return inputs, layers.Flatten(name="flatten")(x)
    inputs = keras.Input((input_dim,), dtype="float32", name="features")
    return inputs, inputs


def output_head(x, *, num_classes, output_dim, logits, name="head"):
    """The final `Dense`: class logits (or probabilities) or regression values.

    `num_classes=1` is a single binary logit (sigmoid when `logits=False`). The head computes in
    float32 so that a mixed-precision policy never produces float16 logits.
    """
    if num_classes is not None:
        activation = None if logits else ("sigmoid" if num_classes == 1 else "softmax")
        return layers.Dense(num_classes, activation=activation, dtype="float32", name=name)(x)
    return layers.Dense(output_dim, dtype="float32", name=name)(x)
