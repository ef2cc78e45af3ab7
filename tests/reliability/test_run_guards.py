"""No `train` destroys a run, a preset or an export, and two writers never share a run folder.

Each run folder carries a manifest (`rnn_zoo_folder.json`: kind "run", recipe, profile, config
fingerprint, status running/finished) and is locked (`rnn_zoo._folders.folder_lock`) for the
whole training. The tests drive the real command, `python -m rnn_zoo.cli train breast_cancer
--profile quick --epochs N`, in subprocesses (a few seconds each; a follow-up command that
needs no process of its own runs in this one, through `cli.main`):

- a finished run is kept (one line, exit 2) unless `--overwrite` is given (D2);
- a preset copy and an export folder are refused even with `--overwrite` (D2; in this process);
- the backup of another profile or config is refused with one line saying what it is (D11);
- a second writer gets one line naming the holder; a SIGKILLed holder's lock is taken over and
  its run resumed (D13);
- a full disk mid-training gives one line (ENOSPC) naming the folder, and the rerun resumes (D9).
"""

from __future__ import annotations

import errno
import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo import cli, runner
from rnn_zoo._folders import MANIFEST, read_manifest
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.training import fit
from tests.harness import Interrupt
from tests.reliability.conftest import REPO, python

RECIPE = get_recipe("breast_cancer").RECIPE


def _train(out: Path, data_dir: str, *extra: str, epochs: int = 1) -> subprocess.Popen:
    return python("-m", "rnn_zoo.cli", "train", "breast_cancer", "--epochs", str(epochs),
                  "--out", str(out), "--data-dir", data_dir, "--verbose", "0", *extra)


def _done(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def _refused(proc: subprocess.Popen, *needles: str) -> str:
    """The command exited 2 with one line on stderr holding every needle; returns the line."""
    status, err = _done(proc)
    # TensorFlow's C++ start-up lines come before it; ours is the one `rnn-zoo` line, last.
    lines = [line for line in err.splitlines() if line.startswith("rnn-zoo")]
    assert status == 2 and len(lines) == 1, (status, err[-3000:])
    assert err.rstrip().endswith(lines[0]) and "Traceback" not in err, err[-3000:]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli(argv, capsys) -> tuple[int, str]:
    status = cli.main([str(a) for a in argv])
    return status, capsys.readouterr().err


# --- D2: finished runs, presets and exports are kept ----------------------------------------


def test_a_finished_run_is_kept_unless_overwrite(tmp_path, breast_cancer_data_dir, capsys):
    run = tmp_path / "run"
    status, err = _done(_train(run, breast_cancer_data_dir))
    assert status == 0, err[-3000:]
    manifest = read_manifest(run)
    assert manifest["kind"] == "run" and manifest["status"] == "finished"
    assert (manifest["recipe"], manifest["profile"]) == ("breast_cancer", "quick")
    before = _snapshot(run)

    # Another profile's 1-epoch run into the finished run: refused, nothing touched.
    _refused(_train(run, breast_cancer_data_dir, "--profile", "full"),
             str(run), "finished breast_cancer/quick run", "--overwrite")
    # The very same command again (the README says "rerun it to resume"): it says it is done.
    status, err = _cli(["train", "breast_cancer", "--epochs", "1", "--out", run, "--data-dir",
                        breast_cancer_data_dir, "--verbose", "0"], capsys)
    assert status == 2 and err.count("\n") == 1 and "finished breast_cancer/quick run" in err
    assert _snapshot(run) == before

    # Told to: it trains again from scratch (in this process: a subprocess costs seconds).
    status, err = _cli(["train", "breast_cancer", "--epochs", "2", "--out", run, "--data-dir",
                        breast_cancer_data_dir, "--verbose", "0", "--overwrite"], capsys)
    assert status == 0, err
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["training"]["epochs_run"] == 2 and metrics["training"]["initial_epoch"] == 0
    assert read_manifest(run)["status"] == "finished"


def test_a_preset_copy_and_an_export_folder_are_refused(tmp_path, breast_cancer_data_dir,
                                                        capsys):
    preset = tmp_path / "preset_copy"
    shutil.copytree(REPO / "saved_models" / "breast_cancer", preset)
    before = _snapshot(preset)
    # In this process (the refusal comes before any training; the other tests run the CLI in
    # subprocesses).
    status, err = _cli(["train", "breast_cancer", "--epochs", "1", "--out", preset,
                        "--data-dir", breast_cancer_data_dir, "--verbose", "0", "--overwrite"],
                       capsys)
    assert status == 2 and err.count("\n") == 1, err
    assert f"--out {str(preset)!r} is a preset folder" in err and "even with --overwrite" in err
    assert _snapshot(preset) == before
    with pytest.raises(ValueError, match="is a preset folder"):  # the runner's own path
        runner.train(RECIPE, out_dir=preset, epochs=1, data_dir=breast_cancer_data_dir,
                     verbose=0, overwrite=True)
    assert _snapshot(preset) == before

    export = tmp_path / "export"
    export.mkdir()
    (export / "export.json").write_text('{"formats": ["tflite"]}')
    (export / "model.tflite").write_bytes(b"TFL3")
    before = _snapshot(export)
    status, err = _cli(["train", "breast_cancer", "--epochs", "1", "--out", export,
                        "--data-dir", breast_cancer_data_dir, "--verbose", "0"], capsys)
    assert status == 2 and err.count("\n") == 1 and "export" in err, err
    assert _snapshot(export) == before


# --- D11: another recipe's, profile's or config's backup -------------------------------------


def test_the_backup_of_another_profile_or_config_is_refused(tmp_path, breast_cancer_data_dir,
                                                            capsys):
    run = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        runner.train(RECIPE, profile="quick", out_dir=run, epochs=3,
                     data_dir=breast_cancer_data_dir, verbose=0, callbacks=[Interrupt(after=0)])
    assert (run / "backup").is_dir()
    before = _snapshot(run)

    line = _refused(_train(run, breast_cancer_data_dir, "--profile", "full"),
                    "unfinished breast_cancer/quick run", "--overwrite")
    assert "breast_cancer/full" in line
    # Same recipe and profile, another config (--epochs): a resume would mix the two.
    status, err = _cli(["train", "breast_cancer", "--epochs", "4", "--out", run, "--data-dir",
                        breast_cancer_data_dir, "--verbose", "0"], capsys)
    assert status == 2 and err.count("\n") == 1, err
    assert "another config" in err and "epochs 3" in err and "--overwrite" in err
    assert _snapshot(run) == before

    # The same recipe, profile and config resumes it.
    metrics = runner.train(RECIPE, profile="quick", out_dir=run, epochs=3,
                           data_dir=breast_cancer_data_dir, verbose=0)
    assert metrics["training"]["initial_epoch"] == 1


def _toy(out: Path, units: int, **kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)

    def build():
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(units),
                                  keras.layers.Dense(2)])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    return fit(build, data, data, out_dir=out, epochs=3, verbose=0, tensorboard=False, **kwargs)


