"""`export(model, directory, formats=...)`: write deployable artifacts and check their parity."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras

from rnn_zoo._atomic import write_text_atomic
from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.export import formats as _formats
from rnn_zoo.export import parity as _parity
from rnn_zoo.export._standalone_runner import digest
from rnn_zoo.export.servable import Servable, keras_servable

MANIFEST = "export.json"
DEFAULT_FORMATS = ("keras", "saved_model", "tflite", "tflite_int8", "onnx")
FORMATS = _formats.FORMATS
# TFLite artifacts have a static batch; past this a device runs SavedModel or ONNX (dynamic
# batch) instead, and the parity check pads every case up to a whole batch.
MAX_TFLITE_BATCH_SIZE = 1024
_VERSIONED = ("tensorflow", "keras", "numpy", "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert")


@dataclasses.dataclass
class ExportResult:
    """The outcome of one `export` call: where it wrote, and its manifest (`export.json`)."""

    directory: Path
    manifest: dict[str, Any]

    @property
    def artifacts(self) -> dict[str, dict]:
        """`{format: record}` of the written artifacts."""
        return {a["format"]: a for a in self.manifest["artifacts"]}

    def path(self, fmt: str) -> Path:
        """Where the artifact of format `fmt` is."""
        if fmt not in self.artifacts:
            raise KeyError(f"No {fmt!r} artifact in {self.directory} (has "
                           f"{', '.join(self.artifacts)}).")
        return self.directory / self.artifacts[fmt]["path"]

    @property
    def parity_ok(self) -> bool | None:
        """True/False once checked (`check_parity`), None before."""
        parity = self.manifest.get("parity")
        return None if parity is None else bool(parity["ok"])

    def write_manifest(self) -> Path:
        return write_text_atomic(self.directory / MANIFEST,
                                 json.dumps(self.manifest, indent=2) + "\n")


def _check_formats(formats, servable: Servable) -> tuple[str, ...]:
    if formats is None:
        return tuple(f for f in DEFAULT_FORMATS if f in servable.formats)
    if isinstance(formats, str):
        formats = (formats,)
    if not isinstance(formats, Sequence) or not formats:
        raise ValueError(f"`formats` must be a non-empty list of format names from "
                         f"{', '.join(FORMATS)}; got {formats!r}.")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"Unsupported export format(s) {', '.join(map(repr, unknown))}; "
                         f"choose from {', '.join(FORMATS)}.")
    unavailable = [f for f in formats if f not in servable.formats]
    if unavailable:
        raise ValueError(f"{servable.name!r} cannot be exported as "
                         f"{', '.join(map(repr, unavailable))}; it offers "
                         f"{', '.join(servable.formats)}.")
    return tuple(dict.fromkeys(formats))


def check_directory(directory) -> Path:
    """Creates `directory` if needed; a one-line ValueError if it cannot be written."""
    if not isinstance(directory, (str, os.PathLike)) or not str(directory).strip():
        raise TypeError(f"`directory` must be a path (str or os.PathLike), got {directory!r}.")
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise ValueError(f"`directory` {str(path)!r} exists and is not a directory.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as e:
        raise ValueError(f"`directory` {str(path)!r} is not writable "
                         f"({e.strerror or type(e).__name__}).") from None
    return path


def _traced_output_shapes(servable: Servable, name: str, outputs: dict) -> dict:
    """`outputs` with every axis the endpoint leaves dynamic (traced at its input specs, where
    dynamic inputs are None) recorded as None: the examples alone have fixed lengths."""
    import tensorflow as tf

    endpoint = servable.endpoints[name]
    try:
        traced = tf.function(endpoint.fn).get_concrete_function(
            dict(endpoint.inputs)).structured_outputs
    except Exception:  # noqa: BLE001 - the shapes from the examples are still true
        return outputs
    found = {}
    for key, record in outputs.items():
        tensor = traced.get(key) if isinstance(traced, Mapping) else None
        shape = getattr(tensor, "shape", None)
        if shape is not None and shape.rank == len(record["shape"]):
            record = {**record, "shape": [None if t is None else d for t, d in
                                          zip(shape.as_list(), record["shape"], strict=True)]}
        found[key] = record
    return found


def _versions() -> dict[str, str]:
    found = {}
    for package in _VERSIONED:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def export(model, directory, *, formats: Sequence[str] | None = None,
           tflite_batch_size: int = 1, check: bool = True,
           metadata: Mapping[str, Any] | None = None) -> ExportResult:
    """Writes `model` in deployable formats to `directory` and checks every artifact's parity.

    Formats and what they hold:

    - `keras`: `model.keras`, the Keras v3 file (loads with `keras.saving.load_model`).
    - `saved_model`: `saved_model/`, a TF SavedModel whose `serving_default` signature takes
      the model's inputs by name with dynamic batch and sequence length (text servables take
      raw strings there); load with `tf.saved_model.load`.
    - `tflite`, `tflite_int8`: `model.tflite` (float32) and `model_int8.tflite` (dynamic-range
      int8 weights), builtin ops only, so they run in the stock `ai_edge_litert` /
      `tf.lite.Interpreter`; the batch size is fixed (`tflite_batch_size`), the sequence length
      stays dynamic. The ops each file uses are recorded, and whether `SELECT_TF_OPS` was
      needed (only as a fallback, with the converter's reason).
    - `onnx`: `model.onnx` through `keras.Model.export(format="onnx")` (tf2onnx), dynamic batch
      and sequence length; run it with onnxruntime.

    `export.json` records every artifact (file, bytes, sha256, endpoints, input specs, ops,
    runtime) and, after the check, its parity verdict. `parity_cases.npz` holds the parity
    inputs and the Keras outputs they must reproduce: a right-padded batch and each of its rows
    alone, so masks and variable lengths are part of the check.

    Args:
        model: a functional `keras.Model`, or a `Servable` (a model with in-graph
            preprocessing, a decoding loop: see `rnn_zoo.export.Servable`).
        directory: output folder (created; existing artifacts of the same name are replaced).
        formats: names from `rnn_zoo.export.FORMATS`; None (default): every format the model
            offers, i.e. `DEFAULT_FORMATS` for a Keras model.
        tflite_batch_size: the static batch size of the TFLite artifacts, 1 to
            `MAX_TFLITE_BATCH_SIZE` (1024). Any size works: a caller (and the parity check)
            pads a short last batch and drops the padded rows' outputs.
        check: run the parity check (a fresh process without rnn_zoo) and raise
            `ParityError` if an artifact does not match. `check=False` leaves it to a later
            `check_parity(results)`, which checks many exports in one process.
        metadata: extra JSON-serialisable facts for the manifest.

    Returns:
        An `ExportResult` (`.directory`, `.manifest`, `.artifacts`, `.path(format)`).

    Raises:
        ValueError / TypeError: a bad argument, an unknown or unavailable format, or a
            directory that cannot be written (one line naming it).
        ExportError: a converter failed (one line naming the format and the reason).
        ParityError: an artifact does not load, run or match Keras (with `check=True`).

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.get_model("many_to_one_gru", vocab_size=50, num_classes=2, units=4)
    >>> result = rnn_zoo.export(model, "/tmp/gru_export",
    ...                         formats=("saved_model", "tflite"))  # doctest: +SKIP
    >>> result.artifacts["tflite"]["ops"]                            # doctest: +SKIP
    ['ADD', 'FULLY_CONNECTED', ..., 'WHILE']
    """
    if isinstance(model, keras.Model):
        servable = keras_servable(model)
    elif isinstance(model, Servable):
        servable = model
    else:
        raise TypeError(f"`model` must be a keras.Model or an rnn_zoo.export.Servable, got "
                        f"{type(model).__name__}.")
    chosen = _check_formats(formats, servable)
    tflite_batch_size = check_int("tflite_batch_size", tflite_batch_size)
    if tflite_batch_size > MAX_TFLITE_BATCH_SIZE:
        raise ValueError(f"`tflite_batch_size` must be an int >= 1 and <= "
                         f"{MAX_TFLITE_BATCH_SIZE}, got {tflite_batch_size} (the TFLite batch "
                         "is static; export SavedModel or ONNX for larger batches).")
    check_bool("check", check)
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"`metadata` must be a dict or None, got {type(metadata).__name__}.")
    directory = check_directory(directory)

    workdir = Path(tempfile.mkdtemp(prefix=".export-work-", dir=directory))
    job = _formats.Job(servable=servable, directory=directory, workdir=workdir,
                       tflite_batch_size=tflite_batch_size)
    try:
        artifacts = []
        for fmt in chosen:
            try:
                record = _formats.WRITERS[fmt](job)
            except Exception as e:  # noqa: BLE001 - converters raise anything; name the format
                text = " ".join(str(e).split()) or type(e).__name__
                raise _formats.ExportError(
                    f"{servable.name!r}: {fmt} export failed ({type(e).__name__}: "
                    f"{text[:400]})") from e
            sha, size = digest(directory / record["path"])
            artifacts.append({**record, "bytes": size, "sha256": sha})
        endpoints = sorted({name for a in artifacts for name in a["endpoints"]})
        outputs = _parity.write_cases(directory / _parity.CASES, servable, endpoints)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    manifest = {
        "format_version": 1,
        "name": servable.name,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "endpoints": {name: {"inputs": _formats._specs(servable.endpoints[name]),
                             "outputs": _traced_output_shapes(servable, name,
                                                              outputs.get(name, {}))}
                      for name in endpoints},
        "artifacts": artifacts,
        "parity_cases": _parity.CASES,
        "metadata": {**servable.metadata, **(metadata or {})},
    }
    result = ExportResult(directory=directory, manifest=manifest)
    result.write_manifest()
    if check:
        _parity.check_parity(result)
    return result


def load_result(directory) -> ExportResult:
    """The `ExportResult` of an earlier export, read back from `directory/export.json`."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ValueError(f"{path} not found: {directory} is not an rnn_zoo export directory.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
        raise ValueError(f"{path} has no 'artifacts' list; it is not an export manifest.")
    return ExportResult(directory=Path(directory), manifest=manifest)
