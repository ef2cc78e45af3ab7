"""`SequenceCaptioner`: one-to-many, a vector or an image in, a sequence out (captioning)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_choice, check_int, check_rate
from rnn_zoo.tasks._arrays import check_example_shape, check_float_array, standardization
from rnn_zoo.tasks.task import Task

__all__ = ["SequenceCaptioner"]

# The zoo's target ids (`rnn_zoo.data.text.target_vectorizer`): 0 padding, 1 OOV, 2 start,
# 3 end, real tokens from 4. The RepeatVector decoder reads no previous token, so it never
# needs <start>; the id is kept so the vocabulary means the same as the seq2seq tasks'.
PAD_ID, OOV_ID, START_ID, END_ID = 0, 1, 2, 3
SPECIALS = ("[PAD]", "[UNK]", "<start>", "<end>")
_WHAT = "feature vectors (n, d) or images (n, H, W) / (n, H, W, C)"


class SequenceCaptioner(Task):
    """Maps a feature vector or an image to a sequence: a RepeatVector recurrent decoder.

    On `fit` it learns the target vocabulary from the training targets (characters of strings,
    words with `level="word"`, or the items of token lists), the standardisation of the inputs
    (per feature for vectors, per channel for images) and the longest target, then trains a
    non-autoregressive decoder: the input (vectors as they are, images through a small CNN,
    `rnn_zoo.registry.one_to_many_captioner`) is repeated for `max_length + 1` steps, and a
    recurrent stack predicts one token per step, the last one `<end>`. The loss is summed
    over the real tokens and the end token, padding steps masked out
    (`rnn_zoo.losses.TokenSumCrossentropy`). `predict` decodes each step's most likely token
    up to the first `<end>` and returns sequences in the form of the training targets. The
    trained model takes raw arrays: the standardisation is a `keras.layers.Normalization`
    inside `model.keras`.

    With `fixed_length=True` every answer has exactly `max_length` tokens (a K-digit string,
    a fixed-size code): the decoder runs `max_length` steps, each choosing among the
    training tokens alone, with no `<end>` step and no special ids, so `vocabulary[i]` is
    output column `i` and `token_accuracy` is the plain per-token accuracy.

    Args:
        level: `"char"` (a string target is its characters) or `"word"` (its
            whitespace-separated words, joined by one space in the answers). Token-list
            targets ignore it.
        max_length: most tokens per answer; None: the longest training target. Longer
            training targets are cut to it.
        fixed_length: every training target has the same number of tokens (`max_length`,
            or None for that common length) and every answer has exactly that many: no
            `<end>` step, outputs over the training tokens only. Training targets of
            another length are a one-line error.
        cell: `"gru"`, `"lstm"` or `"simple_rnn"`.
        units: recurrent units per layer.
        num_layers: stacked recurrent layers.
        bidirectional: run each decoder layer in both directions (possible here: the whole
            output is produced at once).
        dropout: dropout after each recurrent layer.
        filters: filters of the CNN blocks that encode images (unused for vectors).
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo.tasks import SequenceCaptioner
    >>> x = np.tile(np.eye(4, dtype="float32"), (8, 1))
    >>> y = ["ab", "ba", "abc", "c"] * 8
    >>> task = SequenceCaptioner(units=16, epochs=2).fit(x, y, verbose=0)
    >>> task.state["max_length"], task.vocabulary[4:]
    (3, ['a', 'b', 'c'])
    >>> isinstance(task.predict(x[:1])[0], str)
    True
    """

    INPUT_KIND = "array"

    MODEL_DEFAULTS = {
        "level": "char",
        "max_length": None,
        "fixed_length": False,
        "cell": "gru",
        "units": 128,
        "num_layers": 1,
        "bidirectional": False,
        "dropout": 0.1,
        "filters": [32, 64],
    }
    # The digit_captions recipe's schedule: its quick profile's rate, a patience of 8.
    TRAINING_DEFAULTS = {
        "epochs": 60,
        "patience": 8,
        "learning_rate": 3e-3,
    }

    def _check_config(self, config):
        check_choice("level", config["level"], ("char", "word"))
        if config["max_length"] is not None:
            check_int("max_length", config["max_length"])
        check_bool("fixed_length", config["fixed_length"])
        check_choice("cell", config["cell"], ("gru", "lstm", "simple_rnn"))
        check_int("units", config["units"])
        check_int("num_layers", config["num_layers"])
        check_bool("bidirectional", config["bidirectional"])
        check_rate("dropout", config["dropout"])
        filters = config["filters"]
        if isinstance(filters, (str, bytes)) or not isinstance(filters, (list, tuple)) \
                or not filters:
            raise TypeError(f"`filters` must be a non-empty list of ints, got {filters!r}.")
        # A list, as `task.json` keeps it, so a loaded task's config equals the saved one.
        config["filters"] = [check_int(f"filters[{i}]", f) for i, f in enumerate(filters)]

    # --- inputs -----------------------------------------------------------------------------

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        x = check_float_array(x_name, x, ranks=(2, 3, 4), what=_WHAT)
        if not fitting and "input_shape" in self.state:
            check_example_shape(x_name, x, self.state["input_shape"], what="examples")
        if y is None:
            return x, None
        if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
            raise TypeError(f"`{y_name}` must be a list of target sequences (strings or token "
                            f"lists), got {type(y).__name__}.")
        if len(y) != len(x):
            raise ValueError(f"`{y_name}` has {len(y)} targets for {len(x)} examples in "
                             f"`{x_name}`; give one target per example.")
        form = self.state.get("form") if not fitting else None
        targets = _check_targets(y_name, list(y), form=form)
        if fitting and not any(self._tokens(t) for t in targets):
            raise ValueError(f"`{y_name}` holds only empty targets; a captioner needs tokens "
                             "to learn.")
        return x, targets

    def _tokens(self, target) -> list:
        """A checked target (a str or a token tuple) -> its tokens at this task's level."""
        if isinstance(target, str):
            return list(target) if self._config["level"] == "char" else target.split()
        return list(target)

    # --- preprocessing ----------------------------------------------------------------------

    def _adapt(self, x, y):
        tokens = [self._tokens(t) for t in y]
        counts = Counter(token for row in tokens for token in row)
        vocabulary = sorted(counts, key=lambda t: (-counts[t], t))
        longest = max(1, max(len(row) for row in tokens))  # a carved split may be all empty
        max_length = self._config["max_length"] or longest
        if self._config["fixed_length"]:
            lengths = sorted({len(row) for row in tokens} | {max_length})
            if len(lengths) > 1:
                raise ValueError(f"`y` has targets of {', '.join(map(str, lengths))} tokens (with "
                                 "`max_length`); fixed_length=True needs one length.")
        # For the loss's normalizer: the mean target length of the training split (+ <end>).
        end = 0 if self._config["fixed_length"] else 1
        self._target_lengths = [min(len(row), max_length) + end for row in tokens]
        # Per feature for vectors, per channel for images (one channel when they have none).
        axes = {2: (0,), 3: (0, 1, 2), 4: (0, 1, 2)}[x.ndim]
        mean, variance = standardization(x, axes=axes)
        self.state = {
            "form": "text" if isinstance(y[0], str) else "tokens",
            "tokens": vocabulary,
            "max_length": max_length,
            "input_shape": list(x.shape[1:]),
            "mean": mean,
            "variance": variance,
        }

    @property
    def vocabulary(self) -> list:
        """Tokens by id: padding, OOV, `<start>`, `<end>`, then the training targets' tokens
        (with `fixed_length`, the training targets' tokens alone)."""
        self._require_model("vocabulary")
        if self._config["fixed_length"]:
            return list(self.state["tokens"])
        return [*SPECIALS, *self.state["tokens"]]

    @property
    def _specials(self) -> int:
        """Ids before the first real token: none for fixed-length answers."""
        return 0 if self._config["fixed_length"] else len(SPECIALS)

    def _preprocessors(self):
        """Raw examples -> what the backbone reads: channels for 2-D images, then scaling."""
        import keras

        shape = self.state["input_shape"]
        layers = []
        if len(shape) == 2:
            layers.append(keras.layers.Reshape((*shape, 1), name="add_channel"))
        layers.append(keras.layers.Normalization(mean=self.state["mean"],
                                                 variance=self.state["variance"],
                                                 name="normalize"))
        return layers

    def _preprocess(self, x):
        import keras

        for layer in self._preprocessors():
            x = layer(x)
        return keras.ops.convert_to_numpy(x)

    def _target_ids(self, targets) -> tuple[np.ndarray, np.ndarray]:
        """Targets -> `(n, max_length + 1)` ids (tokens cut to `max_length`, `<end>`, padding)
        and their weights (1 on the real tokens and `<end>`).

        With `fixed_length`: `(n, max_length)` ids of the tokens themselves; a token unseen in
        training or a missing position (a validation target of another length) weighs 0.
        """
        steps = self.state["max_length"]
        index = {t: i for i, t in enumerate(self.state["tokens"], start=self._specials)}
        if self._config["fixed_length"]:
            ids = np.zeros((len(targets), steps), np.int32)
            weights = np.zeros((len(targets), steps), np.float32)
            for row, target in enumerate(targets):
                for step, token in enumerate(self._tokens(target)[:steps]):
                    if token in index:
                        ids[row, step], weights[row, step] = index[token], 1.0
            return ids, weights
        ids = np.full((len(targets), steps + 1), PAD_ID, np.int32)
        for row, target in enumerate(targets):
            tokens = [index.get(t, OOV_ID) for t in self._tokens(target)[:steps]]
            ids[row, :len(tokens) + 1] = [*tokens, END_ID]
        return ids, (ids != PAD_ID).astype(np.float32)

    def _datasets(self, x, y, *, training):
        import tensorflow as tf

        from rnn_zoo.data import finish

        config = self._config
        ids, weights = self._target_ids(y)
        ds = tf.data.Dataset.from_tensor_slices((self._preprocess(x), ids, weights))
        return finish(ds, batch_size=config["batch_size"],
                      shuffle_buffer=len(x) if training else None, seed=config["seed"])

    # --- model ------------------------------------------------------------------------------

    def _build_backbone(self, *, steps_per_epoch):
        import keras

        from rnn_zoo.losses import TokenSumCrossentropy, expected_tokens_per_batch
        from rnn_zoo.tasks._compile import warmup_cosine

        config, state = self._config, self.state
        shape = state["input_shape"]
        end = 0 if config["fixed_length"] else 1
        settings = {"steps": state["max_length"] + end, "cell": config["cell"],
                    "units": config["units"], "num_layers": config["num_layers"],
                    "bidirectional": config["bidirectional"], "dropout": config["dropout"],
                    "num_classes": self._specials + len(state["tokens"]), "name": "backbone"}
        if len(shape) == 1:
            from rnn_zoo.topologies import one_to_many

            backbone = one_to_many(input_dim=shape[0], **settings)
        else:
            from rnn_zoo.registry import one_to_many_captioner

            image_shape = (*shape, 1) if len(shape) == 2 else tuple(shape)
            backbone = one_to_many_captioner(image_shape=image_shape,
                                             filters=tuple(config["filters"]), **settings)
        schedule = warmup_cosine(config["learning_rate"], steps_per_epoch=steps_per_epoch,
                                 epochs=config["epochs"], warmup_epochs=config["warmup_epochs"])
        backbone.compile(
            # Clipping keeps the first steps of a recurrent decoder on unseen data in range.
            optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0),
            # Every real token (and <end>) weighs the same whatever its batch holds.
            loss=TokenSumCrossentropy(tokens_per_batch=expected_tokens_per_batch(
                self._target_lengths, batch_size=config["batch_size"])),
            weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="token_accuracy")])
        return backbone

    def _assemble(self, backbone):
        import keras

        raw = keras.Input(shape=tuple(self.state["input_shape"]), dtype="float32",
                          name="inputs")
        x = raw
        for layer in self._preprocessors():
            x = layer(x)
        return keras.Model(raw, backbone(x), name="sequence_captioner")

    # --- outputs ----------------------------------------------------------------------------

    def predict_proba(self, x, *, batch_size: int | None = None) -> np.ndarray:
        """Per-step token probabilities `(len(x), max_length + 1, len(vocabulary))`
        (`max_length` steps with `fixed_length`)."""
        from rnn_zoo.tasks._classes import softmax

        return softmax(self._outputs(x, batch_size=batch_size, name="x"))

    def _decode(self, outputs) -> list[list]:
        """Logits -> token lists: each step's best real token, up to the first `<end>`."""
        tokens = self.state["tokens"]
        if self._config["fixed_length"]:
            return [[tokens[i] for i in row] for row in np.argmax(outputs, axis=-1)]
        logits = np.array(outputs, np.float64, copy=True)
        # Padding, OOV and <start> are never an answer; <end> stops it.
        logits[..., [PAD_ID, OOV_ID, START_ID]] = -np.inf
        best = logits.argmax(axis=-1)[:, :self.state["max_length"]]
        decoded = []
        for row in best:
            ends = np.flatnonzero(row == END_ID)
            row = row[:ends[0]] if ends.size else row
            decoded.append([tokens[i - len(SPECIALS)] for i in row])
        return decoded

    def _answers(self, outputs):
        form = self.state["form"]
        decoded = self._decode(outputs)
        if form != "text":
            return decoded
        joiner = "" if self._config["level"] == "char" else " "
        return [joiner.join(row) for row in decoded]

    def _scores(self, y_true, outputs) -> dict[str, Any]:
        from rnn_zoo.tasks._metrics import sequence_scores

        # Position by position with the end counted, so a too-long answer is wrong where the
        # reference ends; a fixed-length answer has no end to count.
        return sequence_scores(self._decode(outputs), [self._tokens(t) for t in y_true],
                               count_end=not self._config["fixed_length"])

    def servable(self):
        """Raw arrays in, per-step token logits out (`outputs`); every format."""
        from rnn_zoo.exporters.servable import keras_servable

        self._require_model("export")
        serving = ("raw inputs -> (batch, max_length, vocabulary) logits; answer: argmax per "
                   "step, ids index vocabulary" if self._config["fixed_length"] else
                   "raw inputs -> (batch, max_length + 1, vocabulary) logits; answer: argmax "
                   "per step up to id 3 (<end>), ids >= 4 index vocabulary")
        return keras_servable(self.model, name="sequence_captioner", metadata={
            "task": "SequenceCaptioner", "vocabulary": [str(t) for t in self.vocabulary],
            "serving_default": serving, "level": self._config["level"],
            "form": self.state["form"], "fixed_length": self._config["fixed_length"]})


