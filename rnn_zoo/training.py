"""The one training driver every recipe shares: seeding, strategy, callbacks, resume, atomic files.

`fit()` builds and compiles the model inside a `tf.distribute` strategy scope, then trains it with

- `EarlyStopping(restore_best_weights=True)` on `monitor`, so the returned model holds the best
  epoch's weights, which are also saved to `out_dir/best.weights.h5` whenever they change;
- a backup of the whole training state after every epoch in `out_dir/backup/` (weights,
  optimizer, random-generator states, early-stopping state): a run that is interrupted (killed,
  an exception, Ctrl-C) resumes after its last completed epoch when `fit()` is called again with
  the same `out_dir`, and ends exactly as an uninterrupted run would (same seed, CPU): each
  epoch sees the same data order, because the pipeline is iterated exactly once per epoch and
  a resumed run replays the reshuffles of the epochs it skips;
- `TensorBoard(out_dir/logs)` and `out_dir/history.csv` (one row per epoch);
- Keras's progress bar (`verbose=1`), one line per epoch (`verbose=2`) or silence (`verbose=0`).

Every file the driver writes is written atomically (a temporary file, then `os.replace`; a backup
is a folder renamed into place), so a kill at any moment leaves the previous version whole, never
a half-written file that a later run reads as valid. The backup is written after everything
else at the end of an epoch, so what it records as done is on disk. (TensorBoard's event files
are append-only logs that nothing here reads back.)

A fresh run (no backup in `out_dir`) starts a new `history.csv`; a resumed run keeps the rows of
the epochs its backup holds, so the file always holds every epoch of the run exactly once.

A run folder is guarded (`run_folder`): it carries a manifest (`rnn_zoo_folder.json`: kind
"run", recipe, profile, config and its fingerprint, status `running`/`finished`) and is locked
for the whole training, so a second writer is refused with one line naming the holder (a lock
left by a killed process is taken over). Training refuses a preset or an export folder, keeps a
finished run unless `overwrite=True` (`--overwrite`), resumes an unfinished run of the same
recipe, profile and config, and refuses the backup of another one. A full disk ends training
with a one-line `OSError` (ENOSPC) naming the folder; the rerun resumes from the last backup.

Example:

>>> import numpy as np, tensorflow as tf, keras
>>> from rnn_zoo.training import fit, set_seed
>>> set_seed(0)
>>> x = np.random.rand(64, 4).astype("float32"); y = (x.sum(1) > 2).astype("int32")
>>> data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
>>> def build_and_compile():
...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
...     model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
...     return model
>>> result = fit(build_and_compile, data, data, out_dir=tmp, epochs=2, verbose=0)  # doctest: +SKIP
>>> result.epochs_run  # doctest: +SKIP
2
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime
import errno
import hashlib
import importlib.util
import json
import math
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from rnn_zoo import _checkpointing, _distribute
from rnn_zoo._atomic import atomic_path, remove_temporaries, write_text_atomic
from rnn_zoo._folders import (
    FINISHED,
    MANIFEST,
    RUNNING,
    folder_lock,
    kind_of,
    read_manifest,
    write_manifest,
)
from rnn_zoo._validation import check_bool, check_choice, check_int

__all__ = [
    "STRATEGIES",
    "FitResult",
    "RunFolderError",
    "check_run_folder",
    "configure_mixed_precision",
    "fit",
    "get_strategy",
    "gpu_available",
    "read_history",
    "run_folder",
    "run_identity",
    "save_for_inference",
    "set_seed",
    "write_json_atomic",
]

STRATEGIES = ("default", "mirrored", "multi_worker")

BEST_WEIGHTS = "best.weights.h5"
HISTORY = "history.csv"
BACKUP = "backup"
LOGS = "logs"
# What a run writes into its folder: `overwrite` removes these (and nothing else) first.
RUN_FILES = (BACKUP, HISTORY, BEST_WEIGHTS, LOGS, "metrics.json", "model.keras", "task.json",
             "evaluation.json", MANIFEST)


def set_seed(seed: int, *, deterministic: bool = True) -> None:
    """Seeds Python, NumPy and TensorFlow/Keras; optionally makes TF ops deterministic.

    Args:
        seed: the seed (int >= 0), passed to `keras.utils.set_random_seed`.
        deterministic: also call `tf.config.experimental.enable_op_determinism()`, so that two
            runs with the same seed give the same numbers on CPU (it is process-wide and cannot
            be undone; some GPU ops have no deterministic kernel and then raise).
    """
    seed = check_int("seed", seed, minimum=0)
    check_bool("deterministic", deterministic)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def write_json_atomic(path, obj: Any, *, indent: int = 2) -> Path:
    """Writes `obj` as JSON to `path` atomically: readers see the old file or the new, never half.

    The JSON goes to a temporary file in the same directory (same file system), is flushed and
    fsynced, then moved over `path` with `os.replace`. If serialisation fails, `path` is left
    untouched and the temporary file is removed. NumPy scalars and arrays are converted.

    Returns:
        `path` as a `Path`.
    """
    text = json.dumps(obj, indent=indent, default=_json_default, allow_nan=True) + "\n"
    return write_text_atomic(path, text)


def save_for_inference(model: keras.Model, path) -> Path:
    """Saves `model` as `.keras` without its optimizer state, atomically.

    Adam's moments triple the file, and a trained model is shipped for inference: the copy keeps
    the architecture, weights, loss and metrics (so `evaluate` works after loading) with a fresh,
    unbuilt optimizer. Written to a temporary file beside `path`, then renamed over it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    if model.compiled:
        # The arguments `compile` was called with (objects or names, as the caller gave them).
        args = model._compile_config.config
        copy.compile(optimizer="adam", loss=args.get("loss"), metrics=args.get("metrics"))
    with atomic_path(path, suffix=".keras") as tmp:
        copy.save(tmp)
    return path


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable: {value!r}")


