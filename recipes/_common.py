"""What every recipe shares: profiles, the reproducing command, training + report, re-evaluation.

A recipe module supplies its data, its model factory, its test scorer and its baselines; the
helpers here do the rest the same way for all of them, so no recipe has its own training loop.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import keras

from rnn_zoo._folders import check_evaluation_folder
from rnn_zoo._validation import check_bool, check_choice
from rnn_zoo.presets import load_model_safely, read_metrics
from rnn_zoo.recipe_finder import resolve_profile as resolve_profile  # the recipes call it here
from rnn_zoo.training import (
    STRATEGIES,
    FitResult,
    check_run_folder,
    fit,
    run_folder,
    run_identity,
    save_for_inference,
    set_seed,
    write_json_atomic,
)

METRICS = "metrics.json"
MODEL = "model.keras"
EVALUATION = "evaluation.json"

_PACKAGES = ("rnn-zoo", "tensorflow", "keras", "tensorflow-datasets", "numpy", "scikit-learn",
             "statsmodels", "aeon")


def check_run_args(*, out_dir, verbose, strategy, mixed_precision) -> Path:
    if out_dir is None or (isinstance(out_dir, str) and not out_dir.strip()):
        raise ValueError(f"`out_dir` must be a directory path, got {out_dir!r}.")
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"`out_dir` must be a str or path, got {type(out_dir).__name__}.")
    check_choice("verbose", verbose, (0, 1, 2))
    check_choice("strategy", strategy, STRATEGIES)
    check_bool("mixed_precision", mixed_precision)
    # Where it cannot be a run folder (under a file, a preset, an export, busy): say so before
    # the data loads; `train_and_report` checks the run itself under the folder's lock.
    return check_run_folder(out_dir, arg="`out_dir`")


def reproduce_command(recipe: str, *, profile: str, out_dir, epochs=None, data_dir=None,
                      manual_dir=None, strategy="default", mixed_precision=False) -> str:
    """The shell command that reruns this recipe with these arguments."""
    args = ["python", "-m", f"recipes.{recipe}", "--profile", profile,
            "--out", str(out_dir)]
    if epochs is not None:
        args += ["--epochs", str(epochs)]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir)]
    if manual_dir is not None:
        args += ["--manual-dir", str(manual_dir)]
    if strategy != "default":
        args += ["--strategy", strategy]
    if mixed_precision:
        args += ["--mixed-precision"]
    return shlex.join(args)


def versions() -> dict[str, str]:
    """Python and the installed versions of the packages a recipe result depends on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def sparse_classifier(model: keras.Model, learning_rate, *, clipnorm: float | None = None,
                      weight_decay: float = 0.0, accuracy_name: str = "accuracy",
                      jit_compile: bool | str = "auto",
                      loss: keras.losses.Loss | None = None) -> keras.Model:
    """Compiles a logits classifier: Adam (AdamW when `weight_decay` > 0), sparse categorical
    cross-entropy and accuracy. `learning_rate` is a float or a schedule. Per-step outputs carry
    their padding mask, so loss and accuracy skip padded steps. `jit_compile` is Keras's (XLA
    "auto" by default; recipes whose benchmarks show XLA slower turn it off). `loss` replaces
    the per-batch mean cross-entropy, e.g. with `rnn_zoo.losses.TokenSumCrossentropy` for
    length-bucketed batches."""
    clip = {} if clipnorm is None else {"clipnorm": clipnorm}
    optimizer = (
        keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay, **clip)
        if weight_decay > 0 else keras.optimizers.Adam(learning_rate, **clip)
    )
    model.compile(
        optimizer=optimizer,
        loss=loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name=accuracy_name)],
        jit_compile=jit_compile,
    )
    return model


def cosine_schedule(learning_rate: float, *, steps_per_epoch: int, epochs: int,
                    warmup_epochs: int = 0):
    """Cosine decay over the whole run (optionally after a linear warm-up), to 1 % of the peak.

    A schedule of the optimizer's step count, so it resumes exactly after an interruption.
    """
    total = max(1, steps_per_epoch * epochs)
    warmup = min(total - 1, steps_per_epoch * warmup_epochs)
    if warmup > 0:
        return keras.optimizers.schedules.CosineDecay(
            0.0, total - warmup, alpha=0.01, warmup_target=learning_rate, warmup_steps=warmup)
    return keras.optimizers.schedules.CosineDecay(learning_rate, total, alpha=0.01)


