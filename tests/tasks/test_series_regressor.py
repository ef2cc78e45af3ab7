"""SeriesRegressor: float series in, values in the targets' own units out; both normalisations
inside the model. Also the one JAX-backend run of a series task (a subprocess)."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rnn_zoo.exporters import ATOL
from rnn_zoo.tasks import SeriesRegressor
from tests.tasks.harness import TaskCase, check_task, one_line

ROOT = Path(__file__).resolve().parents[2]


def make_data(n=64, seed=0):
    """Univariate series of 3 to 12 steps; the target is their mean, in large units."""
    rng = np.random.default_rng(seed)
    x = [rng.normal(loc=rng.normal(), scale=0.3, size=int(rng.integers(3, 13)))
         for _ in range(n)]
    return x, np.asarray([1000.0 + 200.0 * s.mean() for s in x], np.float32)


X, Y = make_data()


def tiny(**kwargs):
    return SeriesRegressor(**{"units": 8, "num_layers": 1, "bidirectional": False,
                              "dropout": 0.0, "epochs": 15, "learning_rate": 1e-2, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    case = TaskCase(
        make=tiny, x=X, y=Y,
        x_new=[X[0], np.ones(1), np.zeros((300, 1)), X[1][:2]],
        bad_x=[(np.ones((2, 3, 4, 5)), "`x[0]` must be a float array of shape (T, F) or (T,)"),
               ([], "`x` is empty"),
               ([np.zeros(0)], "`x[0]` has no steps"),
               ([np.array([1.0, np.inf])], "`x[0]` has NaN or infinite values"),
               ([np.zeros((3, 2))], "`x[0]` has 2 features per step")],
        outputs=lambda task, x: task.predict(x))
    return check_task(case, tmp_path_factory.mktemp("series_regressor"))


def test_learns_the_mean_in_the_targets_units(trained):
    scores = trained.evaluate(X, Y)
    assert scores["r2"] >= 0.8, scores
    assert set(scores) == {"rmse", "mae", "r2", "examples"}
    prediction = trained.predict(X)
    assert prediction.shape == (len(X),) and prediction.dtype == np.float32
    # Trained on standardised targets (statistics of the training split, not the carved
    # validation part), answering in raw units (the Denormalizer layer).
    x, y = trained._check_xy(X, Y, x_name="x", y_name="y", fitting=False)
    (_, y_train), _ = trained._carve(x, y, trained.config["validation_split"],
                                     trained.config["seed"])
    np.testing.assert_allclose(trained.state["target_mean"], y_train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(trained.state["target_std"], y_train.std(axis=0), rtol=1e-4)
    assert abs(float(prediction.mean()) - float(Y.mean())) < 0.5 * float(Y.std())


def test_stream_reproduces_the_whole_series_values(trained):
    from rnn_zoo.decoding import run_steps

    series = X[5].astype(np.float32)[:, None]
    outputs, _ = run_steps(trained.stream(), inputs=series[None])
    prefixes = trained.predict([series[:t + 1] for t in range(len(series))])
    np.testing.assert_allclose(outputs[0, :, 0], prefixes, rtol=1e-5, atol=1e-3)


def test_vector_targets():
    y = np.stack([Y, -Y / 100.0], axis=1)
    task = tiny(epochs=1).fit(X, y, verbose=0)
    assert task.predict(X[:3]).shape == (3, 2)
    with pytest.raises(ValueError) as excinfo:
        task.evaluate(X[:2], Y[:2])
    assert "`y` has 1 values per series; the task was trained on 2" in one_line(excinfo)


@pytest.mark.parametrize(("y", "message"), [
    (Y[:-1], "`y` must have shape (64,) or (64, D): one target per series in `x`"),
    (np.where(np.arange(64) == 3, np.nan, Y), "`y` has NaN or infinite values"),
    (["a"] * 64, "`y` must be floats, one (or one vector) per series"),
    (np.ones((64, 2, 2)), "`y` must have shape (64,) or (64, D)"),
])
def test_bad_targets_are_one_line_errors(y, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny().fit(X, y, verbose=0)
    assert message in one_line(excinfo)


def test_bad_settings_are_one_line_errors():
    with pytest.raises(ValueError) as excinfo:
        SeriesRegressor(num_layers=0)
    assert "`num_layers` must be an int >= 1" in one_line(excinfo)


@pytest.mark.parametrize("module", ["rnn_zoo.tasks.series_regressor",
                                    "rnn_zoo.preprocessing.denormalizer"])
def test_docstring_examples(module):
    found = doctest.DocTestFinder().find(importlib.import_module(module))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in found:
        runner.run(test)
    assert runner.summarize(verbose=False).attempted > 0
    assert runner.summarize(verbose=False).failed == 0


def test_export_parity_in_a_fresh_process(trained, tmp_path):
    result = trained.export(tmp_path / "export", formats=("saved_model", "tflite"))
    assert sorted(result.artifacts) == ["saved_model", "tflite"]
    assert result.parity_ok is True, result.manifest["parity"]
    # The output is denormalised: float32 differences are read in its units (std).
    scale = result.manifest["metadata"]["output_scale"]
    assert scale == pytest.approx(float(np.max(trained.state["target_std"])))
    assert result.manifest["parity"].get("float32_atol", ATOL) == pytest.approx(
        ATOL * max(1.0, scale))


JAX_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import rnn_zoo.tasks.series_regressor as module
    imported_tf = "tensorflow" in sys.modules
    import keras
    rng = np.random.default_rng(0)
    x = [rng.normal(size=int(n)) for n in rng.integers(3, 9, 32)]
    y = [float(s.mean()) for s in x]
    task = module.SeriesRegressor(units=4, num_layers=1, bidirectional=False, epochs=2)
    task.fit(x, y, verbose=0)
    prediction = task.predict(x[:4])
    print("RESULT " + json.dumps({
        "backend": keras.backend.backend(), "tf_on_import": imported_tf,
        "tensor": type(task.model(np.ones((1, 3, 1), "float32"))).__module__,
        "finite": bool(np.isfinite(prediction).all()), "shape": list(prediction.shape),
        "r2": task.evaluate(x, y)["r2"]}))
    """
)


def test_fits_and_predicts_under_the_jax_backend():
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "TF_CPP_MIN_LOG_LEVEL": "2",
           # Cheaper XLA compilation of the tiny train steps (as tests/test_backends.py).
           "XLA_FLAGS": "--xla_backend_optimization_level=0 "
                        "--xla_llvm_disable_expensive_passes=true",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", JAX_SCRIPT], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result["backend"] == "jax" and result["tensor"].startswith("jax"), result
    # The task module imports without TensorFlow; `fit` then uses tf.data for its pipeline.
    assert result["tf_on_import"] is False
    assert result["finite"] and result["shape"] == [4], result
