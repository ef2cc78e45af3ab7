"""Where presets live and how their files are verified (below tasks and presets alike).

`presets_dir()` finds the presets directory, `verify_checksums` checks a folder's files against
its `checksums.sha256`, and `find_task_folder` resolves a preset name or a saved task's path for
`Task.from_preset`. `rnn_zoo.presets` builds its `Preset` records on these.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from rnn_zoo._atomic import write_text_atomic
from rnn_zoo._folders import TASK_FILE
from rnn_zoo._hashing import sha256_of

__all__ = ["CARD", "CHECKSUMS", "ENV_VAR", "HISTORY", "METRICS", "MODEL", "REQUIRED",
           "checksums_text", "find_task_folder", "is_path", "list_presets", "presets_dir",
           "verify_checksums", "write_checksums"]

ENV_VAR = "RNN_ZOO_PRESETS_DIR"
CHECKSUMS = "checksums.sha256"
MODEL = "model.keras"
METRICS = "metrics.json"
HISTORY = "history.csv"
CARD = "README.md"
REQUIRED = (MODEL, METRICS, HISTORY, CARD)


def presets_dir(presets_dir: str | os.PathLike | None = None) -> Path:
    """The presets directory: the argument, else `$RNN_ZOO_PRESETS_DIR`, else `saved_models/`
    next to the `rnn_zoo` package (the checkout's root)."""
    if presets_dir is not None:
        if not isinstance(presets_dir, (str, os.PathLike)) or presets_dir == "":
            raise TypeError(f"`presets_dir` must be a directory path (str or os.PathLike), got "
                            f"{presets_dir!r}.")
        return Path(os.path.abspath(os.path.expanduser(presets_dir)))
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(os.path.abspath(os.path.expanduser(env)))
    import rnn_zoo

    return Path(rnn_zoo.__file__).resolve().parents[1] / "saved_models"


def list_presets(presets_dir: str | os.PathLike | None = None) -> list[str]:
    """Names of the presets (sub-folders of the presets directory), sorted.

    Hidden folders (a publish in progress builds `.<name>.tmp-*`) are not presets.
    """
    root = presets_dir_of(presets_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")))


def write_checksums(folder: str | os.PathLike) -> Path:
    """Writes `folder/checksums.sha256` for every other file in `folder` (sorted by name)."""
    folder = Path(folder)
    lines = [f"{sha256_of(p)}  {p.name}\n" for p in sorted(folder.iterdir())
             if p.name != CHECKSUMS]
    return write_text_atomic(folder / CHECKSUMS, "".join(lines))


def checksums_text(folder: Path, names: Sequence[str]) -> str:
    return "".join(f"{sha256_of(folder / n)}  {n}\n" for n in sorted(names))


def verify_checksums(folder: str | os.PathLike, *, label: str | None = None) -> dict[str, str]:
    """Checks every file in `folder` against `checksums.sha256`; returns {file: sha256}.

    Raises a one-line ValueError naming the first file that is missing, differs, or is present
    but not listed (and when the list itself is missing or malformed, or a required file is
    not in it).
    """
    folder = Path(folder)
    label = label or f"Preset at {folder}"
    listing = folder / CHECKSUMS
    if not listing.is_file():
        raise ValueError(f"{label}: {CHECKSUMS} is missing; refusing to load an unverifiable "
                         "preset.")
    expected: dict[str, str] = {}
    for number, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        match = re.fullmatch(r"([0-9a-fA-F]{64}) [ *](.+)", line)
        if not match or "/" in match[2] or "\\" in match[2] or match[2] in (".", ".."):
            raise ValueError(f"{label}: {CHECKSUMS} line {number} is not "
                             f"'<sha256>  <file name>': {line[:80]!r}.")
        expected[match[2]] = match[1].lower()
    for name in REQUIRED:
        if name not in expected:
            raise ValueError(f"{label}: {name} is not listed in {CHECKSUMS}; refusing to load it.")
    present = {p.name for p in folder.iterdir()} - {CHECKSUMS}
    for name in sorted(present - set(expected)):
        raise ValueError(f"{label}: file {name!r} is not listed in {CHECKSUMS} (an extra, "
                         "unverified file); refusing to load it.")
    for name, digest in sorted(expected.items()):
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{label}: file {name!r} is listed in {CHECKSUMS} but missing; "
                             "refusing to load it.")
        if sha256_of(path) != digest:
            raise ValueError(f"{label}: checksum of {name!r} differs from {CHECKSUMS} (the file "
                             "was altered, truncated or replaced); refusing to load it.")
    return expected


def is_path(text: str) -> bool:
    """A preset argument that names a folder rather than a preset in the presets directory."""
    return os.sep in text or "/" in text or text in (".", "..") or text.startswith("~")


def _root(presets_dir_: str | os.PathLike | None) -> Path:
    return presets_dir(presets_dir_)


def presets_dir_of(presets_dir_: str | os.PathLike | None) -> Path:
    return presets_dir(presets_dir_)


def find_task_folder(name_or_path: str | os.PathLike, *,
                     presets_dir: str | os.PathLike | None = None) -> Path:
    """The folder of a saved task: a preset (by name or folder; checksums verified) or a folder
    written by `Task.save` (no checksums). Raises a one-line ValueError otherwise."""
    if isinstance(name_or_path, os.PathLike) or (
            isinstance(name_or_path, str) and is_path(name_or_path)):
        folder = Path(os.path.abspath(os.path.expanduser(os.fspath(name_or_path))))
        if not folder.is_dir():
            raise ValueError(f"Task folder {os.fspath(name_or_path)!r} does not exist.")
    elif isinstance(name_or_path, str):
        root = presets_dir_of(presets_dir)
        names = list_presets(root)
        if name_or_path not in names:
            close = difflib.get_close_matches(name_or_path, names, n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"Unknown preset {name_or_path!r}.{hint} Available: "
                             f"{', '.join(names) or 'none'}.")
        folder = root / name_or_path
    else:
        raise TypeError(f"`name_or_path` must be a preset name or a folder path, got "
                        f"{type(name_or_path).__name__}.")
    label = f"Preset {folder.name!r}"
    if (folder / CHECKSUMS).is_file():
        verify_checksums(folder, label=label)
    if not (folder / TASK_FILE).is_file():
        raise ValueError(f"{label} has no {TASK_FILE} (it predates the task format); load "
                         f"its Keras model with rnn_zoo.load_pretrained({folder.name!r}).")
    return folder
