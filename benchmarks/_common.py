"""What every benchmark shares: interleaved repetitions, medians, paired ratios, the machine.

Rules (see README.md): cases compared with each other run interleaved in one process, round
after round, with the order rotated every round (A B C, B C A, C A B, ...), so a background load
that comes and goes slows every case alike; results are medians over rounds, and a comparison is
the median of the per-round ratios, never a ratio of two separately taken times.

This module imports neither TensorFlow nor Keras: `gpu_rnn.py` runs on a machine without
TensorFlow.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "command_line",
    "write_text",
    "interleave",
    "machine",
    "paired_ratio",
    "summary",
    "timed",
    "write_results",
]

_PACKAGES = ("keras", "tensorflow", "jax", "jaxlib", "torch", "numpy")


def timed(fn: Callable[[], object]) -> float:
    """Seconds `fn()` takes (wall clock, `time.perf_counter`)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleave(cases: Mapping[str, Callable[[], float]], *, rounds: int,
               chunks: int = 1) -> dict[str, list[float]]:
    """Runs the cases in turn, rotating the order every turn; returns one sample per round.

    A round is `chunks` turns; in each turn every case runs once. A case's sample for the round
    is the mean of its `chunks` measurements. Small chunks alternated many times spread a
    background load that comes and goes evenly over the cases.

    Args:
        cases: name -> zero-argument callable returning one measurement (e.g. seconds).
        rounds: rounds (>= 1); every case gets exactly `rounds` samples.
        chunks: turns per round (>= 1).

    Returns:
        name -> the `rounds` samples in round order, so `samples[a][i]` and `samples[b][i]`
        were taken side by side.

    Example:

    >>> samples = interleave({"a": lambda: 1.0, "b": lambda: 2.0}, rounds=3, chunks=2)
    >>> samples["b"]
    [2.0, 2.0, 2.0]
    """
    for name, value in (("rounds", rounds), ("chunks", chunks)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{name}` must be an int >= 1, got {value!r}.")
    if not cases:
        raise ValueError("`cases` must name at least one case, got none.")
    names = list(cases)
    samples: dict[str, list[float]] = {name: [] for name in names}
    turn = 0
    for _ in range(rounds):
        totals = dict.fromkeys(names, 0.0)
        for _ in range(chunks):
            shift = turn % len(names)
            for name in names[shift:] + names[:shift]:
                totals[name] += float(cases[name]())
            turn += 1
        for name in names:
            samples[name].append(totals[name] / chunks)
    return samples


def summary(values: Sequence[float]) -> dict:
    """`{"median", "min", "max", "n"}` of `values` (non-empty)."""
    if not values:
        raise ValueError("`values` must be non-empty.")
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def paired_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> dict:
    """Median (and range) of the per-round ratios `numerator[i] / denominator[i]`.

    Example:

    >>> paired_ratio([2.0, 3.0, 4.0], [1.0, 2.0, 2.0])["median"]
    2.0
    """
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError("Both sample lists must be non-empty and of equal length (one per "
                         f"round), got {len(numerator)} and {len(denominator)}.")
    return summary([a / b for a, b in zip(numerator, denominator, strict=True)])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def command_line(module: str, argv: Sequence[str]) -> str:
    """The shell command that reruns benchmark `module` with `argv`, niced as README.md asks."""
    return shlex.join(["nice", "-n", "10", "python", "-m", module, *argv])


def machine(command: str, **extra) -> dict:
    """The machine, the software, the time and `command`, to store next to every result."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count()
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": cores,
        "platform": platform.platform(),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "nice": os.nice(0) if hasattr(os, "nice") else None,
        "command": command,
        "versions": versions,
    }
    return {**info, **extra}


def write_text(path, text: str) -> Path:
    """Writes `text` to `path` atomically: a temporary file beside it, fsynced, then
    `os.replace`d over it. (Not `rnn_zoo._atomic`: importing `rnn_zoo` imports TensorFlow.)"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_results(path, results: Mapping) -> Path:
    """Writes `results` as JSON to `path` atomically (see `write_text`)."""
    return write_text(path, json.dumps(results, indent=2) + "\n")
