"""The parity check: every artifact, loaded in a fresh process that never imports rnn_zoo.

`export()` stores the parity inputs and the Keras outputs (`parity_cases.npz`) and the artifact
list (`export.json`) next to the artifacts. `check_parity(results)` writes one job for all of
them and runs `_standalone_runner.py` once, as `python -I <file>` from a scratch directory, so
neither the checkout nor `PYTHONPATH` is on its path and an import hook refuses rnn_zoo. One
process checks many artifacts, because importing TensorFlow costs seconds.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnn_zoo.exporters import _standalone_runner
from rnn_zoo.exporters.result import ExportResult

RUNNER = Path(_standalone_runner.__file__).resolve()
CASES = "parity_cases.npz"
# A float32 artifact passes when |artifact - keras| <= ATOL + RTOL * |keras| everywhere. The
# relative term is about 8 float32 ulps: it only matters for outputs larger than 1 in
# magnitude (logits of 17 are 1.9e-6 apart at float32 precision), and the raw maximum
# absolute difference is always recorded next to the verdict.
ATOL = 1e-5
RTOL = 1e-6
# A full-integer artifact (`tflite_full_int8`) passes when, for every output,
# max |artifact - keras| <= QUANTIZED_RTOL * max(1, max |keras|): int8 spreads an output's
# range over 255 steps and every op (and every recurrent step) rounds, so this is ~25 steps of
# the output's grid, or 0.1 absolute for outputs below 1 (probabilities, small logits). It
# catches a broken calibration or a wrong scale, not an accuracy change: that is measured on
# real data (scripts/export_presets.py). The raw maximum difference is recorded next to it.
QUANTIZED_RTOL = 0.1


class ParityError(RuntimeError):
    """An artifact did not load, run or match Keras; the message names every failing file."""


def write_cases(path: Path, servable, endpoints: Sequence[str]) -> dict:
    """Runs `servable.reference` on its examples; saves inputs and outputs to `path` (npz).

    Returns `{endpoint: {output name: {"dtype", "shape"}}}` (the batch dimension as None).
    """
    arrays, outputs = {}, {}
    for endpoint in endpoints:
        for index, inputs in enumerate(servable.examples[endpoint]):
            inputs = {k: _storable(v) for k, v in inputs.items()}
            expected = {k: _storable(v) for k, v in
                        servable.reference(endpoint, inputs).items()}
            for name, value in inputs.items():
                arrays[f"{endpoint}/{index}/in/{name}"] = value
            for name, value in expected.items():
                arrays[f"{endpoint}/{index}/out/{name}"] = value
            found = outputs.setdefault(endpoint, {
                name: {"dtype": "string" if v.dtype.kind == "S" else str(v.dtype),
                       "shape": [None, *v.shape[1:]]} for name, v in expected.items()})
            for name, v in expected.items():  # an axis whose length varies is dynamic
                if name in found and len(found[name]["shape"]) == v.ndim:
                    found[name]["shape"] = [
                        d if d == n else None
                        for d, n in zip(found[name]["shape"], v.shape, strict=True)]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)
    return outputs


def _storable(value) -> np.ndarray:
    """A NumPy array that `np.load(allow_pickle=False)` reads back: strings as UTF-8 bytes."""
    array = np.asarray(value)
    if array.dtype.kind in "OU":
        flat = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in array.ravel()]
        array = np.array(flat, dtype=np.bytes_).reshape(array.shape)
    return array


def _job_entry(result, artifact: dict, *, atol: float, rtol: float) -> dict:
    # Absolute: the runner starts in a scratch directory, so a path relative to the caller's
    # working directory would name nothing there.
    directory = Path(result.directory).resolve()
    if artifact["format"] == "tflite_full_int8":
        return {
            "id": f"{result.directory}::{artifact['format']}",
            "format": artifact["format"],
            "path": str(directory / artifact["path"]),
            "sha256": artifact["sha256"],
            "bytes": artifact["bytes"],
            "endpoints": artifact["endpoints"],
            "cases": str(directory / artifact["parity_cases"]),
            "mode": "quantized",
            "atol": 0.0,
            "rtol": QUANTIZED_RTOL,
            "needs_rnn_zoo": False,
        }
    # A model that ends by denormalising (y = z * std + mean) multiplies the network's float32
    # rounding by std: the absolute tolerance is in those units (`metadata.output_scale`).
    scale = max(1.0, float(result.manifest.get("metadata", {}).get("output_scale", 1.0)))
    return {
        "id": f"{result.directory}::{artifact['format']}",
        "format": artifact["format"],
        "path": str(directory / artifact["path"]),
        "sha256": artifact["sha256"],
        "bytes": artifact["bytes"],
        "endpoints": artifact["endpoints"],
        "cases": str(directory / CASES),
        "mode": "approximate" if artifact["format"] == "tflite_int8" else "exact",
        "atol": atol * scale,
        "rtol": rtol,
        "needs_rnn_zoo": bool(artifact.get("needs_rnn_zoo")),
    }


def _ended_with(parent: int):
    """A `preexec_fn` that makes the child die with `parent` (Linux `PR_SET_PDEATHSIG`), so a
    SIGKILLed export leaves no runner behind; None where unsupported."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def run_runner(entries: list[dict], *, timeout: float) -> list[dict]:
    """Runs the standalone runner on job `entries`; returns one result per entry (in order)."""
    with tempfile.TemporaryDirectory(prefix="rnn_zoo_parity_") as tmp:
        job, report = Path(tmp) / "job.json", Path(tmp) / "report.jsonl"
        job.write_text(json.dumps({
            "rnn_zoo_path": str(Path(__file__).resolve().parents[2]),
            "artifacts": entries,
        }), encoding="utf-8")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        try:
            proc = subprocess.run(
                [sys.executable, "-I", str(RUNNER), str(job), str(report)],
                cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout,
                preexec_fn=_ended_with(os.getpid()))
            failure = None if proc.returncode == 0 else (
                f"the parity runner exited with status {proc.returncode}: "
                + " ".join(proc.stderr.strip().splitlines()[-3:])[:500])
        except subprocess.TimeoutExpired:
            failure = f"the parity runner did not finish within {timeout:g} s"
        lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
    records = [json.loads(line) for line in lines if line.strip()]
    found = {r["id"]: r for r in records if r.get("event") == "result"}
    done = next((r for r in records if r.get("event") == "done"), None)
    started = [r["id"] for r in records if r.get("event") == "start"]
    results = []
    for entry in entries:
        if entry["id"] in found:
            results.append(found[entry["id"]])
            continue
        name = Path(entry["path"]).name
        if started and started[-1] == entry["id"]:
            error = f"{name} ({entry['format']}): the runner crashed while checking it"
        else:
            error = f"{name} ({entry['format']}): not checked"
        results.append({"id": entry["id"], "format": entry["format"], "ok": False,
                        "error": f"{error} ({failure or 'no result'})"})
    if done is not None:
        for result in results:
            result["runner_modules"] = done["modules"]
    return results


