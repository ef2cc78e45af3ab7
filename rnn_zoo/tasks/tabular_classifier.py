"""`TabularClassifier`: one-to-one over rows of float features (the lecture's binary case)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_zoo._validation import check_choice, check_int, check_rate
from rnn_zoo.tasks._arrays import check_example_shape, check_float_array, standardization
from rnn_zoo.tasks._classes import check_labels, softmax, sorted_classes, stratified_indices
from rnn_zoo.tasks.task import Task

__all__ = ["TabularClassifier"]

_WHAT = "a 2-D float array (rows, features) or a list of equally long rows"


class TabularClassifier(Task):
    """Classifies rows of float features: a one-step recurrent network with its scaler inside.

    On `fit` it learns each feature's mean and standard deviation from the training rows (a
    constant feature is only centred) and the class names from the labels, then trains
    `rnn_zoo.topologies.one_to_one` (the row is one recurrent step from a zero state) with a
    warm-up + cosine schedule, gradient clipping and early stopping on a stratified validation
    split. The trained model takes raw rows: the standardisation is a
    `keras.layers.Normalization` inside `model.keras`. A NaN or infinite value is a one-line
    error naming its row: fill or drop missing values first.

    Args:
        cell: `"gru"`, `"lstm"` or `"simple_rnn"`.
        units: recurrent units per layer.
        num_layers: stacked recurrent layers.
        dropout: dropout after each recurrent layer.
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo.tasks import TabularClassifier
    >>> x = np.random.default_rng(0).normal(size=(64, 3))
    >>> y = np.where(x[:, 0] > 0, "high", "low")
    >>> task = TabularClassifier(units=8, epochs=3).fit(x, y, verbose=0)
    >>> task.classes
    ['high', 'low']
    >>> task.predict(x[:1])[0] in task.classes
    True
    >>> task.predict_proba(x[:2]).shape
    (2, 2)
    """

    INPUT_KIND = "array"

    MODEL_DEFAULTS = {
        "cell": "gru",
        "units": 64,
        "num_layers": 1,
        "dropout": 0.2,
    }
    # Small tables give a noisy validation loss: a wide patience (the breast_cancer recipe
    # waits 60 epochs) over a long cosine schedule, whose best epoch is kept.
    TRAINING_DEFAULTS = {
        "epochs": 200,
        "patience": 20,
        "learning_rate": 3e-3,
        "validation_split": 0.15,
    }

    def _check_config(self, config):
        check_choice("cell", config["cell"], ("gru", "lstm", "simple_rnn"))
        check_int("units", config["units"])
        check_int("num_layers", config["num_layers"])
        check_rate("dropout", config["dropout"])

    # --- inputs -----------------------------------------------------------------------------

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        rows = check_float_array(x_name, x, ranks=(2,), what=_WHAT)
        if rows.shape[1] == 0:
            raise ValueError(f"`{x_name}` has rows of 0 features; give at least one feature.")
        if not fitting and "mean" in self.state:
            check_example_shape(x_name, rows, (len(self.state["mean"]),), what="rows")
        if y is None:
            return rows, None
        labels = check_labels(y_name, y, count=len(rows), x_name=x_name, what="rows",
                              fitting=fitting, classes=self.state.get("classes"))
        return rows, labels

    def _carve(self, x, y, fraction, seed):
        train, validation = stratified_indices(y, fraction, seed)
        return ((x[train], [y[i] for i in train]),
                (x[validation], [y[i] for i in validation]))

    # --- preprocessing ----------------------------------------------------------------------

    def _adapt(self, x, y):
        mean, variance = standardization(x, axes=(0,))
        self.state = {"classes": sorted_classes(y), "mean": mean, "variance": variance}

    def _normalizer(self):
        import keras

        return keras.layers.Normalization(mean=self.state["mean"],
                                          variance=self.state["variance"], name="normalize")

    def _datasets(self, x, y, *, training):
        import keras
        import tensorflow as tf

        from rnn_zoo.data import finish

        config = self._config
        # The very layer the assembled model applies, so training sees what serving computes.
        features = keras.ops.convert_to_numpy(self._normalizer()(x))
        index = {c: i for i, c in enumerate(self.state["classes"])}
        ds = tf.data.Dataset.from_tensor_slices(
            (features, np.asarray([index[v] for v in y], np.int32)))
        return finish(ds, batch_size=config["batch_size"],
                      shuffle_buffer=len(x) if training else None, seed=config["seed"])

    # --- model ------------------------------------------------------------------------------

    def _build_backbone(self, *, steps_per_epoch):
        from rnn_zoo.tasks._compile import compile_classifier
        from rnn_zoo.topologies import one_to_one

        config = self._config
        backbone = one_to_one(
            input_dim=len(self.state["mean"]), cell=config["cell"], units=config["units"],
            num_layers=config["num_layers"], dropout=config["dropout"],
            num_classes=len(self.state["classes"]), name="backbone")
        return compile_classifier(backbone, config, steps_per_epoch=steps_per_epoch)

    def _assemble(self, backbone):
        import keras

        rows = keras.Input(shape=(len(self.state["mean"]),), dtype="float32", name="features")
        return keras.Model(rows, backbone(self._normalizer()(rows)), name="tabular_classifier")

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

    def servable(self):
        """Raw float rows in, class logits out (`outputs`); every format, TFLite included."""
        from rnn_zoo.exporters.servable import keras_servable

        self._require_model("export")
        return keras_servable(self.model, name="tabular_classifier", metadata={
            "task": "TabularClassifier", "classes": [str(c) for c in self.state["classes"]],
            "serving_default": "raw float rows (features, in training order) -> class logits",
            "standardize": {"mean": self.state["mean"], "variance": self.state["variance"]}})