@dataclasses.dataclass(frozen=True)
class Bar:
    """The quality bar of the `full` profile: `metric` compared with a baseline or a number."""

    metric: str
    higher_is_better: bool
    baseline: str | None = None  # a key of the baselines dict ...
    value: float | None = None  # ... or a fixed number

    def check(self, test: Mapping[str, float], baselines: Mapping[str, Mapping]) -> dict:
        target = self.value if self.baseline is None else baselines[self.baseline][self.metric]
        score = test[self.metric]
        met = score >= target if self.higher_is_better else score < target
        return {
            "metric": self.metric,
            "rule": f"{'>=' if self.higher_is_better else '<'} "
                    + (f"baselines.{self.baseline}" if self.baseline else repr(self.value)),
            "target": target,
            "value": score,
            "met": bool(met),
        }


def check_bars(bars: Bar | Sequence[Bar], test: Mapping[str, float],
               baselines: Mapping[str, Mapping]) -> tuple[dict, list[dict] | None]:
    """`metrics.json`'s `bar` (and `bars` when several): one Bar, or all of several at once.

    Several bars combine into one `bar` entry about the first bar's metric (its target and
    value) whose `rule` spells out every bar and whose `met` is true only if all are met;
    `bars` then lists each bar's own check.
    """
    if isinstance(bars, Bar):
        return bars.check(test, baselines), None
    checks = [b.check(test, baselines) for b in bars]
    if not checks:
        raise ValueError("`bar` must be a Bar or a non-empty sequence of Bars, got [].")
    first = checks[0]
    rule = " and ".join([first["rule"]] + [f"{c['metric']} {c['rule']}" for c in checks[1:]])
    combined = {**first, "rule": rule, "met": all(c["met"] for c in checks)}
    return combined, checks


def beats(test: Mapping[str, float], baseline: Mapping[str, float], metric: str, *,
          higher_is_better: bool) -> bool:
    score, other = test[metric], baseline[metric]
    return bool(score > other if higher_is_better else score < other)


def train_and_report(
    *,
    recipe: str,
    profile: str,
    config,
    out_dir: Path,
    command: str,
    build_and_compile: Callable[[], keras.Model],
    train,
    validation,
    score: Callable[[keras.Model], dict],
    baselines: Callable[[], dict],
    bar: Bar | Sequence[Bar],
    trivial: str,
    model_info: dict,
    dataset: dict,
    monitor: str = "val_loss",
    mode: str = "min",
    verbose: int = 1,
    strategy: str = "default",
    mixed_precision: bool = False,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    preprocessing: dict | None = None,
    overwrite: bool = False,
) -> dict:
    """Trains with the shared driver, scores on test, writes `metrics.json` and `model.keras`.

    `score(model)` returns the model's test metrics; `baselines()` the baselines' metrics on the
    same test split (computed in this run); `bar` is one `Bar` or several that must all be met
    (see `check_bars`); `trivial` names the baseline (majority class,
    last value) that any working model beats.

    The run folder is held for all of it (`rnn_zoo.training.run_folder`): locked, refused if it
    holds a finished run or another recipe's, profile's or config's backup (unless
    `overwrite`), resumed if it holds this run's backup, and marked finished once
    `metrics.json` and `model.keras` are written.
    """
    check_bool("overwrite", overwrite)
    identity = run_identity(recipe=recipe, profile=profile, config=config)
    with run_folder(out_dir, identity=identity, overwrite=overwrite):
        metrics = _train_and_write(
            recipe=recipe, profile=profile, config=config, out_dir=Path(out_dir),
            command=command, build_and_compile=build_and_compile, train=train,
            validation=validation, score=score, baselines=baselines, bar=bar, trivial=trivial,
            model_info=model_info, dataset=dataset, monitor=monitor, mode=mode, verbose=verbose,
            strategy=strategy, mixed_precision=mixed_precision, callbacks=callbacks,
            preprocessing=preprocessing)
    if verbose:
        print(summary_line(metrics))
    return metrics


