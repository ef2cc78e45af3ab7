"""One writer per export format. Each writes its artifact atomically and returns its record.

A writer is `write(job) -> dict`: it writes `job.directory / FILES[format]` (a temporary name
first, then `os.replace`) and returns the manifest record of the artifact: the endpoints it
implements, their input specs and what running it needs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rnn_zoo.exporters import tflite
from rnn_zoo.exporters.servable import MODEL_OUTPUT, Endpoint, Servable, call_model

FILES = {
    "keras": "model.keras",
    "saved_model": "saved_model",
    "tflite": "model.tflite",
    "tflite_int8": "model_int8.tflite",
    "tflite_full_int8": "model_full_int8.tflite",
    "onnx": "model.onnx",
}
RUNTIMES = {
    "keras": "keras (plus rnn_zoo when the model uses its registered layers)",
    "saved_model": "tensorflow",
    "tflite": "ai_edge_litert or tf.lite Interpreter",
    "tflite_int8": "ai_edge_litert or tf.lite Interpreter",
    "tflite_full_int8": "ai_edge_litert or tf.lite Interpreter",
    "onnx": "onnxruntime",
}
# The full-integer artifact's own parity cases: rows of the representative dataset at the
# artifact's static shapes (the shared cases have other sequence lengths).
FULL_INT8_CASES = "parity_cases_full_int8.npz"
FULL_INT8_PARITY_ROWS = 8
# Why the full-integer model is unrolled (reproduced in tests/export/test_export_limitations.py).
UNROLLED = ("the recurrent layers are unrolled at the representative dataset's static shapes: "
            "TFLite's calibrator crashes (SIGSEGV in FeedTensor) on the WHILE loop of a "
            "recurrent layer")


class ExportError(RuntimeError):
    """A format could not be written; the message is one line naming the format and why."""


@dataclasses.dataclass
class Job:
    """What the writers share during one `export` call."""

    servable: Servable
    directory: Path
    workdir: Path  # scratch space, removed after the export
    tflite_batch_size: int
    # `tflite_full_int8`: `{input name: array (rows, ...)}` dicts, all at one static shape.
    representative: list[dict] | None = None
    _tflite_source: Path | None = None

    def tflite_source(self) -> Path:
        """A scratch SavedModel of the TFLite endpoints at the static batch size (built once,
        shared by the float32 and int8 conversions)."""
        if self._tflite_source is None:
            path = self.workdir / "tflite_source"
            track = self.servable.tflite_track
            _write_saved_model(self.servable, path, track=self.servable.track if track is None
                               else track, endpoints={
                name: self.servable.endpoints[name].with_batch_size(self.tflite_batch_size)
                for name in self.servable.tflite_endpoints})
            self._tflite_source = path
        return self._tflite_source


def _specs(endpoint: Endpoint) -> list[dict]:
    return [{"name": name, "dtype": spec.dtype.name,
             "shape": [None if d is None else int(d) for d in spec.shape]}
            for name, spec in endpoint.inputs.items()]


def _record(job: Job, fmt: str, endpoints, **facts) -> dict:
    return {"format": fmt, "path": FILES[fmt], "endpoints": list(endpoints),
            "inputs": {name: _specs(job.servable.endpoints[name]) for name in endpoints},
            "runtime": RUNTIMES[fmt], **facts}


def _replace(tmp: Path, target: Path) -> None:
    """Moves `tmp` over `target` (a file or a directory)."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    os.replace(tmp, target)


