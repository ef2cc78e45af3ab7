"""`benchmarks/gpu_rnn.py` runs where TensorFlow is absent (the GPU machine), on tiny shapes.

The benchmark needs JAX and PyTorch (`pip install -e ".[bench]"`); without them it is skipped.
On this CPU the run only proves the script works: the throughputs mean nothing here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks import gpu_rnn

ROOT = Path(__file__).resolve().parents[2]

# TensorFlow made unimportable, as on the GPU machine. A spec with no origin (rather than an
# exception from the finder) keeps `importlib.util.find_spec("tensorflow")` working, which
# PyTorch calls at import time.
DRIVER = textwrap.dedent(
    """
    import importlib.abc, importlib.machinery, json, sys

    class Refuse(importlib.abc.Loader):
        def create_module(self, spec):
            raise ImportError(f"{spec.name} is not installed on the GPU machine")

        def exec_module(self, module):
            pass

    class NoTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] == "tensorflow":
                return importlib.machinery.ModuleSpec(name, Refuse())
            return None

    sys.meta_path.insert(0, NoTensorFlow())
    from benchmarks import gpu_rnn

    results = gpu_rnn.main(sys.argv[1:])
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "tensorflow")
    print("RESULT " + json.dumps({"results": results, "tensorflow_modules": loaded}))
    """
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    pytest.importorskip("torch", reason="PyTorch is only in the `bench` extra (its default "
                        "PyPI wheel pulls CUDA packages); pip install -e '.[bench]'")
    pytest.importorskip("jax")
    out = tmp_path_factory.mktemp("gpu_rnn") / "gpu_rnn.json"
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, "--shapes", "tiny", "--inputs", "features",
         "--dtype", "float32", "--rounds", "2", "--chunks", "1", "--steps", "1",
         "--out", str(out)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT ")), out


def test_runs_without_tensorflow(tiny_run):
    found, _ = tiny_run
    assert found["tensorflow_modules"] == []
    assert found["results"]["machine"]["versions"]["torch"]


def test_reports_throughput_peak_share_and_kernel_per_cell(tiny_run):
    found, out = tiny_run
    assert json.loads(out.read_text()) == found["results"]
    (run,) = found["results"]["runs"]
    assert run["jax_backend"] == "cpu" and run["shape"]["name"] == "tiny"
    assert set(run["cells"]) == {"lstm", "gru"}
    for cell, entry in run["cells"].items():
        # The same network: PyTorch's LSTM has a second bias vector (input and recurrent) that
        # Keras's lacks; a Keras GRU with reset_after=True has both, as PyTorch's does.
        extra = 4 * gpu_rnn.SHAPES["tiny"].units if cell == "lstm" else 0
        assert entry["zoo_params"] == entry["torch_params"] - extra
        for framework in ("zoo", "torch"):
            assert entry[framework]["tokens_per_second"]["median"] > 0
            assert entry[framework]["share_of_matmul_peak"] > 0
        assert entry["zoo_over_torch"]["n"] == 2
    # No GPU here, so Keras cannot have traced the cuDNN LSTM.
    assert run["cells"]["lstm"]["zoo_kernel"] == "lax.scan (generic loop)"


def test_training_flops_count_gates_and_head():
    shape = gpu_rnn.SHAPES["tiny"]  # 3 features, 8 units, 5 classes
    assert gpu_rnn.training_flops_per_token("lstm", shape) == 3 * (2 * 11 * 32 + 2 * 8 * 5)
    assert gpu_rnn.training_flops_per_token("gru", shape) == 3 * (2 * 11 * 24 + 2 * 8 * 5)
