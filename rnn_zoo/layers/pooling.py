"""Mask-aware pooling over time."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="rnn_zoo")
class MaskedGlobalMaxPooling1D(layers.Layer):
    """Max over time that ignores masked (padded) steps.

    Keras's `GlobalMaxPooling1D` ignores the mask, so a padded batch would let padding win the
    max. A fully masked row (an empty sequence, e.g. a blank text) returns zeros, so the head
    after it stays finite (float32's lowest value would overflow to inf, then NaN, in a Dense).

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
        if mask is None:
            return ops.max(inputs, axis=1)
        lowest = ops.full_like(inputs, -3.4e38)
        pooled = ops.max(ops.where(ops.expand_dims(mask, -1), inputs, lowest), axis=1)
        any_step = ops.any(mask, axis=1, keepdims=True)
        return ops.where(any_step, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
