"""Exporting pretrained presets (`saved_models/<preset>/`) and `.keras` files.

`servable_for(preset, model)` picks how a preset is served: its recipe module's
`export_servable(model, preset)` hook when it defines one, else the built-in text servables
(`rnn_zoo.exporters.text`) for the text presets, else the plain Keras model. Recipes with a decoding
loop (the encoder-decoders) add an `export_servable` hook; nothing here changes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rnn_zoo import presets as _presets
from rnn_zoo._folders import TASK_FILE
from rnn_zoo.exporters.api import check_directory, export
from rnn_zoo.exporters.result import ExportResult
from rnn_zoo.exporters.servable import Servable, keras_servable
from rnn_zoo.preprocessing import tweet_tokenizer


def _char_lm(model, preset) -> Servable:
    from rnn_zoo.exporters.text import char_lm_servable

    # The text endpoint reads at most the context the model was trained on (the last chars).
    context = int(preset.metrics.get("config", {}).get("seq_len", 100))
    vocabulary = _presets.read_vocabulary(preset)
    # Recorded: a device running the TFLite / ONNX step maps ids to characters with it.
    return char_lm_servable(model, vocabulary, name=preset.name, max_length=context,
                            metadata={**_metadata(preset), "vocabulary": vocabulary})


def _tweets(model, preset) -> Servable:
    from rnn_zoo.exporters.text import tweet_sentiment_servable

    preprocessing = preset.metrics["preprocessing"]
    return tweet_sentiment_servable(
        model, _presets.read_vocabulary(preset), name=preset.name,
        classes=preset.metrics["dataset"]["classes"],
        max_length=int(preprocessing["max_length"]),
        tokenize=tweet_tokenizer.tokenizer_named(
            preprocessing.get("tokenizer", tweet_tokenizer.NAME)),
        metadata=_metadata(preset))


# Recipe name -> servable factory, for recipes that do not define `export_servable` themselves.
BUILTIN_SERVABLES = {"char_lm_shakespeare": _char_lm, "tweet_sentiment": _tweets}


def _metadata(preset) -> dict:
    found = {"preset": preset.name, "recipe": preset.recipe,
             "registry_model": preset.metrics.get("model", {}).get("name")}
    preprocessing = preset.metrics.get("preprocessing")
    if preprocessing:
        # The inputs the artifacts take are the model's: apply this preprocessing first.
        found["preprocessing"] = dict(preprocessing)
        if preprocessing.get("tokenizer") in tweet_tokenizer.LEGACY_NAMES:
            # The published tweet preset names the recipe's former copy; the library's is the
            # same function, and a deployment has no recipes to import.
            found["preprocessing"]["tokenizer"] = tweet_tokenizer.NAME
    classes = preset.metrics.get("dataset", {}).get("classes")
    if classes:
        found["classes"] = classes
    if (preset.path / _presets.VOCABULARY).is_file():
        found["vocabulary_file"] = _presets.VOCABULARY
    return found


def servable_for(preset: _presets.Preset, model) -> Servable:
    """How `preset` is served: the recipe's `export_servable` hook, a built-in text servable,
    or the plain Keras model (its inputs are the model's, preprocessed as `metadata` says)."""
    from rnn_zoo.recipe_finder import find_recipe

    hook = getattr(find_recipe(preset.recipe), "export_servable", None)
    if hook is not None:
        return hook(model, preset)
    if preset.recipe in BUILTIN_SERVABLES:
        return BUILTIN_SERVABLES[preset.recipe](model, preset)
    return keras_servable(model, name=preset.name, metadata=_metadata(preset))


def load_servable(preset_or_path, *, presets_dir=None) -> Servable:
    """A preset name (checksums verified, safe loading), a finished run directory (what
    `rnn-zoo train --out DIR` wrote) or a `.keras` path -> its `Servable`.

    A preset or a run directory is served the way its recipe serves it (raw strings for text
    models, the decoding loop for encoder-decoders); a bare `.keras` file as a plain model.
    Raises a one-line ValueError for an unknown preset or a path that is not a `.keras` file.
    """
    if not isinstance(preset_or_path, (str, os.PathLike)) or not str(preset_or_path):
        raise TypeError(f"Expected a preset name or a .keras path, got {preset_or_path!r}.")
    text = str(preset_or_path)
    path = Path(text)
    if path.is_dir() and (path / TASK_FILE).is_file():
        # A task folder (a run of a declared recipe, a saved task): served as its task serves.
        from rnn_zoo.tasks import load_task

        return load_task(path).servable()
    if path.is_dir():
        return _run_servable(path)
    if text.endswith(".keras") or os.sep in text or path.is_file():
        if not path.is_file():
            raise ValueError(f"Model file {text!r} does not exist.")
        if path.suffix != ".keras":
            raise ValueError(f"{text!r} is not a .keras file; give a preset name (see "
                             "`rnn-zoo list`) or a path to a .keras model.")
        model = _presets.load_model_safely(path, compile=False, label=f"Model {text!r}")
        return keras_servable(model, name=path.stem)
    preset = _presets.get_preset(text, presets_dir=presets_dir)
    loaded = _presets.load_pretrained(text, compile=False, presets_dir=presets_dir)
    if _presets.is_task(preset):
        return loaded.servable()
    return servable_for(preset, loaded)


def _run_servable(run: Path) -> Servable:
    """A finished run directory served like the preset it would become (no checksums yet)."""
    metrics_path, model_path = run / _presets.METRICS, run / _presets.MODEL
    for needed in (metrics_path, model_path):
        if not needed.is_file():
            raise ValueError(f"{str(run)!r} is not a finished run directory: {needed.name} is "
                             "missing (train it with `rnn-zoo train RECIPE --out DIR`).")
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    recipe = metrics.get("recipe")
    if not isinstance(recipe, str):
        raise ValueError(f"{metrics_path} names no recipe.")
    preset = _presets.Preset(name=recipe, recipe=recipe, path=run, metrics=metrics, size=0)
    model = _presets.load_model_safely(model_path, compile=False, label=f"Run {str(run)!r}")
    return servable_for(preset, model)


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
