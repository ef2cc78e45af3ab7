"""The registry variants build and train under the JAX backend too (one subprocess for all)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rnn_zoo

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import json
    import keras
    import numpy as np
    import rnn_zoo
    from tests.harness import build_tiny, example_batch

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    result = {"backend": keras.backend.backend(), "models": {}}
    for name in rnn_zoo.list_models():
        spec, kwargs, model = build_tiny(name)
        batch = example_batch(model, kwargs, rng)
        model.compile(optimizer="adam", loss=batch.loss)
        history = model.fit(batch.x, batch.y, epochs=1, verbose=0)
        out = keras.ops.convert_to_numpy(model(batch.x))
        result["models"][name] = {
            "loss": float(history.history["loss"][-1]),
            "shape": list(out.shape),
            "finite": bool(np.isfinite(out).all()),
            "tensor": type(model(batch.x)).__module__,
        }
    print("RESULT " + json.dumps(result))
    """
)


@pytest.fixture(scope="module")
def jax_run():
    pytest.importorskip("jax")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # Cheaper XLA compilation of the tiny train steps (halves the run time on CPU); kept
        # after any inherited flags (tests/conftest.py's one-thread flags under xdist).
        "XLA_FLAGS": " ".join(filter(None, [
            os.environ.get("XLA_FLAGS"),
            "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"])),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_subprocess_ran_on_jax(jax_run):
    assert jax_run["backend"] == "jax"
    tensor_modules = {model["tensor"] for model in jax_run["models"].values()}
    assert all(module.startswith("jax") for module in tensor_modules), tensor_modules


def test_every_variant_trains_on_jax(jax_run):
    assert sorted(jax_run["models"]) == rnn_zoo.list_models()
    for name, model in jax_run["models"].items():
        assert model["finite"], name
        assert model["loss"] == model["loss"] and abs(model["loss"]) < 1e6, (name, model["loss"])
        assert model["shape"][0] == 3, (name, model["shape"])
