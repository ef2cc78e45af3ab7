"""What the float-series tasks share: input checks, normalisation, padding, pipelines, streaming.

`SeriesClassifier` and `SeriesRegressor` take a list of variable-length series, each `(T_i, F)`
or `(T_i,)`; `Forecaster` takes long series and windows them. They all:

- refuse anything but finite float series with one fixed number of features (one-line errors
  naming the argument and the series);
- learn a per-feature mean and std over the real steps of the training series, applied by a
  `SeriesNormalizer` layer inside the saved model (so the model takes raw values);
- pad a batch on the right with NaN (`pad_series`), which the normaliser turns into all-zero
  frames next to a real-step indicator feature that is 1 on every real step: padding can never
  collide with a real value, and the backbone's `Masking(mask_value=0.0)` masks exactly the
  padding (right padding keeps the cuDNN kernel eligible). A task with the setting
  `mask_channel=False` leaves the indicator out (the backbone then reads `F` features and masks
  all-zero standardised frames, as models trained on zero-padded series do);
- optionally (`noise_std` > 0) add seeded gaussian noise to the standardised real steps of each
  training batch, a regulariser for small data sets (padding and the indicator stay exact);
- with a `max_steps` setting, average every `stride` frames (`StepPooling`, inside the saved
  model) so the longest training series has at most `max_steps` frames;
- build a `rnn_zoo.topologies.many_to_one` backbone over the normalised features, `units`
  sized from the number of training series when the task's setting is `"auto"`.

Only NumPy and stdlib at module level: Keras and TensorFlow are imported where they are used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_choice, check_int, check_rate

__all__ = ["RECURRENT_DEFAULTS", "SeriesInputs", "auto_units", "check_recurrent_config",
           "check_series_list", "feature_statistics", "pad_series", "series_stride"]

# The recurrent settings the series tasks share (each task sets its own defaults).
RECURRENT_DEFAULTS = {
    "cell": "lstm",
    "units": 64,
    "num_layers": 2,
    "bidirectional": True,
    "dropout": 0.3,
    "pooling": "mean",
}


def check_recurrent_config(config: Mapping[str, Any], *, auto_units: bool = False) -> None:
    """One-line errors naming the bad recurrent setting (`auto_units`: `"auto"` is allowed)."""
    if not (auto_units and config["units"] == "auto"):
        try:
            check_int("units", config["units"])
        except (TypeError, ValueError) as e:
            if not auto_units:
                raise
            raise type(e)(f"`units` must be an int >= 1 or 'auto', got "
                          f"{config['units']!r}.") from None
    check_int("num_layers", config["num_layers"])
    check_choice("cell", config["cell"], ("lstm", "gru", "simple_rnn"))
    check_choice("pooling", config["pooling"], ("last", "mean", "max"))
    check_rate("dropout", config["dropout"])
    check_bool("bidirectional", config["bidirectional"])


def auto_units(num_examples: int) -> int:
    """Recurrent units for `num_examples` training series: about 3 * sqrt(N), a power of two
    in [16, 128] (40 series: 16, 270: 64, 5,000: 128), so a small set gets a small model."""
    return int(min(128, max(16, 2 ** round(np.log2(3 * np.sqrt(max(num_examples, 1)))))))


def series_stride(lengths: Sequence[int], max_steps: int | None) -> int:
    """Steps averaged into one so the longest series has at most `max_steps` (None: 1)."""
    if max_steps is None:
        return 1
    return max(1, -(-max(lengths) // max_steps))


def _is_series_like(value) -> bool:
    """One series given alone: a NumPy array of rank 1 or 2, or a flat list of numbers."""
    if isinstance(value, np.ndarray):
        return value.ndim in (1, 2) and value.dtype != object
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
        for v in value)


def check_series(name: str, value, *, min_length: int = 1, num_features: int | None = None,
                 length_hint: str = "") -> np.ndarray:
    """One finite float series `(T,)` or `(T, F)` -> a float32 `(T, F)` array."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype == object or not (
            np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        got = type(value).__name__ if array is None else f"{type(value).__name__} of " \
            f"{array.dtype}"
        raise TypeError(f"`{name}` must be a float array of shape (T, F) or (T,), got {got}.")
    if array.ndim not in (1, 2):
        raise ValueError(f"`{name}` must be a float array of shape (T, F) or (T,), got shape "
                         f"{array.shape}.")
    if len(array) < min_length:
        what = "no steps" if len(array) == 0 else f"{len(array)} steps"
        raise ValueError(f"`{name}` has {what}; it needs at least {min_length}{length_hint}.")
    array = array.astype(np.float32).reshape(len(array), -1)
    if array.shape[1] == 0:
        raise ValueError(f"`{name}` has no features (shape {array.shape}).")
    if num_features is not None and array.shape[1] != num_features:
        raise ValueError(f"`{name}` has {array.shape[1]} features per step; the series the "
                         f"task was trained on have {num_features}.")
    if not np.isfinite(array).all():
        raise ValueError(f"`{name}` has NaN or infinite values; give finite floats (NaN is the "
                         "padding the model masks).")
    return array