def gpu_available() -> bool:
    """Whether TensorFlow sees at least one GPU."""
    return bool(tf.config.list_physical_devices("GPU"))


def get_strategy(name: str = "default") -> tf.distribute.Strategy:
    """The `tf.distribute` strategy called `name`.

    - `"default"`: `tf.distribute.get_strategy()`, i.e. no distribution (one device).
    - `"mirrored"`: `MirroredStrategy`, synchronous data parallelism over the local GPUs (or the
      CPU when there is none).
    - `"multi_worker"`: `MultiWorkerMirroredStrategy`, configured by the `TF_CONFIG` environment
      variable (cluster and task); without `TF_CONFIG` it is a single local worker. TensorFlow
      allows it only before its first op, once per process: call this at the start of the
      program (`rnn-zoo train` does); later calls return the same instance.
    """
    check_choice("strategy", name, STRATEGIES)
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return _distribute.multi_worker_strategy()
    return tf.distribute.get_strategy()


def configure_mixed_precision(enabled: bool) -> str:
    """Sets the global Keras dtype policy: `"mixed_float16"` if `enabled`, else `"float32"`.

    Raises:
        ValueError: `enabled` and no GPU is visible (float16 on CPU is slower, not faster).

    Returns:
        The policy name now in effect.
    """
    check_bool("mixed_precision", enabled)
    if enabled and not gpu_available():
        raise ValueError(
            "mixed_precision=True needs a GPU (mixed_float16 is slower on CPU); "
            "no GPU is visible to TensorFlow. Run without mixed precision."
        )
    policy = "mixed_float16" if enabled else "float32"
    keras.mixed_precision.set_global_policy(policy)
    return policy


@dataclasses.dataclass
class FitResult:
    """What `fit()` returns.

    Attributes:
        model: the trained model, holding the weights of the best epoch.
        history: every epoch of the run (also the ones before a resume), `{metric: [values]}`,
            read back from `history.csv`, with an `"epoch"` list (0-based).
        best_epoch: 0-based epoch whose weights the model holds.
        best_value: the `monitor` value at `best_epoch`.
        epochs_run: epochs completed in total (across resumes).
        initial_epoch: epoch this call started at (> 0 when it resumed an interrupted run).
        seconds: wall-clock seconds of this call's training.
        strategy: the strategy name used.
        mixed_precision: whether the mixed_float16 policy was used.
    """

    model: keras.Model
    history: dict[str, list[float]]
    best_epoch: int
    best_value: float
    epochs_run: int
    initial_epoch: int
    seconds: float
    strategy: str
    mixed_precision: bool

    def summary(self) -> dict:
        """A JSON-ready summary (without the model and the per-epoch history)."""
        return {
            "best_epoch": self.best_epoch,
            "best_value": self.best_value,
            "epochs_run": self.epochs_run,
            "initial_epoch": self.initial_epoch,
            "seconds": round(self.seconds, 2),
            "strategy": self.strategy,
            "mixed_precision": self.mixed_precision,
        }


