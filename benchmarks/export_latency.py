"""Size on disk and single-example latency of every export format, side by side.

    python benchmarks/export_latency.py [--presets NAME ...] [--rounds N] [--json FILE]

For each preset: `rnn_zoo.export` writes all formats to a scratch folder (parity-checked in a
fresh process), then one short example (the first parity row alone at its real length: a
tweet of a few words, a line of text, one series) is run through Keras `predict`, Keras
`__call__`, the SavedModel signature, TFLite float32 and int8 (`ai_edge_litert`) and ONNX
Runtime. Every runtime is warmed up, then timed once per round in a rotating order
(interleaved, so a background load hits all of them alike); the table shows the median and the
90th percentile in milliseconds, and `predict / TFLite`, the design bar's ratio (>= 10x).
Default runtime settings throughout (what a user gets).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_PRESETS = ("breast_cancer", "japanese_vowels", "tweet_sentiment", "char_lm_shakespeare")
RUNTIMES = ("keras_predict", "keras_call", "saved_model", "tflite", "tflite_int8", "onnx")
ARTIFACT_OF = {"saved_model": "saved_model", "tflite": "tflite", "tflite_int8": "tflite_int8",
               "onnx": "onnx", "keras_predict": "keras", "keras_call": "keras"}


def _example(result) -> dict[str, np.ndarray]:
    """One example of the model endpoint: the first parity row alone (or the first row)."""
    endpoint = result.artifacts["tflite"]["endpoints"][0]
    with np.load(result.directory / "parity_cases.npz") as data:
        cases = {k for k in data.files if k.startswith(f"{endpoint}/")}
        index = 1 if any(k.startswith(f"{endpoint}/1/") for k in cases) else 0
        prefix = f"{endpoint}/{index}/in/"
        return {k[len(prefix):]: data[k][:1] for k in data.files if k.startswith(prefix)}


def _runners(result, servable, x) -> dict:
    import onnxruntime as ort
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    model = servable.keras_model
    endpoint = result.artifacts["tflite"]["endpoints"][0]
    arg = x if len(x) > 1 else next(iter(x.values()))
    signature = tf.saved_model.load(str(result.path("saved_model"))).signatures[endpoint]
    feed_tf = {k: tf.constant(v) for k, v in x.items()}
    session = ort.InferenceSession(str(result.path("onnx")), providers=["CPUExecutionProvider"])
    runners = {
        "keras_predict": lambda: model.predict(arg, verbose=0),
        "keras_call": lambda: model(arg, training=False),
        "saved_model": lambda: signature(**feed_tf),
        "onnx": lambda: session.run(None, x),
    }
    for fmt in ("tflite", "tflite_int8"):
        runner = Interpreter(model_path=str(result.path(fmt))).get_signature_runner(endpoint)
        runners[fmt] = (lambda r: lambda: r(**x))(runner)
    return runners


def measure(name: str, *, rounds: int, work: Path) -> dict:
    from rnn_zoo.exporters import export
    from rnn_zoo.exporters.presets import load_servable

    servable = load_servable(name)
    result = export(servable, work / name)
    x = _example(result)
    runners = _runners(result, servable, x)
    for run in runners.values():  # warm-up: tracing, allocation, caches
        for _ in range(3):
            run()
    times = {k: [] for k in RUNTIMES}
    for i in range(rounds):
        order = RUNTIMES[i % len(RUNTIMES):] + RUNTIMES[:i % len(RUNTIMES)]
        for key in order:
            start = time.perf_counter()
            runners[key]()
            times[key].append((time.perf_counter() - start) * 1000)
    stats = {k: {"median_ms": statistics.median(v),
                 "p90_ms": float(np.percentile(v, 90))} for k, v in times.items()}
    return {
        "preset": name,
        "example_shape": {k: list(v.shape) for k, v in x.items()},
        "bytes": {k: result.artifacts[a]["bytes"] for k, a in ARTIFACT_OF.items()},
        "latency": stats,
        "predict_over_tflite": stats["keras_predict"]["median_ms"] / stats["tflite"]["median_ms"],
        "predict_over_tflite_int8": (stats["keras_predict"]["median_ms"]
                                     / stats["tflite_int8"]["median_ms"]),
    }


def table(results: list[dict]) -> str:
    header = "| preset (example) | " + " | ".join(RUNTIMES) + " | predict / TFLite |"
    lines = [header, "|---" * (len(RUNTIMES) + 2) + "|"]
    for r in results:
        shape = ", ".join("x".join(map(str, s)) for s in r["example_shape"].values())
        cells = [f"{r['latency'][k]['median_ms']:.2f} ({r['latency'][k]['p90_ms']:.2f})"
                 for k in RUNTIMES]
        lines.append(f"| {r['preset']} ({shape}) | " + " | ".join(cells)
                     + f" | **{r['predict_over_tflite']:.0f}x** |")
    lines += ["", "| preset | " + " | ".join(
        ["keras", "saved_model", "tflite", "tflite_int8", "onnx"]) + " |",
        "|---" * 6 + "|"]
    for r in results:
        sizes = [r["bytes"][k] for k in ("keras_call", "saved_model", "tflite", "tflite_int8",
                                         "onnx")]
        lines.append(f"| {r['preset']} | " + " | ".join(
            f"{s / 1024:,.0f} KiB" for s in sizes) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", nargs="+", default=list(DEFAULT_PRESETS))
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--json", metavar="FILE", default=None, help="also write the results")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="export_latency_") as work:
        results = [measure(name, rounds=args.rounds, work=Path(work)) for name in args.presets]
    report = {
        "command": "python benchmarks/export_latency.py " + " ".join(argv or sys.argv[1:]),
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPU cores",
        "rounds": args.rounds,
        "results": results,
    }
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
