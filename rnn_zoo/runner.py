"""The one driver of every recipe: train (resumable), evaluate, report — the same for all.

`train(recipe, profile=..., out_dir=...)` reads the recipe's splits through
`rnn_zoo.datasets`, builds its task with the profile's settings, fits it (early stopping on the
validation split, resumable backups in `out_dir`), scores it on the test split next to the
baselines fitted and scored in the same run on the same splits, checks the bars, and writes
`metrics.json` beside the saved task (`task.json`, `model.keras`): a run folder is a task folder
that `rnn-zoo predict`, `rnn-zoo export` and `Task.load` read. `evaluate` re-scores a finished
run on the test split and writes `evaluation.json`.

>>> from rnn_zoo import recipe_finder, runner
>>> metrics = runner.train(recipe_finder.get_recipe("breast_cancer").RECIPE,
...                        profile="quick", out_dir="runs/bc")     # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_choice
from rnn_zoo.recipe import Recipe, check_bars

__all__ = ["EVALUATION", "METRICS", "evaluate", "evaluate_split", "load_splits", "summary_line",
           "train"]

METRICS = "metrics.json"
EVALUATION = "evaluation.json"
_PACKAGES = ("rnn-zoo", "tensorflow", "keras", "tensorflow-datasets", "numpy", "scikit-learn",
             "statsmodels", "aeon")


def _check_recipe(recipe) -> Recipe:
    if not isinstance(recipe, Recipe):
        raise TypeError(f"`recipe` must be an rnn_zoo.recipe.Recipe, got "
                        f"{type(recipe).__name__}.")
    return recipe


def load_splits(recipe: Recipe, *, data_dir=None, manual_dir=None) -> dict[str, Any]:
    """role -> `(x, y)` raw examples of the recipe's data (y None for a language model), the
    same for each of the data's `reports`, plus `"classes"` (the label names, when the target
    is a class label). With `Data.references`, the test split and each report are
    `(x, y, references)`."""
    from rnn_zoo import datasets

    data = _check_recipe(recipe).data
    found: dict[str, Any] = {}
    for role, split in {**data.splits, **data.reports}.items():
        ds, info = datasets.load(data.dataset, split=split, data_dir=data_dir,
                                 manual_dir=manual_dir, with_info=True)
        names = _label_names(info, data) if data.y is not None else None
        features = [data.x] if data.y is None else [data.x, data.y]
        columns = _columns(ds, features)
        xs = [_raw(v) for v in columns[data.x]]
        ys = None
        if data.y is not None:
            ys = [_raw(v) for v in columns[data.y]]
            if names is not None:
                ys = [names[v] for v in ys]
        found[role] = (xs, ys)
        if names is not None:
            found["classes"] = list(names)
    if data.references is not None:
        dataset, feature = data.references
        scored = {"test": data.splits["test"], **data.reports}
        for role, split in scored.items():
            ds = datasets.load(dataset, split=split, data_dir=data_dir, manual_dir=manual_dir)
            references = [_raw(v) for v in _columns(ds, [feature])[feature]]
            if len(references) != len(found[role][0]):
                raise ValueError(f"`references` {dataset}:{feature} has {len(references)} "
                                 f"examples in split {split!r}, the data {len(found[role][0])}.")
            found[role] = (*found[role], references)
    return found


def _columns(ds, features: list[str], *, batch_size: int = 4096) -> dict[str, list]:
    """feature -> its per-example NumPy values, in order, as `tfds.as_numpy` yields them, read
    in ragged batches (one example at a time costs ~0.4 ms each: a minute for cmudict)."""
    import tensorflow as tf
    import tensorflow_datasets as tfds

    columns: dict[str, list] = {name: [] for name in features}
    # A nested feature, or one with two variable dimensions (it would batch as nested ragged
    # rows): read those datasets an example at a time.
    specs = [ds.element_spec[name] for name in features]
    if not all(isinstance(spec, tf.TensorSpec) and sum(d is None for d in spec.shape) <= 1
               for spec in specs):
        for example in tfds.as_numpy(ds):
            for name in features:
                columns[name].append(example[name])
        return columns
    batches = ds.map(lambda example: {name: example[name] for name in features})
    for batch in batches.ragged_batch(batch_size):
        for name in features:
            value = batch[name]
            if isinstance(value, tf.RaggedTensor):  # variable length: split the flat values
                flat, splits = value.values.numpy(), value.row_splits.numpy()
                columns[name].extend(flat[a:b] for a, b in
                                     zip(splits[:-1], splits[1:], strict=True))
            else:
                columns[name].extend(value.numpy())
    return columns


def _label_names(info, data) -> list[str] | None:
    feature = info.features[data.y]
    if data.labels == "names" and hasattr(feature, "names") and feature.names:
        return list(feature.names)
    return None


def _raw(value):
    """A TFDS NumPy value -> what a task takes: str for text, int for a scalar label, arrays."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype == object:
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def command(recipe: str, *, profile: str, out_dir, epochs=None, seed=None, data_dir=None,
            manual_dir=None) -> str:
    """The shell command that reruns this recipe with these arguments."""
    args = ["rnn-zoo", "train", recipe, "--profile", profile, "--out", str(out_dir)]
    for flag, value in (("--epochs", epochs), ("--seed", seed), ("--data-dir", data_dir),
                        ("--manual-dir", manual_dir)):
        if value is not None:
            args += [flag, str(value)]
    return shlex.join(args)


