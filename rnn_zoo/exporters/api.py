"""`export(model, directory, formats=...)`: write deployable artifacts and check their parity."""

from __future__ import annotations

import datetime
import importlib.metadata
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from rnn_zoo._atomic import fsync_dir
from rnn_zoo._folders import FINISHED, folder_lock, kind_of, write_manifest
from rnn_zoo._hashing import digest
from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.exporters import formats as _formats
from rnn_zoo.exporters import parity as _parity
from rnn_zoo.exporters.result import ExportResult
from rnn_zoo.exporters.servable import Servable, keras_servable

# Progress lines (which format is being written); the CLI prints them, a library user opts in.
_log = logging.getLogger(__name__)
DEFAULT_FORMATS = ("keras", "saved_model", "tflite", "tflite_int8", "onnx")
FORMATS = _formats.FORMATS
# TFLite artifacts have a static batch; past this a device runs SavedModel or ONNX (dynamic
# batch) instead, and the parity check pads every case up to a whole batch.
MAX_TFLITE_BATCH_SIZE = 1024
_VERSIONED = ("tensorflow", "keras", "numpy", "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert")


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


def check_representative(representative, servable: Servable) -> list[dict]:
    """`representative` as a list of input dicts at one static shape; one-line ValueError if not.

    Accepts an iterable of `{input name: array (rows, ...)}` dicts (each a batch of examples of
    the Keras model's endpoint), or a callable returning one. Every dict needs exactly the
    endpoint's inputs, of its rank and fixed dimensions, and all dicts the same shape past the
    batch axis: that shape becomes the full-integer artifact's static shape.
    """
    arg = "`representative`"
    if callable(representative):
        representative = representative()
    if isinstance(representative, (str, bytes, Mapping)) or not hasattr(representative,
                                                                         "__iter__"):
        raise ValueError(f"{arg} must be an iterable (or a callable returning one) of "
                         f"{{input name: array}} dicts, got {type(representative).__name__}.")
    specs = servable.endpoints[servable.model_endpoint].inputs
    found, shape_of = [], None
    for index, item in enumerate(representative):
        if not isinstance(item, Mapping) or set(item) != set(specs):
            keys = sorted(item) if isinstance(item, Mapping) else type(item).__name__
            raise ValueError(f"{arg}[{index}] must be a dict with keys {sorted(specs)} (the "
                             f"model's inputs), got {keys}.")
        arrays = {}
        for name, spec in specs.items():
            array = np.asarray(item[name])
            want = spec.shape.as_list()
            fixed = all(w is None or w == d for w, d in zip(want[1:], array.shape[1:],
                                                            strict=False))
            if array.ndim != len(want) or not fixed or len(array) == 0:
                raise ValueError(f"{arg}[{index}][{name!r}] has shape {array.shape}; the "
                                 f"model takes {tuple(want)} (a batch of at least one row).")
            if array.dtype.kind not in "biuf" or not np.all(np.isfinite(array)):
                raise ValueError(f"{arg}[{index}][{name!r}] must hold finite numbers, got "
                                 f"dtype {array.dtype}.")
            arrays[name] = array.astype(spec.dtype.as_numpy_dtype)
        shapes = {name: a.shape[1:] for name, a in arrays.items()}
        if shape_of is None:
            shape_of = shapes
        elif shapes != shape_of:
            raise ValueError(f"{arg}[{index}] has shapes {shapes} past the batch axis, "
                             f"{arg}[0] {shape_of}: pad every example to one length (the "
                             "full-integer artifact has static shapes).")
        found.append(arrays)
    if not found:
        raise ValueError(f"{arg} is empty; pass a few hundred examples from the training split.")
    return found