def _temp_path(job: Job, fmt: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{fmt}.", dir=job.directory)) / FILES[fmt]


def _write_saved_model(servable: Servable, path: Path, *, track,
                       endpoints: dict[str, Endpoint]) -> None:
    from keras.export import ExportArchive

    archive = ExportArchive()
    for obj in track:
        archive.track(obj)
    for name, endpoint in endpoints.items():
        archive.add_endpoint(name, endpoint.fn, input_signature=[dict(endpoint.inputs)])
    with tflite.quiet_tf_logger():
        archive.write_out(str(path), verbose=False)


def write_keras(job: Job) -> dict:
    model = job.servable.keras_model
    tmp = _temp_path(job, "keras")
    model.save(tmp)
    with zipfile.ZipFile(tmp) as archive:
        config = archive.read("config.json").decode("utf-8")
    _replace(tmp, job.directory / FILES["keras"])
    shutil.rmtree(tmp.parent, ignore_errors=True)
    # A layer registered by rnn_zoo is named "rnn_zoo>Class" in the config; loading it needs
    # the package, so the parity runner checks such a file after importing rnn_zoo.
    return _record(job, "keras", [job.servable.model_endpoint],
                   needs_rnn_zoo='"rnn_zoo>' in config)


def write_saved_model(job: Job) -> dict:
    tmp = _temp_path(job, "saved_model")
    _write_saved_model(job.servable, tmp, track=job.servable.track,
                       endpoints=dict(job.servable.endpoints))
    _replace(tmp, job.directory / FILES["saved_model"])
    shutil.rmtree(tmp.parent, ignore_errors=True)
    return _record(job, "saved_model", list(job.servable.endpoints),
                   signatures=list(job.servable.endpoints))


def _write_tflite(job: Job, fmt: str, *, quantize: bool) -> dict:
    flatbuffer, facts = tflite.convert(str(job.tflite_source()),
                                       signature_keys=job.servable.tflite_endpoints,
                                       quantize=quantize)
    tmp = _temp_path(job, fmt)
    tmp.write_bytes(flatbuffer)
    _replace(tmp, job.directory / FILES[fmt])
    shutil.rmtree(tmp.parent, ignore_errors=True)
    endpoints = list(job.servable.tflite_endpoints)
    record = _record(job, fmt, endpoints, static_batch_size=job.tflite_batch_size,
                     quantization="dynamic-range int8 weights" if quantize else None, **facts)
    record["inputs"] = {name: _specs(job.servable.endpoints[name].with_batch_size(
        job.tflite_batch_size)) for name in endpoints}
    return record


def write_tflite(job: Job) -> dict:
    return _write_tflite(job, "tflite", quantize=False)


def write_tflite_int8(job: Job) -> dict:
    return _write_tflite(job, "tflite_int8", quantize=True)


def _unrolled(config: dict) -> dict:
    """A layer config with `unroll=True` wherever a recurrent layer (or a wrapped one) has it."""
    if "unroll" in config:
        config = {**config, "unroll": True}
    for key in ("layer", "backward_layer"):  # Bidirectional and other wrappers
        inner = config.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("config"), dict):
            config = {**config, key: {**inner, "config": _unrolled(inner["config"])}}
    return config


def _nested_shapes(model, shapes: dict[str, tuple]) -> dict[str, dict[str, tuple]]:
    """Nested functional model (a task's backbone) -> the static shapes of its inputs when
    `model` is fed `shapes`: an unrolled layer inside it needs its time dimension."""
    import keras

    static = [keras.KerasTensor(shapes[t.name], dtype=t.dtype) for t in model.inputs]
    found = {}
    for layer in model.layers:
        if not isinstance(layer, keras.Model) or not layer._inbound_nodes:
            continue
        feeds = list(layer._inbound_nodes[0].input_tensors)
        prefix = keras.Model(model.inputs, feeds)
        specs = keras.tree.flatten(prefix.compute_output_spec(
            static if len(static) > 1 else static[0]))
        found[layer.name] = {t.name: tuple(spec.shape)
                             for t, spec in zip(layer.inputs, specs, strict=True)}
    return found


def unrolled_model(model, shapes: dict[str, tuple]):
    """A copy of `model` with fully static input `shapes` (batch included) and every recurrent
    layer unrolled, sharing nothing with `model` but its weight values. A nested model (a
    task's backbone) is unrolled too, at the static shapes it is fed: a WHILE loop left inside
    it crashes TFLite's calibrator (a segfault, not an error)."""
    import keras

    nested = _nested_shapes(model, shapes)

    def clone_layer(layer):
        if layer.name in nested:
            return unrolled_model(layer, nested[layer.name])
        return layer.__class__.from_config(_unrolled(layer.get_config()))

    inputs = [keras.Input(batch_shape=shapes[t.name], dtype=t.dtype, name=t.name)
              for t in model.inputs]
    clone = keras.models.clone_model(
        model, input_tensors=inputs if len(inputs) > 1 else inputs[0], clone_function=clone_layer)
    clone.set_weights(model.get_weights())
    return clone


