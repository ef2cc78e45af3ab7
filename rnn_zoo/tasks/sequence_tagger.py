"""`SequenceTagger`: many-to-many (synced), one tag per token (part of speech, named entities)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_choice, check_int, check_rate
from rnn_zoo.tasks._sequences import count_vocabulary, softmax
from rnn_zoo.tasks.task import Task, check_sequence

__all__ = ["SequenceTagger"]


class SequenceTagger(Task):
    """Tags every token of a sequence: a bidirectional recurrent tagger with its lookup inside.

    `x` is a list of sequences, each a list of token strings (or one string, split on
    whitespace); `y` one tag list per sequence, as long as it (tags are str or int). On `fit` it
    learns the token vocabulary (tokens as given, case kept; seen at least `min_count` times, at
    most `max_tokens`; the rest map to `[UNK]`) and the tag set from the training split, then
    trains a bidirectional LSTM (`rnn_zoo.topologies.many_to_many`, one output per step) over
    length-bucketed batches with a warm-up + cosine schedule and early stopping. Padding is
    masked: it never counts in the loss, the accuracy or the scores. The trained model takes a
    right-padded `(batch, T)` string tensor of tokens (`""` is padding): the vocabulary lookup
    is a layer inside `model.keras`. It needs the TensorFlow backend (string lookup).

    Args:
        embedding_dim: token vector size.
        units: LSTM units per direction.
        num_layers: stacked recurrent layers.
        cell: `"lstm"`, `"gru"` or `"simple_rnn"`.
        bidirectional: read each sequence in both directions (a tag depends on what follows
            too, e.g. "can" as noun or verb).
        dropout: dropout after each recurrent layer.
        max_tokens: vocabulary cap (padding and `[UNK]` included).
        min_count: least occurrences in the training split for a token to get its own id.
        num_buckets: length buckets of the training batches.
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> from rnn_zoo.tasks import SequenceTagger
    >>> x = ["the dog runs", "a cat sleeps", "the cat runs"] * 10
    >>> y = [["DET", "NOUN", "VERB"]] * 30
    >>> y[0] = ["DET", "NOUN", "NOUN"]
    >>> task = SequenceTagger(units=8, embedding_dim=8, epochs=2).fit(x, y, verbose=0)
    >>> [len(tags) for tags in task.predict(["the dog sleeps", [], "a"])]
    [3, 0, 1]
    """

    MODEL_DEFAULTS = {
        "embedding_dim": 100,
        "units": 64,
        "num_layers": 1,
        "cell": "lstm",
        "bidirectional": True,
        "dropout": 0.3,
        "max_tokens": 20_000,
        # Tokens seen once map to [UNK], so the tagger learns to tag unknown words from context.
        "min_count": 2,
        "num_buckets": 4,
    }
    MONITOR = ("val_loss", "min")

    def _check_config(self, config):
        for name in ("embedding_dim", "units", "num_layers", "min_count", "num_buckets"):
            check_int(name, config[name])
        check_int("max_tokens", config["max_tokens"], minimum=3)
        check_choice("cell", config["cell"], ("lstm", "gru", "simple_rnn"))
        check_rate("dropout", config["dropout"])
        check_bool("bidirectional", config["bidirectional"])

    # --- inputs -----------------------------------------------------------------------------

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        rows = [_tokens(f"{x_name}[{i}]", row)
                for i, row in enumerate(check_sequence(x_name, x, what="token sequences"))]
        if y is None:
            return rows, None
        tags = check_sequence(y_name, y, what="tag sequences")
        if len(tags) != len(rows):
            raise ValueError(f"`{y_name}` has {len(tags)} tag sequences for {len(rows)} "
                             f"sequences in `{x_name}`; give one per sequence.")
        checked = []
        for i, (row, tag_row) in enumerate(zip(rows, tags, strict=True)):
            name = f"{y_name}[{i}]"
            if isinstance(tag_row, (str, bytes)) or not isinstance(tag_row, (list, tuple,
                                                                             np.ndarray)):
                raise TypeError(f"`{name}` must be a list of tags, got "
                                f"{type(tag_row).__name__}.")
            if len(tag_row) != len(row):
                raise ValueError(f"`{name}` has {len(tag_row)} tags for {len(row)} tokens in "
                                 f"`{x_name}[{i}]`; give one tag per token.")
            checked.append([_tag(t, f"{name}[{j}]") for j, t in enumerate(tag_row)])
        seen = {t for row in checked for t in row}
        if fitting and len(seen) < 2:
            raise ValueError(f"`{y_name}` has fewer than two distinct tags "
                             f"({sorted(seen, key=str)}); a tagger needs at least two.")
        if not fitting and self.state.get("tags"):
            known = set(self.state["tags"])
            for i, row in enumerate(checked):
                for j, tag in enumerate(row):
                    if tag not in known:
                        raise ValueError(f"`{y_name}[{i}][{j}]` is {tag!r}, not one of the "
                                         f"tags seen in training: {sorted(known, key=str)}.")
        return rows, checked

    # --- preprocessing ----------------------------------------------------------------------

    def _adapt(self, x, y):
        from rnn_zoo.data.bucketing import quantile_boundaries

        config = self._config
        lengths = np.asarray([len(row) for row in x if row] or [1])
        self.state = {
            "vocabulary": count_vocabulary(x, min_count=config["min_count"],
                                           max_tokens=config["max_tokens"]),
            "tags": sorted({t for row in y for t in row}, key=lambda v: (str(type(v)), v)),
            "bucket_boundaries": quantile_boundaries(lengths,
                                                     num_buckets=config["num_buckets"]),
        }

    def _datasets(self, x, y, *, training):
        import tensorflow as tf

        from rnn_zoo.data.pipeline import finish

        index = {t: i for i, t in enumerate(self.state["vocabulary"])}
        tag_index = {t: i for i, t in enumerate(self.state["tags"])}
        # Empty sequences have nothing to learn or score; padding is masked (id 0).
        pairs = [([index.get(t, 1) for t in row], [tag_index[t] for t in tags])
                 for row, tags in zip(x, y, strict=True) if row]
        if not pairs:
            raise ValueError("`x` has no non-empty sequence " +
                             ("to train on." if training else "in the validation split."))
        ds = tf.data.Dataset.from_generator(
            lambda: iter(pairs), output_signature=(tf.TensorSpec([None], tf.int32),
                                                   tf.TensorSpec([None], tf.int32)))
        return finish(ds, batch_size=self._config["batch_size"], cache=True,
                      shuffle_buffer=len(pairs) if training else None,
                      seed=self._config["seed"],
                      boundaries=self.state["bucket_boundaries"] if training else None)

    # --- model ------------------------------------------------------------------------------

    def _build_backbone(self, *, steps_per_epoch):
        from rnn_zoo.tasks._compile import compile_classifier
        from rnn_zoo.topologies import many_to_many

        config = self._config
        backbone = many_to_many(
            vocab_size=len(self.state["vocabulary"]), embedding_dim=config["embedding_dim"],
            cell=config["cell"], units=config["units"], num_layers=config["num_layers"],
            bidirectional=config["bidirectional"], dropout=config["dropout"],
            num_classes=len(self.state["tags"]), name="backbone")
        return compile_classifier(backbone, config, steps_per_epoch=steps_per_epoch)

    def _lookup(self):
        import keras

        # `vocabulary` without padding and [UNK], which the layer adds itself (0 and 1).
        return keras.layers.StringLookup(vocabulary=self.state["vocabulary"][2:], mask_token="",
                                         oov_token="[UNK]", num_oov_indices=1, name="lookup")

    def _assemble(self, backbone):
        import keras

        tokens = keras.Input(shape=(None,), dtype="string", name="tokens")
        return keras.Model(tokens, backbone(self._lookup()(tokens)), name="sequence_tagger")

    def _batch(self, x):
        import tensorflow as tf

        width = max(1, max(len(row) for row in x))  # a recurrent layer needs one step
        return tf.constant([row + [""] * (width - len(row)) for row in x], tf.string)

    def _run(self, x, *, batch_size):
        """Per-sequence outputs `(len(row), tags)`: batches differ in length, so no stacking."""
        import keras

        found = []
        for i in range(0, len(x), batch_size):
            rows = x[i:i + batch_size]
            out = keras.ops.convert_to_numpy(self.model(self._batch(rows), training=False))
            found += [o[:len(row)] for o, row in zip(out, rows, strict=True)]
        return found

    # --- outputs ----------------------------------------------------------------------------

    @property
    def tags(self) -> list:
        """The tag set, in the order of the model's outputs."""
        self._require_model("tags")
        return list(self.state["tags"])

    def predict_proba(self, x, *, batch_size: int | None = None) -> list[np.ndarray]:
        """Tag probabilities per sequence: a `(len(sequence), tags)` array each."""
        return [softmax(o) for o in self._outputs(x, batch_size=batch_size, name="x")]

    def _answers(self, outputs):
        tags = self.state["tags"]
        return [[tags[j] for j in o.argmax(axis=-1)] for o in outputs]

    def _scores(self, y_true, outputs) -> dict[str, Any]:
        """Token accuracy and macro-F1 over tags (padding never counts), and exact match: the
        fraction of sequences with every tag right (an empty sequence counts as right)."""
        from rnn_zoo.tasks._metrics import classification_scores

        index = {t: i for i, t in enumerate(self.state["tags"])}
        true = [np.asarray([index[t] for t in row], np.int64) for row in y_true]
        pred = [o.argmax(axis=-1) for o in outputs]
        scores = classification_scores(np.concatenate(true), np.concatenate(pred),
                                       self.state["tags"])
        scores["tokens"] = scores.pop("examples")
        scores["exact_match"] = float(np.mean([np.array_equal(t, p) for t, p in
                                               zip(true, pred, strict=True)]))
        scores["sequences"] = len(true)
        return scores

    # --- export -----------------------------------------------------------------------------

    def servable(self):
        """String tokens in (SavedModel `serving_default`: tag logits and tags), token ids in
        (`serve_tokens`, TFLite, ONNX: the backbone; ids from the vocabulary in task.json)."""
        import keras
        import tensorflow as tf

        from rnn_zoo.exporters.servable import MODEL_OUTPUT, Endpoint, Servable

        self._require_model("export")
        backbone, lookup = self.backbone, self.model.get_layer("lookup")
        tags = [str(t) for t in self.state["tags"]]
        tag_tensor = tf.constant(tags, tf.string)
        name = backbone.inputs[0].name

        def serve_text(inputs):
            logits = backbone(tf.cast(lookup(inputs["tokens"]), tf.int32), training=False)
            best = tf.argmax(logits, axis=-1, output_type=tf.int32)
            return {"logits": logits, "tags": tf.gather(tag_tensor, best)}

        def serve_tokens(inputs):
            return {MODEL_OUTPUT: backbone(inputs[name], training=False)}

        def reference(endpoint, inputs):
            if endpoint == "serve_tokens":
                return {MODEL_OUTPUT: keras.ops.convert_to_numpy(
                    backbone(inputs[name], training=False))}
            tokens = [[t.decode() if isinstance(t, bytes) else str(t) for t in row]
                      for row in inputs["tokens"]]
            logits = keras.ops.convert_to_numpy(self.model(tf.constant(tokens, tf.string),
                                                           training=False))
            return {"logits": logits,
                    "tags": np.asarray([[tags[j] for j in row] for row in logits.argmax(-1)],
                                       dtype=object)}

        index = {t: i for i, t in enumerate(self.state["vocabulary"])}
        rows = [[self.state["vocabulary"][2] if len(index) > 2 else "x", "zzz-unseen"],
                ["only"], ["a", "longer", "row", "of", "tokens", "!"]]
        width = max(len(r) for r in rows)
        padded = [r + [""] * (width - len(r)) for r in rows]
        ids = [[index.get(t, 1) if t else 0 for t in r] for r in padded]
        return Servable(
            name="sequence_tagger",
            endpoints={
                "serving_default": Endpoint(serve_text,
                                            {"tokens": tf.TensorSpec([None, None], tf.string)}),
                "serve_tokens": Endpoint(serve_tokens,
                                         {name: tf.TensorSpec([None, None], tf.int32)}),
            },
            track=[backbone, lookup],
            reference=reference,
            examples={"serving_default": [{"tokens": np.asarray(padded, dtype=object)}],
                      "serve_tokens": [{name: np.asarray(ids, np.int32)}]
                      + [{name: np.asarray([r[:len(row)]], np.int32)}
                         for r, row in zip(ids, rows, strict=True)]},
            tflite_endpoints=("serve_tokens",),
            keras_model=backbone,
            model_endpoint="serve_tokens",
            metadata={"task": "SequenceTagger", "tags": tags,
                      "serving_default": "string tokens (batch, T), '' padding -> tag logits "
                                         "and tags",
                      "serve_tokens": "token ids (task.json vocabulary; 0 padding, 1 [UNK]) "
                                      "-> tag logits per step",
                      "vocabulary": self.state["vocabulary"]},
            tflite_track=[backbone])


def _tokens(name: str, row) -> list[str]:
    """One sequence: a list of non-empty token strings, or a string split on whitespace."""
    if isinstance(row, str):
        return row.split()
    if not isinstance(row, (list, tuple, np.ndarray)):
        raise TypeError(f"`{name}` must be a list of token strings or a str, got "
                        f"{type(row).__name__}.")
    for j, token in enumerate(row):
        if not isinstance(token, str):
            raise TypeError(f"`{name}[{j}]` must be a str token, got {type(token).__name__}.")
        if not token:
            raise ValueError(f"`{name}[{j}]` is an empty token; \"\" is the padding.")
    return [str(t) for t in row]


def _tag(value, name: str):
    """A tag: a str or an int (NumPy scalars become Python ones)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a str or int tag, got a bool.")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"`{name}` must be a str or int tag, got {type(value).__name__}.")