def read_history(path) -> dict[str, list[float]]:
    """Reads a `CSVLogger` file into `{column: [values]}` (epoch as int, the rest as float)."""
    path = Path(path)
    if not path.is_file():
        return {}
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    history: dict[str, list[float]] = {key: [] for key in rows[0]}
    for row in rows:
        for key in history:
            value = row.get(key, "")
            if key == "epoch":
                history[key].append(int(value))
            else:
                history[key].append(float(value) if value not in ("", None) else math.nan)
    return history


def _tensorboard_installed() -> bool:
    """TensorFlow >= 2.21 no longer installs `tensorboard`; without it the logs are skipped."""
    if importlib.util.find_spec("tensorboard") is not None:
        return True
    warnings.warn("The `tensorboard` package is not installed, so no TensorBoard logs are "
                  "written (history.csv still is); `pip install tensorboard` to get them.",
                  stacklevel=3)
    return False


# --- run folders: what they hold and who writes them -----------------------------------------


class RunFolderError(ValueError):
    """A folder training must not (or cannot) write into; the message is one line."""


# Run folders this process holds (a recipe holds its folder around `fit`, which then reuses it).
_HELD: set[Path] = set()
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def run_identity(*, recipe: str, profile: str, config) -> dict[str, Any]:
    """What a run folder's manifest records about a recipe run, to tell its resume from another.

    `config` is the profile's config (a dataclass or a mapping); `fingerprint` is the sha256 of
    its canonical JSON, so any change of a field (`--epochs` too) makes it another run.
    """
    fields = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    text = json.dumps(fields, sort_keys=True, default=_json_default_or_str)
    return {"recipe": recipe, "profile": profile, "config": json.loads(text),
            "fingerprint": hashlib.sha256(text.encode()).hexdigest()[:16]}


def _json_default_or_str(value):
    try:
        return _json_default(value)
    except TypeError:
        return str(value)


def _what(record: Mapping[str, Any]) -> str:
    if record.get("recipe"):
        return f"{record['recipe']}/{record.get('profile')} run"
    return "run of rnn_zoo.training.fit"


def _hints(arg: str) -> tuple[str, str]:
    """How to say "overwrite" and "another folder" to a CLI user or a Python caller."""
    if arg.startswith("--"):
        return "--overwrite", f"another {arg}"
    return "overwrite=True", f"another {arg}"


def _config_diff(there: Mapping[str, Any], here: Mapping[str, Any]) -> str:
    keys = sorted(set(there) | set(here), key=str)
    return "; ".join(f"{k} {there.get(k)!r}, not {here.get(k)!r}".replace("'", "")
                     for k in keys if there.get(k) != here.get(k))


def _recorded(folder: Path) -> dict[str, Any] | None:
    """What the run folder records of its run: the manifest, else (a run from before manifests)
    its `metrics.json` (then it is finished); None when nothing says (an old unfinished run,
    whose backup is checked against the model when it loads)."""
    manifest = read_manifest(folder)
    if manifest is not None:
        return manifest
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        return {"kind": "run", "status": FINISHED, **run_identity(
            recipe=metrics["recipe"], profile=metrics["profile"], config=metrics["config"])}
    if (folder / "metrics.json").is_file():
        return {"kind": "run", "status": FINISHED}
    return None


def _cannot(arg: str, path: Path, error: OSError) -> Exception:
    if error.errno in _DISK_FULL:
        return _disk_full_error(path)
    for parent in (path, *path.parents):
        if parent.exists() and not parent.is_dir():
            return RunFolderError(f"{arg} {str(path)!r} cannot be a folder: {str(parent)!r} is a "
                                  "file; choose a folder path.")
    reason = error.strerror or type(error).__name__
    return RunFolderError(f"{arg} {str(path)!r} cannot be created or written ({reason}); "
                          "choose a folder you can write to.")


def _check_location(path: Path, arg: str) -> None:
    """`path` is, or now is, a writable folder (D6: not under a file, not in /sys)."""
    if path.exists() and not path.is_dir():
        raise RunFolderError(f"{arg} {str(path)!r} exists and is not a directory; choose a "
                             "folder path.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _cannot(arg, path, e) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise RunFolderError(f"{arg} {str(path)!r} is not writable; choose a folder you can "
                             "write to.")