def versions() -> dict[str, str]:
    """Python and the installed versions of the packages a result depends on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def train(recipe: Recipe, *, profile: str = "quick", out_dir, epochs: int | None = None,
          seed: int | None = None, data_dir=None, manual_dir=None, verbose: int = 1,
          strategy: str = "default", mixed_precision: bool = False, overwrite: bool = False,
          callbacks=()) -> dict:
    """Trains `recipe`'s task with `profile` (`epochs` and `seed` override the profile's when
    given), scores it next to its baselines, writes the run.

    The run folder is held for all of it (`rnn_zoo.training.run_folder`): locked, refused if
    it holds a finished run or another recipe's, profile's or settings' backup (unless
    `overwrite`), resumed if it holds this run's backup. `callbacks` are extra Keras callbacks
    for the fit.

    Returns:
        The `metrics.json` written, as plain JSON types.
    """
    from rnn_zoo import tasks
    from rnn_zoo.training import STRATEGIES, check_run_folder, run_folder, run_identity

    recipe = _check_recipe(recipe)
    settings = recipe.settings(profile, epochs=epochs, seed=seed)
    check_choice("verbose", verbose, (0, 1, 2))
    check_choice("strategy", strategy, STRATEGIES)
    check_bool("mixed_precision", mixed_precision)
    check_bool("overwrite", overwrite)
    _check_out_dir(out_dir)
    task = getattr(tasks, recipe.task)(**settings)  # bad settings fail before the data loads
    out = check_run_folder(out_dir, arg="`out_dir`")
    identity = run_identity(recipe=recipe.name, profile=profile, config=settings)
    with run_folder(out, identity=identity, overwrite=overwrite):
        splits = load_splits(recipe, data_dir=data_dir, manual_dir=manual_dir)
        x, y = splits["train"]
        validation = splits.get("validation")
        task.fit(x, y, validation_data=validation, out_dir=out, verbose=verbose,
                 strategy=strategy, mixed_precision=mixed_precision, callbacks=callbacks)
        test = evaluate_split(task, splits["test"])
        made = recipe.make_baselines()
        baselines = {name: baseline(splits["train"], validation, splits["test"])
                     for name, baseline in made.items()}
        reports = _reports(recipe, task, splits, made)
        metrics = _metrics(recipe, profile, settings, task, splits, test, baselines, reports,
                           command=command(recipe.name, profile=profile, out_dir=out_dir,
                                           epochs=epochs, seed=seed, data_dir=data_dir,
                                           manual_dir=manual_dir))
        task.save(out, overwrite=True)
        _write_json(out / METRICS, metrics)
    if verbose:
        print(summary_line(metrics))
    return json.loads((out / METRICS).read_text())


def _check_out_dir(out_dir) -> None:
    """`out_dir` is a path (TypeError otherwise), not empty (ValueError), checked before the
    task is built or the data loads."""
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"`out_dir` must be a directory path (str or os.PathLike), got "
                        f"{type(out_dir).__name__}: {out_dir!r}.")
    if not str(os.fspath(out_dir)).strip():
        raise ValueError(f"`out_dir` must be a non-empty directory path, got {out_dir!r}.")


def evaluate_split(task, split) -> dict:
    """The task's metrics on one split of `load_splits`: `(x, y)`, `(x, None)` for a language
    model, or `(x, y, references)` scored against the data's own references."""
    if len(split) == 3:  # with the data's further references (`Data.references`)
        x, y, references = split
        return task.evaluate(x, y, references=references)
    x, y = split
    return task.evaluate(x) if y is None else task.evaluate(x, y)


def _reports(recipe, task, splits, baselines) -> dict:
    """The data's further evaluations: the model and the baselines (fitted again on the same
    training split) on each report's split."""
    validation = splits.get("validation")
    return {name: {"split": split, "examples": len(splits[name][0]),
                   "metrics": evaluate_split(task, splits[name]),
                   "baselines": {b: baseline(splits["train"], validation, splits[name])
                                 for b, baseline in baselines.items()}}
            for name, split in recipe.data.reports.items()}


