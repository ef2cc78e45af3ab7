"""Shared test harness: tiny registry variants and example batches made from a model's inputs.

Everything here is generic, driven by the registry and by the model's own inputs and layers,
so a new registry variant is covered by the registry-driven tests with no new test code.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import keras
import numpy as np

import rnn_zoo

# Sizes every variant is shrunk to. A key is overridden when the variant's defaults set it, or
# when the builder itself declares it with a non-None default (e.g. `units`, `filters`).
TINY: Mapping[str, Any] = {
    "units": 4,
    "embedding_dim": 4,
    "vocab_size": 11,
    "source_vocab_size": 11,
    "target_vocab_size": 9,
    "input_dim": 3,
    "source_input_dim": 3,
    "num_classes": 3,
    "output_dim": 2,
    "steps": 3,
    "filters": (4,),
    "image_shape": (4, 6, 1),
}
# Keys whose value 1 means something (a binary logit, a univariate series): kept at 1.
KEEP_ONE = frozenset({"num_classes", "output_dim", "input_dim", "source_input_dim"})


def tiny_overrides(spec: rnn_zoo.ModelSpec) -> dict[str, Any]:
    """The overrides that shrink registry variant `spec` to test size."""
    params = inspect.signature(spec.builder).parameters
    overrides = {}
    for key, tiny in TINY.items():
        if key in spec.defaults:
            if key in KEEP_ONE and spec.defaults[key] == 1:
                continue
            overrides[key] = tiny
        elif key in params and params[key].default not in (None, inspect.Parameter.empty):
            overrides[key] = tiny
    return overrides


def tiny_kwargs(spec: rnn_zoo.ModelSpec) -> dict[str, Any]:
    """The full keyword arguments of the tiny variant: defaults updated by `tiny_overrides`."""
    return {**spec.defaults, **tiny_overrides(spec)}


def build_tiny(name: str, **extra) -> tuple[rnn_zoo.ModelSpec, dict[str, Any], keras.Model]:
    """Builds registry variant `name` at test size; returns `(spec, kwargs, model)`."""
    spec = rnn_zoo.get_spec(name)
    overrides = {**tiny_overrides(spec), **extra}
    return spec, {**spec.defaults, **overrides}, spec.build(**overrides)


def walk_layers(layer) -> Iterator[keras.layers.Layer]:
    """Yields `layer` and every layer inside it: nested models and `Bidirectional` halves."""
    yield layer
    if isinstance(layer, keras.layers.Bidirectional):
        yield from walk_layers(layer.forward_layer)
        yield from walk_layers(layer.backward_layer)
    for inner in getattr(layer, "layers", ()):
        yield from walk_layers(inner)


class Batch(NamedTuple):
    """An example batch: model inputs `x`, targets `y`, a matching loss, and valid lengths.

    `lengths` maps each sequence input's name to the number of real (unpadded) steps per row;
    `output_lengths` is the same for the output's time axis (None when it has none or is not
    masked).
    """

    x: Any
    y: np.ndarray
    loss: keras.losses.Loss
    lengths: dict[str, np.ndarray]
    output_lengths: np.ndarray | None


def _layer_fed_by(model: keras.Model, tensor, kind):
    for layer in model.layers:
        if isinstance(layer, kind):
            try:
                inputs = layer.input
            except (AttributeError, ValueError):
                continue
            if inputs is tensor:
                return layer
    return None


def _vocab_from_kwargs(input_name: str, kwargs: Mapping[str, Any]) -> int:
    prefix = input_name.split("tokens")[0] if "tokens" in input_name else ""
    return kwargs[f"{prefix}vocab_size"]


def padded_lengths(batch: int, time: int) -> np.ndarray:
    """Row lengths `[time, time - 1, time - 2, time, ...]` (at least 1): some rows padded."""
    return np.maximum(time - (np.arange(batch) % 3), 1)


def example_batch(
    model: keras.Model,
    spec_kwargs: Mapping[str, Any],
    rng: np.random.Generator,
    batch: int = 3,
    time: int = 5,
) -> Batch:
    """Makes inputs for `model` from `model.inputs`, and targets from its output and head kind.

    Integer inputs get ids in `[1, vocab)` (the vocabulary read from the `Embedding` the input
    feeds, else from `spec_kwargs`), right-padded with 0 in some rows when that embedding
    masks zeros. Float inputs get normal noise, right-padded with `mask_value` steps in some
    rows when a `Masking` layer reads them. Variable time axes get `time` steps.

    Targets: with `num_classes` in `spec_kwargs`, int labels and sparse categorical
    cross-entropy (binary cross-entropy for `num_classes=1`); with `target_vocab_size`
    (encoder-decoder), target ids and sparse cross-entropy over the masked target; otherwise
    normal values and mean squared error.
    """
    xs, lengths = {}, {}
    for inp in model.inputs:
        shape = [batch] + [time if d is None else d for d in inp.shape[1:]]
        if "int" in str(inp.dtype):
            embedding = _layer_fed_by(model, inp, keras.layers.Embedding)
            vocab = embedding.input_dim if embedding else _vocab_from_kwargs(inp.name, spec_kwargs)
            values = rng.integers(1, vocab, size=shape).astype("int32")
            if embedding is not None and embedding.mask_zero and len(shape) == 2 and shape[1] > 1:
                lengths[inp.name] = padded_lengths(batch, shape[1])
                for row, length in enumerate(lengths[inp.name]):
                    values[row, length:] = 0
        else:
            values = rng.normal(size=shape).astype("float32")
            masking = _layer_fed_by(model, inp, keras.layers.Masking)
            if masking is not None and len(shape) == 3:
                lengths[inp.name] = padded_lengths(batch, shape[1])
                for row, length in enumerate(lengths[inp.name]):
                    values[row, length:] = masking.mask_value
        xs[inp.name] = values
    x = xs if len(xs) > 1 else next(iter(xs.values()))

    out_shape = [batch] + [time if d is None else d for d in model.output.shape[1:]]
    output_lengths = None
    if len(out_shape) == 3:
        # A per-step output follows the target sequence (encoder-decoder) or the input.
        key = "target_tokens" if "target_tokens" in lengths else next(iter(lengths), None)
        output_lengths = lengths.get(key)

    from_logits = spec_kwargs.get("logits", True)
    classes = spec_kwargs.get("num_classes") or spec_kwargs.get("target_vocab_size")
    if classes == 1:
        y = rng.integers(0, 2, size=out_shape).astype("float32")
        loss = keras.losses.BinaryCrossentropy(from_logits=from_logits)
    elif classes:
        low = 1 if "target_vocab_size" in spec_kwargs else 0
        y = rng.integers(low, classes, size=out_shape[:-1]).astype("int32")
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    else:
        y = rng.normal(size=out_shape).astype("float32")
        loss = keras.losses.MeanSquaredError()
    if output_lengths is not None:
        for row, length in enumerate(output_lengths):
            y[row, length:] = 0
    return Batch(x, y, loss, lengths, output_lengths)


def row(x, i: int, lengths: Mapping[str, np.ndarray] | None = None):
    """Row `i` of a batch `x` (array or dict) as a batch of one, cut to its valid length."""

    def cut(name, values):
        values = values[i : i + 1]
        if lengths and name in lengths:
            values = values[:, : lengths[name][i]]
        return values

    if isinstance(x, dict):
        return {name: cut(name, values) for name, values in x.items()}
    name = next(iter(lengths)) if lengths else None
    return cut(name, x)


class Interrupt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the end of epoch `after` (0-based), as a user's Ctrl-C would."""

    def __init__(self, after: int):
        super().__init__()
        self.after = after

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.after:
            raise KeyboardInterrupt(f"stopped after epoch {epoch}")
