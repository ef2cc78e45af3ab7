"""Many-to-many (synced): a sequence in, one output per step (tagging, next-token prediction)."""

from __future__ import annotations

import keras

from rnn_zoo._validation import check_name, check_optional_int
from rnn_zoo.layers.io import output_head, sequence_input, validate_inputs, validate_outputs
from rnn_zoo.layers.recurrent import recurrent_stack, validate_recurrent_args, warn_if_not_cudnn


def many_to_many(
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
    num_classes: int | None = None,
    output_dim: int | None = None,
    logits: bool = True,
    name: str = "many_to_many",
) -> keras.Model:
    """Builds a synced many-to-many network: one prediction per input step.

    Every recurrent layer returns sequences (`return_sequences=True`), and a shared `Dense`
    maps each step's state to its output. The mask of a padded input reaches the output, so
    Keras losses and metrics skip the padded steps. With `bidirectional=False` the output at
    step t depends only on steps <= t, which is what next-token prediction (the lecture's
    "predict the next word from the words before it") needs; `bidirectional=True` suits
    tagging, where the whole sequence is known.

    Args:
        vocab_size: token vocabulary size (id 0 is padding and is masked); the input is
            `(batch, time)` int32.
        input_dim: features per step; the input is `(batch, time, input_dim)` float32.
            Pass exactly one of `vocab_size` and `input_dim`.
        embedding_dim: embedding size for token inputs.
        sequence_length: fixed number of steps, or None (default) for variable length.
        mask_value: for float inputs, steps whose features all equal this value are padding;
            None (default) masks nothing.
        cell: `"simple_rnn"`, `"lstm"` or `"gru"`.
        units: hidden units per recurrent layer (per direction when bidirectional).
        num_layers: stacked recurrent layers.
        bidirectional: read the sequence in both directions (not causal).
        dropout: rate of the `Dropout` after each recurrent layer, in [0, 1).
        recurrent_dropout: dropout on the recurrent state; > 0 rules out cuDNN and warns.
        unroll: unroll the time loop; rules out cuDNN and warns.
        num_classes: classes per step; outputs logits `(batch, time, num_classes)` (or
            probabilities if `logits=False`).
        output_dim: regression values per step, `(batch, time, output_dim)`.
        logits: return logits (default) or probabilities.
        name: model name.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import many_to_many
    >>> model = many_to_many(vocab_size=65, num_classes=65, cell="simple_rnn", units=16)
    >>> tuple(model(np.array([[12, 40, 3, 7]], "int32")).shape)
    (1, 4, 65)
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
    validate_outputs(num_classes=num_classes, output_dim=output_dim, logits=logits)
    check_name("name", name)
    warn_if_not_cudnn("many_to_many", cell=cell, recurrent_dropout=recurrent_dropout, unroll=unroll)

    inputs, x = sequence_input(
        vocab_size=vocab_size,
        input_dim=input_dim,
        embedding_dim=embedding_dim,
        sequence_length=sequence_length,
        mask_value=mask_value,
    )
    x = recurrent_stack(x, return_sequences=True, **args)
    outputs = output_head(x, num_classes=num_classes, output_dim=output_dim, logits=logits)
    return keras.Model(inputs, outputs, name=name)