def check_directory(directory, *, overwrite: bool = False, argument: str = "`directory`",
                    flag: str = "`overwrite=True`") -> Path:
    """`directory` as a Path if an export may go there; a one-line ValueError if not.

    An export goes into a new or empty folder, or replaces an earlier export whole. A preset
    folder is refused always (its files are checksummed; `scripts/export_presets.py` exports
    into a scratch folder and copies what a preset ships). Any other non-empty folder (a run,
    other files) is refused unless `overwrite`, which replaces it whole. The parent folder is
    created and must be writable: the export is staged there, beside `directory`.
    `argument` and `flag` name the path and the override in the message (the CLI's `--out`).
    """
    if not isinstance(directory, (str, os.PathLike)) or not str(directory).strip():
        raise TypeError(f"{argument} must be a path (str or os.PathLike), got {directory!r}.")
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{argument} {str(path)!r} exists and is not a directory.")
    target = path.resolve()
    if target.parent == target:
        raise ValueError(f"{argument} {str(path)!r} is a file system root; choose a folder.")
    kind = kind_of(target)
    if kind == "preset":
        raise ValueError(f"{argument} {str(path)!r} is a preset folder; export never writes "
                         "into one (its files are checksummed): choose another folder.")
    if kind != "export" and not overwrite and target.is_dir() and any(target.iterdir()):
        what = f"a {kind} folder" if kind else "it holds other files"
        raise ValueError(f"{argument} {str(path)!r} is not an export folder ({what}); export "
                         f"into a new or empty folder, or pass {flag} to replace it whole.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # An unnamed file (O_TMPFILE on Linux): a kill during the probe leaves nothing behind.
        with tempfile.TemporaryFile(dir=target.parent, prefix=f".{target.name}.write-"):
            pass
    except OSError as e:
        raise ValueError(f"{argument} {str(path)!r} is not writable "
                         f"({e.strerror or type(e).__name__}).") from None
    return path


# Staging folders are hidden siblings `.<name>.export-stage-XXXXXXXX` (mkdtemp's 8 characters).
_STAGE = "export-stage-"
# What older versions (or a killed writer) left inside an export folder.
_DEBRIS_INSIDE = re.compile(r"^\.(export-work-|write-test-|(keras|saved_model|tflite|tflite_int8|"
                            r"tflite_full_int8|onnx)\.|parity_cases\.npz\.tmp|"
                            r"(export|rnn_zoo_folder)\.json\.tmp-)")


def _remove_debris(target: Path) -> None:
    """Removes what killed exports into `target` left: stages beside it, scratch inside it.
    Called with `target`'s lock held, so no live export is using them."""
    stage = re.compile(rf"^\.{re.escape(target.name)}\.{_STAGE}[A-Za-z0-9_]{{8}}$")
    found = [p for p in target.parent.iterdir() if stage.match(p.name)]
    if kind_of(target) == "export":
        found += [p for p in target.iterdir() if _DEBRIS_INSIDE.match(p.name)]
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swaps two paths (Linux `renameat2(RENAME_EXCHANGE)`); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap_into_place(stage: Path, target: Path) -> None:
    """Puts the finished `stage` folder at `target`, replacing what was there whole.

    One atomic exchange where the file system has it, so a kill leaves either the old folder
    or the new one at `target`; elsewhere two renames (a kill between them leaves no folder
    at `target`, the old one in a hidden stage beside it)."""
    if not target.exists():
        os.rename(stage, target)
    elif _exchange(stage, target):
        shutil.rmtree(stage, ignore_errors=True)  # now the old folder
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_STAGE}", dir=target.parent))
        os.rename(target, old)  # onto the empty folder mkdtemp made
        os.rename(stage, target)
        shutil.rmtree(old, ignore_errors=True)
    fsync_dir(target.parent)


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
           metadata: Mapping[str, Any] | None = None, overwrite: bool = False,
           stateful: bool = False,
           stateful_vocabulary: Sequence[str] | None = None,
           representative=None) -> ExportResult:
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
    - `tflite_full_int8`: `model_full_int8.tflite`, full-integer (int8 weights and
      activations; 16x8, int16 activations, where int8 does not convert), calibrated on
      `representative`; float32 inputs and outputs (quantized inside; token ids stay int32).
      Its shapes are static (batch `tflite_batch_size`, the sequence length of
      `representative`): the recurrent layers are unrolled, because TFLite's calibrator
      crashes on a `WHILE` loop. Where the converter cannot, `export.json` records the
      artifact with `"written": false` and the converter's reason, and no file. Its parity is
      checked on rows of `representative` against the looser `parity.QUANTIZED_RTOL`.
    - `onnx`: `model.onnx` through `keras.Model.export(format="onnx")` (tf2onnx), dynamic batch
      and sequence length; run it with onnxruntime.

    The folder holds one export, whole: everything is written and checked in a hidden
    staging folder beside `directory`, which then replaces `directory` in one rename. So a
    failed or killed export leaves `directory` as it was, an export into an earlier export
    replaces all of it (no artifact of the old model stays), and `export.json` always lists
    exactly the folder's artifacts. A preset folder is refused, and so is any other non-empty
    folder that is not an export unless `overwrite=True`. Two exports into one folder at once:
    the second raises `rnn_zoo._folders.FolderBusyError` naming the first.

    `export.json` records every artifact (file, bytes, sha256, endpoints, input specs, ops,
    runtime) and, after the check, its parity verdict. `parity_cases.npz` holds the parity
    inputs and the Keras outputs they must reproduce: a right-padded batch and each of its rows
    alone, so masks and variable lengths are part of the check.

    Args:
        model: a functional `keras.Model`, or a `Servable` (a model with in-graph
            preprocessing, a decoding loop: see `rnn_zoo.exporters.Servable`).
        directory: output folder: new, empty, or an earlier export (replaced whole).
        formats: names from `rnn_zoo.exporters.FORMATS`; None (default): every format the model
            offers, i.e. `DEFAULT_FORMATS` for a Keras model.
        tflite_batch_size: the static batch size of the TFLite artifacts, 1 to
            `MAX_TFLITE_BATCH_SIZE` (1024). Any size works: a caller (and the parity check)
            pads a short last batch and drops the padded rows' outputs.
        check: run the parity check (a fresh process without rnn_zoo) and raise
            `ParityError` if an artifact does not match. `check=False` leaves it to a later
            `check_parity(results)`, which checks many exports in one process.
        metadata: extra JSON-serialisable facts for the manifest.
        overwrite: replace `directory` whole even if it holds something that is not an
            export (a run folder, other files). Never a preset folder.
        representative: with `tflite_full_int8` (required there, refused otherwise): the
            calibration data, an iterable (or a callable returning one) of `{input name:
            array (rows, ...)}` dicts of the Keras model's inputs, all padded to one
            sequence length; a few hundred examples from the training split. With
            `stateful=True` its rows also calibrate the full-integer step
            (`stateful/step_int8.tflite`).

    Stateful export (`stateful=True`): the step model with explicit state tensors
    (`rnn_zoo.decoding.step_model`) goes to `stateful/` beside the other artifacts, in the
    chosen formats that can carry it (`saved_model`: a `step` signature, and `generate`, text
    in and text out, when `stateful_vocabulary` is given; `tflite`: builtin ops only, batch
    `tflite_batch_size`; `onnx`), checked step by step in a fresh process
    (`rnn_zoo.exporters.stateful.export_stateful`); `export.json` records it under
    `"stateful"`. A model that cannot stream (bidirectional) raises ValueError.

    Returns:
        An `ExportResult` (`.directory`, `.manifest`, `.artifacts`, `.path(format)`).

    Raises:
        ValueError / TypeError: a bad argument, an unknown or unavailable format, or a
            directory that cannot be written or is not an export's (one line naming it).
        FolderBusyError: another process is exporting into `directory`.
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
        raise TypeError(f"`model` must be a keras.Model or an rnn_zoo.exporters.Servable, got "
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
    check_bool("overwrite", overwrite)
    check_bool("stateful", stateful)
    if "tflite_full_int8" in chosen:
        if representative is None:
            raise ValueError("`representative` is required by the tflite_full_int8 format (a "
                             "few hundred {input name: array} examples from the training "
                             "split).")
        representative = check_representative(representative, servable)
    elif representative is not None:
        raise ValueError("`representative` is only used by the tflite_full_int8 format; add "
                         "it to `formats` or drop `representative`.")
    stateful_formats = _stateful_formats(chosen, servable) if stateful else ()
    directory = check_directory(directory, overwrite=overwrite)
    target = directory.resolve()
    with folder_lock(target, what="export"):
        check_directory(directory, overwrite=overwrite)  # again: it may have changed meanwhile
        _remove_debris(target)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_STAGE}", dir=target.parent))
        try:
            result = _write(servable, stage, chosen, tflite_batch_size=tflite_batch_size,
                            metadata=metadata, representative=representative)
            if stateful:
                _write_stateful(result, servable, stateful_formats, vocabulary=stateful_vocabulary,
                                batch=tflite_batch_size, check=check,
                                representative=representative)
            if check:
                _log.info("Checking %d artifact(s) against Keras in a fresh process",
                          len(result.manifest["artifacts"]))
                _parity.check_parity(result)
            _swap_into_place(stage, target)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    result.directory = directory
    return result


