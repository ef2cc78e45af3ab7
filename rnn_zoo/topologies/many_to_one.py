"""Many-to-one: a sequence in, one output (e.g. sentiment analysis)."""

from __future__ import annotations

import keras
from keras import layers

from rnn_zoo._validation import check_choice, check_name, check_optional_int
from rnn_zoo.layers.io import output_head, sequence_input, validate_inputs, validate_outputs
from rnn_zoo.layers.pooling import MaskedGlobalMaxPooling1D
from rnn_zoo.layers.recurrent import recurrent_stack, validate_recurrent_args, warn_if_not_cudnn

POOLINGS = ("last", "mean", "max")


def many_to_one(
    *,
    vocab_size: int | None = None,
    input_dim: int | None = None,
    embedding_dim: int = 64,
    sequence_length: int | None = None,
    mask_value: float | None = None,
    cell: str = "lstm",
    units: int = 64,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    unroll: bool = False,
    pooling: str = "last",
    num_classes: int | None = None,
    output_dim: int | None = None,
    logits: bool = True,
    name: str = "many_to_one",
) -> keras.Model:
    """Builds a many-to-one network: a sequence in, one prediction out.

    The recurrent stack reads the whole sequence; the head sees either the last state
    (`pooling="last"`: for a bidirectional stack, the forward state after the last real step
    concatenated with the backward state after the first) or the states of every step pooled
    over time (`"mean"` or `"max"`, both ignoring padding).

    Args:
        vocab_size: token vocabulary size (id 0 is padding and is masked); the input is
            `(batch, time)` int32.
        input_dim: features per step; the input is `(batch, time, input_dim)` float32.
            Pass exactly one of `vocab_size` and `input_dim`.
        embedding_dim: embedding size for token inputs.
        sequence_length: fixed number of steps, or None (default) for variable length.
        mask_value: for float inputs, steps whose features all equal this value are padding
            (a `Masking` layer); None (default) masks nothing. Pad on the right to keep cuDNN.
        cell: `"simple_rnn"`, `"lstm"` or `"gru"`.
        units: hidden units per recurrent layer (per direction when bidirectional).
        num_layers: stacked recurrent layers.
        bidirectional: read the sequence in both directions.
        dropout: rate of the `Dropout` after each recurrent layer, in [0, 1).
        recurrent_dropout: dropout on the recurrent state; > 0 rules out cuDNN and warns.
        unroll: unroll the time loop; rules out cuDNN and warns.
        pooling: `"last"`, `"mean"` or `"max"`.
        num_classes: number of classes; outputs logits `(batch, num_classes)` (or
            probabilities if `logits=False`); `num_classes=1` is a single binary logit.
        output_dim: regression outputs `(batch, output_dim)`, linear.
        logits: return logits (default) or probabilities.
        name: model name.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import many_to_one
    >>> model = many_to_one(vocab_size=100, num_classes=3, bidirectional=True, units=8)
    >>> tuple(model(np.array([[5, 7, 9, 0, 0]], "int32")).shape)
    (1, 3)
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
    validate_inputs(
        vocab_size=vocab_size,
        input_dim=input_dim,
        embedding_dim=embedding_dim,
        mask_value=mask_value,
    )
    check_optional_int("sequence_length", sequence_length)
    check_choice("pooling", pooling, POOLINGS)
    validate_outputs(num_classes=num_classes, output_dim=output_dim, logits=logits)
    check_name("name", name)
    warn_if_not_cudnn("many_to_one", cell=cell, recurrent_dropout=recurrent_dropout, unroll=unroll)

    inputs, x = sequence_input(
        vocab_size=vocab_size,
        input_dim=input_dim,
        embedding_dim=embedding_dim,
        sequence_length=sequence_length,
        mask_value=mask_value,
    )
    x = recurrent_stack(x, return_sequences=pooling != "last", **args)
    if pooling == "mean":
        x = layers.GlobalAveragePooling1D(name="pool")(x)
    elif pooling == "max":
        x = MaskedGlobalMaxPooling1D(name="pool")(x)
    outputs = output_head(x, num_classes=num_classes, output_dim=output_dim, logits=logits)
    return keras.Model(inputs, outputs, name=name)
