"""Memory: peak resident memory (RSS) of one training epoch of each recipe's `quick` profile.

Each recipe runs in a fresh process (`rnn_zoo.runner.train(RECIPE, profile="quick",
epochs=1, ...)`, as `rnn-zoo train` does), which is stopped at the end of its first epoch by a
callback: the process's peak RSS at that moment
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) covers the interpreter, TensorFlow, the data as
the recipe holds it, the model and one epoch of training, and nothing after (baselines, test
decoding). The RSS when training starts (`on_train_begin`) is recorded too, so the epoch's own
growth shows. The offline recipes run (`rnn_zoo.recipe_finder.list_recipes()`); the ones
that download data are skipped.

    nice -n 10 python -m benchmarks.memory --out benchmarks/results/memory.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks import _common

MODULE = "benchmarks.memory"
ROOT = Path(__file__).resolve().parents[1]


def _rss_now_mib() -> float | None:
    """Current RSS (Linux `/proc/self/status`), or None where that file does not exist."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, else KiB


def child(recipe: str, data_dir: str | None) -> None:
    """Runs one epoch of `recipe`'s quick profile and prints its memory as JSON."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from rnn_zoo import recipe_finder, runner

    class EpochDone(Exception):
        pass

    seen = {}

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["rss_at_train_begin_mib"] = _rss_now_mib()
            seen["peak_rss_before_training_mib"] = _peak_rss_mib()

        def on_train_batch_end(self, batch, logs=None):
            seen["steps"] = batch + 1

        def on_epoch_end(self, epoch, logs=None):
            seen["peak_rss_mib"] = _peak_rss_mib()
            seen["params"] = int(self.model.count_params())
            raise EpochDone  # stop here: what follows (baselines, scoring) is not training

    with tempfile.TemporaryDirectory() as out, contextlib.suppress(EpochDone):
        runner.train(recipe_finder.get_declaration(recipe), profile="quick", out_dir=out,
                     epochs=1, data_dir=data_dir, verbose=0, callbacks=[Probe()])
    if "peak_rss_mib" not in seen:
        raise RuntimeError(f"{recipe}: the first epoch never ended.")
    print("RESULT " + json.dumps(seen), flush=True)


def measure(recipe: str, *, data_dir: str | None, timeout: float) -> dict:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow",
           "PYTHONPATH": path}
    command = [sys.executable, "-m", MODULE, "--child", recipe]
    if data_dir:
        command += ["--data-dir", data_dir]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{recipe}: the measuring process failed:\n{done.stderr[-3000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return {"recipe": recipe, **json.loads(line.removeprefix("RESULT "))}


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=None,
                        help="recipes to measure (default: every offline recipe)")
    parser.add_argument("--data-dir", default=None, help="TFDS data directory")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per recipe")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.data_dir)
        return {}
    from rnn_zoo.recipe_finder import list_recipes

    names = args.recipes or list_recipes()
    results = {"benchmark": "memory",
               "machine": _common.machine(_common.command_line(MODULE, argv)), "recipes": []}
    for name in names:
        found = measure(name, data_dir=args.data_dir, timeout=args.timeout)
        results["recipes"].append(found)
        print(f"{name:<22} peak RSS {found['peak_rss_mib']:7.0f} MiB after epoch 1 "
              f"({found['steps']} steps); {found['rss_at_train_begin_mib'] or 0:7.0f} MiB at "
              f"train begin", flush=True)
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