def _train_and_write(*, recipe, profile, config, out_dir: Path, command, build_and_compile,
                     train, validation, score, baselines, bar, trivial, model_info, dataset,
                     monitor, mode, verbose, strategy, mixed_precision, callbacks,
                     preprocessing) -> dict:
    result: FitResult = fit(
        build_and_compile, train, validation, out_dir=out_dir, epochs=config.epochs,
        monitor=monitor, mode=mode, patience=config.patience, strategy=strategy,
        mixed_precision=mixed_precision, verbose=verbose, callbacks=callbacks,
    )
    model = result.model
    test = score(model)
    base = baselines()
    primary = bar if isinstance(bar, Bar) else bar[0]
    higher = primary.higher_is_better
    bar_check, bar_checks = check_bars(bar, test, base)
    metrics = {
        "recipe": recipe,
        "profile": profile,
        "config": dataclasses.asdict(config),
        "seed": config.seed,
        "command": command,
        "cwd": os.getcwd(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {**model_info, "params": int(model.count_params())},
        "dataset": dataset,
        "test": test,
        "baselines": base,
        "bar": bar_check,
        "beats_trivial_baseline": {
            "baseline": trivial,
            "metric": primary.metric,
            "met": beats(test, base[trivial], primary.metric, higher_is_better=higher),
        },
        "training": {**result.summary(), "monitor": monitor, "mode": mode},
        "versions": versions(),
    }
    if bar_checks is not None:
        metrics["bars"] = bar_checks
    if preprocessing is not None:
        metrics["preprocessing"] = preprocessing
    save_for_inference(model, out_dir / MODEL)
    write_json_atomic(out_dir / METRICS, metrics)
    # Return exactly what is on disk (plain JSON types: NumPy arrays become lists).
    with (out_dir / METRICS).open() as f:
        return json.load(f)


def summary_line(metrics: Mapping) -> str:
    """One line: the headline metric under its split's name next to the baselines, then the
    bar for a `full` run, or for another profile what it was for and where the full result is.
    """
    bar = metrics["bar"]
    metric, recipe, profile = bar["metric"], metrics["recipe"], metrics["profile"]
    # `test` holds every scored split; a metric named after its split keeps that name.
    shown = metric if metric.startswith(("validation_", "test_")) else f"test {metric}"
    parts = [f"{name} {values[metric]:.4f}" for name, values in metrics["baselines"].items()
             if metric in values]
    line = (f"{recipe}/{profile}: {shown} {metrics['test'][metric]:.4f} (baselines on the same "
            f"split: {', '.join(parts)})")
    if profile == "full":
        return f"{line}; bar {metric} {bar['rule']}: {'met' if bar['met'] else 'MISSED'}"
    epochs = metrics.get("training", {}).get("epochs_run")
    ran = f"{epochs} epoch{'s' if epochs != 1 else ''}" if isinstance(epochs, int) else "a few"
    return (f"{line}. A {profile!r} run ({ran}) shows the flow; the bar ({metric} "
            f"{bar['rule']}) is for the full profile: {_full_result(recipe, metric)}")


def _full_result(recipe: str, metric: str) -> str:
    """Where the full profile's result lives: the preset (with its value) or the command."""
    from rnn_zoo import presets

    command = f"`rnn-zoo train {recipe} --profile full`"
    try:
        preset = presets.get_preset(recipe)
        value = float(preset.metrics["test"][metric])
    except (ValueError, KeyError, TypeError):
        return f"train it with {command}."
    card = preset.path / presets.CARD
    shown = os.path.relpath(card) if not os.path.relpath(card).startswith("..") else str(card)
    return (f"the preset {recipe!r} reached {metric} {value:.4f} ({shown}); reproduce it with "
            f"{command}.")


def load_run(out_dir) -> tuple[dict, keras.Model]:
    """`metrics.json` and `model.keras` of a trained run directory."""
    out_dir = Path(out_dir)
    metrics_path, model_path = out_dir / METRICS, out_dir / MODEL
    for path in (metrics_path, model_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: {out_dir} is not a finished run directory (train it first "
                "with `rnn-zoo train RECIPE --out DIR`)."
            )
    # Missing keys and bad JSON are one-line errors naming the file (issue 15, D7/D15).
    metrics = read_metrics(metrics_path, label=f"Run {out_dir}")
    return metrics, load_model_safely(model_path, label=f"Run {out_dir}")


def config_of(config_cls, metrics: Mapping, recipe: str):
    """The config a run was trained with, rebuilt from its `metrics.json`."""
    if metrics.get("recipe") != recipe:
        raise ValueError(
            f"The run directory holds a {metrics.get('recipe')!r} run, not {recipe!r}; "
            f"evaluate it with `rnn-zoo evaluate {metrics.get('recipe')} --out DIR`."
        )
    fields = {f.name for f in dataclasses.fields(config_cls)}
    stored = {k: tuple(v) if isinstance(v, list) else v
              for k, v in metrics["config"].items() if k in fields}
    return config_cls(**stored)


def report_evaluation(out_dir, metrics: Mapping, test: dict) -> dict:
    """Writes `evaluation.json` (fresh test metrics next to the recorded ones) and returns it.

    Raises a one-line ValueError for a preset folder (`check_evaluation_folder`)."""
    check_evaluation_folder(out_dir)
    evaluation = {
        "recipe": metrics["recipe"],
        "profile": metrics["profile"],
        "out_dir": str(out_dir),
        "test": test,
        "recorded_test": metrics["test"],
        "baselines": metrics["baselines"],
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    write_json_atomic(Path(out_dir) / EVALUATION, evaluation)
    return evaluation


def seed_everything(seed: int) -> None:
    set_seed(seed, deterministic=True)


def main_for(recipe: str, argv: Sequence[str] | None = None) -> int:
    """`python -m recipes.<recipe> ...`: the CLI's `train` command for this recipe."""
    from rnn_zoo.cli import main

    return main(["train", recipe, *(sys.argv[1:] if argv is None else argv)])
