"""`SeriesClassifier`: many-to-one over variable-length float series (e.g. spoken vowels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_int, check_optional_int, check_rate
from rnn_zoo.tasks._budget import BudgetedFit
from rnn_zoo.tasks._classes import _label, softmax, stratified_split
from rnn_zoo.tasks._series import RECURRENT_DEFAULTS, SeriesInputs, check_recurrent_config
from rnn_zoo.tasks.task import Task, check_sequence

__all__ = ["SeriesClassifier"]


class SeriesClassifier(BudgetedFit, SeriesInputs, Task):
    """Classifies variable-length float series, each `(T_i, F)` or `(T_i,)`.

    On `fit` it learns each feature's mean and std over the real steps of the training series
    and the class names from the labels, then trains a recurrent stack (masked right padding,
    pooled over the real steps) over length-bucketed batches with a warm-up + cosine schedule,
    gradient clipping, dropout and early stopping on a stratified validation split carved from
    the training series (the best epoch's weights are kept). The defaults are chosen to work
    across data sets, not for one: the model's width follows the number of training series
    (`units="auto"`), series longer than `max_steps` are averaged down to it, and
    `budget="accurate"` picks among three configurations on the validation split. The trained model
    takes raw series, right-padded with NaN (`predict` pads a list itself): the normalisation
    is a layer inside `model.keras`. Floats only, so it also runs under the JAX backend; the
    cuDNN kernel is used on a GPU.

    Args:
        cell: `"lstm"`, `"gru"` or `"simple_rnn"`.
        units: recurrent units per direction, or `"auto"` (default): about 3 * sqrt(training
            series), a power of two in [16, 128] (`state["units"]` after `fit`).
        num_layers: stacked recurrent layers.
        bidirectional: read each series in both directions (`stream()` needs False).
        dropout: dropout after each recurrent layer.
        pooling: `"mean"`, `"max"` or `"last"` over the steps.
        num_buckets: length buckets of the training batches.
        mask_channel: append a real-step indicator to the standardised features, so padding
            never collides with a real step (default). False: the backbone reads the `F`
            standardised features alone and masks all-zero frames, as a model trained on
            zero-padded standardised series does (a real step at exactly the mean in every
            feature is then masked too).
        noise_std: standard deviation of the seeded gaussian noise added to the standardised
            real steps of each training batch (0: none); a regulariser for small data sets.
        label_smoothing: share of each training target spread evenly over all classes
            (`rnn_zoo.losses.SmoothedSparseCrossentropy`; 0: plain cross-entropy).
        max_steps: the most frames the recurrent stack reads per series: when the longest
            training series is longer, every `stride = ceil(longest / max_steps)` standardised
            frames are averaged into one (a `StepPooling` layer inside the model;
            `state["stride"]`; `stream()` then refuses). None: every step is read.
        budget: `"fast"` (default) trains one model; `"accurate"` also trains a GRU and a
            noise-regularised variant on the same validation split and keeps the one with the
            lowest validation loss (about 3x the time; `training["search"]` lists them,
            `state["selected"]` names the kept one's settings).
        ensemble: models averaged (1: one). More trains that many seeds (`seed`, `seed + 1`,
            ...) of the kept settings on the same split and averages their logits in one saved
            model: about N times the training time, size and inference time
            (`training["members"]` lists them; `stream()` refuses an ensemble).
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo.tasks import SeriesClassifier
    >>> rng = np.random.default_rng(0)
    >>> x = [rng.normal(size=(int(n), 2)) + c for n, c in zip(rng.integers(3, 9, 40),
    ...                                                       [0, 3] * 20)]
    >>> y = ["low", "high"] * 20
    >>> task = SeriesClassifier(units=4, num_layers=1, epochs=2).fit(x, y, verbose=0)
    >>> task.predict([np.full((5, 2), 3.0)])[0] in ("low", "high")
    True

    A small search on the carved validation split (three short trainings):

    >>> task = SeriesClassifier(budget="accurate", epochs=1).fit(x, y, verbose=0)
    >>> len(task.training["search"])
    3
    """

    INPUT_KIND = "array"

    # Defaults for data no recipe was tuned on: the width follows the data (`"auto"`), and a
    # recurrent stack reads at most 256 (mean) frames, which keeps long series (UCR sets run to
    # thousands of steps) trainable on a CPU without losing what a short one has.
    MODEL_DEFAULTS = {**RECURRENT_DEFAULTS, "units": "auto", "num_buckets": 4,
                      "mask_channel": True, "noise_std": 0.0, "label_smoothing": 0.0,
                      "max_steps": 256, "budget": "fast", "ensemble": 1}
    _VARIANTS = ({"cell": "gru"}, {"noise_std": 0.1})
    # Series data sets are small (hundreds of series): more, smaller steps and more patience
    # than the text defaults; the cosine schedule still ends the run at `epochs`.
    TRAINING_DEFAULTS = {"epochs": 100, "batch_size": 16, "learning_rate": 3e-3,
                         "patience": 15}
    MONITOR = ("val_loss", "min")

    def _check_config(self, config):
        check_recurrent_config(config, auto_units=True)
        check_int("num_buckets", config["num_buckets"])
        check_optional_int("max_steps", config["max_steps"])
        self._check_budget(config)
        check_bool("mask_channel", config["mask_channel"])
        check_rate("label_smoothing", config["label_smoothing"])
        noise = config["noise_std"]
        if isinstance(noise, bool) or not isinstance(noise, (int, float)) \
                or not 0 <= noise < float("inf"):
            raise ValueError(f"`noise_std` must be a finite float >= 0, got {noise!r}.")

    # --- inputs -----------------------------------------------------------------------------

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        series = self._check_x(x, x_name, fitting=fitting)
        if y is None:
            return series, None
        labels = check_sequence(y_name, y, what="labels")
        if len(labels) != len(series):
            raise ValueError(f"`{y_name}` has {len(labels)} labels for {len(series)} series in "
                             f"`{x_name}`; give one label per series.")
        labels = [_label(v, f"{y_name}[{i}]") for i, v in enumerate(labels)]
        if fitting and len(set(labels)) < 2:
            raise ValueError(f"`{y_name}` has a single class {labels[0]!r}; a classifier needs "
                             "at least two.")
        if not fitting and self.state.get("classes"):
            known = set(self.state["classes"])
            for i, label in enumerate(labels):
                if label not in known:
                    raise ValueError(f"`{y_name}[{i}]` is {label!r}, not one of the classes "
                                     f"seen in training: {sorted(known, key=str)}.")
        return series, labels

    def _carve(self, x, y, fraction, seed):
        return stratified_split(x, y, fraction, seed)

    # --- preprocessing and model ------------------------------------------------------------

    def _adapt(self, x, y):
        self._adapt_x(x)
        self.state["classes"] = sorted(set(y), key=lambda v: (str(type(v)), v))

    def _datasets(self, x, y, *, training):
        index = {c: i for i, c in enumerate(self.state["classes"])}
        return self._series_dataset(x, np.asarray([index[v] for v in y], np.int32),
                                    training=training)

    def _build_backbone(self, *, steps_per_epoch):
        from rnn_zoo.tasks._compile import compile_classifier

        backbone = self._recurrent_backbone(num_classes=len(self.state["classes"]))
        return compile_classifier(backbone, self._config, steps_per_epoch=steps_per_epoch)

    def _assemble(self, backbone):
        import keras

        series, frames = self._raw_input()
        return keras.Model(series, backbone(frames), name="series_classifier")

    def _stream_head(self, y):
        import keras

        return keras.layers.Softmax(name="probabilities")(y)

    # --- outputs ----------------------------------------------------------------------------

    def predict_proba(self, x, *, batch_size: int | None = None) -> np.ndarray:
        """Class probabilities `(len(x), classes)`, columns in the order of `classes`."""
        return softmax(self._outputs(x, batch_size=batch_size, name="x"))

    @property
    def classes(self) -> list:
        """The class labels, in the order of the model's outputs."""
        self._require_model("classes")
        return list(self.state["classes"])

    def _answers(self, outputs):
        classes = self.state["classes"]
        return [classes[i] for i in np.argmax(outputs, axis=-1)]

    def _scores(self, y_true, outputs) -> dict[str, Any]:
        from rnn_zoo.tasks._metrics import classification_scores

        index = {c: i for i, c in enumerate(self.state["classes"])}
        return classification_scores(np.asarray([index[v] for v in y_true]),
                                     np.argmax(outputs, axis=-1), self.state["classes"])
