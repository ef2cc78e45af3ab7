"""How tasks compile their backbones: the recipes' optimiser know-how, shared."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["compile_classifier", "compile_regressor", "warmup_cosine"]


def warmup_cosine(learning_rate: float, *, steps_per_epoch: int, epochs: int,
                  warmup_epochs: int = 0):
    """Linear warm-up to `learning_rate`, then cosine decay to 1 % of it over the run.

    A schedule of the optimizer's step count, so a resumed run continues it exactly.
    """
    import keras

    total = max(1, steps_per_epoch * epochs)
    warmup = min(total - 1, steps_per_epoch * warmup_epochs)
    if warmup > 0:
        return keras.optimizers.schedules.CosineDecay(
            0.0, total - warmup, alpha=0.01, warmup_target=learning_rate, warmup_steps=warmup)
    return keras.optimizers.schedules.CosineDecay(learning_rate, total, alpha=0.01)


def _optimizer(config: Mapping[str, Any], steps_per_epoch: int):
    import keras

    schedule = warmup_cosine(config["learning_rate"], steps_per_epoch=steps_per_epoch,
                             epochs=config["epochs"], warmup_epochs=config["warmup_epochs"])
    # Clipping keeps the first steps of an LSTM on unseen data from diverging.
    return keras.optimizers.Adam(schedule, clipnorm=1.0)


def compile_classifier(model, config: Mapping[str, Any], *, steps_per_epoch: int):
    """Adam + warm-up/cosine + clipping, sparse cross-entropy on logits (label-smoothed by the
    task's `label_smoothing`, where it has one), accuracy."""
    import keras

    from rnn_zoo.losses import SmoothedSparseCrossentropy

    smoothing = config.get("label_smoothing", 0.0)
    loss = (SmoothedSparseCrossentropy(label_smoothing=smoothing) if smoothing
            else keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.compile(optimizer=_optimizer(config, steps_per_epoch), loss=loss,
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def compile_regressor(model, config: Mapping[str, Any], *, steps_per_epoch: int,
                      loss: str = "mse"):
    """Adam + warm-up/cosine + clipping, mean squared (or `loss`) error, MAE."""
    import keras

    model.compile(optimizer=_optimizer(config, steps_per_epoch), loss=loss,
                  metrics=[keras.metrics.MeanAbsoluteError(name="mae")])
    return model
