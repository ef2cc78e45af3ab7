"""sha256 of files and folders: preset checksums, checkpoint manifests, export manifests.

The lowest layer (standard library only), so `presets`, `_checkpointing` and `exporters` share
one implementation without importing each other.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> _ = path.write_bytes(b"abc")
>>> sha256_of(path)[:12]
'ba7816bf8f01'
>>> digest(path.parent)[1]
3
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["digest", "sha256_of"]

_BLOCK = 1 << 20


def sha256_of(path: str | os.PathLike) -> str:
    """The hex sha256 of the file at `path`, read in 1 MiB blocks.

    Args:
        path: a file.
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def digest(path: str | os.PathLike) -> tuple[str, int]:
    """(sha256, bytes) of a file, or of a folder: the sha256 of its sorted
    `relative/path sha256` lines and the total size of its files.

    Args:
        path: a file or a folder; anything else raises FileNotFoundError.
    """
    path = Path(path)
    if path.is_file():
        return sha256_of(path), path.stat().st_size
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist")
    lines, total = [], 0
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        sha, size = digest(file)
        lines.append(f"{file.relative_to(path).as_posix()} {sha}\n")
        total += size
    return hashlib.sha256("".join(lines).encode()).hexdigest(), total
