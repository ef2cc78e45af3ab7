"""Loads exported artifacts and checks them against recorded Keras outputs, without rnn_zoo.

This file is run by path in a fresh interpreter (`python -I _standalone_runner.py JOB REPORT`);
it imports only the standard library, NumPy and, lazily, the runtime of each format:
`tensorflow` (SavedModel), the LiteRT interpreter (`ai_edge_litert`, else `tf.lite`),
`onnxruntime`, and `keras` for `.keras` files. An import hook refuses `rnn_zoo` and `recipes`,
so a check cannot pass because the package helped; the report records, for every artifact,
whether `rnn_zoo` was loaded when it was checked.

The one exception is a `.keras` file whose config names an object registered by rnn_zoo (e.g.
`rnn_zoo>MaskedGlobalMaxPooling1D`): that format is not standalone by design, so such files are
checked last, after the hook is lifted and rnn_zoo is imported; the report says so.

JOB is a JSON file:

    {"rnn_zoo_path": "/path/to/checkout" | null,
     "artifacts": [{"id": "...", "format": "saved_model" | "tflite" | "tflite_int8" | "onnx" |
                    "keras", "path": "/abs/path", "sha256": "...", "bytes": 123,
                    "endpoints": ["serving_default"], "cases": "/abs/cases.npz",
                    "mode": "exact" | "approximate" | "quantized", "atol": 1e-5,
                    "rtol": 1e-6,
                    "needs_rnn_zoo": false}]}

`cases.npz` holds arrays named `{endpoint}/{case}/in/{input}` and `{endpoint}/{case}/out/{output}`.
REPORT is written as JSON lines, flushed as it goes: a `start` line before each artifact (so a
crash inside a runtime is attributed to the artifact that caused it), a `result` line after it,
and a final `done` line.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import json
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np

BLOCKED = ("rnn_zoo", "recipes")
FLOAT_KINDS = "fc"


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuses to import rnn_zoo and recipes: the artifacts must run without them."""

    active = True

    def find_spec(self, fullname, path=None, target=None):
        if self.active and fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} must not be imported by the standalone parity runner")
        return None


_BLOCKER = _Blocker()


# --- helpers ----------------------------------------------------------------------------------
# `digest` repeats rnn_zoo._hashing.digest on purpose: this file runs where rnn_zoo cannot be
# imported (the import hook above refuses it), so it keeps its own copy; the two must agree.


def digest(path) -> tuple[str, int]:
    """(sha256, bytes) of a file or of a directory (sha256 of its sorted `path sha256` lines)."""
    path = Path(path)
    if path.is_file():
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest(), path.stat().st_size
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist")
    lines, total = [], 0
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        sha, size = digest(file)
        lines.append(f"{file.relative_to(path).as_posix()} {sha}\n")
        total += size
    return hashlib.sha256("".join(lines).encode()).hexdigest(), total


