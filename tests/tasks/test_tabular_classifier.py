"""TabularClassifier: raw float rows in, class labels out; the standardisation travels inside."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys

import numpy as np
import pytest

import rnn_zoo.tasks.tabular_classifier as module
from rnn_zoo.tasks import TabularClassifier
from tests.tasks.harness import TaskCase, check_task, one_line


def table(n: int, seed: int = 0):
    """Separable rows on wildly different scales, plus a constant feature."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, 3))
    x = np.column_stack([raw[:, 0], 1000 + 50 * raw[:, 1], 1e-3 * raw[:, 2], np.full(n, 7.0)])
    y = np.where(raw[:, 0] + 0.5 * raw[:, 1] > 0, "yes", "no")
    return x, y


X, Y = table(120)


def tiny(**kwargs):
    # A high rate over few epochs: the tiny table is learnt in seconds.
    return TabularClassifier(**{"units": 8, "epochs": 10, "patience": 10, "batch_size": 16,
                                "learning_rate": 2e-2, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    nan_row = X[:3].copy()
    nan_row[2, 1] = np.nan
    case = TaskCase(
        make=tiny, x=X, y=Y,
        # Edge cases with a defined answer: a row far outside the training range, zeros.
        x_new=np.vstack([X[:4], [[1e30, -1e30, 0.0, 7.0]], np.zeros((1, 4))]),
        bad_x=[("1,2,3,4", "`x` must be a 2-D float array"), ([], "`x` is empty"),
               (X[0], "got shape (4,)"), (X[:, :3], "trained on (4,)"),
               ([[1, 2, 3, 4], [1, 2, 3]], "`x[1]` has shape (3,)"),
               (nan_row, "`x[2]` contains NaN"),
               ([[0, 0, np.inf, 0]], "`x[0]` contains an infinite value"),
               ([[0, 1e300, 0, 0]], "`x[0]` has a value beyond float32's range"),
               ([["a", "b", "c", "d"]], "`x[0]` must hold real numbers")],
        outputs=lambda task, x: task.predict_proba(x))
    return check_task(case, tmp_path_factory.mktemp("tabular_classifier"))


def test_contract(trained):
    assert trained.classes == ["no", "yes"]
    probabilities = trained.predict_proba(X[:5])
    assert probabilities.shape == (5, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    extreme = trained.predict_proba([[1e30, -1e30, 0.0, 7.0]])
    assert np.all(np.isfinite(extreme))


def test_learns_a_separable_table(trained):
    x_test, y_test = table(200, seed=1)
    assert trained.evaluate(x_test, y_test)["accuracy"] >= 0.85


def test_normalization_is_inside_the_model(trained):
    layer = trained.model.get_layer("normalize")
    np.testing.assert_allclose(np.ravel(layer.mean), trained.state["mean"], rtol=1e-6)
    assert trained.state["variance"][3] == 1.0  # constant feature: only centred
    # Rows as a list of lists give what the array gives.
    np.testing.assert_allclose(trained.predict_proba(X[:3].tolist()),
                               trained.predict_proba(X[:3]), rtol=1e-6)


def test_statistics_come_from_the_training_rows_and_int_labels_stay_ints():
    x_val, y_val = table(20, seed=2)
    labels = (Y == "yes").astype(int)
    task = tiny(epochs=1).fit(X, labels, validation_data=(x_val, (y_val == "yes").astype(int)),
                              verbose=0)
    # The model reads float32, so its statistics are those of the float32 rows.
    np.testing.assert_allclose(task.state["mean"], X.astype(np.float32).mean(
        axis=0, dtype=np.float64), rtol=1e-12)
    assert task.classes == [0, 1]
    assert set(task.predict(X[:10])) <= {0, 1}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"units": 0}, "`units` must be an int >= 1"),
    ({"cell": "rnn"}, "`cell` must be one of"),
    ({"dropout": 1.0}, "`dropout` must be a float in [0, 1)"),
    ({"learning_rate": 2}, "`learning_rate` must be a float in (0, 1)"),
    ({"depth": 3}, "unknown argument(s) depth"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        TabularClassifier(**kwargs)
    assert message in one_line(excinfo)


def _with_nan(row: int):
    x = X.copy()
    x[row, 0] = np.nan
    return x


@pytest.mark.parametrize(("x", "y", "message"), [
    (X, Y[:-1], "`y` has 119 labels for 120 rows"),
    (X, ["no"] * 120, "a single class"),
    (X, [True] * 120, "`y[0]` must be a str or int class label"),
    (X, "yes", "`y` must be a list of class labels"),
    (_with_nan(17), Y, "`x[17]` contains NaN"),
    (np.zeros((120, 0)), Y, "rows of 0 features"),
])
def test_bad_training_data_are_one_line_errors(x, y, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny().fit(x, y, verbose=0)
    assert message in one_line(excinfo)


def test_evaluate_refuses_unseen_classes(trained):
    with pytest.raises(ValueError) as excinfo:
        trained.evaluate(X[:1], ["maybe"])
    assert "not one of the classes seen in training" in one_line(excinfo)


def test_docstring_example():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module.TabularClassifier, "TabularClassifier"):
        runner.run(test)
    assert runner.summarize(verbose=False).attempted > 0
    assert runner.summarize(verbose=False).failed == 0


def test_export_saved_model_and_tflite_pass_parity(trained, tmp_path):
    result = trained.export(tmp_path / "export", formats=["saved_model", "tflite"])
    assert result.parity_ok is True
    assert {"saved_model", "tflite"} <= set(result.artifacts)
    assert result.manifest["metadata"]["classes"] == ["no", "yes"]


def test_imports_without_tensorflow():
    code = ("import sys, rnn_zoo.tasks.tabular_classifier; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=120).returncode == 0