STATEFUL = "stateful"
# Export format -> the stateful writer's format that serves the same runtime.
_STATEFUL_FORMATS = {"saved_model": "saved_model", "tflite": "tflite", "tflite_int8": "tflite",
                     "tflite_full_int8": "tflite", "onnx": "onnx"}


def _stateful_formats(chosen: Sequence[str], servable: Servable) -> tuple[str, ...]:
    if servable.keras_model is None:
        raise ValueError(f"`stateful`: {servable.name!r} has no Keras model to step through.")
    found = tuple(dict.fromkeys(_STATEFUL_FORMATS[f] for f in chosen if f in _STATEFUL_FORMATS))
    if not found:
        raise ValueError(f"`stateful` needs saved_model, tflite or onnx among the formats, got "
                         f"{', '.join(chosen)}.")
    return found


def _write_stateful(result: ExportResult, servable: Servable, formats: Sequence[str], *,
                    vocabulary, batch: int, check: bool, representative=None) -> None:
    """The step model into `stateful/` of the staged export, recorded in its export.json.

    With `representative` (the tflite_full_int8 calibration dicts), its rows, one sequence
    each, also calibrate the full-integer step."""
    from rnn_zoo.exporters.stateful import StatefulExportError, export_stateful

    _log.info("Writing the step model with explicit state (%s/: %s)", STATEFUL,
              ", ".join(formats))
    try:
        record = export_stateful(servable.keras_model, result.directory / STATEFUL,
                                 vocabulary=vocabulary, batch=batch, formats=formats,
                                 check=check, representative=_sequences(representative))
    except StatefulExportError as e:
        raise _parity.ParityError(f"stateful export: {e}") from None
    result.manifest["stateful"] = {"directory": STATEFUL, **record}
    result.write_manifest()