@pytest.mark.parametrize("old_backup", [False, True], ids=["backup", "backup-without-shapes"])
def test_a_backup_of_another_model_without_a_manifest_is_refused_in_one_line(tmp_path,
                                                                             old_backup):
    """A folder from before manifests: the backup itself says it belongs to another model
    (by the weight shapes it records or, in an older backup, when it fails to load)."""
    with pytest.raises(KeyboardInterrupt):
        _toy(tmp_path, 8, callbacks=[Interrupt(after=0)])
    (tmp_path / MANIFEST).unlink(missing_ok=True)
    if old_backup:
        meta = tmp_path / "backup" / "epoch-000001" / "meta.json"
        meta.write_text(json.dumps({k: v for k, v in json.loads(meta.read_text()).items()
                                    if k != "shapes"}))
    with pytest.raises(ValueError, match="another model") as info:
        _toy(tmp_path, 4)
    assert "\n" not in str(info.value) and "backup" in str(info.value)


# --- D13: one writer at a time; a killed holder's lock is taken over ---------------------------


def _wait_for_backup(proc: subprocess.Popen, run: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not any((run / "backup").glob("epoch-*")):
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "no backup written"
        time.sleep(0.01)


def test_a_second_writer_is_refused_and_a_killed_holders_lock_is_taken_over(
        tmp_path, breast_cancer_data_dir, capsys):
    run = tmp_path / "run"
    first = _train(run, breast_cancer_data_dir, epochs=8)
    try:
        _wait_for_backup(first, run)
        first.send_signal(signal.SIGSTOP)  # alive and holding the lock, but not finishing
        _refused(_train(run, breast_cancer_data_dir, epochs=8),
                 str(run), "being written by another process", f"pid {first.pid}")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    assert read_manifest(run)["status"] == "running"
    assert str(first.pid) in (run.parent / f".{run.name}.lock").read_text()  # the dead holder
    # The kernel dropped the dead holder's lock: the next run (this process) takes it, resumes.
    status, err = _cli(["train", "breast_cancer", "--epochs", "8", "--out", run, "--data-dir",
                        breast_cancer_data_dir, "--verbose", "0"], capsys)
    assert status == 0, err
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["training"]["initial_epoch"] >= 1  # resumed, not restarted
    assert metrics["training"]["epochs_run"] == 8
    assert read_manifest(run)["status"] == "finished"


# --- D9: a full disk ---------------------------------------------------------------------------

# The child fails the second write of history.csv (epoch 2) as a full disk does: with ENOSPC
# from the flush to disk, after the temporary file was written.
_DISK_FULL = """
import errno, os, sys
from rnn_zoo import _atomic
real, seen = _atomic._fsync_file, []
def full(path):
    if os.path.basename(str(path)).startswith(".history.csv"):
        seen.append(path)
        if len(seen) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    real(path)
_atomic._fsync_file = full
from rnn_zoo.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_full_disk_gives_one_line_and_the_rerun_resumes(tmp_path, breast_cancer_data_dir,
                                                          capsys):
    run = tmp_path / "run"
    args = ["train", "breast_cancer", "--epochs", "3", "--out", str(run), "--data-dir",
            breast_cancer_data_dir, "--verbose", "0"]
    line = _refused(python("-c", _DISK_FULL, *args), str(run), "No space left on device")
    assert f"[Errno {errno.ENOSPC}]" in line and "resume" in line
    assert not [p for p in run.iterdir() if ".tmp-" in p.name]  # no debris
    status, err = _cli(args, capsys)
    assert status == 0, err
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["training"]["initial_epoch"] == 1 and metrics["training"]["epochs_run"] == 3


def test_disk_full_errors_of_h5py_are_recognised():
    from rnn_zoo.training import _disk_full

    h5py_style = OSError("Unable to synchronously create file (file write failed: time = ..., "
                         "errno = 28, error message = 'No space left on device')")
    assert _disk_full(h5py_style)
    assert _disk_full(RuntimeError("wrapped")) is False
    wrapped = RuntimeError("wrapped")
    wrapped.__context__ = OSError(errno.ENOSPC, "No space left on device")
    assert _disk_full(wrapped)
