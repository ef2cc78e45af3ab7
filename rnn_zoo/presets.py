"""Pretrained presets: trained recipe runs committed as data in `saved_models/<preset>/`.

A preset folder holds exactly these files, each listed with its sha256 in `checksums.sha256`
(`sha256sum` format, so `cd saved_models/<preset> && sha256sum -c checksums.sha256` checks it):

    model.keras        the trained model (Keras v3 zip: JSON config + HDF5 weights; no pickle)
    metrics.json       the run's metrics.json, copied byte for byte
    history.csv        the run's per-epoch training log
    vocabulary.txt     only for recipes with a vocabulary (one JSON string per line)
    README.md          the model card, written from metrics.json by scripts/publish_preset.py

>>> import rnn_zoo
>>> rnn_zoo.list_presets()                                # doctest: +SKIP
['breast_cancer', 'char_lm_shakespeare']
>>> model = rnn_zoo.load_pretrained("breast_cancer")      # doctest: +SKIP

`load_pretrained` verifies every checksum first and refuses (one-line `ValueError` naming the
file) a file that was altered, truncated, removed or added; it then refuses a model with a
`Lambda` layer and loads with `keras.saving.load_model(path, safe_mode=True)`. Nothing is
unpickled. Presets live in the checkout's `saved_models/`, or in `$RNN_ZOO_PRESETS_DIR`.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rnn_zoo._folders import TASK_FILE
from rnn_zoo._hashing import sha256_of
from rnn_zoo._preset_folders import (  # noqa: F401  (the public names of presets, too)
    CARD,
    CHECKSUMS,
    ENV_VAR,
    HISTORY,
    METRICS,
    MODEL,
    REQUIRED,
    checksums_text,
    list_presets,
    presets_dir,
    verify_checksums,
    write_checksums,
)
from rnn_zoo._preset_folders import is_path as _is_path
from rnn_zoo._preset_folders import presets_dir_of as _root
from rnn_zoo.saving import UNSAFE_LAYERS, load_model_safely  # noqa: F401

VOCABULARY = "vocabulary.txt"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
# Layers whose config can carry Python code; a preset containing one is refused before loading.

__all__ = [
    "CHECKSUMS",
    "ENV_VAR",
    "MissingEntryError",
    "Preset",
    "get_preset",
    "list_presets",
    "load_pretrained",
    "presets_dir",
    "read_metrics",
    "read_vocabulary",
    "sha256_of",
    "verify_checksums",
    "write_checksums",
]


class MissingEntryError(KeyError, ValueError):
    """A metrics.json lacks an entry the code needs: a `KeyError` for code that handles one,
    and a one-line `ValueError` (naming the file and the key) for everyone else."""

    def __str__(self) -> str:  # KeyError's own str() would quote the message
        return str(self.args[0]) if self.args else ""


class Metrics(dict):
    """A metrics.json object: a dict whose missing key raises `MissingEntryError` naming the
    file and the key's path (nested objects are `Metrics` too)."""

    def __init__(self, data, *, source: str, where: str = ""):
        super().__init__(data)
        self._source, self._where = source, where

    def __missing__(self, key):
        path = f"{self._where}[{key!r}]"
        raise MissingEntryError(
            f"{self._source} has no {path} entry; expected a metrics.json written by "
            "`rnn-zoo train` (retrain or republish to get a complete one).")

    def __reduce__(self):  # copies and pickles are plain dicts
        return dict, (dict(self),)


def _wrap(node, source: str, where: str):
    if isinstance(node, dict):
        return Metrics({k: _wrap(v, source, f"{where}[{k!r}]") for k, v in node.items()},
                       source=source, where=where)
    if isinstance(node, list):
        return [_wrap(v, source, f"{where}[{i}]") for i, v in enumerate(node)]
    return node


def read_metrics(path: str | os.PathLike, *, label: str | None = None) -> Metrics:
    """Reads a run's or preset's `metrics.json` as `Metrics` (missing keys name the file).

    Raises a one-line ValueError naming the file when it cannot be read, is not JSON, or is
    not a JSON object.
    """
    path = Path(path)
    label = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise ValueError(f"{label}: cannot read {path} ({reason}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{label}: {path} is not valid JSON ({e}).") from None
    if not isinstance(data, dict):
        raise ValueError(f"{label}: {path} must hold a JSON object (a metrics.json written by "
                         f"`rnn-zoo train`), got a JSON {type(data).__name__}.")
    return _wrap(data, str(path), "")