def check_series_list(name: str, value, *, min_length: int = 1,
                      num_features: int | None = None, length_hint: str = "",
                      single: bool = False) -> list[np.ndarray]:
    """A list of series (or, with `single`, also one series alone) -> float32 `(T_i, F)` arrays.

    Every series has the same number of features `F` (`num_features` when given).
    """
    from rnn_zoo.tasks.task import check_sequence

    if single and _is_series_like(value):
        return [check_series(name, value, min_length=min_length, num_features=num_features,
                             length_hint=length_hint)]
    items = check_sequence(name, value, what="float series")
    out = []
    for i, item in enumerate(items):
        array = check_series(f"{name}[{i}]", item, min_length=min_length,
                             num_features=num_features, length_hint=length_hint)
        if out and array.shape[1] != out[0].shape[1]:
            raise ValueError(f"`{name}[{i}]` has {array.shape[1]} features per step, "
                             f"`{name}[0]` has {out[0].shape[1]}; every series needs the same.")
        out.append(array)
    return out


def feature_statistics(series: Sequence[np.ndarray]) -> tuple[list[float], list[float]]:
    """Per-feature mean and std over every step of `series`; a constant feature gets std 1."""
    frames = np.concatenate(series).astype(np.float64)
    mean, std = frames.mean(axis=0), frames.std(axis=0)
    std = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
    return mean.tolist(), std.tolist()


def pad_series(series: Sequence[np.ndarray]) -> np.ndarray:
    """Series `(T_i, F)` -> one `(len, max T_i, F)` float32 batch, right-padded with NaN."""
    longest = max(len(s) for s in series)
    batch = np.full((len(series), longest, series[0].shape[1]), np.nan, np.float32)
    for i, s in enumerate(series):
        batch[i, :len(s)] = s
    return batch


