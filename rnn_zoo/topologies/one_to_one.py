"""One-to-one: a single input, a single output (e.g. binary classification)."""

from __future__ import annotations

import keras
from keras import layers

from rnn_zoo._validation import check_name
from rnn_zoo.layers.io import output_head, validate_inputs, validate_outputs, vector_input
from rnn_zoo.layers.recurrent import recurrent_stack, validate_recurrent_args, warn_if_not_cudnn


def one_to_one(
    *,
    input_dim: int | None = None,
    vocab_size: int | None = None,
    embedding_dim: int = 64,
    cell: str = "lstm",
    units: int = 64,
    num_layers: int = 1,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    unroll: bool = False,
    num_classes: int | None = None,
    output_dim: int | None = None,
    logits: bool = True,
    name: str = "one_to_one",
) -> keras.Model:
    """Builds a one-to-one recurrent network: one item in, one prediction out.

    The input is presented to the recurrent stack as a sequence of a single time step, so the
    cell runs once from a zero state: the degenerate case of the lecture's topologies, in which
    an RNN is a feed-forward network with gated units. It is the baseline the other topologies
    are compared against.

    Args:
        input_dim: size of a float feature vector; the input is `(batch, input_dim)` float32.
        vocab_size: size of a token vocabulary (id 0 included); the input is `(batch, 1)` int32.
            Pass exactly one of `input_dim` and `vocab_size`.
        embedding_dim: embedding size for token inputs.
        cell: `"simple_rnn"`, `"lstm"` or `"gru"`.
        units: hidden units per recurrent layer.
        num_layers: stacked recurrent layers.
        dropout: rate of the `Dropout` after each recurrent layer, in [0, 1).
        recurrent_dropout: dropout on the recurrent state, in [0, 1); > 0 rules out cuDNN and
            warns (`CuDNNIneligibleWarning`).
        unroll: unroll the time loop; rules out cuDNN and warns.
        num_classes: number of classes; the model returns logits `(batch, num_classes)` (or
            probabilities if `logits=False`). `num_classes=1` is a single binary logit.
        output_dim: number of regression outputs `(batch, output_dim)`, linear.
            Pass exactly one of `num_classes` and `output_dim`.
        logits: return logits (default; pair with `from_logits=True` losses) or probabilities.
        name: model name.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import one_to_one
    >>> model = one_to_one(input_dim=30, num_classes=2, units=8)
    >>> tuple(model(np.zeros((4, 30), "float32")).shape)
    (4, 2)
    """
    args = validate_recurrent_args(
        cell=cell,
        units=units,
        num_layers=num_layers,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        unroll=unroll,
    )
    validate_inputs(vocab_size=vocab_size, input_dim=input_dim, embedding_dim=embedding_dim)
    validate_outputs(num_classes=num_classes, output_dim=output_dim, logits=logits)
    check_name("name", name)
    warn_if_not_cudnn("one_to_one", cell=cell, recurrent_dropout=recurrent_dropout, unroll=unroll)

    inputs, x = vector_input(
        vocab_size=vocab_size, input_dim=input_dim, embedding_dim=embedding_dim
    )
    x = layers.Reshape((1, x.shape[-1]), name="single_step")(x)
    x = recurrent_stack(x, return_sequences=False, **args)
    outputs = output_head(x, num_classes=num_classes, output_dim=output_dim, logits=logits)
    return keras.Model(inputs, outputs, name=name)