def _check(path: Path, identity: Mapping[str, Any] | None, overwrite: bool, arg: str) -> None:
    _check_location(path, arg)
    try:
        kind = kind_of(path)
        record = _recorded(path) if kind == "run" else None
    except ValueError as e:  # a damaged manifest: its own one-line message names the file
        raise RunFolderError(f"{arg} {str(path)!r}: {e}") from None
    if kind in ("preset", "export"):
        article = "a preset" if kind == "preset" else "an export"
        raise RunFolderError(f"{arg} {str(path)!r} is {article} folder, not a run: training "
                             f"would replace what it holds; choose {_hints(arg)[1]} (this is "
                             "refused even with --overwrite).")
    if identity is None or record is None or overwrite:
        return
    flag, other = _hints(arg)
    if record.get("status") == FINISHED:
        raise RunFolderError(f"{arg} {str(path)!r} holds a finished {_what(record)}, which is "
                             f"kept: pass {flag} to train it again from scratch, or choose "
                             f"{other}.")
    if not (path / BACKUP).is_dir():
        return  # killed before its first backup: nothing to resume, nothing to lose
    same_run = (record.get("recipe"), record.get("profile")) == (identity.get("recipe"),
                                                                identity.get("profile"))
    if same_run and record.get("fingerprint") == identity.get("fingerprint"):
        return  # its own unfinished run: resumed
    if same_run:
        diff = _config_diff(record.get("config") or {}, identity.get("config") or {})
        what = f"{_what(record)} with another config ({diff or 'fingerprint differs'})"
    else:
        what = f"{_what(record)}, not of a {_what(identity)}"
    raise RunFolderError(f"{arg} {str(path)!r} holds the backup of an unfinished {what}, which "
                         f"is kept: pass {flag} to start this run there from scratch, or choose "
                         f"{other}.")


def check_run_folder(out_dir, *, identity: Mapping[str, Any] | None = None,
                     overwrite: bool = False, arg: str = "`out_dir`") -> Path:
    """Refuses, with a one-line error, a folder that training must not write into; returns it.

    Creates the folder if it is missing. Refused: a path that cannot be a writable folder (under
    a file, read-only); a preset or an export folder (even with `overwrite`); another live
    process training into it; and, when `identity` (`run_identity(...)`, `{}` for a plain
    `fit`) is given and not `overwrite`, a finished run or the backup of an unfinished run of
    another recipe, profile or config. `arg` names the folder in messages (e.g. "--out").

    Raises:
        RunFolderError: (a ValueError) the folder is refused.
        rnn_zoo._folders.FolderBusyError: another process holds the folder's lock.
    """
    path = Path(out_dir)
    _check(path, identity, overwrite, arg)
    if path.resolve() not in _HELD:
        try:
            with folder_lock(path, what="training"):  # a probe: fail before the data loads
                pass
        except OSError as e:
            raise _cannot(arg, path, e) from None
    return path


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _clear_run(path: Path) -> None:
    for name in RUN_FILES:
        target = path / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def _disk_full(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) is a full disk or quota, as OSError or h5py says it."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in _DISK_FULL:
            return True
        text = str(error)
        if any(s in text for s in ("No space left on device", "Disk quota exceeded",
                                   f"errno = {errno.ENOSPC},", f"errno = {errno.EDQUOT},")):
            return True
        error = error.__cause__ or error.__context__
    return False


def _disk_full_error(path: Path) -> OSError:
    return OSError(errno.ENOSPC, f"No space left on device while writing the run folder {path}; "
                   "free some space and run the same command again to resume from its last "
                   "complete epoch")


@contextlib.contextmanager
def run_folder(out_dir, *, identity: Mapping[str, Any], overwrite: bool = False,
               arg: str = "`out_dir`") -> Iterator[Path]:
    """Holds `out_dir` as a run folder for the block: checked, locked, marked running/finished.

    The folder is checked (`check_run_folder`) under its advisory lock, which the block holds
    throughout; with `overwrite` the files of a previous run are removed first. The manifest
    says `running` during the block and `finished` when it ends normally (an exception leaves
    `running`: the next call resumes). Nested use in one process (a recipe around `fit`)
    reuses the outer hold. A full disk inside the block becomes a one-line `OSError` (ENOSPC)
    naming the folder.

    Raises:
        RunFolderError: the folder is refused. FolderBusyError: another process holds it.
    """
    path = Path(out_dir)
    if path.resolve() in _HELD:
        yield path
        return
    _check_location(path, arg)  # the lock file goes beside the folder
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(folder_lock(path, what="training"))
        except OSError as e:
            raise _cannot(arg, path, e) from None
        key = path.resolve()
        try:
            # Checked under the lock: a writer before us may have finished or replaced it.
            _check(path, identity, overwrite, arg)
            if overwrite:
                _clear_run(path)
            fields = {**identity, "started": _now()}
            write_manifest(path, kind="run", status=RUNNING, **fields)
            _HELD.add(key)
            try:
                yield path
            finally:
                _HELD.discard(key)
            write_manifest(path, kind="run", status=FINISHED, **fields, finished=_now())
        except Exception as e:
            if _disk_full(e):
                raise _disk_full_error(path) from None
            raise


