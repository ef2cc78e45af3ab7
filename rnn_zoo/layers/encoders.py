"""Small feature extractors that feed a recurrent decoder."""

from __future__ import annotations

import keras
from keras import layers

from rnn_zoo._validation import check_int


def conv_encoder(*, image_shape, filters=(32, 64), name: str = "conv_encoder") -> keras.Model:
    """A small CNN that maps an image to one feature vector (for `one_to_many` captioning).

    Each block is `Conv2D(3x3, same) -> BatchNormalization -> ReLU`, halving the height with
    max pooling while keeping the width, so digits laid side by side stay apart; the last block
    is flattened into one vector, keeping where each digit is.

    Args:
        image_shape: `(height, width, channels)`.
        filters: filters per convolution block.
        name: model name.
    """
    if not (isinstance(image_shape, (tuple, list)) and len(image_shape) == 3):
        raise ValueError(f"`image_shape` must be (height, width, channels), got {image_shape!r}.")
    for i, size in enumerate(image_shape):
        check_int(f"image_shape[{i}]", size)
    if not isinstance(filters, (tuple, list)) or not filters:
        raise ValueError(f"`filters` must be a non-empty tuple of ints, got {filters!r}.")
    for i, size in enumerate(filters):
        check_int(f"filters[{i}]", size)
    image = keras.Input(tuple(image_shape), name="image")
    x = image
    for i, size in enumerate(filters):
        x = layers.Conv2D(size, 3, padding="same", use_bias=False, name=f"conv_{i}")(x)
        x = layers.BatchNormalization(name=f"bn_{i}")(x)
        x = layers.ReLU(name=f"relu_{i}")(x)
        if x.shape[1] > 1:
            x = layers.MaxPooling2D((2, 1), name=f"pool_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(image, x, name=name)
