"""CPU tuning: XLA on/off, batch size and TensorFlow thread counts, on three recipes' models.

Models (each recipe's `quick` size, synthetic batches of the recipe's shapes):
`char_lm` (`many_to_many_gru`, 128 units, 100 characters), `g2p` (`encoder_decoder_bilstm_bahdanau`,
64 units, 12 characters/phonemes) and `tweets` (`many_to_one_bilstm`, 32 units, 30 words).

- XLA: `compile(jit_compile=True)` against `False`, at the recipe's batch size (64);
- batch size: 16 ... 256, examples per second, relative to 64;
- threads: `tf.config.threading` intra/inter-op threads 1/1, 2/2 and TensorFlow's default.

Thread counts must be set before TensorFlow starts, so every setting lives in its own worker
process (started once, models built and warmed up there); the parent asks the workers for a
chunk of steps in turn, rotating the order every turn, so all settings share the background load
alike. Each chunk reports wall and process CPU time; results are medians over rounds and medians
of per-round ratios. The workers do not enable op determinism: Keras turns XLA off under it.

    nice -n 10 python -m benchmarks.cpu_tuning --out benchmarks/results/cpu_tuning.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import _common

MODULE = "benchmarks.cpu_tuning"
ROOT = Path(__file__).resolve().parents[1]
MODELS = ("char_lm", "g2p", "tweets")
BATCH_SIZES = (16, 32, 64, 128, 256)
RECIPE_BATCH = 64
THREADS = {"1/1": (1, 1), "2/2": (2, 2), "default": (0, 0)}


# --- worker side (imports TensorFlow) ----------------------------------------------------------


def _model_and_batch(name: str, batch: int, *, jit: bool, quick: bool):
    import keras
    import numpy as np

    import rnn_zoo

    rng = np.random.default_rng(0)
    small = {"units": 4, "embedding_dim": 4} if quick else {}

    def padded(length, vocab):
        ids = rng.integers(1, vocab, size=(batch, length)).astype("int32")
        for row, n in enumerate(rng.integers(length // 2, length + 1, size=batch)):
            ids[row, n:] = 0
        return ids

    if name == "char_lm":
        model = rnn_zoo.get_model("many_to_many_gru", **({"units": 128} | small))
        time_steps = 6 if quick else 100
        x = rng.integers(1, 68, size=(batch, time_steps)).astype("int32")
        y = rng.integers(0, 68, size=(batch, time_steps)).astype("int32")
    elif name == "g2p":
        model = rnn_zoo.get_model("encoder_decoder_bilstm_bahdanau", source_vocab_size=30,
                                  target_vocab_size=72,
                                  **({"units": 64, "embedding_dim": 32} | small))
        target = padded(12, 72)
        x = {"source_tokens": padded(12, 30), "target_tokens": target}
        y = np.where(target > 0, rng.integers(1, 72, target.shape), 0).astype("int32")
    elif name == "tweets":
        model = rnn_zoo.get_model("many_to_one_bilstm", vocab_size=8000, num_layers=1,
                                  dropout=0.3, **({"units": 32, "embedding_dim": 64} | small))
        x = padded(30, 8000)
        y = rng.integers(0, 3, size=batch).astype("int32")
    else:
        raise ValueError(f"Unknown model {name!r}; expected one of {MODELS}.")
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=jit)
    return model, x, y


def worker(intra: int, inter: int, cases: list[dict], quick: bool) -> None:
    """Serves `{"case": i, "steps": n}` requests on stdin with `{"wall": s, "cpu": s}` per step."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    tf.get_logger().setLevel("ERROR")  # each model traces its own functions: not a retrace bug
    import keras

    keras.utils.set_random_seed(0)  # once, before any function is traced
    built = []
    for case in cases:
        model, x, y = _model_and_batch(case["model"], case["batch"], jit=case["jit"],
                                       quick=quick)
        for _ in range(3):
            model.train_on_batch(x, y)
        if case["jit"] and not model.jit_compile:
            raise RuntimeError(f"{case}: Keras refused jit_compile=True.")
        built.append((model, x, y))
    print(json.dumps({"ready": True,
                      "intra": tf.config.threading.get_intra_op_parallelism_threads(),
                      "inter": tf.config.threading.get_inter_op_parallelism_threads()}),
          flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        model, x, y = built[request["case"]]
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(request["steps"]):
            model.train_on_batch(x, y)
        steps = request["steps"]
        print(json.dumps({"wall": (time.perf_counter() - wall) / steps,
                          "cpu": (time.process_time() - cpu) / steps}), flush=True)


# --- parent side (no TensorFlow) ---------------------------------------------------------------


class Worker:
    """A worker process with a thread setting and its cases, driven over stdin/stdout."""

    def __init__(self, threads: tuple[int, int], cases: list[dict], *, quick: bool):
        self.cases = cases
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow",
               "PYTHONPATH": path}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--worker", json.dumps(
                {"intra": threads[0], "inter": threads[1], "cases": cases, "quick": quick})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)

    def wait_ready(self) -> dict:
        """Blocks until the models are built; returns the worker's thread settings."""
        ready = self._read()
        return {"intra_op": ready["intra"], "inter_op": ready["inter"]}

    def _read(self) -> dict:
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"A benchmark worker exited (status {self.proc.wait()}).")
            if line.startswith("{"):
                return json.loads(line)

    def measure(self, case: int, steps: int) -> dict:
        self.proc.stdin.write(json.dumps({"case": case, "steps": steps}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


def _compare(slots: dict[str, tuple[Worker, int]], *, rounds: int, chunks: int,
             chunk_seconds: float) -> dict[str, dict[str, list[float]]]:
    """Interleaves the slots (worker, case index); returns wall and CPU samples per slot."""
    steps = {}
    for name, (w, case) in slots.items():
        one = w.measure(case, 1)["wall"]
        steps[name] = max(1, min(200, round(chunk_seconds / max(one, 1e-6))))
    cpu: dict[str, list[float]] = {name: [] for name in slots}

    def clock(name):
        def run() -> float:
            found = slots[name][0].measure(slots[name][1], steps[name])
            cpu[name].append(found["cpu"])
            return found["wall"]
        return run

    wall = _common.interleave({name: clock(name) for name in slots}, rounds=rounds,
                              chunks=chunks)
    cpu_rounds = {name: [sum(v[i:i + chunks]) / chunks for i in range(0, len(v), chunks)]
                  for name, v in cpu.items()}
    return {"wall": wall, "cpu": cpu_rounds, "steps_per_chunk": steps}


def _report(samples: dict, baseline: str, per_step_examples: dict[str, int]) -> dict:
    out = {}
    for name in samples["wall"]:
        wall, cpu = samples["wall"][name], samples["cpu"][name]
        out[name] = {
            "seconds_per_step": _common.summary(wall),
            "cpu_seconds_per_step": _common.summary(cpu),
            "examples_per_second": per_step_examples[name] / _common.summary(wall)["median"],
            # > 1: faster than the baseline (throughput ratio).
            "speedup_vs_" + baseline: _common.paired_ratio(
                [per_step_examples[name] / s for s in wall],
                [per_step_examples[baseline] / s for s in samples["wall"][baseline]]),
            "cpu_speedup_vs_" + baseline: _common.paired_ratio(
                [per_step_examples[name] / s for s in cpu],
                [per_step_examples[baseline] / s for s in samples["cpu"][baseline]]),
        }
    return out


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--experiments", nargs="+", choices=("xla", "batch", "threads"),
                        default=["xla", "batch", "threads"])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=3)
    parser.add_argument("--chunk-seconds", type=float, default=0.15)
    parser.add_argument("--quick", action="store_true", help="test-size models, tiny batches")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        spec = json.loads(args.worker)
        worker(spec["intra"], spec["inter"], spec["cases"], spec["quick"])
        return {}
    batches = (2, 4) if args.quick else BATCH_SIZES
    recipe_batch = 4 if args.quick else RECIPE_BATCH
    timing = {"rounds": args.rounds, "chunks": args.chunks, "chunk_seconds": args.chunk_seconds}
    results = {"benchmark": "cpu_tuning",
               "machine": _common.machine(_common.command_line(MODULE, argv)),
               "recipe_batch": recipe_batch, "threads": {}, "models": {}}

    # One default-threads worker holds the XLA and batch-size cases; one worker per other
    # thread setting holds each model at the recipe batch.
    cases, index = [], {}
    for model in args.models:
        if "xla" in args.experiments:
            for jit in (False, True):
                index[(model, recipe_batch, jit)] = len(cases)
                cases.append({"model": model, "batch": recipe_batch, "jit": jit})
        for batch in (batches if "batch" in args.experiments else (recipe_batch,)):
            if (model, batch, False) not in index:
                index[(model, batch, False)] = len(cases)
                cases.append({"model": model, "batch": batch, "jit": False})
    plain = [{"model": m, "batch": recipe_batch, "jit": False} for m in args.models]
    setups = {"default": cases}
    thread_settings = ("1/1",) if args.quick else ("1/1", "2/2")  # quick: one is enough
    if "threads" in args.experiments:
        setups.update(dict.fromkeys(thread_settings, plain))
    workers: dict[str, Worker] = {}
    try:
        for name, worker_cases in setups.items():  # one at a time: building is heavy
            workers[name] = Worker(THREADS[name], worker_cases, quick=args.quick)
            results["threads"][name] = workers[name].wait_ready()
        for i, model in enumerate(args.models):
            found = {}
            default = workers["default"]
            if "xla" in args.experiments:
                slots = {f"jit_compile={jit}": (default, index[(model, recipe_batch, jit)])
                         for jit in (False, True)}
                samples = _compare(slots, **timing)
                found["xla"] = _report(samples, "jit_compile=False",
                                       dict.fromkeys(slots, recipe_batch))
            if "batch" in args.experiments:
                slots = {f"batch={b}": (default, index[(model, b, False)]) for b in batches}
                samples = _compare(slots, **timing)
                found["batch_size"] = _report(
                    samples, f"batch={recipe_batch}",
                    {f"batch={b}": b for b in batches})
            if "threads" in args.experiments:
                slots = {"default": (default, index[(model, recipe_batch, False)]),
                         **{name: (workers[name], i) for name in thread_settings}}
                samples = _compare(slots, **timing)
                found["threads"] = _report(samples, "default",
                                           dict.fromkeys(slots, recipe_batch))
            results["models"][model] = found
            for experiment, entries in found.items():
                for name, entry in entries.items():
                    key = next(k for k in entry if k.startswith("speedup_vs_"))
                    cpu_key = "cpu_" + key
                    print(f"{model:<8} {experiment:<10} {name:<18} "
                          f"{entry['examples_per_second']:9.1f} examples/s  "
                          f"x{entry[key]['median']:.2f} vs {key.removeprefix('speedup_vs_')} "
                          f"(CPU time x{entry[cpu_key]['median']:.2f})", flush=True)
    finally:
        for w in workers.values():
            w.close()
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