def fit(
    build_and_compile: Callable[[], keras.Model] | keras.Model,
    train: tf.data.Dataset,
    validation: tf.data.Dataset | None,
    *,
    out_dir,
    epochs: int,
    monitor: str = "val_loss",
    mode: str = "min",
    patience: int = 10,
    min_delta: float = 0.0,
    strategy: str = "default",
    mixed_precision: bool = False,
    verbose: int = 1,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    tensorboard: bool = True,
    overwrite: bool = False,
) -> FitResult:
    """Builds (inside the strategy scope), trains with the standard callbacks, resumes if needed.

    Args:
        build_and_compile: a zero-argument callable returning a COMPILED `keras.Model`; it is
            called inside `strategy.scope()` (with the mixed-precision policy set), as
            `tf.distribute` requires. An already compiled model is accepted with
            `strategy="default"` and `mixed_precision=False` only.
        train: batched training dataset of `(inputs, targets)`, already shuffled (seeded) by
            its pipeline, e.g. `rnn_zoo.data.finish(..., shuffle_buffer=..., seed=...)`. It is
            iterated exactly once per epoch, so a seeded reshuffle gives epoch `e` the same
            order in a fresh and in a resumed run.
        validation: batched validation dataset, or None (then `monitor` must be a training
            metric such as `"loss"`).
        out_dir: run directory; gets `best.weights.h5`, `history.csv`, `logs/`, and `backup/`
            while training (removed when training ends normally). A damaged backup there
            raises a one-line ValueError rather than being resumed from. It is locked while
            `fit` trains (a second writer gets `FolderBusyError`) and refused when it is a
            preset or an export folder, or holds a finished run (see `overwrite`).
        epochs: maximum number of epochs (>= 1), counted across resumes.
        monitor: the logged metric that early stopping and checkpointing watch.
        mode: `"min"` or `"max"`: whether lower or higher `monitor` is better.
        patience: epochs without improvement before stopping (>= 1).
        min_delta: smallest change that counts as an improvement.
        strategy: `"default"`, `"mirrored"` or `"multi_worker"` (see `get_strategy`).
        mixed_precision: train under the `mixed_float16` policy (needs a GPU, else ValueError);
            the previous global policy is restored afterwards.
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.
        callbacks: extra callbacks, run after the standard ones.
        tensorboard: write TensorBoard logs to `out_dir/logs` (skipped with a warning when the
            `tensorboard` package is not installed).
        overwrite: train a finished run (or another run's backup) in `out_dir` again from
            scratch instead of refusing it; its files are removed first.

    Returns:
        A `FitResult`; `result.model` holds the best epoch's weights.
    """
    epochs = check_int("epochs", epochs)
    patience = check_int("patience", patience)
    check_choice("mode", mode, ("min", "max"))
    check_choice("strategy", strategy, STRATEGIES)
    check_bool("mixed_precision", mixed_precision)
    check_bool("tensorboard", tensorboard)
    check_bool("overwrite", overwrite)
    check_choice("verbose", verbose, (0, 1, 2))
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"`monitor` must be a metric name such as 'val_loss', got {monitor!r}.")
    if validation is None and monitor.startswith("val_"):
        raise ValueError(f"`monitor`={monitor!r} needs a `validation` dataset, got None.")
    if isinstance(build_and_compile, keras.Model):
        if strategy != "default" or mixed_precision:
            raise ValueError(
                "Pass a `build_and_compile` callable (not a built model) to use "
                f"strategy={strategy!r} or mixed_precision=True: the model must be created "
                "inside the strategy scope and under the dtype policy."
            )
    elif not callable(build_and_compile):
        raise TypeError(
            "`build_and_compile` must be a callable returning a compiled keras.Model, got "
            f"{type(build_and_compile).__name__}."
        )

    # Identity `{}`: a plain fit (a recipe holds its folder with its own identity around this).
    with run_folder(out_dir, identity={}, overwrite=overwrite) as folder:
        return _fit(build_and_compile, train, validation, out_dir=folder, epochs=epochs,
                    monitor=monitor, mode=mode, patience=patience, min_delta=min_delta,
                    strategy=strategy, mixed_precision=mixed_precision, verbose=verbose,
                    callbacks=callbacks, tensorboard=tensorboard)


