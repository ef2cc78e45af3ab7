"""What `rnn_zoo.export` writes: a `Servable`, i.e. named serving functions plus their oracle.

A plain `keras.Model` becomes a servable with `keras_servable(model)`. Anything else that should
ship as SavedModel / TFLite (a model with in-graph text preprocessing, a decoding loop) is a
`Servable` built by hand: its endpoints are ordinary functions of a dict of named tensors, and
`reference` is what the exported artifacts are compared with in the parity check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

MODEL_OUTPUT = "outputs"


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One serving function: `fn(inputs) -> outputs`, both dicts of named tensors.

    Attributes:
        fn: traced once per export with a dict of tensors matching `inputs`; returns a dict of
            tensors (the output names every format keeps, where it can).
        inputs: `{name: tf.TensorSpec}`; `None` dimensions are dynamic. The names become the
            signature's input names.
    """

    fn: Callable[[Mapping[str, tf.Tensor]], Mapping[str, tf.Tensor]]
    inputs: Mapping[str, tf.TensorSpec]

    def __post_init__(self):
        if not callable(self.fn):
            raise TypeError(f"`fn` must be callable, got {type(self.fn).__name__}.")
        if not isinstance(self.inputs, Mapping) or not self.inputs:
            raise ValueError(f"`inputs` must be a non-empty dict of tf.TensorSpec, got "
                             f"{self.inputs!r}.")
        for name, spec in self.inputs.items():
            if not isinstance(spec, tf.TensorSpec):
                raise TypeError(f"`inputs[{name!r}]` must be a tf.TensorSpec, got "
                                f"{type(spec).__name__}.")
        # Name every spec after its key: signatures take their input names from the specs.
        object.__setattr__(self, "inputs", {
            name: tf.TensorSpec(spec.shape, spec.dtype, name=name)
            for name, spec in self.inputs.items()})

    def with_batch_size(self, batch_size: int) -> Endpoint:
        """The same function with the batch dimension of every input fixed to `batch_size`."""
        return Endpoint(self.fn, {
            name: tf.TensorSpec([batch_size, *spec.shape[1:]], spec.dtype, name=name)
            for name, spec in self.inputs.items()})


