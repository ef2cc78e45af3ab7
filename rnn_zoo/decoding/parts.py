"""Inference pieces of a trained encoder-decoder: an encoder model and a one-step decoder.

Both are built from the trained layers of a model made by `rnn_zoo.encoder_decoder` (found by
their fixed names), so they share its weights and compute exactly what the training graph
computes, one target step at a time. Search strategies (greedy, beam) drive the one-step
decoder.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import ops

from rnn_zoo.layers.attention import apply_attention, attention_layers_of


class EncoderDecoderParts(NamedTuple):
    """What inference needs from a trained encoder-decoder.

    Attributes:
        encoder: maps the source batch to a dict with `encoder_outputs` `(batch, S, D)`,
            `source_mask` `(batch, S)` bool, and `states`: the initial decoder states, a flat
            list ordered layer by layer (`[h_0, c_0, h_1, c_1, ...]` for LSTM).
        decoder_step: maps a dict with `token` `(batch, 1)` int32, `encoder_outputs`,
            `source_mask` and `states` to a dict with `logits` `(batch, vocab)`, the new
            `states`, and `attention_scores` `(batch, S)` (zeros without attention).
        num_layers: decoder layers.
        states_per_layer: 2 for LSTM, 1 for GRU and SimpleRNN.
    """

    encoder: keras.Model
    decoder_step: keras.Model
    num_layers: int
    states_per_layer: int


def encoder_decoder_parts(model: keras.Model) -> EncoderDecoderParts:
    """Splits a trained `encoder_decoder` model into an encoder and a one-step decoder.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import encoder_decoder
    >>> from rnn_zoo.decoding import encoder_decoder_parts
    >>> model = encoder_decoder(source_vocab_size=20, target_vocab_size=12, units=8)
    >>> parts = encoder_decoder_parts(model)
    >>> encoded = parts.encoder(np.array([[3, 4, 5]], "int32"))
    >>> import keras  # the dict mixes in encoder tensors, so the token must be a tensor too
    >>> token = keras.ops.convert_to_tensor(np.array([[1]], "int32"))
    >>> step = parts.decoder_step({"token": token, **encoded})
    >>> tuple(step["logits"].shape)
    (1, 12)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, got {type(model).__name__}.")
    names = {layer.name for layer in model.layers}
    if "target_embedding" not in names or "decoder_rnn_0" not in names:
        raise ValueError(
            f"`model` {model.name!r} was not built by rnn_zoo.encoder_decoder: it has no "
            "'target_embedding'/'decoder_rnn_0' layers."
        )
    num_layers = sum(name.startswith("decoder_rnn_") for name in names)
    source = model.inputs[0] if model.inputs[0].name.startswith("source_") else model.inputs[1]

    states = []
    for i in range(num_layers):
        bidirectional = f"encoder_bidirectional_{i}" in names
        rnn = model.get_layer(f"encoder_bidirectional_{i}" if bidirectional else f"encoder_rnn_{i}")
        outputs = rnn.output
        if bidirectional:
            n = (len(outputs) - 1) // 2
            states += [model.get_layer(f"encoder_state_{i}_{k}").output for k in range(n)]
        else:
            states += list(outputs[1:])
    last = f"encoder_dropout_{num_layers - 1}"
    encoder_outputs = model.get_layer(last).output if last in names else outputs[0]
    if source.dtype == "int32":
        source_mask = ops.not_equal(source, 0)
    else:
        source_mask = ops.ones_like(source[:, :, 0], dtype="bool")
    # Zeroing padded steps also detaches the Keras mask, which a separate model cannot consume.
    encoder_outputs = ops.where(ops.expand_dims(source_mask, -1), encoder_outputs, 0.0)
    encoder = keras.Model(
        source,
        {"encoder_outputs": encoder_outputs, "source_mask": source_mask, "states": states},
        name=f"{model.name}_encoder",
    )

    token = keras.Input((1,), dtype="int32", name="token")
    enc = keras.Input(encoder_outputs.shape[1:], name="encoder_outputs")
    mask = keras.Input((None,), dtype="bool", name="source_mask")
    state_inputs = [keras.Input(s.shape[1:], name=f"state_{j}") for j, s in enumerate(states)]
    per_layer = len(states) // num_layers

    y = model.get_layer("target_embedding")(token)
    new_states = []
    for i in range(num_layers):
        layer_states = state_inputs[i * per_layer : (i + 1) * per_layer]
        y, *out_states = model.get_layer(f"decoder_rnn_{i}")(y, initial_state=layer_states)
        new_states += out_states
    parts = attention_layers_of(model)
    if parts is not None:
        y, scores = apply_attention(parts, y, enc, source_mask=mask, return_scores=True)
        scores = ops.squeeze(scores, axis=1)
    else:
        scores = ops.cast(mask, "float32") * 0.0  # keeps the output connected to an input
    logits = ops.squeeze(model.get_layer("head")(y), axis=1)
    # The name leads the recurrent loops' function names inside a search's `while`: TFLite's
    # builtin tensor-list lowering fails (needs Flex ops) when they sort before that loop's own
    # body (`while_body_...`), as "while_backbone_..." does for the Seq2Seq task's `backbone`.
    decoder_step = keras.Model(
        {"token": token, "encoder_outputs": enc, "source_mask": mask, "states": state_inputs},
        {"logits": logits, "states": new_states, "attention_scores": scores},
        name=f"step_{model.name}",
    )
    return EncoderDecoderParts(encoder, decoder_step, num_layers, per_layer)
