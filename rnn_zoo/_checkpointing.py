"""Crash-safe training state for `rnn_zoo.training.fit`: backups, best weights, history, data order.

Keras's `BackupAndRestore`, `ModelCheckpoint` and `CSVLogger` write their files in place: a kill
mid-write leaves a truncated `.h5` or a weights file newer than its metadata, and a resumed epoch
sees the first epoch's shuffle order (a new process restarts the `tf.data` seed sequence). The
callbacks here replace them:

- `Backup` writes the whole training state after each epoch as one folder
  `backup/epoch-NNNNNN/` (weights + optimizer, random-generator states, early-stopping state,
  the best weights so far, sha256 of each file), built under a hidden name and renamed into
  place; it restores all of it on resume and refuses a damaged backup with a one-line error.
- `BestWeights` saves the weights `EarlyStopping` keeps as the best, atomically.
- `HistoryCSV` rewrites `history.csv` (one row per epoch, `CSVLogger`'s format) atomically.
- `one_pass_per_epoch` / `replay_passes` make epoch `e` read pass `e` of the training pipeline
  in a fresh and in a resumed run alike, so a seeded reshuffle gives the same order.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from rnn_zoo._atomic import (
    TMP_MARKER,
    atomic_path,
    copy_atomic,
    default_mode,
    fsync_dir,
    write_text_atomic,
)
from rnn_zoo._hashing import sha256_of

FORMAT = 1
STATE = "state.weights.h5"
BEST = "best.weights.h5"
META = "meta.json"
_UNIT = re.compile(r"epoch-(\d{6,})")
# Files Keras's `BackupAndRestore` (used by rnn_zoo <= 0.1) leaves in its backup folder.
_KERAS_BACKUP_FILES = ("training_metadata.json", "latest.weights.h5")


# --- history.csv -----------------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a CSV file; ([], []) when it does not exist or is empty."""
    if not path.is_file():
        return [], []
    with path.open(newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    return (rows[0], rows[1:]) if rows else ([], [])


def _write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n" line ends, as Keras's CSVLogger writes them
    writer.writerow(header)
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())


def truncate_history(path: Path, before_epoch: int) -> None:
    """Keeps only the rows of epochs < `before_epoch` (drops rows written after the backup)."""
    header, rows = read_rows(path)
    kept = [row for row in rows if int(row[0]) < before_epoch]
    if header and len(kept) != len(rows):
        _write_rows(path, header, kept)


def _csv_value(value) -> str:
    array = np.asarray(value)
    if array.ndim == 0 and np.issubdtype(array.dtype, np.number):
        return repr(float(array))
    return str(value)


