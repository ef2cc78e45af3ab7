"""How tasks compile their backbones: a classifier's `label_smoothing` reaches its loss."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnn_zoo.losses import SmoothedSparseCrossentropy
from rnn_zoo.tasks import SeriesClassifier, TextClassifier
from rnn_zoo.tasks._compile import compile_classifier


def _model():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])


@pytest.mark.parametrize("task", [TextClassifier, SeriesClassifier])
def test_label_smoothing_is_the_classifiers_loss(task):
    config = task(label_smoothing=0.2).config
    smoothed = compile_classifier(_model(), config, steps_per_epoch=4)
    assert isinstance(smoothed.loss, SmoothedSparseCrossentropy)
    assert smoothed.loss.label_smoothing == 0.2
    plain = compile_classifier(_model(), task().config, steps_per_epoch=4)
    assert isinstance(plain.loss, keras.losses.SparseCategoricalCrossentropy)
    x, y = np.ones((4, 2), "float32"), np.array([0, 1, 2, 0])
    plain.set_weights(smoothed.get_weights())
    assert smoothed.evaluate(x, y, verbose=0)[0] != pytest.approx(
        plain.evaluate(x, y, verbose=0)[0], rel=1e-4)