def _check_targets(name: str, targets: list, *, form: str | None) -> list:
    """Targets as strings (form `"text"`) or token lists (form `"tokens"`, str or int items).

    Returns the checked targets (strs, or tuples of tokens); all must share one form, and
    after `fit` the form the task was trained on.
    """
    first = "text" if isinstance(targets[0], str) else "tokens"
    expected = form or first
    checked = []
    for i, target in enumerate(targets):
        if isinstance(target, str):
            kind = "text"
        elif isinstance(target, (list, tuple, np.ndarray)):
            kind = "tokens"
        else:
            raise TypeError(f"`{name}[{i}]` must be a str or a list of tokens, got "
                            f"{type(target).__name__}.")
        if kind != expected:
            said = "strings" if expected == "text" else "token lists"
            trained = " the task was trained on" if form else " the other targets are"
            raise TypeError(f"`{name}[{i}]` is a {'str' if kind == 'text' else 'token list'} "
                            f"but{trained} {said}; give one form.")
        if kind == "text":
            checked.append(target)
            continue
        tokens = []
        for j, token in enumerate(target):
            if isinstance(token, (bool, np.bool_)) or not isinstance(
                    token, (str, int, np.integer)):
                raise TypeError(f"`{name}[{i}][{j}]` must be a str or int token, got "
                                f"{type(token).__name__}.")
            tokens.append(int(token) if isinstance(token, (int, np.integer)) else str(token))
        checked.append(tuple(tokens))
    if expected == "tokens":
        kinds = {type(t) for target in checked for t in target}
        if len(kinds) > 1:
            raise TypeError(f"`{name}` mixes str and int tokens; use one type.")
    return checked