class HistoryCSV(keras.callbacks.Callback):
    """`history.csv`: `epoch` then the logged metrics (sorted), one row per epoch.

    The file is rewritten whole, atomically, after every epoch (Keras's `CSVLogger` appends in
    place). Rows already in the file when training begins (epochs before a resume) are kept.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self.header: list[str] = []
        self.rows: list[list[str]] = []

    def on_train_begin(self, logs=None):
        self.header, self.rows = read_rows(self.path)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if not self.header:
            self.header = ["epoch", *sorted(logs)]
        row = {"epoch": str(epoch), **{k: _csv_value(v) for k, v in logs.items()}}
        self.rows.append([row.get(key, "") for key in self.header])
        _write_rows(self.path, self.header, self.rows)


# --- best weights ----------------------------------------------------------------------------


class BestWeights(keras.callbacks.Callback):
    """Saves the weights `early_stopping` holds as the best to `path`, atomically, when they change.

    So the file always holds the weights `fit()` returns. Must come after `early_stopping`.
    """

    def __init__(self, path: Path, early_stopping: keras.callbacks.EarlyStopping):
        super().__init__()
        self.path = Path(path)
        self.early_stopping = early_stopping

    def on_epoch_end(self, epoch, logs=None):
        es = self.early_stopping
        if es.best_weights is not None and es.best_epoch == epoch:
            with atomic_path(self.path, suffix=".weights.h5") as tmp:
                self.model.save_weights(tmp)


# --- backups ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BackupState:
    """A complete, verified backup: `epoch` epochs were done when it was written."""

    path: Path
    epoch: int
    stopped: bool
    early_stopping: dict
    seed_states: list
    shapes: list | None = None  # of the model's weights; None in backups written before


def _damaged(unit: Path, backup_dir: Path, what: str) -> ValueError:
    return ValueError(
        f"The training backup {unit} is damaged ({what}); refusing to resume from it. Delete "
        f"{backup_dir} to start the run over."
    )


def read_backup(backup_dir: Path) -> BackupState | None:
    """The newest backup in `backup_dir`, verified, or None when there is none.

    Only folders renamed into place count (a kill mid-backup leaves a hidden temporary folder,
    which is ignored). A backup whose files differ from the checksums recorded when it was
    written (truncated, altered) raises a one-line ValueError instead of being used.
    """
    backup_dir = Path(backup_dir)
    if not backup_dir.is_dir():
        return None
    if any((backup_dir / name).exists() for name in _KERAS_BACKUP_FILES):
        raise ValueError(
            f"{backup_dir} holds a backup in the format of rnn_zoo 0.1 (Keras BackupAndRestore), "
            "which this version cannot resume exactly; finish that run with the version that "
            f"started it, or delete {backup_dir} to start the run over."
        )
    units = [(int(m[1]), p) for p in backup_dir.iterdir()
             if p.is_dir() and (m := _UNIT.fullmatch(p.name))]
    if not units:
        return None
    _, unit = max(units)
    try:
        meta = json.loads((unit / META).read_text(encoding="utf-8"))
        files, epoch = meta["files"], int(meta["epoch"])
        if meta.get("format") != FORMAT or STATE not in files:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise _damaged(unit, backup_dir, f"{META} is missing or unreadable") from None
    for name, digest in files.items():
        path = unit / name
        if not path.is_file() or sha256_of(path) != digest:
            raise _damaged(unit, backup_dir, f"{name} is missing or differs from its checksum")
    return BackupState(path=unit, epoch=epoch, stopped=bool(meta.get("stopped", False)),
                       early_stopping=dict(meta.get("early_stopping", {})),
                       seed_states=list(meta.get("seed_states", [])), shapes=meta.get("shapes"))


def _foreign(unit: Path, backup_dir: Path, what: str) -> ValueError:
    return ValueError(
        f"The training backup {unit} was written by another model ({what}); refusing to resume "
        f"from it. Delete {backup_dir}, or rerun with --overwrite (overwrite=True), to start over."
    )


def weight_shapes(model: keras.Model) -> list[list[int]]:
    """The shapes of the model's weights, in order: what a backup must match to be restored."""
    return [[int(d) for d in v.shape] for v in model.weights]