def compare(expected: dict, actual: dict, *, mode: str, atol: float, rtol: float) -> dict:
    """Compares output dicts; returns {ok, max_abs_diff, problems, [argmax_agreement]}.

    A single expected output is matched with a single actual output whatever their names (formats
    name outputs differently); several are matched by name. Floats pass in `exact` mode when
    `|actual - expected| <= atol + rtol * |expected|` everywhere (numpy.allclose's rule); other
    dtypes must be equal. `approximate` mode (int8) only requires matching shapes and finite
    values, and reports the difference and, for class scores, how often the argmax agrees (for
    ids and strings, how often the values agree). `quantized` mode (full-integer) requires, per
    float output, `max |actual - expected| <= atol + rtol * max(1, max |expected|)`, and
    agreement otherwise as `approximate`.
    """
    if len(expected) == 1 and len(actual) == 1:
        pairs = [(next(iter(expected)), next(iter(expected.values())),
                  next(iter(actual.values())))]
    else:
        missing = sorted(set(expected) - set(actual))
        if missing:
            return {"ok": False, "max_abs_diff": None,
                    "problems": [f"outputs {missing} missing (got {sorted(actual)})"]}
        pairs = [(name, expected[name], actual[name]) for name in expected]
    problems, worst, agreement, scale = [], 0.0, [], 0.0
    for name, want, got in pairs:
        got = np.asarray(got)
        if got.shape != want.shape:
            problems.append(f"output {name!r} has shape {got.shape}, Keras gives {want.shape}")
            continue
        if want.dtype.kind in FLOAT_KINDS:
            got = got.astype(np.float64)
            want64 = want.astype(np.float64)
            finite = np.isfinite(want64)
            # Where Keras itself gives inf/nan the artifact must give the same; elsewhere finite.
            same = (np.isnan(got) & np.isnan(want64)) | (got == want64)
            if not np.all(np.isfinite(got[finite])) or not np.all(same[~finite]):
                problems.append(f"output {name!r} has non-finite values where Keras has none, "
                                "or differs where Keras is inf/nan")
                continue
            got, want64 = np.where(finite, got, 0.0), np.where(finite, want64, 0.0)
            diff = np.abs(got - want64)
            worst = max(worst, float(diff.max(initial=0.0)))
            range_ = float(np.abs(want64).max(initial=0.0))
            scale = max(scale, range_)
            bound = atol + rtol * max(1.0, range_)
            if mode == "quantized" and float(diff.max(initial=0.0)) > bound:
                problems.append(f"output {name!r} differs by up to {float(diff.max()):.3g}, "
                                f"more than {atol:g} + {rtol:g} * max(1, max |keras|) "
                                f"({bound:.3g})")
            if mode == "exact" and not np.all(diff <= atol + rtol * np.abs(want64)):
                excess = float((diff - atol - rtol * np.abs(want64)).max())
                problems.append(f"output {name!r} differs by up to {float(diff.max()):.3g} "
                                f"(tolerance {atol:g} + {rtol:g} * |keras| exceeded by "
                                f"{excess:.3g})")
            if want.ndim >= 2 and want.shape[-1] > 1:
                agreement.append(float(np.mean(got.argmax(-1) == want64.argmax(-1))))
        else:
            if want.dtype.kind == "S":
                got = got.astype(want.dtype)
            wrong = int(np.sum(got != want))
            if mode in ("approximate", "quantized"):
                # int8 weights may flip a decision (a decoded token); report how often.
                agreement.append(1.0 - wrong / max(want.size, 1))
            elif wrong:
                problems.append(f"output {name!r}: {wrong} of {want.size} values differ")
    result = {"ok": not problems, "max_abs_diff": worst, "problems": problems}
    if mode == "quantized":
        result["max_abs_keras"] = scale
    if agreement:
        result["argmax_agreement"] = min(agreement)
    return result


# --- runtimes -------------------------------------------------------------------------------


def _tf():
    import tensorflow as tf

    return tf


def _litert_interpreter(path: str):
    try:
        from ai_edge_litert.interpreter import Interpreter

        runtime = "ai_edge_litert"
    except ImportError:  # the LiteRT interpreter that ships inside TensorFlow
        Interpreter = _tf().lite.Interpreter  # noqa: N806
        runtime = "tf.lite"
    return Interpreter(model_path=path), runtime


class _SavedModel:
    def __init__(self, path):
        self.module = _tf().saved_model.load(path)
        self.runtime = "tensorflow"

    def run(self, endpoint, inputs):
        tf = _tf()
        if endpoint not in self.module.signatures:
            raise KeyError(f"no signature {endpoint!r} (has {sorted(self.module.signatures)})")
        fn = self.module.signatures[endpoint]
        specs = fn.structured_input_signature[1]
        feed = {k: tf.constant(v, dtype=specs[k].dtype) for k, v in inputs.items()}
        return {k: v.numpy() for k, v in fn(**feed).items()}


