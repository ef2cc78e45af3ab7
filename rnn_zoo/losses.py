"""Losses: per-step (many-to-many, encoder-decoder) outputs trained on length buckets, and a
sparse cross-entropy with label smoothing for the classifiers."""

from __future__ import annotations

import keras

from rnn_zoo._validation import check_bool, check_int


@keras.saving.register_keras_serializable(package="rnn_zoo")
class TokenSumCrossentropy(keras.losses.Loss):
    """Sparse cross-entropy summed over the unmasked tokens, over a fixed token count.

    Keras's default reduction averages over the real tokens *of each batch*. With length buckets
    every batch holds words of one length range, so that per-batch mean gives a token of a
    short-word batch several times the weight of a token of a long-word batch, and the long
    sequences, where most errors are, learn slower. Dividing every batch's sum by one constant,
    the expected tokens per batch, weighs every token alike, as an unbucketed batch would.
    (`benchmarks/g2p_training_speed.py` measures the effect on `g2p_cmudict`.)

    The padding mask comes from the model's output (`mask_zero` embeddings), as for Keras's
    own losses; `sample_weight` still multiplies per token.

    Args:
        tokens_per_batch: the normalizer (> 0), usually batch size times the mean target length
            of the training set (see `expected_tokens_per_batch`).
        from_logits: whether predictions are logits (default) or probabilities.
        label_smoothing: in [0, 1): the target is `1 - label_smoothing` on the true token
            and `label_smoothing` spread evenly over the whole vocabulary (Szegedy et al.
            2016), i.e. the loss is `(1 - e) * CE(true) + e * mean_k(-log p_k)`. 0 (default):
            plain cross-entropy. It keeps the decoder from becoming over-confident, which
            usually helps beam search (Vaswani et al. 2017 use 0.1).
        name: loss name.

    Example:

    >>> import numpy as np
    >>> loss = TokenSumCrossentropy(tokens_per_batch=4.0)
    >>> y_true = np.array([[1, 2, 0]])
    >>> logits = np.zeros((1, 3, 3), "float32")  # uniform: ln 3 per token
    >>> round(float(loss(y_true, logits)), 4)  # 3 tokens (no mask here) * ln 3 / 4
    0.824
    >>> smooth = TokenSumCrossentropy(tokens_per_batch=4.0, label_smoothing=0.1)
    >>> round(float(smooth(y_true, logits)), 4)  # uniform logits: smoothing changes nothing
    0.824
    """

    def __init__(self, *, tokens_per_batch: float, from_logits: bool = True,
                 label_smoothing: float = 0.0, name: str = "token_sum_crossentropy",
                 **kwargs):
        # Always "sum": the normalizer is applied in `call`.
        if kwargs.pop("reduction", "sum") != "sum":
            raise ValueError("`reduction` is always 'sum' for TokenSumCrossentropy (every batch "
                             "is divided by `tokens_per_batch`); leave it out.")
        super().__init__(name=name, reduction="sum", **kwargs)
        if (isinstance(tokens_per_batch, bool) or not isinstance(tokens_per_batch, (int, float))
                or not tokens_per_batch > 0):
            raise ValueError("`tokens_per_batch` must be a number > 0 (batch size times the mean "
                             f"target length), got {tokens_per_batch!r}.")
        self.tokens_per_batch = float(tokens_per_batch)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing)

    def call(self, y_true, y_pred):
        losses = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=self.from_logits)
        if self.label_smoothing:
            losses = _smoothed(losses, y_pred, from_logits=self.from_logits,
                               label_smoothing=self.label_smoothing)
        return losses / self.tokens_per_batch

    def get_config(self) -> dict:
        return {"name": self.name, "tokens_per_batch": self.tokens_per_batch,
                "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


def _check_smoothing(label_smoothing) -> float:
    if (isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float))
            or not 0 <= label_smoothing < 1):
        raise ValueError(f"`label_smoothing` must be a number in [0, 1), got {label_smoothing!r}.")
    return float(label_smoothing)


def _smoothed(losses, y_pred, *, from_logits: bool, label_smoothing: float):
    """`(1 - e) * CE(true) + e * mean_k(-log p_k)`: the true class's target is `1 - e`, and `e`
    is spread evenly over every class (Szegedy et al. 2016)."""
    ops = keras.ops
    log_probs = (ops.log_softmax(y_pred, axis=-1) if from_logits
                 else ops.log(ops.clip(y_pred, keras.config.epsilon(), 1.0)))
    uniform = -ops.mean(ops.cast(log_probs, losses.dtype), axis=-1)
    return (1.0 - label_smoothing) * losses + label_smoothing * uniform


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Sparse categorical cross-entropy (integer targets) with label smoothing.

    Keras's `SparseCategoricalCrossentropy` has no `label_smoothing` (only the one-hot
    `CategoricalCrossentropy` does); this is the same loss on integer class ids, averaged over
    the batch as Keras's is.

    Args:
        label_smoothing: in [0, 1): the target is `1 - label_smoothing` on the true class and
            `label_smoothing` spread evenly over all classes; 0 is plain cross-entropy. It
            keeps a classifier trained on noisy labels from growing over-confident.
        from_logits: whether predictions are logits (default) or probabilities.
        name: loss name.

    Example:

    >>> import numpy as np
    >>> loss = SmoothedSparseCrossentropy(label_smoothing=0.1)
    >>> logits = np.log(np.array([[0.5, 0.25, 0.25]], "float32"))
    >>> round(float(loss(np.array([0]), logits)), 4)  # 0.9 * ln 2 + 0.1 * (ln 2 + 2 ln 4) / 3
    0.7394
    """

    def __init__(self, *, label_smoothing: float = 0.0, from_logits: bool = True,
                 name: str = "smoothed_sparse_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing)

    def call(self, y_true, y_pred):
        losses = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=self.from_logits)
        if not self.label_smoothing:
            return losses
        return _smoothed(losses, y_pred, from_logits=self.from_logits,
                         label_smoothing=self.label_smoothing)

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


def expected_tokens_per_batch(target_lengths, *, batch_size: int) -> float:
    """`batch_size` times the mean of `target_lengths` (tokens per target, end token included).

    Example:

    >>> expected_tokens_per_batch([3, 5], batch_size=4)
    16.0
    """
    lengths = [int(n) for n in target_lengths]
    if not lengths or min(lengths) < 1:
        raise ValueError("`target_lengths` must be a non-empty sequence of lengths >= 1, got "
                         f"{len(lengths)} lengths, smallest {min(lengths, default=None)!r}.")
    check_int("batch_size", batch_size)
    return float(batch_size * sum(lengths) / len(lengths))
