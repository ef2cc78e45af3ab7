"""Encoder-decoders exported with their decoding loop: a word in, its transcription out.

`translator_servable(translator)` serves a `rnn_zoo.decoding.Translator` (vectorization, greedy
or beam search written with `keras.ops.while_loop`, detokenization) through three endpoints:

- `serving_default` (SavedModel): `{"texts": string[batch]}` -> `{"outputs": string[batch],
  "ids", "scores", "attention"}`: raw strings in, decoded strings out.
- `codepoints` (SavedModel and TFLite): `{"codepoints": int32[batch, max_source_length]}` (each
  character's `ord`, right padded with 0) -> `{"tokens": string[batch, max_length], "ids",
  "scores"}`. The stock TFLite interpreter has no builtin kernel that splits strings, so this
  is the string-free front end; the decoding loop converts to builtin `WHILE`, `TOPK_V2` and
  `GATHER` ops, and the output tokens are strings gathered in the graph (`""` after the end).
- `serve_tokens`: the teacher-forced Keras model (`source_tokens`, `target_tokens` -> logits),
  for the `.keras` and ONNX artifacts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from rnn_zoo._validation import check_int
from rnn_zoo.exporters.servable import (
    MODEL_OUTPUT,
    Endpoint,
    Servable,
    call_model,
    example_inputs,
    model_input_specs,
)

CODEPOINTS_ENDPOINT = "codepoints"
TOKENS_ENDPOINT = "serve_tokens"
EXAMPLE_WORDS = ("zoology", "xylophone", "Cat", "", "naïve", "rock-n-roll", "o'clock",
                 "supercalifragilisticexpialidocious")


def codepoints_of(words: Sequence[str], max_source_length: int) -> np.ndarray:
    """`(len(words), max_source_length)` int32 code points, right padded with 0.

    Raises a ValueError naming the word when one is longer than `max_source_length`.
    """
    out = np.zeros((len(words), max_source_length), np.int32)
    for i, word in enumerate(words):
        if len(word) > max_source_length:
            raise ValueError(f"`words[{i}]` {word!r} has {len(word)} characters; the exported "
                             f"model takes at most max_source_length={max_source_length}.")
        out[i, :len(word)] = [ord(c) for c in word]
    return out


def translator_servable(translator, *, name: str, max_source_length: int,
                        examples: Sequence[str] = EXAMPLE_WORDS,
                        metadata: Mapping[str, Any] | None = None) -> Servable:
    """A `Servable` of `translator` (see the module docstring for its endpoints).

    Args:
        translator: a `rnn_zoo.decoding.Translator` over a trained token encoder-decoder.
        name: recorded in the manifest.
        max_source_length: static source length of the `codepoints` endpoint (>= 1).
        examples: parity words (cut to `max_source_length` for the code-point endpoint).
        metadata: extra facts for the manifest.

    Returns:
        A `Servable` offering every format; TFLite serves the `codepoints` endpoint.
    """
    from rnn_zoo.decoding import Translator

    if not isinstance(translator, Translator):
        raise TypeError(f"`translator` must be a rnn_zoo.decoding.Translator, got "
                        f"{type(translator).__name__}.")
    length = check_int("max_source_length", max_source_length)
    model = translator.model
    by_codepoints = translator.codepoints_function(max_source_length=length, batch_size=None)
    words = [w[:length] for w in examples]

    def serve_text(inputs):
        return dict(translator.translate(inputs["texts"]))

    def serve_codepoints(inputs):
        # Not through a tf.function with its own signature: the TFLite trace must see the
        # static batch size it is given.
        return translator.translate_codepoints(inputs["codepoints"])

    def serve_tokens(inputs):
        return {MODEL_OUTPUT: call_model(model, inputs)}

    def reference(endpoint, inputs):
        if endpoint == TOKENS_ENDPOINT:
            return {MODEL_OUTPUT: keras.ops.convert_to_numpy(call_model(model, inputs))}
        if endpoint == CODEPOINTS_ENDPOINT:
            found = by_codepoints(tf.constant(inputs["codepoints"], tf.int32))
        else:
            found = translator.translate(tf.constant(inputs["texts"], tf.string))
        return {k: v.numpy().astype(object) if v.dtype == tf.string else v.numpy()
                for k, v in found.items()}

    points = codepoints_of(words, length)
    return Servable(
        name=name,
        endpoints={
            "serving_default": Endpoint(serve_text, {"texts": tf.TensorSpec([None], tf.string)}),
            CODEPOINTS_ENDPOINT: Endpoint(serve_codepoints, {
                "codepoints": tf.TensorSpec([None, length], tf.int32)}),
            TOKENS_ENDPOINT: Endpoint(serve_tokens, model_input_specs(model)),
        },
        track=[model, translator.source_vectorizer],
        reference=reference,
        examples={
            "serving_default": [{"texts": np.asarray(list(examples), dtype=object)}],
            # A padded batch, then each word alone: the static-batch TFLite artifact runs both.
            CODEPOINTS_ENDPOINT: [{"codepoints": points}]
            + [{"codepoints": points[i:i + 1]} for i in range(len(words))],
            TOKENS_ENDPOINT: example_inputs(model, np.random.default_rng(0)),
        },
        tflite_endpoints=(CODEPOINTS_ENDPOINT,),
        keras_model=model,
        model_endpoint=TOKENS_ENDPOINT,
        metadata={
            "serving_default": "raw strings -> decoded strings (plus ids, scores, attention)",
            CODEPOINTS_ENDPOINT: f"Unicode code points [batch, {length}] (0 = padding) -> "
                                 "output tokens as strings ('' after the end), ids, scores",
            TOKENS_ENDPOINT: "teacher-forced model: source and target ids -> logits",
            "search": dict(translator.config),
            "max_source_length": length,
            **dict(metadata or {}),
        },
        tflite_track=[model],
    )
