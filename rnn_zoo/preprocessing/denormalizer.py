"""`Denormalizer`: standardised model outputs -> values in the targets' own units."""

from __future__ import annotations

import keras
import numpy as np

from rnn_zoo.preprocessing.series_normalizer import check_statistics

__all__ = ["Denormalizer"]


@keras.saving.register_keras_serializable(package="rnn_zoo")
class Denormalizer(keras.layers.Layer):
    """`y * std + mean` per output: undoes the target standardisation a model was trained on.

    Regressors train on standardised targets (one scale for the loss whatever the units) and
    keep this layer after the backbone, so the saved model answers in the original units.

    Args:
        mean: per-output means of the training targets.
        std: per-output standard deviations, each > 0.

    Example:

    >>> import keras, numpy as np
    >>> y = Denormalizer(mean=[10.0, 0.0], std=[2.0, 1.0])(np.array([[1.0, -1.0]]))
    >>> keras.ops.convert_to_numpy(y).tolist()
    [[12.0, -1.0]]
    """

    def __init__(self, *, mean, std, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.mean = check_statistics("mean", mean)
        self.std = check_statistics("std", std, positive=True)
        if len(self.mean) != len(self.std):
            raise ValueError(f"`std` has {len(self.std)} values for {len(self.mean)} means; "
                             "give one of each per output.")

    def call(self, y):
        y = keras.ops.cast(y, "float32")
        return y * np.asarray(self.std, np.float32) + np.asarray(self.mean, np.float32)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mean": list(self.mean), "std": list(self.std)}
