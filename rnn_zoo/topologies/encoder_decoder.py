"""Encoder-decoder (many-to-many, unsynced): a sequence in, a sequence of another length out."""

from __future__ import annotations

import keras
from keras import layers

from rnn_zoo._validation import check_bool, check_choice, check_int, check_name
from rnn_zoo.layers.attention import ATTENTIONS, apply_attention, attention_layers
from rnn_zoo.layers.io import output_head, sequence_input, validate_inputs
from rnn_zoo.layers.recurrent import (
    CELLS,
    NUM_STATES,
    recurrent_layer,
    validate_recurrent_args,
    warn_if_not_cudnn,
)


def encoder_decoder(
    *,
    source_vocab_size: int | None = None,
    source_input_dim: int | None = None,
    target_vocab_size: int,
    embedding_dim: int = 64,
    cell: str = "lstm",
    decoder_cell: str | None = None,
    units: int = 128,
    num_layers: int = 1,
    bidirectional: bool = False,
    decoder_bidirectional: bool = False,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    unroll: bool = False,
    attention: str | None = None,
    logits: bool = True,
    name: str = "encoder_decoder",
) -> keras.Model:
    """Builds a sequence-to-sequence encoder-decoder trained with teacher forcing.

    The encoder reads the source; the final states of its layer i initialise decoder layer i
    (Sutskever et al. 2014). The decoder reads the target shifted right (`<start> y1 y2 ...`)
    and predicts the target (`y1 y2 ... <end>`) one step ahead. With `attention`, every decoder
    output attends over all encoder outputs and is combined with the context as
    `tanh(W [context; h_t])` before the softmax (Luong et al. 2015); the score is a dot product
    (`"luong"`) or additive `v . tanh(W_q h_t + W_k s)` (`"bahdanau"`).

    Inputs are a dict `{"source_tokens" (or "source_features"), "target_tokens"}`; the output
    is `(batch, target_time, target_vocab_size)` logits, masked where the target is padding.
    Layers have fixed names so that `rnn_zoo.decoding.encoder_decoder_parts(model)` can rebuild
    the encoder and a one-step decoder from the trained layers for inference.

    Args:
        source_vocab_size: source token vocabulary size (id 0 is padding, masked).
        source_input_dim: features per source step, for float sources (e.g. audio frames).
            Pass exactly one of `source_vocab_size` and `source_input_dim`.
        target_vocab_size: target vocabulary size (id 0 padding, plus start/end tokens).
        embedding_dim: embedding size of source and target tokens.
        cell: encoder cell, `"simple_rnn"`, `"lstm"` or `"gru"`.
        decoder_cell: decoder cell; defaults to `cell`. It must carry the same number of states
            as the encoder (an LSTM's `(h, c)` cannot initialise a GRU).
        units: hidden units per encoder layer (per direction). The decoder has `units` units,
            or `2 * units` with a bidirectional encoder, so the concatenated forward/backward
            states initialise it directly.
        num_layers: stacked layers in the encoder and in the decoder.
        bidirectional: make the encoder bidirectional.
        decoder_bidirectional: must be False: a decoder emits one token at a time and cannot
            read tokens it has not produced. Asking for it raises a clear error.
        dropout: rate of the `Dropout` after each recurrent layer, in [0, 1).
        recurrent_dropout: dropout on the recurrent state; > 0 rules out cuDNN and warns.
        unroll: unroll the time loops; rules out cuDNN and warns.
        attention: None, `"luong"` (dot score) or `"bahdanau"` (additive score).
        logits: return logits (default) or probabilities.
        name: model name.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import encoder_decoder
    >>> model = encoder_decoder(source_vocab_size=30, target_vocab_size=45, units=16,
    ...                         bidirectional=True, attention="luong")
    >>> batch = {"source_tokens": np.array([[4, 5, 6, 0]], "int32"),
    ...          "target_tokens": np.array([[1, 7, 8]], "int32")}
    >>> tuple(model(batch).shape)
    (1, 3, 45)
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
    decoder_cell = cell if decoder_cell is None else decoder_cell
    check_choice("decoder_cell", decoder_cell, CELLS)
    if NUM_STATES[decoder_cell] != NUM_STATES[cell]:
        raise ValueError(
            f"`decoder_cell`={decoder_cell!r} carries {NUM_STATES[decoder_cell]} state(s) but the "
            f"`cell`={cell!r} encoder hands over {NUM_STATES[cell]}; use 'lstm' with 'lstm', "
            "and 'gru' or 'simple_rnn' together."
        )
    if check_bool("decoder_bidirectional", decoder_bidirectional):
        raise ValueError(
            "`decoder_bidirectional`=True is not allowed: the decoder generates left to right "
            "and cannot read future tokens. Use `bidirectional=True` for the encoder."
        )
    validate_inputs(
        vocab_size=source_vocab_size,
        input_dim=source_input_dim,
        embedding_dim=embedding_dim,
        prefix="source_",
    )
    check_int("target_vocab_size", target_vocab_size, minimum=2)
    check_choice("attention", attention, ATTENTIONS)
    check_bool("logits", logits)
    check_name("name", name)
    for kind in {cell, decoder_cell}:
        warn_if_not_cudnn(
            "encoder_decoder", cell=kind, recurrent_dropout=recurrent_dropout, unroll=unroll
        )

    source, x = sequence_input(
        vocab_size=source_vocab_size,
        input_dim=source_input_dim,
        embedding_dim=embedding_dim,
        sequence_length=None,
        mask_value=None,
        prefix="source_",
    )
    encoder_outputs, encoder_states = _encoder(x, **args)

    decoder_units = units * (2 if bidirectional else 1)
    target = keras.Input((None,), dtype="int32", name="target_tokens")
    y = layers.Embedding(target_vocab_size, embedding_dim, mask_zero=True, name="target_embedding")(
        target
    )
    for i in range(num_layers):
        rnn = recurrent_layer(
            decoder_cell,
            decoder_units,
            name=f"decoder_rnn_{i}",
            return_sequences=True,
            return_state=True,
            recurrent_dropout=args["recurrent_dropout"],
            unroll=unroll,
        )
        y = rnn(y, initial_state=encoder_states[i])[0]
        if dropout:
            y = layers.Dropout(dropout, name=f"decoder_dropout_{i}")(y)
    if attention is not None:
        y = apply_attention(attention_layers(attention, decoder_units), y, encoder_outputs)
    outputs = output_head(y, num_classes=target_vocab_size, output_dim=None, logits=logits)
    return keras.Model({source.name: source, "target_tokens": target}, outputs, name=name)


def _encoder(x, *, cell, units, num_layers, bidirectional, dropout, recurrent_dropout, unroll):
    """Runs the encoder stack; returns its last outputs and the final states of every layer."""
    states = []
    for i in range(num_layers):
        rnn = recurrent_layer(
            cell,
            units,
            name=f"encoder_rnn_{i}",
            return_sequences=True,
            return_state=True,
            recurrent_dropout=recurrent_dropout,
            unroll=unroll,
        )
        if bidirectional:
            rnn = layers.Bidirectional(rnn, merge_mode="concat", name=f"encoder_bidirectional_{i}")
        x, *layer_states = rnn(x)
        if bidirectional:
            # Keras returns forward states then backward states; pair them up per state kind.
            n = NUM_STATES[cell]
            layer_states = [
                layers.Concatenate(name=f"encoder_state_{i}_{k}")(
                    [layer_states[k], layer_states[n + k]]
                )
                for k in range(n)
            ]
        states.append(layer_states)
        if dropout:
            x = layers.Dropout(dropout, name=f"encoder_dropout_{i}")(x)
    return x, states