@dataclasses.dataclass(frozen=True)
class Servable:
    """Everything `rnn_zoo.exporters.export` needs to write and check one deployable model.

    Attributes:
        name: recorded in the manifest.
        endpoints: SavedModel signatures by name; must contain `"serving_default"`.
        track: objects that own the state the endpoints use (Keras models and layers, TF lookup
            tables); they are tracked into the SavedModel.
        reference: `reference(endpoint, inputs) -> outputs` computes the expected outputs of an
            endpoint in this process (usually with Keras); every artifact is compared with it.
        examples: parity inputs by endpoint name: a list of `{input name: array}` cases, of
            any batch size (the TFLite check runs them in chunks of its static batch size, the
            last one padded).
        tflite_endpoints: names of the endpoints to convert to TFLite (with the batch dimension
            fixed, the one thing the stock interpreter's builtin ops need); empty: no TFLite.
        keras_model: the Keras model, for the `keras` and `onnx` formats (None: not offered).
        model_endpoint: the endpoint that computes exactly `keras_model(inputs)`; the `keras`
            and `onnx` artifacts are checked against its examples.
        metadata: JSON-serialisable facts for the manifest (preprocessing, class names, ...).
        tflite_track: what the TFLite endpoints need tracked (None: `track`); e.g. only the
            model when the lookup tables serve the string endpoint alone.
    """

    name: str
    endpoints: Mapping[str, Endpoint]
    track: Sequence[Any]
    reference: Callable[[str, Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]
    examples: Mapping[str, Sequence[Mapping[str, np.ndarray]]]
    tflite_endpoints: Sequence[str] = ("serving_default",)
    keras_model: keras.Model | None = None
    model_endpoint: str = "serving_default"
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    tflite_track: Sequence[Any] | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"`name` must be a non-empty str, got {self.name!r}.")
        if "serving_default" not in self.endpoints:
            raise ValueError(f"`endpoints` must include 'serving_default'; got "
                             f"{sorted(self.endpoints)}.")
        for name, endpoint in self.endpoints.items():
            if not isinstance(endpoint, Endpoint):
                raise TypeError(f"`endpoints[{name!r}]` must be an Endpoint, got "
                                f"{type(endpoint).__name__}.")
            if not self.examples.get(name):
                raise ValueError(f"`examples` has no parity case for endpoint {name!r}.")
        for name in self.tflite_endpoints:
            if name not in self.endpoints:
                raise ValueError(f"`tflite_endpoints` names {name!r}, which is not one of the "
                                 f"endpoints {sorted(self.endpoints)}.")
        if self.keras_model is not None and self.model_endpoint not in self.endpoints:
            raise ValueError(f"`model_endpoint` {self.model_endpoint!r} is not an endpoint.")

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats this servable can be written to."""
        found = ["saved_model"]
        if self.tflite_endpoints:
            found += ["tflite", "tflite_int8", "tflite_full_int8"]
        if self.keras_model is not None:
            found = ["keras", *found, "onnx"]
        return tuple(found)


# --- plain Keras models ----------------------------------------------------------------------


def model_input_specs(model: keras.Model) -> dict[str, tf.TensorSpec]:
    """`{input name: tf.TensorSpec}` of a functional model, dynamic dimensions kept as None."""
    return {inp.name: tf.TensorSpec(inp.shape, inp.dtype, name=inp.name)
            for inp in model.inputs}


def call_model(model: keras.Model, inputs: Mapping[str, Any]):
    """Calls `model` (inference mode) on a dict of named inputs, as its input structure wants."""
    x = dict(inputs) if len(model.inputs) > 1 else inputs[model.inputs[0].name]
    return model(x, training=False)


def keras_servable(model: keras.Model, *, name: str | None = None, examples=None,
                   seed: int = 0, metadata: Mapping[str, Any] | None = None) -> Servable:
    """Wraps a functional `keras.Model` as a `Servable` with one endpoint, `serving_default`.

    The endpoint takes the model's inputs by name (dynamic batch and sequence length where the
    model has them) and returns `{"outputs": model(inputs)}`.

    Args:
        model: a built functional Keras model with named inputs (every rnn_zoo builder's).
        name: recorded in the manifest (default: the model's name).
        examples: parity cases, a list of `{input name: array}`; default `example_inputs(model)`:
            a right-padded batch plus each of its rows alone, cut to its real length.
        seed: seed of the default examples.
        metadata: extra facts for the manifest.

    Returns:
        A `Servable` offering every format.

    Example:

    >>> from rnn_zoo import get_model
    >>> from rnn_zoo.exporters import keras_servable
    >>> servable = keras_servable(get_model("many_to_one_gru", vocab_size=50, units=4))
    >>> servable.formats
    ('keras', 'saved_model', 'tflite', 'tflite_int8', 'tflite_full_int8', 'onnx')
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, got {type(model).__name__}.")
    if not getattr(model, "inputs", None):
        raise ValueError(f"`model` {model.name!r} has no symbolic inputs; build it with "
                         "keras.Input (every rnn_zoo builder does) before exporting it.")
    if examples is None:
        examples = example_inputs(model, np.random.default_rng(seed))

    def serve(inputs):
        return {MODEL_OUTPUT: call_model(model, inputs)}

    def reference(endpoint, inputs):
        return {MODEL_OUTPUT: keras.ops.convert_to_numpy(call_model(model, inputs))}

    return Servable(
        name=name or model.name,
        endpoints={"serving_default": Endpoint(serve, model_input_specs(model))},
        track=[model],
        reference=reference,
        examples={"serving_default": list(examples)},
        keras_model=model,
        metadata=dict(metadata or {}),
    )


# --- example inputs ---------------------------------------------------------------------------


def _reader_of(model: keras.Model, tensor, kind):
    """The layer of type `kind` whose input is `tensor` (the model input it reads), if any."""
    for layer in model.layers:
        if isinstance(layer, kind):
            try:
                if layer.input is tensor:
                    return layer
            except (AttributeError, ValueError):
                continue
    return None


def example_inputs(model: keras.Model, rng: np.random.Generator, *, batch: int = 3,
                   time: int = 6) -> list[dict[str, np.ndarray]]:
    """Parity cases for `model`: a right-padded batch, then each row alone at its real length.

    Token inputs get ids in `[1, vocab)`; masked ones (`Embedding(mask_zero=True)`) are right
    padded with 0 in some rows. Float sequences get normal noise, right padded with the
    `mask_value` of a `Masking` layer that reads them; images (rank 4) get pixels in [0, 1].
    Dynamic time axes get `time` steps. So the check covers masks and variable lengths: the
    padded batch must give Keras' padded result and each row alone Keras' unpadded result.
    """
    xs, lengths = {}, {}
    for inp in model.inputs:
        shape = [batch] + [time if d is None else d for d in inp.shape[1:]]
        dynamic = len(shape) >= 2 and inp.shape[1] is None
        if "int" in str(inp.dtype):
            embedding = _reader_of(model, inp, keras.layers.Embedding)
            vocab = embedding.input_dim if embedding is not None else 2
            values = rng.integers(1, max(vocab, 2), size=shape).astype(inp.dtype)
            masked = embedding is not None and embedding.mask_zero
            pad = 0
        else:
            if len(shape) == 4:
                values = rng.uniform(size=shape).astype(inp.dtype)
            else:
                values = rng.normal(size=shape).astype(inp.dtype)
            masking = _reader_of(model, inp, keras.layers.Masking)
            masked = masking is not None
            pad = masking.mask_value if masked else 0
        if masked and dynamic and shape[1] > 1:
            lengths[inp.name] = np.maximum(shape[1] - np.arange(batch) % 3, 1)
            for i, length in enumerate(lengths[inp.name]):
                values[i, length:] = pad
        xs[inp.name] = values
    cases = [xs]
    if lengths:
        for i in range(batch):
            cases.append({name: values[i:i + 1, :lengths[name][i]] if name in lengths
                          else values[i:i + 1] for name, values in xs.items()})
    return cases
