"""Loading `.keras` files safely: no `Lambda` layer, Keras safe mode, the zoo's objects known.

Every `.keras` file the zoo reads (presets, runs, saved tasks) goes through
`load_model_safely`: the archive's `config.json` is read as JSON (never unpickled) and refused
if it holds a code-carrying layer; Keras then loads it with `safe_mode=True`. The zoo's
registered layers and losses (`keras.saving.register_keras_serializable(package="rnn_zoo")`)
are imported first, so a fresh process that never built one can load it.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import warnings
import zipfile
from pathlib import Path

__all__ = ["UNSAFE_LAYERS", "import_registered_objects", "load_model_safely"]

UNSAFE_LAYERS = frozenset({"Lambda", "TFOpLambda"})
# Packages whose modules register Keras objects the saved models name.
_REGISTERING = ("rnn_zoo.layers", "rnn_zoo.preprocessing", "rnn_zoo.decoding", "rnn_zoo.losses")


def import_registered_objects() -> None:
    """Imports every module that registers a Keras layer or loss of the zoo."""
    for name in _REGISTERING:
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(getattr(package, "__path__", []), name + "."):
            importlib.import_module(info.name)


def load_model_safely(path: str | os.PathLike, *, compile: bool = True,
                      label: str | None = None):
    """`keras.saving.load_model(path, safe_mode=True)`, refusing `Lambda` layers up front.

    The `.keras` file's `config.json` is read as JSON (never unpickled) and scanned first;
    Keras' safe mode then refuses any remaining code-carrying config while loading.
    """
    path = Path(path)
    label = label or str(path)
    unsafe = _unsafe_layers(path, label)
    if unsafe:
        raise ValueError(
            f"{label}: {path.name} contains a {' / '.join(sorted(unsafe))} layer, which can run "
            "arbitrary Python code when loaded; refusing to load it."
        )
    import keras

    import_registered_objects()

    try:
        with warnings.catch_warnings():
            # Saved models carry a fresh, unbuilt optimizer (see training.save_for_inference);
            # Keras warns that its two variables do not match the built optimizer's.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as e:  # noqa: BLE001 - any failure to load is reported as one line
        text = " ".join(str(e).split())
        if len(text) > 300:
            text = text[:297] + "..."
        raise ValueError(f"{label}: refusing to load {path.name} safely: {text}") from None


def _unsafe_layers(path: Path, label: str) -> set[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json").decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError, OSError):
        raise ValueError(
            f"{label}: {path.name} is not a Keras v3 model archive (no readable config.json)."
        ) from None
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("class_name") in UNSAFE_LAYERS:
                found.add(node["class_name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return found
