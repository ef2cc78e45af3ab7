"""Exporting pretrained presets (`saved_models/<preset>/`), task folders and `.keras` files.

Every preset is in the task form (`task.json` + a raw-input `model.keras`), and a run folder
written by `rnn_zoo.runner.train` is a task folder too: both are served by their task
(`load_task(folder).servable()`: raw strings for text tasks, the decoding loop for
encoder-decoders). A bare `.keras` file is served as the plain Keras model.
"""

from __future__ import annotations

import os
from pathlib import Path

from rnn_zoo import presets as _presets
from rnn_zoo._folders import TASK_FILE
from rnn_zoo.exporters.api import check_directory, export
from rnn_zoo.exporters.result import ExportResult
from rnn_zoo.exporters.servable import Servable, keras_servable


def _not_task_form(what: str, *, folder: bool = False) -> ValueError:
    kind = " (not a finished run directory or saved task)" if folder else ""
    return ValueError(f"{what} is not in the task form: it has no {TASK_FILE}{kind}; train "
                      "it with `rnn-zoo train RECIPE --out DIR` or save it with `Task.save`.")


def load_servable(preset_or_path, *, presets_dir=None) -> Servable:
    """A preset name (checksums verified, safe loading), a task folder (a run of
    `rnn-zoo train --out DIR`, a `Task.save` folder) or a `.keras` path -> its `Servable`.

    A preset or task folder is served as its task serves it (raw strings for text tasks, the
    decoding loop for encoder-decoders); a bare `.keras` file as a plain model.

    Example:

    >>> from rnn_zoo.exporters.presets import load_servable
    >>> servable = load_servable("breast_cancer")  # doctest: +SKIP
    >>> sorted(servable.endpoints)                 # doctest: +SKIP
    ['serving_default']

    Raises:
        TypeError: `preset_or_path` is not a str or path.
        ValueError: an unknown preset, a missing or non-`.keras` file, or a preset or folder
            without `task.json` (not in the task form); one line each.
    """
    if not isinstance(preset_or_path, (str, os.PathLike)) or not str(preset_or_path):
        raise TypeError(f"`preset_or_path` must be a preset name, a task folder or a .keras "
                        f"path, got {preset_or_path!r}.")
    text = str(preset_or_path)
    path = Path(text)
    if path.is_dir():
        if not (path / TASK_FILE).is_file():
            raise _not_task_form(f"Folder {text!r}", folder=True)
        from rnn_zoo.tasks import load_task

        if (path / _presets.CHECKSUMS).is_file():  # a preset folder given by path
            _presets.verify_checksums(path, label=f"Preset {path.name!r}")
        return load_task(path).servable()
    if text.endswith(".keras") or os.sep in text or path.is_file():
        if not path.is_file():
            raise ValueError(f"Model file {text!r} does not exist.")
        if path.suffix != ".keras":
            raise ValueError(f"{text!r} is not a .keras file; give a preset name (see "
                             "`rnn-zoo list`), a task folder or a path to a .keras model.")
        model = _presets.load_model_safely(path, compile=False, label=f"Model {text!r}")
        return keras_servable(model, name=path.stem)
    preset = _presets.get_preset(text, presets_dir=presets_dir)
    if not _presets.is_task(preset):
        raise _not_task_form(f"Preset {preset.name!r}")
    return _presets.load_pretrained(text, compile=False, presets_dir=presets_dir).servable()


def export_preset(preset_or_path, directory, *, formats=None,
                  tflite_batch_size: int = 1, check: bool = True,
                  presets_dir=None, overwrite: bool = False,
                  stateful: bool = False) -> ExportResult:
    """`export(load_servable(preset_or_path), directory, ...)`: what `rnn-zoo export` runs.

    Example:

    >>> from rnn_zoo.exporters.presets import export_preset
    >>> result = export_preset("breast_cancer", "/tmp/bc", formats=("tflite",))  # doctest: +SKIP

    `stateful=True` adds the step model with explicit state (see `rnn_zoo.exporters.export`).
    """
    check_directory(directory, overwrite=overwrite)  # refused before a model is loaded
    servable = load_servable(preset_or_path, presets_dir=presets_dir)
    # A language model's step model also gets the `generate` signature (text in, text out).
    vocabulary = servable.metadata.get("vocabulary") if stateful else None
    return export(servable, directory, formats=formats, tflite_batch_size=tflite_batch_size,
                  check=check, overwrite=overwrite, stateful=stateful,
                  stateful_vocabulary=vocabulary)
