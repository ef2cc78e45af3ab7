"""Atomic file writes: a temporary file beside the target, fsynced, then `os.replace`d over it.

Readers (and a run that resumes after a kill) see either the old file or the new one, never a
half-written one: the temporary file has a hidden name (`.<name>.tmp-XXXX<suffix>`) that no
reader looks for, and `os.replace` is atomic on POSIX and Windows within one file system.
A kill can leave such a temporary file behind; `remove_temporaries` deletes the leftovers.
The files get the permissions of a plain `open()` under the user's umask (0644 under umask 022),
not `mkstemp`'s private 0600, so a shared run or preset stays readable by the others.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

TMP_MARKER = ".tmp-"

__all__ = ["atomic_path", "copy_atomic", "default_mode", "fsync_dir", "remove_temporaries", "umask",
           "write_bytes_atomic", "write_text_atomic"]


def umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux)."""
    # `os.umask` can only be read by setting it, which briefly affects every other thread.
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_mode(*, folder: bool = False) -> int:
    """The mode `open()` (0666) or `mkdir()` (0777) would give a new file or folder."""
    return (0o777 if folder else 0o666) & ~umask()


def fsync_dir(folder) -> None:
    """Flushes a directory's entries (a rename into it) to disk; a no-op where unsupported."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(path, *, suffix: str = "") -> Iterator[Path]:
    """Yields a temporary path beside `path`; when the block ends normally it replaces `path`.

    Write the whole file to the yielded path (e.g. `model.save_weights(tmp)`); it is then
    fsynced and renamed over `path`. If the block raises, `path` is left as it was and the
    temporary file is removed.

    Args:
        path: the destination file; its folder is created if needed.
        suffix: ending the temporary name must keep for a writer that checks it, such as
            `".weights.h5"` or `".keras"` for Keras.

    Example:

    >>> with atomic_path(folder / "notes.txt") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("all or nothing")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TMP_MARKER}", suffix=suffix,
                               dir=path.parent)
    try:
        os.fchmod(fd, default_mode())  # mkstemp's 0600 would survive the rename
    finally:
        os.close(fd)
    try:
        yield Path(tmp)
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_bytes_atomic(path, data: bytes) -> Path:
    """Writes `data` to `path` atomically; returns `path` as a `Path`."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Writes `text` to `path` atomically; returns `path` as a `Path`."""
    return write_bytes_atomic(path, text.encode(encoding))


def copy_atomic(source, destination) -> Path:
    """Copies the file `source` to `destination` atomically; returns `destination`."""
    with atomic_path(destination) as tmp:
        shutil.copyfile(source, tmp)
    return Path(destination)


def remove_temporaries(folder) -> list[Path]:
    """Deletes the temporary files and folders a killed writer left in `folder` (not below it).

    Returns:
        The paths removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.iterdir():
        if path.name.startswith(".") and TMP_MARKER in path.name:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed
