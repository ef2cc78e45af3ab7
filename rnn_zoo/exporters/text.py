"""Raw strings in: text presets exported with their vectorization inside the serving function.

The SavedModel's `serving_default` takes a batch of raw strings and runs, in TensorFlow ops,
exactly what the recipe does in Python before calling the model, then returns the model's
outputs and a readable answer. `serve_tokens` (and the TFLite / ONNX / `.keras` artifacts) take
the token ids, because the stock TFLite interpreter has no string/regex ops; the vocabulary
ships beside them (`vocabulary.txt`).

- `char_lm_servable`: a bare character model over token ids: characters -> ids (its
  vocabulary, OOV id 1); returns `logits` and `next_character` (the most
  likely character after the text, padding and OOV excluded). Only the last `max_length`
  characters of each text are read (default 100), so a long text costs no more than that; `logits`
  cover those characters.
- The task-form text presets (`TextClassifier`, `LanguageModel`) build theirs with
  `_text_servable` from their own preprocessing layers (`Task.servable()`).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from rnn_zoo.exporters.servable import MODEL_OUTPUT, Endpoint, Servable, call_model

OOV_ID = 1
TOKENS_ENDPOINT = "serve_tokens"
# Characters the char-LM text endpoint reads (the last ones of each text): char_lm_shakespeare
# trains on 100-character chunks (`Config.seq_len`) and `sample` conditions on as many. Without
# a cap, 100,000 characters took 32 s and 1.8 GB in one call.
CHAR_CONTEXT = 100


def lookup_table(vocabulary: list[str]) -> tf.lookup.StaticHashTable:
    """token -> id (its index in `vocabulary`; id 0 is padding), unknown tokens -> OOV id 1."""
    keys = tf.constant(vocabulary[2:], tf.string)
    values = tf.range(2, len(vocabulary), dtype=tf.int64)
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, values),
                                     default_value=OOV_ID)


def _dense_ids(ids: tf.RaggedTensor) -> tf.Tensor:
    """Right-padded int32 ids with at least one column (an empty text is one padding step)."""
    dense = tf.cast(ids.to_tensor(default_value=0), tf.int32)
    return tf.pad(dense, [[0, 0], [0, tf.maximum(0, 1 - tf.shape(dense)[1])]])


def _pad_rows(rows: list[list[int]]) -> np.ndarray:
    width = max(1, max((len(r) for r in rows), default=0))
    out = np.zeros((len(rows), width), np.int32)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out


def _token_cases(rows: list[list[int]]) -> list[dict[str, np.ndarray]]:
    """A padded batch of the rows, then each row alone (masks and variable lengths)."""
    return [{"tokens": _pad_rows(rows)}] + [{"tokens": _pad_rows([r])} for r in rows]


def _text_servable(model, *, name, vectorize_graph, vectorize_python, respond_graph,
                   respond_python, examples, track, metadata) -> Servable:
    """A servable with `serving_default` (strings) and `serve_tokens` (the Keras model)."""
    tokens_spec = {model.inputs[0].name: tf.TensorSpec([None, None], tf.int32)}
    input_name = model.inputs[0].name

    def serve_text(inputs):
        ids = vectorize_graph(inputs["text"])
        logits = call_model(model, {input_name: ids})
        return respond_graph(ids, logits)

    def serve_tokens(inputs):
        return {MODEL_OUTPUT: call_model(model, inputs)}

    def reference(endpoint, inputs):
        import keras

        if endpoint == TOKENS_ENDPOINT:
            return {MODEL_OUTPUT: keras.ops.convert_to_numpy(call_model(model, inputs))}
        texts = [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in inputs["text"]]
        ids = _pad_rows([vectorize_python(t) for t in texts])
        logits = keras.ops.convert_to_numpy(call_model(model, {input_name: ids}))
        return respond_python(ids, logits)

    token_rows = [vectorize_python(t) for t in examples]
    return Servable(
        name=name,
        endpoints={
            "serving_default": Endpoint(serve_text, {"text": tf.TensorSpec([None], tf.string)}),
            TOKENS_ENDPOINT: Endpoint(serve_tokens, tokens_spec),
        },
        track=[model, *track],
        reference=reference,
        examples={"serving_default": [{"text": np.asarray(examples, dtype=object)}],
                  TOKENS_ENDPOINT: _token_cases(token_rows)},
        tflite_endpoints=(TOKENS_ENDPOINT,),
        keras_model=model,
        model_endpoint=TOKENS_ENDPOINT,
        metadata=metadata,
        tflite_track=[model],  # the lookup tables serve the string endpoint only
    )


# --- characters --------------------------------------------------------------------------------

CHAR_EXAMPLES = (
    "ROMEO:\nBut soft, what light through yonder window breaks?",
    "JULIET:\nO Romeo, Romeo! wherefore art thou",
    "First Citizen:\nWe are accounted poor citizens, the patricians good.",
    "KING HENRY:",
    "zzz ~ unseen characters: é ✓",
)


def char_lm_servable(model, vocabulary: list[str], *, name: str,
                     examples=CHAR_EXAMPLES, metadata=None,
                     max_length: int = CHAR_CONTEXT) -> Servable:
    """A character language model that takes raw text: `{"text"}` -> `{"logits",
    "next_character"}` (the most likely character after each text, never padding or OOV).

    The text endpoint reads the last `max_length` characters of each text (the model's
    training context; default `CHAR_CONTEXT`), in the graph: `logits` are `(batch,
    min(longest text, max_length), vocabulary)`.
    """
    from rnn_zoo._validation import check_int

    max_length = check_int("max_length", max_length)
    vocabulary = list(vocabulary)
    table = lookup_table(vocabulary)
    index = {ch: i for i, ch in enumerate(vocabulary)}
    vocab_tensor = tf.constant(vocabulary, tf.string)

    def vectorize_graph(texts):
        chars = tf.strings.unicode_split(texts, "UTF-8")
        # The last `max_length` characters of each row (ragged: a negative start per row).
        lengths = chars.row_lengths()
        start = tf.maximum(lengths - max_length, 0)
        kept = tf.ragged.range(start, lengths)
        chars = tf.gather(chars, kept, batch_dims=1)
        return _dense_ids(table.lookup(chars))

    def vectorize_python(text):
        return [index.get(ch, OOV_ID) for ch in text[-max_length:]]

    def respond_graph(ids, logits):
        last = tf.maximum(tf.reduce_sum(tf.cast(ids != 0, tf.int32), axis=1) - 1, 0)
        final = tf.gather(logits, last, axis=1, batch_dims=1)
        best = tf.argmax(final[:, 2:], axis=-1, output_type=tf.int32) + 2
        return {"logits": logits, "next_character": tf.gather(vocab_tensor, best)}

    def respond_python(ids, logits):
        last = np.maximum((ids != 0).sum(axis=1) - 1, 0)
        final = logits[np.arange(len(ids)), last]
        best = final[:, 2:].argmax(axis=-1) + 2
        return {"logits": logits,
                "next_character": np.asarray([vocabulary[i] for i in best], dtype=object)}

    return _text_servable(
        model, name=name, vectorize_graph=vectorize_graph, vectorize_python=vectorize_python,
        respond_graph=respond_graph, respond_python=respond_python, examples=list(examples),
        track=[table],
        metadata={"serving_default": "raw text -> logits per character and the most likely "
                                     "next character",
                  "serve_tokens": "character ids (vocabulary.txt line number = id; 0 padding, "
                                  "1 OOV) -> logits",
                  **(metadata or {})})