class _TFLite:
    def __init__(self, path):
        self.interpreter, self.runtime = _litert_interpreter(path)

    def run(self, endpoint, inputs):
        runner = self.interpreter.get_signature_runner(endpoint)
        details = runner.get_input_details()
        batch = {int(d["shape_signature"][0]) for d in details.values()}
        rows = {len(v) for v in inputs.values()}
        if len(rows) != 1:
            raise ValueError(f"inputs have different batch sizes {sorted(rows)}")
        (n,) = rows
        (b,) = batch if len(batch) == 1 else (-1,)
        step = n if b <= 0 else b
        chunks = []
        for start in range(0, n, step):
            feed = {k: np.asarray(v[start:start + step]).astype(details[k]["dtype"])
                    for k, v in inputs.items()}
            real = len(next(iter(feed.values())))
            if real < step:
                # A short last chunk is padded with copies of its last row (a valid input, so
                # the padding cannot fail or overflow) and the padded rows' outputs dropped.
                feed = {k: np.concatenate([v, np.repeat(v[-1:], step - real, axis=0)])
                        for k, v in feed.items()}
            chunks.append({k: np.array(v)[:real] for k, v in runner(**feed).items()})
        return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


class _Onnx:
    def __init__(self, path):
        import onnxruntime as ort

        self.session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.runtime = f"onnxruntime {ort.__version__}"

    def run(self, endpoint, inputs):
        types = {i.name: i.type for i in self.session.get_inputs()}
        unknown = sorted(set(inputs) - set(types))
        if unknown:
            raise KeyError(f"inputs {unknown} not in the ONNX graph (has {sorted(types)})")
        dtypes = {"tensor(int32)": np.int32, "tensor(int64)": np.int64,
                  "tensor(float)": np.float32, "tensor(bool)": np.bool_}
        feed = {k: np.asarray(v).astype(dtypes.get(types[k], np.asarray(v).dtype))
                for k, v in inputs.items()}
        names = [o.name for o in self.session.get_outputs()]
        return dict(zip(names, self.session.run(None, feed), strict=True))


class _Keras:
    def __init__(self, path):
        import keras

        self.model = keras.saving.load_model(path, compile=False, safe_mode=True)
        self.runtime = f"keras {keras.__version__}"

    def run(self, endpoint, inputs):
        import keras

        x = inputs if len(inputs) > 1 else next(iter(inputs.values()))
        out = self.model(x, training=False)
        if isinstance(out, dict):
            return {k: keras.ops.convert_to_numpy(v) for k, v in out.items()}
        return {"outputs": keras.ops.convert_to_numpy(out)}


LOADERS = {"saved_model": _SavedModel, "tflite": _TFLite, "tflite_int8": _TFLite,
           "tflite_full_int8": _TFLite, "onnx": _Onnx, "keras": _Keras}


# --- the check ------------------------------------------------------------------------------


