"""What a folder holds and who is writing it: folder manifests and advisory locks.

Three kinds of folder hold results a user must not lose: a **run** (`rnn-zoo train`), an
**export** (`rnn-zoo export`) and a **preset** (`saved_models/<name>`). Each carries a small
manifest, `rnn_zoo_folder.json`, saying what it is (`kind`, the recipe or model, the profile,
`status`: `running` or `finished`), so a command can refuse to write into a folder that is not
its own instead of silently replacing a result. Folders written before manifests existed are
recognised by their files (`kind_of`).

Writers hold an advisory lock while they write (`folder_lock`): `fcntl.flock` on a hidden lock
file beside the folder (`.<name>.lock`), so the lock survives the folder being replaced whole
by a rename. The kernel drops a `flock` when its holder dies, so a lock left by a killed process
is taken over at once; the lock file records the holder's pid and command for the message a
second writer gets.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rnn_zoo._atomic import write_text_atomic

MANIFEST = "rnn_zoo_folder.json"
KINDS = ("run", "export", "preset")
RUNNING, FINISHED = "running", "finished"
# What `Task.save` writes beside `model.keras`: the task class, its settings and learnt state.
TASK_FILE = "task.json"

__all__ = ["FINISHED", "KINDS", "MANIFEST", "RUNNING", "FolderBusyError",
           "check_evaluation_folder", "folder_lock", "kind_of", "read_manifest",
           "write_manifest"]


class FolderBusyError(RuntimeError):
    """Another live process holds the folder's lock; the message names it."""


def read_manifest(folder) -> dict[str, Any] | None:
    """The folder's manifest, or None if it has none; a damaged one raises a one-line error."""
    path = Path(folder) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        manifest = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e}); remove it or choose another folder."
                         ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") not in KINDS:
        raise ValueError(f"{path} does not describe a run, export or preset folder; remove it "
                         "or choose another folder.")
    return manifest


def write_manifest(folder, *, kind: str, **fields: Any) -> dict[str, Any]:
    """Writes the folder's manifest atomically (`kind` plus `fields`); returns it."""
    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {', '.join(KINDS)}, got {kind!r}.")
    manifest = {"kind": kind, **fields}
    write_text_atomic(Path(folder) / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True)
                      + "\n")
    return manifest


def kind_of(folder) -> str | None:
    """`"run"`, `"export"`, `"preset"` or None (missing, empty or unknown folder).

    The manifest decides; a folder without one is recognised by its files: a preset has
    `checksums.sha256` beside `metrics.json`, an export has `export.json`, a run has
    `metrics.json`, `history.csv` or a `backup/`.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is not None:
        return manifest["kind"]
    if not folder.is_dir():
        return None
    if (folder / "checksums.sha256").is_file() and (folder / "metrics.json").is_file():
        return "preset"
    if (folder / "export.json").is_file():
        return "export"
    if any((folder / name).exists() for name in ("metrics.json", "history.csv", "backup")):
        return "run"
    return None


def check_evaluation_folder(out_dir, *, argument: str = "`out_dir`") -> None:
    """Refuses a preset folder: `evaluate` writes `evaluation.json` into the folder it scores,
    and a preset's files are checksummed (one more file and it is refused as tampered)."""
    if str(out_dir).strip() and kind_of(out_dir) == "preset":
        raise ValueError(
            f"{argument} {str(out_dir)!r} is a preset folder: evaluate writes evaluation.json "
            f"into the folder it scores and would break the preset's checksums. Its recorded "
            f"test metrics are in {Path(out_dir) / 'metrics.json'}; to re-score it, copy "
            "model.keras and metrics.json into a new folder and evaluate that.")


def lock_path(folder) -> Path:
    """The lock file of `folder`: `.<name>.lock` beside it."""
    folder = Path(folder).resolve()
    return folder.parent / f".{folder.name}.lock"


@contextlib.contextmanager
def folder_lock(folder, *, what: str) -> Iterator[Path]:
    """Holds the advisory write lock of `folder` for the block (`what`: e.g. "training").

    Raises:
        FolderBusyError: another live process holds it (the message names its pid and command).
    """
    import fcntl  # POSIX only; imported here so the module imports everywhere

    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            raise FolderBusyError(
                f"{Path(folder)} is being written by another process ({holder}); wait for it "
                "to finish or choose another folder.") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "what": what,
                                 "command": " ".join(sys.argv)}).encode())
        yield path
    finally:
        os.close(fd)  # releases the lock; the file stays so a waiting opener never races an unlink


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        info: Mapping[str, Any] = json.loads(os.pread(fd, 4096, 0) or b"{}")
        if info:
            return f"pid {info.get('pid')}, {info.get('what')}: {info.get('command')}"
    return "pid unknown"