def seed_state_variables(model: keras.Model) -> list:
    """The model's random-generator states (e.g. `Dropout`'s), which `save_weights` omits."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _link_or_copy(source: Path, destination: Path) -> None:
    # `best.weights.h5` is only ever replaced (a new inode), never rewritten, so a hard link
    # keeps this backup's version even after a later epoch replaces the file.
    try:
        os.link(source, destination)
    except OSError:
        shutil.copyfile(source, destination)


def _number(value) -> float | None:
    return None if value is None else float(value)


class Backup(keras.callbacks.Callback):
    """Backs up the training state after every epoch, atomically; restores it on resume.

    Must be the last of the driver's callbacks and come after `early_stopping`, so that a backup
    is written when the epoch's best weights and history row are already on disk.

    Args:
        backup_dir: folder of the backups (created; removed when training ends normally).
        best_path: the run's `best.weights.h5`.
        early_stopping: the run's `EarlyStopping`, whose state is backed up and restored.
        resume: the backup to restore in `on_train_begin`, or None for a fresh run.
    """

    def __init__(self, *, backup_dir: Path, best_path: Path,
                 early_stopping: keras.callbacks.EarlyStopping, resume: BackupState | None):
        super().__init__()
        self.backup_dir = Path(backup_dir)
        self.best_path = Path(best_path)
        self.early_stopping = early_stopping
        self.resume = resume

    def on_train_begin(self, logs=None):
        if self.resume is None:
            return
        model, es, unit = self.model, self.early_stopping, self.resume.path
        shapes = weight_shapes(model)
        saved = self.resume.shapes
        if saved is not None and saved != shapes:
            if len(saved) != len(shapes):
                what = f"{len(saved)} weights, this model has {len(shapes)}"
            else:
                i = next(i for i, (a, b) in enumerate(zip(saved, shapes, strict=True)) if a != b)
                what = f"weight {i} has shape {tuple(saved[i])}, this model's {tuple(shapes[i])}"
            raise _foreign(unit, self.backup_dir, what)
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        try:
            if (unit / BEST).is_file():
                model.load_weights(unit / BEST)
                es.best_weights = model.get_weights()
                # The killed epoch may have replaced best.weights.h5 after this backup: undo it.
                copy_atomic(unit / BEST, self.best_path)
            model.load_weights(unit / STATE)  # weights and optimizer state, last
        except ValueError as e:  # a backup from before `shapes`: Keras's many-line dump
            first = " ".join(str(e).split())[:160]
            raise _foreign(unit, self.backup_dir, f"it does not load: {first}") from None
        variables = seed_state_variables(model)
        if len(variables) != len(self.resume.seed_states):
            raise _damaged(unit, self.backup_dir, f"it holds {len(self.resume.seed_states)} "
                           f"random-generator states, the model has {len(variables)}")
        for variable, value in zip(variables, self.resume.seed_states, strict=True):
            variable.assign(np.asarray(value, dtype=variable.dtype))
        state = self.resume.early_stopping
        es.best = _number(state.get("best"))
        es.best_epoch = int(state.get("best_epoch", 0))
        es.wait = int(state.get("wait", 0))

    def on_epoch_end(self, epoch, logs=None):
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        done = epoch + 1
        tmp = Path(tempfile.mkdtemp(prefix=f".epoch-{done:06d}{TMP_MARKER}", dir=self.backup_dir))
        try:
            os.chmod(tmp, default_mode(folder=True))  # mkdtemp's 0700 would survive the rename
            self.model.save_weights(tmp / STATE)
            if self.best_path.is_file():
                _link_or_copy(self.best_path, tmp / BEST)
            es = self.early_stopping
            best = _number(es.best)
            meta = {
                "format": FORMAT,
                "epoch": done,
                "stopped": bool(self.model.stop_training),
                "early_stopping": {"best": None if best is None or math.isinf(best) else best,
                                   "best_epoch": int(es.best_epoch), "wait": int(es.wait)},
                "seed_states": [np.asarray(v).tolist()
                                for v in seed_state_variables(self.model)],
                "shapes": weight_shapes(self.model),
                "files": {p.name: sha256_of(p) for p in sorted(tmp.iterdir())},
            }
            write_text_atomic(tmp / META, json.dumps(meta, indent=2) + "\n")
            for path in tmp.iterdir():
                with open(path, "rb") as f:
                    os.fsync(f.fileno())
            fsync_dir(tmp)
            unit = self.backup_dir / f"epoch-{done:06d}"
            if unit.exists():  # only after a resume from an older backup re-ran this epoch
                shutil.rmtree(unit)
            os.replace(tmp, unit)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsync_dir(self.backup_dir)
        for old in self.backup_dir.iterdir():
            if old != unit:
                shutil.rmtree(old, ignore_errors=True)

    def on_train_end(self, logs=None):
        shutil.rmtree(self.backup_dir, ignore_errors=True)


# --- data order ------------------------------------------------------------------------------


def one_pass_per_epoch(train: tf.data.Dataset) -> tf.data.Dataset:
    """`train`, iterated exactly once per epoch by `model.fit`.

    Keras may create more than one iterator per epoch (it makes the next one ahead of time and
    then replaces it); each new iterator of a dataset shuffled with `reshuffle_each_iteration`
    draws the next order. Behind this lazy wrapper an iterator of `train` is only created when
    the first batch is read, so epoch `e` always gets pass `e` (counting from the first fit).
    """
    wrapped = tf.data.Dataset.from_tensors(0).flat_map(lambda _: train)
    cardinality = int(train.cardinality())
    if cardinality >= 0:  # keeps Keras's progress bar and epoch length
        wrapped = wrapped.apply(tf.data.experimental.assert_cardinality(cardinality))
    return wrapped.with_options(train.options())


def replay_passes(train: tf.data.Dataset, passes: int) -> None:
    """Advances `train`'s reshuffles by `passes` without reading it: one iterator per pass.

    A seeded `shuffle(..., reshuffle_each_iteration=True)` draws each new iterator's order from
    a seed sequence that a new process starts over; a resumed run replays the passes of the
    epochs its backup holds, so its next epoch gets the order an uninterrupted run had.
    """
    for _ in range(passes):
        iterator = iter(train)
        del iterator
