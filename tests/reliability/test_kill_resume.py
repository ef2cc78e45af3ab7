"""No lost work: a training run killed with SIGKILL at random points resumes from its last backup
and ends exactly as an uninterrupted run does (same seed, CPU).

The real command, `python -m rnn_zoo.cli train breast_cancer --profile quick --epochs 15` (the
runner, `rnn_zoo.runner.train`), runs in a subprocess (each kill comes 1 to 3 epochs after the
previous backup, so 15 epochs leave training to do after the last one). The test kills it with
SIGKILL several times at seeded random points (a random number of epochs after its newest
backup, then a random delay, so kills land mid-epoch, mid-backup and mid-log-write), reruns the
same command after each kill, and compares everything the finished run wrote with an
uninterrupted run's: the test metrics and training summary in `metrics.json`, `history.csv` byte
for byte, and the weights in `model.keras` (the saved task's raw-input model) and
`best.weights.h5`. A second, in-process test adds a `Dropout` layer, whose random-generator
state the resume must restore as well.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo._checkpointing import read_backup
from rnn_zoo.data import finish
from rnn_zoo.tasks import load_task
from rnn_zoo.training import fit, set_seed
from tests.harness import Interrupt
from tests.reliability.conftest import python

KILLS = 3
EPOCHS = 15
SEED = 20261125  # the kill points' random generator
_UNIT = re.compile(r"epoch-(\d+)")


def _start(out: Path, data_dir: str):
    return python("-m", "rnn_zoo.cli", "train", "breast_cancer", "--profile", "quick",
                  "--epochs", str(EPOCHS), "--out", str(out), "--data-dir", data_dir,
                  "--verbose", "0")


def _newest_backup(out: Path) -> int:
    """The epoch of the newest complete backup (0 if none); safe while the run writes it."""
    try:
        names = [p.name for p in (out / "backup").iterdir()]
    except FileNotFoundError:
        return 0
    return max((int(m[1]) for n in names if (m := _UNIT.fullmatch(n))), default=0)


def _kill_after_backup(proc, out: Path, epoch: int, delay: float, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while _newest_backup(out) < epoch:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before its backup of epoch {epoch}:\n"
                        f"{proc.stderr.read()[-3000:]}")
        assert time.monotonic() < deadline, f"no backup of epoch {epoch} after {timeout} s"
        time.sleep(0.005)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"


def _finish(proc) -> None:
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]


def _weights(out: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The final weights (the saved task's model) and the best epoch's (`best.weights.h5`, the
    backbone's, read as the arrays the file holds)."""
    final = load_task(out).model.get_weights()
    best = []
    with h5py.File(out / "best.weights.h5", "r") as f:
        f.visititems(lambda name, node: best.append(node[()])
                     if isinstance(node, h5py.Dataset) else None)
    assert final and best
    return final, best


def test_sigkilled_training_resumes_to_the_uninterrupted_result(tmp_path, breast_cancer_data_dir):
    rng = np.random.default_rng(SEED)
    reference = _start(tmp_path / "uninterrupted", breast_cancer_data_dir)
    out = tmp_path / "killed"
    resumed_from = []
    for _ in range(KILLS):
        start = resumed_from[-1] if resumed_from else 0
        proc = _start(out, breast_cancer_data_dir)
        _kill_after_backup(proc, out, start + int(rng.integers(1, 4)),
                           delay=float(rng.uniform(0.0, 0.3)))
        state = read_backup(out / "backup")  # the killed run left a complete, verified backup
        assert state is not None and state.epoch > start  # progress was kept, not lost
        resumed_from.append(state.epoch)
    _finish(_start(out, breast_cancer_data_dir))
    _finish(reference)

    ref = tmp_path / "uninterrupted"
    want = json.loads((ref / "metrics.json").read_text())
    got = json.loads((out / "metrics.json").read_text())
    assert got["test"] == want["test"]
    assert got["training"]["initial_epoch"] == resumed_from[-1]  # it resumed, not restarted
    for key in ("best_epoch", "best_value", "epochs_run"):
        assert got["training"][key] == want["training"][key], key
    assert (out / "history.csv").read_bytes() == (ref / "history.csv").read_bytes()
    for got_weights, want_weights in zip(_weights(out), _weights(ref), strict=True):
        for a, b in zip(got_weights, want_weights, strict=True):
            np.testing.assert_array_equal(a, b)
    # Nothing half-written is left behind: no backup, no temporary file.
    assert not (out / "backup").exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def _fit_with_dropout(out: Path, callbacks=()):
    """A toy fit through the driver whose result depends on the random state a resume must
    restore: a reshuffling seeded pipeline and a `Dropout` layer."""
    set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    train = finish(tf.data.Dataset.from_tensor_slices((x, y)), batch_size=16, shuffle_buffer=96,
                   seed=3)
    validation = finish(tf.data.Dataset.from_tensor_slices((x[:32], y[:32])), batch_size=32)

    def build():
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dropout(0.3), keras.layers.Dense(2)])
        model.compile(keras.optimizers.Adam(1e-2),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    return fit(build, train, validation, out_dir=out, epochs=6, patience=10, verbose=0,
               tensorboard=False, callbacks=callbacks)


def test_resume_restores_data_order_and_dropout_state(tmp_path):
    reference = _fit_with_dropout(tmp_path / "uninterrupted")
    for after in (1, 3):  # two interruptions, each resumed
        with pytest.raises(KeyboardInterrupt):
            _fit_with_dropout(tmp_path / "resumed", [Interrupt(after)])
    resumed = _fit_with_dropout(tmp_path / "resumed")
    assert resumed.initial_epoch == 4
    assert resumed.history == reference.history
    for a, b in zip(resumed.model.get_weights(), reference.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
