"""Feeds exported step models a sequence step by step, without rnn_zoo (a fresh interpreter).

    python -I _stateful_runner.py DIRECTORY

DIRECTORY holds `stateful.json` and `stateful_cases.npz` (written by
`rnn_zoo.exporters.stateful.export_stateful`). For every artifact (SavedModel `step` signature,
TFLite `step` signature in the LiteRT interpreter, ONNX Runtime) each case row is fed step by
step from zero states, carrying the new states; then the states are reset to zeros and the row
is fed again. Both passes are compared with the whole-sequence Keras outputs (the quantized
TFLite steps, `tflite_dynamic_int8` and `tflite_int8`, within the looser quantized bound, the
second pass equal to the first). The SavedModel
`generate` signature, when present, must return the text recorded in process. Prints one JSON
line.
"""

from __future__ import annotations

import importlib.abc
import json
import sys
from pathlib import Path

import numpy as np


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("rnn_zoo", "recipes"):
            raise ImportError(f"{name} must not be imported by the stateful parity runner")
        return None


sys.meta_path.insert(0, _Blocker())
# Quantized steps: within QUANTIZED_RTOL * max(1, max |keras|), and a reset must reproduce.
QUANTIZED = ("tflite_dynamic_int8", "tflite_int8")


def _stream(call, x, manifest, batch):
    """Outputs `(rows, time, ...)` of feeding `x` step by step through `call`, `batch` rows at
    a time, twice (the second pass after a reset to zero states)."""
    passes = []
    for _ in range(2):
        rows = []
        for start in range(0, len(x), batch):
            chunk = x[start:start + batch]
            states = {s["name"]: np.zeros((len(chunk), *s["shape"][1:]), np.float32)
                      for s in manifest["states"]}
            outs = []
            for t in range(chunk.shape[1]):
                found = call(**{manifest["input"]["name"]: chunk[:, t]}, **states)
                outs.append(np.array(found["outputs"], copy=True))
                states = {s["name"]: np.array(found[s["out"]], copy=True)
                          for s in manifest["states"]}
            rows.append(np.stack(outs, axis=1))
        passes.append(np.concatenate(rows, axis=0))
    return passes


def _error(got, expected, atol, rtol):
    excess = np.abs(got - expected) - (atol + rtol * np.abs(expected))
    return float(np.abs(got - expected).max()), bool((excess <= 0).all())


def main(directory: str) -> dict:
    root = Path(directory)
    manifest = json.loads((root / "stateful.json").read_text())
    atol, rtol = manifest["parity"]["atol"], manifest["parity"]["rtol"]
    with np.load(root / manifest["parity"]["cases"]) as data:
        x, expected = data["inputs"], data["expected"]
    report = {"artifacts": {}}
    artifacts = manifest["artifacts"]
    if "saved_model" in artifacts:
        import tensorflow as tf

        loaded = tf.saved_model.load(str(root / artifacts["saved_model"]["path"]))
        sig = loaded.signatures["step"]

        def call(**feed):
            return {k: v.numpy() for k, v in sig(**{k: tf.constant(v)
                                                    for k, v in feed.items()}).items()}

        first, reset = _stream(call, x, manifest, batch=len(x))
        err_a, ok_a = _error(first, expected, atol, rtol)
        err_b, ok_b = _error(reset, expected, atol, rtol)
        entry = {"max_abs_error": max(err_a, err_b), "ok": ok_a and ok_b, "after_reset": ok_b}
        if "generate_case" in manifest:
            case = manifest["generate_case"]
            text = loaded.signatures["generate"](
                prompt=tf.constant(case["prompt"]), length=tf.constant(case["length"]),
                temperature=tf.constant(case["temperature"], tf.float32),
                seed=tf.constant(case["seed"], tf.int64))["text"].numpy().decode("utf-8")
            entry["generate_matches"] = text == case["text"]
            entry["ok"] = entry["ok"] and entry["generate_matches"]
        report["artifacts"]["saved_model"] = entry
    if any(name in artifacts for name in ("tflite", *QUANTIZED)):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:  # pragma: no cover - the project installs ai_edge_litert
            import tensorflow as tf

            Interpreter = tf.lite.Interpreter  # noqa: N806
    if "tflite" in artifacts:
        interpreter = Interpreter(model_path=str(root / artifacts["tflite"]["path"]))
        runner = interpreter.get_signature_runner("step")
        first, reset = _stream(runner, x, manifest, batch=artifacts["tflite"]["batch"])
        err_a, ok_a = _error(first, expected, atol, rtol)
        err_b, ok_b = _error(reset, expected, atol, rtol)
        report["artifacts"]["tflite"] = {"max_abs_error": max(err_a, err_b), "ok": ok_a and ok_b,
                                         "after_reset": ok_b}
    for name in QUANTIZED:  # held to the looser bound, not to 1e-5
        quantized = artifacts.get(name)
        if quantized is None:
            continue
        if quantized.get("written") is False:
            report.setdefault("approximate", {})[name] = {
                "skipped": f"not written: {quantized['reason']}"}
            continue
        interpreter = Interpreter(model_path=str(root / quantized["path"]))
        runner = interpreter.get_signature_runner("step")
        first, reset = _stream(runner, x, manifest, batch=quantized["batch"])
        error = float(np.abs(first - expected).max())
        bound = manifest["parity"].get("quantized_rtol", 0.1) * max(
            1.0, float(np.abs(expected).max()))
        reproduces = bool(np.array_equal(first, reset))
        report.setdefault("approximate", {})[name] = {
            "max_abs_error": error, "max_abs_keras": float(np.abs(expected).max()),
            "bound": bound, "ok": error <= bound and reproduces,
            "reset_reproduces": reproduces,
            "argmax_agreement": float(np.mean(first.argmax(-1) == expected.argmax(-1)))}
    if "onnx" in artifacts:
        import onnxruntime as ort

        session = ort.InferenceSession(str(root / artifacts["onnx"]["path"]),
                                       providers=["CPUExecutionProvider"])
        out_names = [o.name for o in session.get_outputs()]

        def call(**feed):
            return dict(zip(out_names, session.run(out_names, feed), strict=True))

        first, reset = _stream(call, x, manifest, batch=len(x))
        err_a, ok_a = _error(first, expected, atol, rtol)
        err_b, ok_b = _error(reset, expected, atol, rtol)
        report["artifacts"]["onnx"] = {"max_abs_error": max(err_a, err_b), "ok": ok_a and ok_b,
                                       "after_reset": ok_b}
    report["rnn_zoo_imported"] = any(m.split(".")[0] == "rnn_zoo" for m in sys.modules)
    report["ok"] = bool(report["artifacts"]) and all(
        a["ok"] for a in report["artifacts"].values()) and not report["rnn_zoo_imported"] and all(
        a.get("ok", True) for a in report.get("approximate", {}).values())
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])), flush=True)