def _metrics(recipe, profile, settings, task, splits, test, baselines, reports, *,
             command) -> dict:
    bar, bars = check_bars(recipe.bars, test, baselines, reports=reports)
    primary = recipe.bars[0]
    trivial = baselines[recipe.trivial][primary.metric]
    score = test[primary.metric]
    dataset = {"name": recipe.data.dataset,
               "examples": {role: len(splits[role][0]) for role in ("train", "validation",
                                                                    "test") if role in splits}}
    if "classes" in splits:
        dataset["classes"] = splits["classes"]
    return {
        "recipe": recipe.name,
        "profile": profile,
        "config": settings,
        "seed": task.config["seed"],
        "command": command,
        "cwd": os.getcwd(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {"task": recipe.task, "settings": task.config,
                  "params": int(task.backbone.count_params())},
        "dataset": dataset,
        "test": test,
        "baselines": baselines,
        **({"reports": reports} if reports else {}),
        "bar": bar,
        "bars": bars,
        "beats_trivial_baseline": {
            "baseline": recipe.trivial, "metric": primary.metric,
            "met": bool(score > trivial if primary.higher_is_better else score < trivial)},
        "training": task.training,
        "versions": versions(),
    }


def _write_json(path: Path, obj) -> None:
    from rnn_zoo.training import write_json_atomic

    write_json_atomic(path, obj)


def evaluate(recipe: Recipe, *, out_dir, data_dir=None, manual_dir=None) -> dict:
    """Re-scores the finished run in `out_dir` on the test split; writes `evaluation.json`
    (the fresh metrics next to the recorded ones). A preset folder is refused."""
    from rnn_zoo._folders import check_evaluation_folder
    from rnn_zoo.presets import read_metrics
    from rnn_zoo.tasks import load_task

    recipe = _check_recipe(recipe)
    out = Path(out_dir).expanduser().absolute()
    check_evaluation_folder(out)
    if not (out / METRICS).is_file():
        raise FileNotFoundError(f"{out / METRICS} not found: {out_dir} is not a finished run "
                                f"directory (train it first with `rnn-zoo train {recipe.name} "
                                "--out DIR`).")
    metrics = read_metrics(out / METRICS, label=f"Run {out_dir}")
    if metrics.get("recipe") != recipe.name:
        raise ValueError(f"The run directory holds a {metrics.get('recipe')!r} run, not "
                         f"{recipe.name!r}; evaluate it with `rnn-zoo evaluate "
                         f"{metrics.get('recipe')} --out DIR`.")
    task = load_task(out)
    splits = load_splits(recipe, data_dir=data_dir, manual_dir=manual_dir)
    evaluation = {
        "recipe": recipe.name, "profile": metrics["profile"], "out_dir": str(out),
        "test": evaluate_split(task, splits["test"]), "recorded_test": metrics["test"],
        "baselines": metrics["baselines"],
        **({"reports": {name: evaluate_split(task, splits[name])
                        for name in recipe.data.reports}}
           if recipe.data.reports else {}),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    _write_json(out / EVALUATION, evaluation)
    return evaluation


def summary_line(metrics: Mapping) -> str:
    """One line: the headline metric next to the baselines, then the bar for a `full` run, or
    for another profile what it was for and where the full result is."""
    bar = metrics["bar"]
    metric, recipe, profile = bar["metric"], metrics["recipe"], metrics["profile"]
    split = bar.get("split", "test")
    scores, baselines = ((metrics["test"], metrics["baselines"]) if split == "test" else
                         (metrics["reports"][split]["metrics"],
                          metrics["reports"][split]["baselines"]))
    shown = metric if metric.startswith(("validation_", "test_")) else f"{split} {metric}"
    parts = [f"{name} {values[metric]:.4f}" for name, values in baselines.items()
             if metric in values]
    line = (f"{recipe}/{profile}: {shown} {scores[metric]:.4f} (baselines on the same "
            f"split: {', '.join(parts)})")
    named = metric if split == "test" else f"{split} {metric}"  # the bar's own split
    if profile == "full":
        return f"{line}; bar {named} {bar['rule']}: {'met' if bar['met'] else 'MISSED'}"
    epochs = metrics.get("training", {}).get("epochs_run")
    ran = f"{epochs} epoch{'s' if epochs != 1 else ''}" if isinstance(epochs, int) else "a few"
    return (f"{line}. A {profile!r} run ({ran}) shows the flow; the bar ({named} "
            f"{bar['rule']}) is for the full profile: {_full_result(recipe, metric, split)}")


def _full_result(recipe: str, metric: str, split: str = "test") -> str:
    """Where the full profile's result lives: the preset (with its value) or the command."""
    from rnn_zoo import presets

    command_text = f"`rnn-zoo train {recipe} --profile full`"
    try:
        preset = presets.get_preset(recipe)
        scores = (preset.metrics["test"] if split == "test"
                  else preset.metrics["reports"][split]["metrics"])
        value = float(scores[metric])
    except (ValueError, KeyError, TypeError):
        return f"train it with {command_text}."
    card = preset.path / presets.CARD
    shown = os.path.relpath(card) if not os.path.relpath(card).startswith("..") else str(card)
    named = metric if split == "test" else f"{split} {metric}"
    return (f"the preset {recipe!r} reached {named} {value:.4f} ({shown}); reproduce it with "
            f"{command_text}.")