def _fit(build_and_compile, train, validation, *, out_dir: Path, epochs: int, monitor: str,
         mode: str, patience: int, min_delta: float, strategy: str, mixed_precision: bool,
         verbose: int, callbacks, tensorboard: bool) -> FitResult:
    """`fit` in its checked and locked run folder."""
    remove_temporaries(out_dir)  # what a killed writer left behind; never read
    backup_dir = out_dir / BACKUP
    history_path = out_dir / HISTORY
    best_path = out_dir / BEST_WEIGHTS
    resume = _checkpointing.read_backup(backup_dir)
    if resume is None:
        # A fresh run: nothing to resume, so the old run's logs would only mislead.
        shutil.rmtree(backup_dir, ignore_errors=True)
        for stale in (history_path, best_path):
            stale.unlink(missing_ok=True)
        resume_epoch = initial_epoch = 0
    else:
        _checkpointing.truncate_history(history_path, resume.epoch)
        resume_epoch = resume.epoch
        # A backup written after early stopping fired has nothing left to train.
        initial_epoch = epochs if resume.stopped else min(resume.epoch, epochs)

    previous_policy = keras.mixed_precision.global_policy().name
    try:
        configure_mixed_precision(mixed_precision)
        distribution = get_strategy(strategy)
        if isinstance(build_and_compile, keras.Model):
            model = build_and_compile
        else:
            with distribution.scope():
                model = build_and_compile()
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"`build_and_compile()` must return a keras.Model, got {type(model).__name__}."
            )
        if not model.compiled:
            raise ValueError("`build_and_compile()` must return a compiled model; call "
                             "model.compile(...) before returning it.")
        if strategy != "default":
            # Keras would read (and all-reduce) a batch just to learn shapes: broken under
            # multi-worker, and an extra pass that shifts the data order (see _distribute).
            _distribute.use_spec_for_symbolic_build(model)

        early_stopping = keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=patience, min_delta=min_delta,
            restore_best_weights=True, verbose=min(verbose, 1),
        )
        standard = [
            early_stopping,
            _checkpointing.BestWeights(best_path, early_stopping),
            _checkpointing.HistoryCSV(history_path),
        ]
        if tensorboard and _tensorboard_installed():
            standard.append(keras.callbacks.TensorBoard(
                str(out_dir / LOGS), write_graph=False, profile_batch=0))
        # Last: a backup only records an epoch whose best weights and history row are on disk.
        standard.append(_checkpointing.Backup(backup_dir=backup_dir, best_path=best_path,
                                              early_stopping=early_stopping, resume=resume))
        if isinstance(train, tf.data.Dataset):
            if resume is not None:
                _checkpointing.replay_passes(train, resume.epoch)
            train = _checkpointing.one_pass_per_epoch(train)
        start = time.perf_counter()
        # The input pipeline shuffles (seeded); Keras cannot shuffle a tf.data.Dataset anyway.
        model.fit(train, validation_data=validation, epochs=epochs, verbose=verbose,
                  initial_epoch=initial_epoch, shuffle=False, callbacks=[*standard, *callbacks])
        seconds = time.perf_counter() - start
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)

    history = read_history(history_path)
    values = history.get(monitor, [])
    if early_stopping.best_weights is not None and early_stopping.best is not None:
        best_epoch, best_value = int(early_stopping.best_epoch), float(early_stopping.best)
    elif values:
        best_value = (min if mode == "min" else max)(values)
        best_epoch = history["epoch"][values.index(best_value)]
    else:
        warnings.warn(f"`monitor`={monitor!r} was never logged; the model holds the last "
                      "epoch's weights.", stacklevel=3)
        best_epoch, best_value = len(history.get("epoch", [])) - 1, math.nan
    return FitResult(
        model=model,
        history=history,
        best_epoch=best_epoch,
        best_value=best_value,
        epochs_run=len(history.get("epoch", [])),
        initial_epoch=resume_epoch,
        seconds=seconds,
        strategy=strategy,
        mixed_precision=mixed_precision,
    )