def _sequences(representative) -> list[np.ndarray] | None:
    """The rows of single-input calibration dicts, one sequence each (the step's feeds)."""
    if not representative or len(representative[0]) != 1:
        return None
    return [row for item in representative for row in next(iter(item.values()))]


def _write(servable: Servable, stage: Path, chosen: Sequence[str], *, tflite_batch_size: int,
           metadata: Mapping[str, Any] | None, representative=None) -> ExportResult:
    """Writes the artifacts, parity cases and manifests of one export into `stage`."""
    directory = stage
    workdir = Path(tempfile.mkdtemp(prefix=".export-work-", dir=directory))
    job = _formats.Job(servable=servable, directory=directory, workdir=workdir,
                       tflite_batch_size=tflite_batch_size, representative=representative)
    try:
        artifacts = []
        for fmt in chosen:
            _log.info("Writing %s", fmt)
            try:
                record = _formats.WRITERS[fmt](job)
            except Exception as e:  # noqa: BLE001 - converters raise anything; name the format
                text = " ".join(str(e).split()) or type(e).__name__
                raise _formats.ExportError(
                    f"{servable.name!r}: {fmt} export failed ({type(e).__name__}: "
                    f"{text[:400]})") from e
            if record.get("written") is False:  # recorded with its reason, no file
                _log.info("Not written: %s (%s)", fmt, record["reason"])
                artifacts.append({**record, "bytes": None, "sha256": None})
                continue
            sha, size = digest(directory / record["path"])
            artifacts.append({**record, "bytes": size, "sha256": sha})
        endpoints = sorted({name for a in artifacts if a.get("written") is not False
                            for name in a["endpoints"]})
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
    write_manifest(directory, kind="export", name=servable.name, status=FINISHED,
                   formats=[a["format"] for a in artifacts if a.get("written") is not False],
                   created=manifest["created"])
    return result