def _batches(rows: dict, batch: int) -> list[dict]:
    """`rows` cut into feeds of exactly `batch` rows (a short last one padded with its last
    row, as a device pads a short batch)."""
    n = len(next(iter(rows.values())))
    feeds = []
    for start in range(0, n, batch):
        feed = {k: v[start:start + batch] for k, v in rows.items()}
        real = len(next(iter(feed.values())))
        if real < batch:
            feed = {k: np.concatenate([v, np.repeat(v[-1:], batch - real, axis=0)])
                    for k, v in feed.items()}
        feeds.append(feed)
    return feeds


def write_tflite_full_int8(job: Job) -> dict:
    """The full-integer model of the Keras model's endpoint, or the record of why not.

    The artifact has static shapes (`static_batch_size` and the representative dataset's
    sequence length; shorter sequences are padded, as masked models expect), int8 weights and
    activations (16x8 where int8 does not convert) and float32 inputs and outputs (token ids
    stay int32). A conversion that fails is recorded with `written: false` and the
    converter's reason; nothing is written and the parity check skips it, saying why.
    """
    import tensorflow as tf

    servable, fmt = job.servable, "tflite_full_int8"
    endpoint = servable.model_endpoint
    representative = job.representative or []
    base = {"static_batch_size": job.tflite_batch_size,
            "calibration_examples": sum(len(next(iter(r.values()))) for r in representative)}
    if servable.keras_model is None or endpoint not in servable.tflite_endpoints:
        return {**_record(job, fmt, servable.tflite_endpoints), **base, "written": False,
                "reason": f"{servable.name!r}: the TFLite endpoint(s) "
                          f"{', '.join(servable.tflite_endpoints)} are not the Keras model "
                          "(a decoding loop: a data-dependent WHILE loop cannot be unrolled, "
                          "and TFLite's calibrator crashes on WHILE loops)"}
    shapes = {name: (job.tflite_batch_size, *np.shape(array)[1:])
              for name, array in representative[0].items()}
    rows = {name: np.concatenate([np.asarray(r[name]) for r in representative])
            for name in shapes}
    feeds = _batches(rows, job.tflite_batch_size)
    model = unrolled_model(servable.keras_model, shapes)
    specs = {name: tf.TensorSpec(shape, spec.dtype, name=name)
             for name, spec in servable.endpoints[endpoint].inputs.items()
             for shape in [shapes[name]]}
    source = job.workdir / "tflite_full_int8_source"
    _write_saved_model(servable, source, track=[model], endpoints={
        endpoint: Endpoint(lambda inputs: {MODEL_OUTPUT: call_model(model, inputs)}, specs)})
    feeds = [{k: v.astype(specs[k].dtype.as_numpy_dtype) for k, v in f.items()} for f in feeds]
    flatbuffer, facts = tflite.convert_full_integer(str(source), signature_key=endpoint,
                                                    feeds=feeds)
    record = {**_record(job, fmt, [endpoint]), **base, "unrolled": UNROLLED}
    record["inputs"] = {endpoint: [{"name": name, "dtype": spec.dtype.name,
                                    "shape": [int(d) for d in spec.shape]}
                                   for name, spec in specs.items()]}
    if flatbuffer is None:
        reasons = "; ".join(f"{mode}: {why}" for mode, why in facts["attempts"].items())
        return {**record, "written": False, "conversion_attempts": facts["attempts"],
                "reason": f"no builtin-ops full-integer conversion ({reasons})"}
    tmp = _temp_path(job, fmt)
    tmp.write_bytes(flatbuffer)
    _replace(tmp, job.directory / FILES[fmt])
    shutil.rmtree(tmp.parent, ignore_errors=True)
    # Parity: the first rows of the representative dataset, at the artifact's static shapes.
    cases = {k: v[:FULL_INT8_PARITY_ROWS] for k, v in rows.items()}
    expected = servable.reference(endpoint, cases)
    arrays = {**{f"{endpoint}/0/in/{k}": v for k, v in cases.items()},
              **{f"{endpoint}/0/out/{k}": np.asarray(v) for k, v in expected.items()}}
    with open(job.directory / FULL_INT8_CASES, "wb") as f:
        np.savez(f, **arrays)
    return {**record, "written": True, "parity_cases": FULL_INT8_CASES,
            "quantization": f"{facts['quantization']}, float32 input/output interface "
                            f"(calibrated on {base['calibration_examples']} examples)",
            "full_integer_mode": facts["mode"], "conversion_attempts": facts["attempts"],
            "ops": facts["ops"], "runs_on": facts["runs_on"],
            "integer_tensors": facts["integer_tensors"],
            "float32_internal_tensors": facts["float32_internal_tensors"],
            "conversion_tries": facts["conversion_tries"], "select_tf_ops": False, "flex_ops": []}