@dataclasses.dataclass(frozen=True)
class Preset:
    """One preset folder: its name, recipe, location, recorded metrics and size in bytes."""

    name: str
    recipe: str
    path: Path
    metrics: Mapping[str, Any]
    size: int

    @property
    def profile(self) -> str:
        return str(self.metrics.get("profile", "?"))

    @property
    def headline(self) -> tuple[str, float]:
        """(metric, value): the bar's metric and the model's recorded value of it, on the test
        split or on the further evaluation the bar sits on (`"validation+test loss"`)."""
        bar = self.metrics["bar"]
        metric, split = bar["metric"], bar.get("split")
        if split:
            return f"{split} {metric}", float(self.metrics["reports"][split]["metrics"][metric])
        return metric, float(self.metrics["test"][metric])

    @property
    def bar_met(self) -> bool:
        return bool(self.metrics["bar"]["met"])

    @property
    def model_path(self) -> Path:
        return self.path / MODEL


def get_preset(name: str | os.PathLike, *,
               presets_dir: str | os.PathLike | None = None) -> Preset:
    """The preset called `name`, or the preset folder at the path `name` (relative to the
    working directory or absolute); its metrics.json is read, checksums are not verified here.

    An unknown name raises ValueError with the close matches and the available presets.
    """
    if isinstance(name, os.PathLike) or (isinstance(name, str) and _is_path(name)):
        folder = Path(os.path.abspath(os.fspath(name)))
        if not folder.is_dir():
            raise ValueError(f"Preset folder {os.fspath(name)!r} does not exist.")
        name, presets_dir = folder.name, folder.parent
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a preset name (str), got {type(name).__name__}.")
    root = _root(presets_dir)
    names = list_presets(root)
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        available = (f"Available: {', '.join(names)}." if names
                     else f"No presets are installed in {root}.")
        raise ValueError(f"Unknown preset {name!r}.{hint} {available}")
    path = root / name
    metrics_path = path / METRICS
    if not metrics_path.is_file():
        raise ValueError(f"Preset {name!r} at {path} has no {METRICS}; it is not a preset.")
    metrics = read_metrics(metrics_path, label=f"Preset {name!r}")
    if not isinstance(metrics.get("recipe"), str):
        raise ValueError(f"Preset {name!r}: {METRICS} has no 'recipe' entry.")
    size = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return Preset(name=name, recipe=metrics["recipe"], path=path, metrics=metrics, size=size)


def load_pretrained(name: str | os.PathLike, *, compile: bool = True,
                    presets_dir: str | os.PathLike | None = None):
    """Verifies and loads the preset `name` (or the preset folder at that path).

    A preset in the task form (it holds `task.json`) loads as its task (`rnn_zoo.tasks`),
    which takes the raw input a user has and returns the answer:
    `rnn_zoo.load_pretrained("tweet_sentiment").predict(["what a day!"])`. A preset not yet
    republished in that form loads as its `keras.Model`.

    Every file's sha256 is checked against `checksums.sha256` first: a file that differs, is
    missing, or is not listed raises a one-line ValueError naming it. A model config containing
    a `Lambda` layer is refused, and the model is loaded with `safe_mode=True`.
    """
    if not isinstance(compile, bool):
        raise TypeError(f"`compile` must be True or False, got {compile!r}.")
    preset = get_preset(name, presets_dir=presets_dir)
    verify_checksums(preset.path, label=f"Preset {preset.name!r}")
    if (preset.path / TASK_FILE).is_file():
        from rnn_zoo.tasks import load_task

        return load_task(preset.path)
    return load_model_safely(preset.model_path, compile=compile,
                             label=f"Preset {preset.name!r}")


def is_task(preset: Preset) -> bool:
    """Whether the preset is in the task form (raw input in, answer out)."""
    return (preset.path / TASK_FILE).is_file()


def read_vocabulary(preset: Preset) -> list[str]:
    """The preset's vocabulary (`vocabulary.txt`: one JSON-encoded string per line)."""
    path = preset.path / VOCABULARY
    if not path.is_file():
        # A run directory not yet published keeps its vocabulary in metrics.json only.
        stored = preset.metrics.get("dataset", {}).get("vocabulary")
        if isinstance(stored, list):
            return list(stored)
        raise ValueError(f"Preset {preset.name!r} has no {VOCABULARY}.")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
