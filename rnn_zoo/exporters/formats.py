"""One writer per export format. Each writes its artifact atomically and returns its record.

A writer is `write(job) -> dict`: it writes `job.directory / FILES[format]` (a temporary name
first, then `os.replace`) and returns the manifest record of the artifact: the endpoints it
implements, their input specs and what running it needs.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

from rnn_zoo.exporters import tflite
from rnn_zoo.exporters.servable import Endpoint, Servable

FILES = {
    "keras": "model.keras",
    "saved_model": "saved_model",
    "tflite": "model.tflite",
    "tflite_int8": "model_int8.tflite",
    "onnx": "model.onnx",
}
RUNTIMES = {
    "keras": "keras (plus rnn_zoo when the model uses its registered layers)",
    "saved_model": "tensorflow",
    "tflite": "ai_edge_litert or tf.lite Interpreter",
    "tflite_int8": "ai_edge_litert or tf.lite Interpreter",
    "onnx": "onnxruntime",
}


class ExportError(RuntimeError):
    """A format could not be written; the message is one line naming the format and why."""


@dataclasses.dataclass
class Job:
    """What the writers share during one `export` call."""

    servable: Servable
    directory: Path
    workdir: Path  # scratch space, removed after the export
    tflite_batch_size: int
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
    with warnings.catch_warnings(), tflite.quiet_tf_logger():
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
    "onnx": write_onnx,
}
FORMATS = tuple(WRITERS)