def check_parity(results, *, atol: float = ATOL, rtol: float = RTOL,
                 timeout: float = 1800, raise_on_failure: bool = True,
                 write: bool = True) -> list[dict]:
    """Checks the artifacts of one or more exports in one fresh process; records the verdicts.

    Every artifact listed in each export's `export.json` is loaded by `_standalone_runner.py`
    in a new `python -I` process that cannot import rnn_zoo, fed the stored parity inputs and
    compared with the stored Keras outputs: float32 artifacts must satisfy
    `|artifact - keras| <= atol + rtol * |keras|`; dynamic-range int8 artifacts must run and
    give finite outputs of the right shape (their accuracy cost is measured on real data
    instead); full-integer artifacts are run on their own cases (rows of the representative
    dataset at their static shapes) and must satisfy
    `max |artifact - keras| <= QUANTIZED_RTOL * max(1, max |keras|)` per output. An artifact that
    export recorded as not written (`"written": false`) is skipped, its reason recorded. The
    verdicts are written into each `export.json` under `"parity"`.

    Args:
        results: an `ExportResult` or a list of them (from `export(..., check=False)`).
        atol: absolute tolerance for float32 artifacts.
        rtol: relative tolerance for float32 artifacts (0 for a pure absolute bound).
        timeout: seconds before the runner is stopped.
        raise_on_failure: raise `ParityError` (one line naming every failing file) if any
            artifact fails; otherwise just return the results.
        write: write the verdicts into each `export.json` (False: only into
            `result.manifest`, e.g. to re-check committed, checksummed artifacts).

    Returns:
        One result dict per artifact: `ok`, `max_abs_diff`, `error`, `rnn_zoo_loaded`, the
        runtime used and the per-case details.
    """
    results = [results] if isinstance(results, ExportResult) else list(results)
    for result in results:
        if not isinstance(result, ExportResult):
            raise TypeError(f"`results` must hold ExportResult objects, got "
                            f"{type(result).__name__}.")
    entries, owners, skipped = [], [], {}
    for result in results:
        for artifact in result.manifest["artifacts"]:
            if artifact.get("written") is False:
                skipped.setdefault(id(result), {})[artifact["format"]] = {
                    "ok": True, "skipped": f"not written: {artifact['reason']}", "cases": 0}
                continue
            entries.append(_job_entry(result, artifact, atol=atol, rtol=rtol))
            owners.append(result)
    found = run_runner(entries, timeout=timeout) if entries else []
    checked = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    for result in results:
        mine = [(e, f) for e, f, o in zip(entries, found, owners, strict=True) if o is result]
        result.manifest["parity"] = {
            "checked": checked,
            "process": "fresh `python -I` process; rnn_zoo import blocked (see rnn_zoo_loaded)",
            "atol": atol,
            "rtol": rtol,
            "ok": all(f["ok"] for _, f in mine),
            "artifacts": {**{e["format"]: _summary(f) for e, f in mine},
                          **skipped.get(id(result), {})},
        }
        if any(e["mode"] == "quantized" for e, _ in mine):
            result.manifest["parity"]["quantized_rtol"] = QUANTIZED_RTOL
        scaled = {e["atol"] for e, _ in mine if e["mode"] == "exact"} - {atol}
        if scaled:  # the absolute tolerance in the units of a denormalised output
            result.manifest["parity"]["float32_atol"] = max(scaled)
        if write:
            result.write_manifest()
    failures = [f["error"] for f in found if not f["ok"]]
    if failures and raise_on_failure:
        raise ParityError(f"Parity check failed for {len(failures)} artifact(s): "
                          + " | ".join(failures))
    return found


def _summary(found: dict) -> dict:
    keys = ("ok", "max_abs_diff", "max_abs_keras", "argmax_agreement", "error", "runtime",
            "rnn_zoo_loaded", "seconds")
    summary = {k: found[k] for k in keys if k in found and found[k] is not None}
    summary["cases"] = len(found.get("cases", []))
    return summary
