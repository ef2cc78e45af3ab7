"""Mask-aware pooling over time."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="rnn_zoo")
class MaskedGlobalMaxPooling1D(layers.Layer):
    """Max over time that ignores masked (padded) steps.

    Keras's `GlobalMaxPooling1D` ignores the mask, so a padded batch would let padding win the
    max. A fully masked row returns a very large negative number (float32's lowest) rather
    than NaN.

    Example:

    >>> x = keras.ops.convert_to_tensor([[[1.0], [5.0], [9.0]]])
    >>> mask = keras.ops.convert_to_tensor([[True, True, False]])
    >>> keras.ops.convert_to_numpy(MaskedGlobalMaxPooling1D()(x, mask=mask))
    array([[5.]], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            lowest = ops.full_like(inputs, -3.4e38)
            inputs = ops.where(ops.expand_dims(mask, -1), inputs, lowest)
        return ops.max(inputs, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