def _cases(path) -> dict:
    """{endpoint: [(inputs, expected)]} from a cases.npz file."""
    found: dict = {}
    with np.load(path, allow_pickle=False) as data:
        for key in data.files:
            endpoint, case, side, name = key.split("/", 3)
            slot = found.setdefault(endpoint, {}).setdefault(int(case), ({}, {}))
            slot[0 if side == "in" else 1][name] = data[key]
    return {e: [cases[i] for i in sorted(cases)] for e, cases in found.items()}


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines) or type(error).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def check(artifact: dict) -> dict:
    """Loads one artifact, runs every case of its endpoints, compares with the Keras outputs."""
    path = Path(artifact["path"])
    label = f"{path.name} ({artifact['format']})"
    result = {"id": artifact["id"], "format": artifact["format"], "path": str(path),
              "rnn_zoo_loaded": "rnn_zoo" in sys.modules}
    if not path.exists():
        return {**result, "ok": False, "error": f"{label}: file not found: {path}"}
    sha, size = digest(path)
    if artifact.get("sha256") and (sha, size) != (artifact["sha256"], artifact["bytes"]):
        return {**result, "ok": False,
                "error": f"{label}: {size} bytes with sha256 {sha[:12]}..., but the export "
                         f"manifest records {artifact['bytes']} bytes with sha256 "
                         f"{artifact['sha256'][:12]}...: the artifact is corrupted or "
                         "truncated; export it again"}
    started = time.perf_counter()
    try:
        loaded = LOADERS[artifact["format"]](str(path))
    except Exception as e:  # noqa: BLE001 - any load failure is reported, naming the file
        return {**result, "ok": False,
                "error": f"{label}: cannot be loaded ({type(e).__name__}: {_one_line(e)})"}
    result["runtime"] = loaded.runtime
    checks = []
    for endpoint, cases in _cases(artifact["cases"]).items():
        if endpoint not in artifact["endpoints"]:
            continue
        for index, (inputs, expected) in enumerate(cases):
            try:
                actual = loaded.run(endpoint, inputs)
            except Exception as e:  # noqa: BLE001
                return {**result, "ok": False,
                        "error": f"{label}: running {endpoint!r} case {index} failed "
                                 f"({type(e).__name__}: {_one_line(e)})"}
            found = compare(expected, actual, mode=artifact["mode"], atol=artifact["atol"],
                            rtol=artifact["rtol"])
            checks.append({"endpoint": endpoint, "case": index,
                           "rows": int(len(next(iter(inputs.values())))), **found})
    result["cases"] = checks
    result["ok"] = bool(checks) and all(c["ok"] for c in checks)
    result["max_abs_diff"] = max((c["max_abs_diff"] or 0.0 for c in checks), default=None)
    scales = [c["max_abs_keras"] for c in checks if "max_abs_keras" in c]
    if scales:
        result["max_abs_keras"] = max(scales)
    agreements = [c["argmax_agreement"] for c in checks if "argmax_agreement" in c]
    if agreements:
        result["argmax_agreement"] = min(agreements)
    if not checks:
        result["error"] = f"{label}: no parity cases to run"
    elif not result["ok"]:
        first = next(c for c in checks if not c["ok"])
        result["error"] = (f"{label}: endpoint {first['endpoint']!r} case {first['case']}: "
                           + "; ".join(first["problems"]))
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _import_rnn_zoo(path) -> None:
    _BLOCKER.active = False
    if path and path not in sys.path:
        sys.path.append(path)
    # Registers the custom Keras objects a .keras file names (`import rnn_zoo` alone is lazy):
    # layers, losses, and the preprocessing and decoding layers of a task's raw-input model.
    from rnn_zoo.saving import import_registered_objects

    import_registered_objects()


def main(argv) -> int:
    if len(argv) != 2:
        print("usage: python -I _standalone_runner.py JOB.json REPORT.jsonl", file=sys.stderr)
        return 2
    sys.meta_path.insert(0, _BLOCKER)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    # Standalone formats first; .keras files that need rnn_zoo's custom objects last.
    artifacts = sorted(job["artifacts"], key=lambda a: bool(a.get("needs_rnn_zoo")))
    with open(argv[1], "w", encoding="utf-8") as report:

        def emit(record):
            report.write(json.dumps(record) + "\n")
            report.flush()

        for artifact in artifacts:
            if artifact.get("needs_rnn_zoo") and "rnn_zoo" not in sys.modules:
                _import_rnn_zoo(job.get("rnn_zoo_path"))
            emit({"event": "start", "id": artifact["id"], "path": artifact["path"]})
            try:
                record = check(artifact)
            except Exception as e:  # noqa: BLE001 - a bug here must not hide other results
                record = {"id": artifact["id"], "format": artifact["format"], "ok": False,
                          "error": f"{Path(artifact['path']).name}: runner error "
                                   f"{type(e).__name__}: {_one_line(e)}",
                          "traceback": traceback.format_exc(limit=5)}
            emit({"event": "result", **record})
        emit({"event": "done", "python": sys.executable,
              "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                                ("tensorflow", "ai_edge_litert", "onnxruntime", "keras",
                                 *BLOCKED) and "." not in m)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