@contextlib.contextmanager
def _constant_normalization(model):
    """Keras `Normalization` layers built from a given mean and variance hold them as eager
    tensors, which tf2onnx turns into required graph inputs (".../Sub/y:0 missing from input
    feed"); as NumPy arrays they are traced as constants. The same ops, so the same numbers;
    the layers get their tensors back afterwards."""
    import keras

    layers = [layer for layer in model._flatten_layers(include_self=False, recursive=True)
              if isinstance(layer, keras.layers.Normalization)
              and getattr(layer, "input_mean", None) is not None]
    saved = [(layer, layer.mean, layer.variance) for layer in layers]
    try:
        for layer, mean, variance in saved:
            layer.mean = np.asarray(keras.ops.convert_to_numpy(mean))
            layer.variance = np.asarray(keras.ops.convert_to_numpy(variance))
        yield
    finally:
        for layer, mean, variance in saved:
            layer.mean, layer.variance = mean, variance


def write_onnx(job: Job) -> dict:
    try:
        import onnx
        import tf2onnx  # noqa: F401 - Keras' ONNX exporter needs it with TensorFlow
    except ImportError as e:
        raise ExportError(f"the onnx format needs tf2onnx and onnx: pip install "
                          f"'rnn-zoo[export]' ({e})") from None

    model = job.servable.keras_model
    endpoint = job.servable.endpoints[job.servable.model_endpoint]
    signature = [dict(endpoint.inputs)] if len(endpoint.inputs) > 1 else [
        next(iter(endpoint.inputs.values()))]
    tmp = _temp_path(job, "onnx")
    with warnings.catch_warnings(), tflite.quiet_tf_logger(), _constant_normalization(model):
        # tf2onnx and its numpy-2 patch warn about deprecated NumPy and TF names.
        warnings.simplefilter("ignore")
        model.export(str(tmp), format="onnx", input_signature=signature, verbose=False)
    graph = onnx.load(str(tmp), load_external_data=False)
    opset = max((o.version for o in graph.opset_import if o.domain in ("", "ai.onnx")),
                default=None)
    _replace(tmp, job.directory / FILES["onnx"])
    shutil.rmtree(tmp.parent, ignore_errors=True)
    return _record(job, "onnx", [job.servable.model_endpoint], opset=opset,
                   onnx_inputs=[i.name for i in graph.graph.input],
                   onnx_outputs=[o.name for o in graph.graph.output],
                   converter=f"keras.Model.export(format='onnx') via tf2onnx "
                             f"{_version('tf2onnx')}")


def _version(package: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


WRITERS: dict[str, Callable[[Job], dict]] = {
    "keras": write_keras,
    "saved_model": write_saved_model,
    "tflite": write_tflite,
    "tflite_int8": write_tflite_int8,
    "tflite_full_int8": write_tflite_full_int8,
    "onnx": write_onnx,
}
FORMATS = tuple(WRITERS)
# Formats that need calibration data from the caller (`export(..., representative=...)`).
CALIBRATED = ("tflite_full_int8",)

