"""The recurrent stack every topology is made of, and the cuDNN bookkeeping around it."""

from __future__ import annotations

import warnings

import keras
from keras import layers

from rnn_zoo._validation import check_bool, check_choice, check_int, check_rate

CELLS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}
# LSTM carries (h, c); the others carry h only. Encoder/decoder pairs must agree on this.
NUM_STATES = {"simple_rnn": 1, "lstm": 2, "gru": 1}


class CuDNNIneligibleWarning(UserWarning):
    """An option was chosen that rules out the fused cuDNN LSTM/GRU kernel on GPU."""


def validate_recurrent_args(
    *, cell, units, num_layers, dropout, recurrent_dropout, unroll, bidirectional=False
):
    """Validates the arguments every builder shares; returns them normalised."""
    check_choice("cell", cell, CELLS)
    return dict(
        cell=cell,
        units=check_int("units", units),
        num_layers=check_int("num_layers", num_layers),
        dropout=check_rate("dropout", dropout),
        recurrent_dropout=check_rate("recurrent_dropout", recurrent_dropout),
        unroll=check_bool("unroll", unroll),
        bidirectional=check_bool("bidirectional", bidirectional),
    )


def warn_if_not_cudnn(builder: str, *, cell: str, recurrent_dropout: float, unroll: bool):
    """Emits one warning per build when LSTM/GRU options rule out the cuDNN kernel.

    The defaults (tanh/sigmoid, no recurrent dropout, no unrolling, right-padded masks from
    `mask_zero=True`) keep TensorFlow's and JAX's fused GPU kernels eligible. SimpleRNN has no
    cuDNN kernel on any backend, so it never warns.
    """
    if cell == "simple_rnn":
        return
    reasons = []
    if recurrent_dropout:
        reasons.append(f"recurrent_dropout={recurrent_dropout}")
    if unroll:
        reasons.append("unroll=True")
    if reasons:
        warnings.warn(
            f"{builder}: {' and '.join(reasons)} rules out the cuDNN {cell.upper()} kernel on "
            "GPU; training falls back to the generic (several times slower) loop. Use "
            "`dropout` (applied between layers) instead to keep cuDNN.",
            CuDNNIneligibleWarning,
            stacklevel=3,
        )


def recurrent_layer(
    cell: str,
    units: int,
    *,
    name: str,
    return_sequences: bool,
    return_state: bool = False,
    recurrent_dropout: float = 0.0,
    unroll: bool = False,
) -> keras.layers.Layer:
    """One stock Keras recurrent layer with cuDNN-eligible activations."""
    return CELLS[cell](
        units,
        return_sequences=return_sequences,
        return_state=return_state,
        recurrent_dropout=recurrent_dropout,
        unroll=unroll,
        name=name,
    )


def recurrent_stack(
    x,
    *,
    cell: str,
    units: int,
    num_layers: int,
    bidirectional: bool = False,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    unroll: bool = False,
    return_sequences: bool = True,
    prefix: str = "",
):
    """Applies `num_layers` recurrent layers to `x` (a `(batch, time, features)` tensor).

    Every layer but the last returns sequences; the last follows `return_sequences`. Dropout is
    a separate `Dropout` layer after each recurrent layer (between layers, as in Zaremba et al.
    2014), which regularises without touching the recurrent connections and so keeps cuDNN.
    Layers are named `{prefix}rnn_{i}` (wrapped in `{prefix}bidirectional_{i}`) and
    `{prefix}dropout_{i}`, so trained layers can be found again by name.
    """
    for i in range(num_layers):
        last = i == num_layers - 1
        rnn = recurrent_layer(
            cell,
            units,
            name=f"{prefix}rnn_{i}",
            return_sequences=return_sequences or not last,
            recurrent_dropout=recurrent_dropout,
            unroll=unroll,
        )
        if bidirectional:
            rnn = layers.Bidirectional(rnn, merge_mode="concat", name=f"{prefix}bidirectional_{i}")
        x = rnn(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"{prefix}dropout_{i}")(x)
    return x
