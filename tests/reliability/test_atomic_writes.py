"""Every file the project writes is written atomically (temporary file + rename), and a kill never
leaves a half-written file that is later read as valid.

- the atomic helpers keep the old file whole when a write fails, and leave no temporary behind;
- a process killed with SIGKILL over and over while it rewrites a file never leaves a partial one;
- a source audit: every function in `rnn_zoo/`, `recipes/` and `scripts/` that writes a file does
  it through `rnn_zoo._atomic` (or a temporary file/folder it `os.replace`s into place);
- the training backup: a damaged one is refused with a one-line error, a half-built one (a kill
  mid-backup) is ignored, and a resumed run removes what killed writers left behind.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo import _atomic
from rnn_zoo._atomic import atomic_path, copy_atomic, remove_temporaries, write_text_atomic
from rnn_zoo.training import fit, read_history
from tests.reliability.conftest import REPO, subprocess_env

# --- helpers ---------------------------------------------------------------------------------


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "state.txt"
    write_text_atomic(target, "old")
    with pytest.raises(RuntimeError, match="mid-write"), atomic_path(target) as tmp:
        tmp.write_text("new, but only ha")
        raise RuntimeError("mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.txt"]
    copy_atomic(target, tmp_path / "copy.txt")
    assert (tmp_path / "copy.txt").read_text() == "old"


def test_remove_temporaries_removes_only_leftovers(tmp_path):
    (tmp_path / ".metrics.json.tmp-ab12").write_text("{")
    (tmp_path / ".epoch-000002.tmp-x").mkdir()
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / ".gitignore").write_text("*")
    removed = remove_temporaries(tmp_path)
    assert sorted(p.name for p in removed) == [".epoch-000002.tmp-x", ".metrics.json.tmp-ab12"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore", "metrics.json"]


# The child imports rnn_zoo/_atomic.py alone (no TensorFlow: it starts in a fraction of a second)
# and rewrites one file forever with two contents of 4 MiB that differ in every byte.
_WRITER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec); spec.loader.exec_module(atomic)
contents = [b"a" * (4 << 20), b"b" * (4 << 20)]
i = 0
while True:
    atomic.write_bytes_atomic(sys.argv[2], contents[i % 2])
    i += 1
"""


def test_sigkill_mid_write_never_leaves_a_partial_file(tmp_path):
    target = tmp_path / "big.bin"
    rng = np.random.default_rng(0)
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, _atomic.__file__, str(target)],
                                env=subprocess_env())
        while not target.exists():
            assert proc.poll() is None, "the writer died"
            time.sleep(0.001)
        time.sleep(float(rng.uniform(0.0, 0.2)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        assert len(data) == 4 << 20 and data in (b"a" * (4 << 20), b"b" * (4 << 20))
    remove_temporaries(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


# --- source audit ----------------------------------------------------------------------------

AUDITED = ("rnn_zoo", "recipes", "scripts")
# Calls that write a file (methods of paths, models, numpy, shutil, json).
WRITE_METHODS = {"write_text", "write_bytes", "save", "save_weights", "export", "savez",
                 "savez_compressed", "copyfile", "copy", "copy2", "copytree", "dump", "to_csv"}
# Calls that make a write atomic in the function that contains them: the atomic helpers, a rename
# into place, or a private temporary file or folder. A same-file helper that makes one of these
# calls counts too (e.g. `_temp_path()` -> `mkdtemp`, `_replace()` -> `os.replace`).
ATOMIC_CALLS = {"atomic_path", "write_text_atomic", "write_bytes_atomic", "copy_atomic",
                "write_json_atomic", "save_for_inference", "replace", "rename", "mkdtemp",
                "mkstemp", "TemporaryDirectory", "NamedTemporaryFile"}
# Writers that fill a staging folder which their caller renames into place (reviewed).
STAGING = {
    ("rnn_zoo/_checkpointing.py", "_link_or_copy"): "Backup.on_epoch_end renames the folder",
    ("scripts/publish_preset.py", "_write_card_and_checksums"): "publish() renames the folder",
    ("rnn_zoo/tasks/language_model.py", "export"): "delegates to rnn_zoo.export, which stages "
                                                   "the export and swaps it into place",
    ("rnn_zoo/exporters/_standalone_runner.py", "main"): "its report goes to the parity check's "
                                                      "TemporaryDirectory",
}


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _writes(call: ast.Call) -> bool:
    name = _name(call)
    if name == "open" and isinstance(call.func, ast.Name):
        mode = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "mode"), None)
        return isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+")
    if name == "copy" and isinstance(call.func, ast.Attribute):
        # `shutil.copy(src, dst)` writes; `obj.copy()` (dicts, arrays) does not.
        return getattr(call.func.value, "id", None) == "shutil"
    if name == "dump":
        return len(call.args) >= 2  # json.dump(obj, file)
    return name in WRITE_METHODS and isinstance(call.func, ast.Attribute)


def _non_atomic_writes(path: Path, root: Path = REPO) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    calls = {f: [n for n in ast.walk(f) if isinstance(n, ast.Call)] for f in functions}
    atomic = set(ATOMIC_CALLS)
    while True:  # same-file helpers that make a write atomic, to a fixpoint
        more = {f.name for f in functions if f.name not in atomic
                and any(_name(c) in atomic for c in calls[f])}
        if not more:
            break
        atomic |= more
    relative = path.relative_to(root).as_posix()
    return [f"{relative}:{c.lineno} {f.name}() calls {_name(c)}"
            for f in functions
            if (relative, f.name) not in STAGING and not any(_name(c) in atomic for c in calls[f])
            for c in calls[f] if _writes(c)]


def test_every_writer_in_the_project_is_atomic():
    files = [p for folder in AUDITED for p in sorted((REPO / folder).rglob("*.py"))]
    assert len(files) > 20
    offenders = [line for path in files for line in _non_atomic_writes(path)]
    assert not offenders, "non-atomic file writes:\n" + "\n".join(offenders)


def test_the_audit_catches_plain_writes(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def save_report(path, text):\n    path.write_text(text)\n\n"
        "def save_json(path, obj):\n    with open(path, 'w') as f:\n        f.write('x')\n\n"
        "def save_model(model, path):\n    model.save(path)\n\n"
        "def _stage(path):\n    return tempfile.mkdtemp(dir=path.parent)\n\n"
        "def save_safely(model, path):\n    tmp = _stage(path)\n    model.save(tmp)\n")
    found = _non_atomic_writes(probe, root=tmp_path)
    assert [line.split()[1] for line in found] == ["save_report()", "save_json()",
                                                    "save_model()"]


# --- training backups ------------------------------------------------------------------------


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt("stopped after epoch 1")


def _toy_run(out: Path, callbacks=()):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)

    def build():
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    return fit(build, data, data, out_dir=out, epochs=4, verbose=0, tensorboard=False,
               callbacks=callbacks)


