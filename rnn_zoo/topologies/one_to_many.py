"""One-to-many: one input, a sequence out (e.g. image captioning)."""

from __future__ import annotations

import keras
from keras import layers

from rnn_zoo._validation import check_exactly_one, check_int, check_name
from rnn_zoo.layers.io import output_head, validate_inputs, validate_outputs, vector_input
from rnn_zoo.layers.recurrent import recurrent_stack, validate_recurrent_args, warn_if_not_cudnn


def one_to_many(
    *,
    steps: int,
    input_dim: int | None = None,
    vocab_size: int | None = None,
    encoder: keras.Model | None = None,
    embedding_dim: int = 64,
    cell: str = "lstm",
    units: int = 64,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    unroll: bool = False,
    num_classes: int | None = None,
    output_dim: int | None = None,
    logits: bool = True,
    name: str = "one_to_many",
) -> keras.Model:
    """Builds a one-to-many network: one vector in, `steps` outputs out.

    The vector (a feature vector, an embedded token, or the output of an `encoder` such as a
    small CNN over an image) is repeated `steps` times with `RepeatVector`, run through a
    recurrent stack that returns sequences, and mapped to a prediction at every step by a shared
    `Dense`. This is the non-autoregressive captioner: each step sees the same vector and the
    state carried from the step before.

    Args:
        steps: length of the output sequence, >= 1.
        input_dim: size of a float feature vector input `(batch, input_dim)`.
        vocab_size: size of a token vocabulary; the input is one token id `(batch, 1)`.
        encoder: a `keras.Model` mapping the caller's input (e.g. an image) to a vector; its
            inputs become the model's inputs and its weights are trained with the rest.
            Pass exactly one of `input_dim`, `vocab_size` and `encoder`.
        embedding_dim: embedding size for token inputs.
        cell: `"simple_rnn"`, `"lstm"` or `"gru"`.
        units: hidden units per recurrent layer.
        num_layers: stacked recurrent layers.
        bidirectional: run each layer in both directions over the repeated vector (allowed here
            because the whole output is produced at once, not step by step).
        dropout: rate of the `Dropout` after each recurrent layer, in [0, 1).
        recurrent_dropout: dropout on the recurrent state; > 0 rules out cuDNN and warns.
        unroll: unroll the time loop; rules out cuDNN and warns.
        num_classes: classes per step; outputs logits `(batch, steps, num_classes)` (or
            probabilities if `logits=False`).
        output_dim: regression values per step, `(batch, steps, output_dim)`.
        logits: return logits (default) or probabilities.
        name: model name.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> import numpy as np, keras
    >>> from rnn_zoo import one_to_many
    >>> image = keras.Input((8, 24, 1))
    >>> features = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(8, 3)(image))
    >>> cnn = keras.Model(image, features)
    >>> model = one_to_many(encoder=cnn, steps=3, num_classes=10, units=16)
    >>> tuple(model(np.zeros((2, 8, 24, 1), "float32")).shape)
    (2, 3, 10)
    """
    args = validate_recurrent_args(
        cell=cell,
        units=units,
        num_layers=num_layers,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        unroll=unroll,
        bidirectional=bidirectional,
    )
    check_int("steps", steps)
    check_exactly_one(input_dim=input_dim, vocab_size=vocab_size, encoder=encoder)
    if encoder is None:
        validate_inputs(vocab_size=vocab_size, input_dim=input_dim, embedding_dim=embedding_dim)
    elif not isinstance(encoder, keras.Model):
        raise TypeError(f"`encoder` must be a keras.Model, got {type(encoder).__name__}.")
    validate_outputs(num_classes=num_classes, output_dim=output_dim, logits=logits)
    check_name("name", name)
    warn_if_not_cudnn("one_to_many", cell=cell, recurrent_dropout=recurrent_dropout, unroll=unroll)

    if encoder is not None:
        inputs = [
            keras.Input(t.shape[1:], dtype=t.dtype, name=f"{encoder.name}_input_{i}")
            for i, t in enumerate(encoder.inputs)
        ]
        x = encoder(inputs[0] if len(inputs) == 1 else inputs)
        if len(x.shape) != 2:
            x = layers.Flatten(name="flatten")(x)
        inputs = inputs[0] if len(inputs) == 1 else inputs
    else:
        inputs, x = vector_input(
            vocab_size=vocab_size, input_dim=input_dim, embedding_dim=embedding_dim
        )
    x = layers.RepeatVector(steps, name="repeat")(x)
    x = recurrent_stack(x, return_sequences=True, **args)
    outputs = output_head(x, num_classes=num_classes, output_dim=output_dim, logits=logits)
    return keras.Model(inputs, outputs, name=name)