class SeriesInputs:
    """Mixin (before `Task`) for tasks whose `x` is a list of variable-length float series.

    It keeps in `self.state`: `num_features`, the per-feature `mean` and `std`, and the
    training split's `bucket_boundaries`. The subclass supplies the targets' side and
    `_stream_head` (what `stream()` puts after the backbone's step: probabilities, units).
    """

    _x_features_in_fit: int | None = None

    def _mask_channel(self) -> bool:
        # A task without the setting keeps the indicator (the safe default).
        return bool(self._config.get("mask_channel", True))

    def _check_x(self, x, name: str, *, fitting: bool) -> list[np.ndarray]:
        # While `fit` runs, validation series must match the training ones, not an older model.
        expected = None if fitting else (self._x_features_in_fit
                                         or self.state.get("num_features"))
        series = check_series_list(name, x, num_features=expected)
        if fitting:
            self._x_features_in_fit = series[0].shape[1]
        return series

    def _adapt_x(self, x: list[np.ndarray]) -> None:
        from rnn_zoo.data.bucketing import quantile_boundaries

        self._x_features_in_fit = None
        mean, std = feature_statistics(x)
        stride = series_stride([len(s) for s in x], self._config.get("max_steps"))
        lengths = np.asarray([-(-len(s) // stride) for s in x], np.int64)
        self.state.update({
            "num_features": int(x[0].shape[1]), "mean": mean, "std": std,
            "bucket_boundaries": quantile_boundaries(
                lengths, num_buckets=self._config["num_buckets"]),
        })
        if stride > 1:
            self.state["stride"] = stride
        if self._config["units"] == "auto":
            self.state["units"] = auto_units(len(x))

    def _stride(self) -> int:
        return int(self.state.get("stride", 1))

    def _frames(self, x: list[np.ndarray]) -> list[np.ndarray]:
        """What the backbone reads: standardised features plus, with `mask_channel`, the
        real-step indicator (the arithmetic of `SeriesNormalizer`, in NumPy)."""
        from rnn_zoo.preprocessing.step_pooling import pool_steps

        mean = np.asarray(self.state["mean"], np.float32)
        std = np.asarray(self.state["std"], np.float32)
        if not self._mask_channel():
            frames = [(s - mean) / std for s in x]
        else:
            frames = [np.concatenate([(s - mean) / std, np.ones((len(s), 1), np.float32)],
                                     axis=1) for s in x]
        return [pool_steps(f, self._stride()) for f in frames]

    def _series_dataset(self, x, targets: np.ndarray, *, training: bool):
        """Batches of `(frames, targets)`: bucketed by length and shuffled (seeded) for
        training, right-padded with zeros (masked: the indicator is 0 there)."""
        import tensorflow as tf

        from rnn_zoo.data.pipeline import finish

        config = self._config
        frames = self._frames(x)
        width = frames[0].shape[1]

        def examples():
            yield from zip(frames, targets, strict=True)

        ds = tf.data.Dataset.from_generator(examples, output_signature=(
            tf.TensorSpec((None, width), tf.float32),
            tf.TensorSpec(targets.shape[1:], tf.as_dtype(targets.dtype))))
        ds = ds.apply(tf.data.experimental.assert_cardinality(len(frames)))
        ds = finish(ds, batch_size=config["batch_size"],
                    shuffle_buffer=len(frames) if training else None, seed=config["seed"],
                    boundaries=self.state["bucket_boundaries"] if training else None)
        noise_std = float(config.get("noise_std", 0.0))
        if training and noise_std > 0:
            ds = self._add_noise(ds, noise_std, features=self.state["num_features"],
                                 seed=config["seed"])
        return ds

    @staticmethod
    def _add_noise(ds, noise_std: float, *, features: int, seed: int):
        """Gaussian noise on the standardised features of the real steps of each batch.

        Padding frames (all zero) and the indicator feature stay exact, so masking is
        unchanged. Each batch draws from a stateless generator keyed by a seeded stream that is
        re-drawn every epoch: the noise differs between epochs but is the same on every run.
        """
        import tensorflow as tf

        keys = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

        def noisy(batch, key):
            x, y = batch
            real = tf.cast(tf.reduce_any(tf.not_equal(x, 0.0), axis=-1, keepdims=True),
                           x.dtype)
            width = tf.shape(x)[-1]
            # 1 on the standardised features, 0 on the indicator (when there is one).
            channels = tf.cast(tf.range(width) < features, x.dtype)
            noise = tf.random.stateless_normal(tf.shape(x), seed=key, stddev=noise_std)
            return x + noise * real * channels, y

        return (tf.data.Dataset.zip(ds, keys).map(noisy, num_parallel_calls=tf.data.AUTOTUNE)
                .prefetch(tf.data.AUTOTUNE))

    def _recurrent_backbone(self, **head):
        """The `many_to_one` backbone over the normalised features (+ indicator), masked."""
        from rnn_zoo.topologies import many_to_one

        config = self._config
        return many_to_one(
            input_dim=self.state["num_features"] + int(self._mask_channel()), mask_value=0.0,
            cell=config["cell"],
            units=self.state.get("units", config["units"]), num_layers=config["num_layers"],
            bidirectional=config["bidirectional"], dropout=config["dropout"],
            pooling=config["pooling"], name="backbone", **head)

    def _normalizer(self):
        from rnn_zoo.preprocessing.series_normalizer import SeriesNormalizer

        return SeriesNormalizer(mean=self.state["mean"], std=self.state["std"],
                                mask_channel=self._mask_channel(), name="normalize")

    def _raw_input(self):
        """The raw-series input `(batch, time, F)` (NaN padding) and its normalised frames."""
        import keras

        from rnn_zoo.preprocessing.step_pooling import StepPooling

        series = keras.Input((None, self.state["num_features"]), dtype="float32",
                             name="series")
        frames = self._normalizer()(series)
        if self._stride() > 1:
            frames = StepPooling(stride=self._stride(), name="pool_steps")(frames)
        return series, frames

    def _batch(self, x):
        return pad_series(x)

    def stream(self, *, name: str | None = None):
        """A step model with the trained weights: `[x_t, *states] -> [y_t, *new_states]`.

        `x_t` is one raw step `(batch, F)` float32 (normalised inside; an all-NaN row is
        padding and leaves the state as it was). `y_t` is what the task gives for the series up
        to step t: class probabilities (`predict_proba`) or values (`predict`). Start from
        `rnn_zoo.decoding.initial_state(step, batch=...)`, or feed a whole array with
        `rnn_zoo.decoding.run_steps(step, inputs=...)`.

        Args:
            name: the step model's name (default: the task's, plus `_stream`).

        Raises:
            ValueError: the task is untrained, bidirectional (a bidirectional stack reads
                each series backwards too, so it cannot follow a growing series) or an
                ensemble (several recurrent stacks).
        """
        import keras

        from rnn_zoo.decoding.streaming import step_model
        from rnn_zoo.preprocessing.series_normalizer import SeriesNormalizer

        members = self.state.get("ensemble", 1) if self.state else 1
        if members > 1:
            raise ValueError(f"This {type(self).__name__} averages {members} models "
                             f"(ensemble={members}): stream() steps one recurrent stack; "
                             "train it with ensemble=1 to stream.")

        if self._config["bidirectional"]:
            raise ValueError(f"This {type(self).__name__} is bidirectional: it reads each "
                             "series backwards too, so it cannot stream; train it with "
                             "bidirectional=False to use stream().")
        self._require_model("stream")
        if self._stride() > 1:
            raise ValueError(f"This {type(self).__name__} averages every {self._stride()} "
                             "steps of its long training series (`max_steps`), so it reads "
                             "no single step; train it with max_steps=None to use stream().")
        step = step_model(self.backbone)
        x_t = keras.Input((self.state["num_features"],), dtype="float32", name="features")
        states = [keras.Input(tuple(t.shape[1:]), dtype="float32", name=t.name)
                  for t in step.inputs[1:]]
        normalize = SeriesNormalizer.from_config(self.model.get_layer("normalize").get_config())
        y, *new = step([normalize(x_t), *states])
        return keras.Model([x_t, *states], [self._stream_head(y), *new],
                           name=name or f"{self.model.name}_stream")

    def _stream_head(self, y):
        raise NotImplementedError

    def servable(self):
        """The raw-series model, parity-checked on a NaN-padded batch and each row alone."""
        from rnn_zoo.exporters.servable import keras_servable

        self._require_model("export")
        rng = np.random.default_rng(0)
        series = [rng.normal(size=(n, self.state["num_features"])).astype(np.float32)
                  * np.asarray(self.state["std"], np.float32)
                  + np.asarray(self.state["mean"], np.float32) for n in (6, 4, 1)]
        examples = [{"series": pad_series(series)},
                    *({"series": s[None]} for s in series)]
        return keras_servable(self.model, name=type(self).__name__.lower(), examples=examples,
                              metadata={**self._export_metadata(),
                                        "padding": "NaN steps, on the right"})