@pytest.fixture
def interrupted(tmp_path):
    """A toy run stopped after epoch 1: `backup/epoch-000002/` is its newest backup."""
    with pytest.raises(KeyboardInterrupt):
        _toy_run(tmp_path, [_Interrupt()])
    assert [p.name for p in (tmp_path / "backup").iterdir()] == ["epoch-000002"]
    return tmp_path


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda unit: (unit / "state.weights.h5").write_bytes(
            (unit / "state.weights.h5").read_bytes()[:500]),
         "state.weights.h5 is missing or differs from its checksum"),
        (lambda unit: (unit / "best.weights.h5").unlink(),
         "best.weights.h5 is missing or differs from its checksum"),
        (lambda unit: (unit / "meta.json").write_text('{"epoch": 2, "fi'),
         "meta.json is missing or unreadable"),
    ],
    ids=["truncated-weights", "missing-best", "truncated-meta"],
)
def test_damaged_backup_is_refused_with_one_line(interrupted, damage, message):
    damage(interrupted / "backup" / "epoch-000002")
    with pytest.raises(ValueError, match="refusing to resume") as info:
        _toy_run(interrupted)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert (interrupted / "backup" / "epoch-000002").is_dir()  # kept for inspection, not deleted


def test_half_built_backup_and_temporaries_are_ignored(interrupted):
    half = interrupted / "backup" / ".epoch-000003.tmp-killed"
    half.mkdir()
    (half / "state.weights.h5").write_bytes(b"\x89HDF half")
    (interrupted / ".history.csv.tmp-killed").write_text("epoch,loss\n0,0.")
    result = _toy_run(interrupted)
    assert result.initial_epoch == 2  # from the complete backup, not the half-built one
    assert read_history(interrupted / "history.csv")["epoch"] == [0, 1, 2, 3]
    assert sorted(p.name for p in interrupted.iterdir()) == ["best.weights.h5", "history.csv",
                                                             "rnn_zoo_folder.json"]


def test_keras_backup_of_an_older_version_is_not_resumed_silently(tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "training_metadata.json").write_text(json.dumps({"epoch": 3}))
    with pytest.raises(ValueError, match="format of rnn_zoo 0.1"):
        _toy_run(tmp_path)
    assert (tmp_path / "backup" / "training_metadata.json").is_file()


# --- permissions -----------------------------------------------------------------------------


@pytest.fixture
def user_umask():
    """Sets the umask for the test (it is process-wide) and restores it afterwards."""
    previous = os.umask(0o022)
    try:
        yield lambda mask: os.umask(mask)
    finally:
        os.umask(previous)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_atomic_files_get_the_users_umask_not_0600(tmp_path, user_umask, mask):
    """A preset or run written atomically is as readable as one written with plain `open()`."""
    user_umask(mask)
    write_text_atomic(tmp_path / "a.txt", "x")
    copy_atomic(tmp_path / "a.txt", tmp_path / "b.txt")
    with atomic_path(tmp_path / "c.bin") as tmp:
        tmp.write_bytes(b"x")
    for name in ("a.txt", "b.txt", "c.bin"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


def test_a_training_run_gets_the_users_umask(tmp_path, user_umask):
    user_umask(0o022)
    with pytest.raises(KeyboardInterrupt):
        _toy_run(tmp_path, [_Interrupt()])
    paths = [p for p in tmp_path.rglob("*")]
    assert any(p.is_dir() for p in paths) and any(p.name == "history.csv" for p in paths)
    modes = {p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777) for p in paths}
    want = {name: oct(0o755 if (tmp_path / name).is_dir() else 0o644) for name in modes}
    assert modes == want
