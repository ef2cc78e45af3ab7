"""SeriesClassifier: variable-length float series in, class labels out; normalisation inside."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from rnn_zoo.tasks import SeriesClassifier
from tests.tasks.harness import TaskCase, check_task, one_line


def make_data(n=60, seed=0):
    """Two classes of 2-feature series, 3 to 12 steps: one drifts up, the other down, around
    an offset far from zero (so only a learnt normalisation makes them easy)."""
    rng = np.random.default_rng(seed)
    x, y = [], []
    for i in range(n):
        steps = int(rng.integers(3, 13))
        slope = 1.0 if i % 2 else -1.0
        t = np.arange(steps, dtype=np.float32)[:, None]
        x.append(100.0 + 5.0 * slope * t / 12 * np.array([1.0, -1.0])
                 + rng.normal(scale=0.1, size=(steps, 2)))
        y.append("up" if i % 2 else "down")
    return x, y


X, Y = make_data()


def tiny(**kwargs):
    return SeriesClassifier(**{"units": 8, "num_layers": 1, "bidirectional": False,
                               "dropout": 0.0, "epochs": 12, "learning_rate": 1e-2, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    rng = np.random.default_rng(1)
    case = TaskCase(
        make=tiny, x=X, y=Y,
        # Edge cases: one step, a very long series, and series of different lengths together.
        x_new=[X[0], np.full((1, 2), 100.0), 100.0 + rng.normal(size=(500, 2)), X[1][:3]],
        bad_x=[("one series", "`x` must be a list of float series"),
               ([], "`x` is empty"),
               ([np.zeros((0, 2))], "`x[0]` has no steps"),
               ([X[0], np.full((3, 2), np.nan)], "`x[1]` has NaN or infinite values"),
               ([np.zeros((3, 3))], "`x[0]` has 3 features per step; the series the task was "
                                    "trained on have 2"),
               ([np.zeros((2, 2, 2))], "`x[0]` must be a float array of shape (T, F) or (T,)"),
               ([["a", "b"]], "`x[0]` must be a float array")],
        outputs=lambda task, x: task.predict_proba(x))
    return check_task(case, tmp_path_factory.mktemp("series_classifier"))


def test_contract(trained):
    assert trained.classes == ["down", "up"]
    probabilities = trained.predict_proba(X[:5])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert trained.state["num_features"] == 2
    # The normalisation was learnt on the training split's steps: the offset is ~100.
    np.testing.assert_allclose(trained.state["mean"], [100.0, 100.0], atol=1.0)


def test_learns_the_drift(trained):
    assert trained.evaluate(X, Y)["accuracy"] >= 0.9


def test_padding_is_masked(trained):
    # A series alone and inside a NaN-padded batch next to a longer one: the same answer.
    alone = np.concatenate([trained.predict_proba([s]) for s in X[:6]])
    np.testing.assert_allclose(trained.predict_proba(X[:6]), alone, rtol=1e-5, atol=1e-6)


def test_a_real_step_at_the_mean_is_not_padding(trained):
    # Such a step normalises to all zeros, the padding value: the indicator keeps it apart.
    mean = np.asarray(trained.state["mean"], np.float32)
    at_mean = np.stack([mean] * 4)
    frames = trained.model.get_layer("normalize")(at_mean[None])
    np.testing.assert_array_equal(np.asarray(frames)[0], [[0.0, 0.0, 1.0]] * 4)
    longer = np.concatenate([X[1], at_mean])
    assert not np.allclose(trained.predict_proba([longer]), trained.predict_proba([X[1]]))


def test_stream_reproduces_the_whole_series_probabilities(trained):
    from rnn_zoo.decoding import initial_state, run_steps

    step = trained.stream()
    series = X[3].astype(np.float32)
    outputs, _ = run_steps(step, inputs=series[None])
    prefixes = trained.predict_proba([series[:t + 1] for t in range(len(series))])
    np.testing.assert_allclose(outputs[0], prefixes, atol=1e-5)
    # Carrying the state by hand, one step at a time, gives the same; a NaN step is padding.
    states = initial_state(step, batch=1)
    for t in range(len(series)):
        y, *states = [np.asarray(v) for v in step([series[t:t + 1], *states])]
    y_pad, *_ = step([np.full((1, 2), np.nan, np.float32), *states])
    np.testing.assert_allclose(np.asarray(y), prefixes[-1:], atol=1e-5)
    np.testing.assert_allclose(np.asarray(y_pad), prefixes[-1:], atol=1e-5)


def test_stream_refuses_a_bidirectional_task():
    with pytest.raises(ValueError) as excinfo:
        SeriesClassifier(bidirectional=True).stream()
    assert "bidirectional" in one_line(excinfo) and "cannot stream" in one_line(excinfo)


def test_one_dimensional_series_and_integer_labels():
    x = [s[:, 0] for s in X]
    task = tiny(epochs=1).fit(x, [int(v == "up") for v in Y], verbose=0)
    assert task.state["num_features"] == 1
    assert set(task.predict(x[:4])) <= {0, 1}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"units": 0}, "`units` must be an int >= 1"),
    ({"pooling": "sum"}, "`pooling` must be one of"),
    ({"cell": "transformer"}, "`cell` must be one of"),
    ({"dropout": 1.5}, "`dropout` must be a float in [0, 1)"),
    ({"bidirectional": "yes"}, "`bidirectional` must be True or False"),
    ({"num_buckets": 0}, "`num_buckets` must be an int >= 1"),
    ({"colour": "red"}, "unknown argument(s) colour"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        SeriesClassifier(**kwargs)
    assert message in one_line(excinfo)


@pytest.mark.parametrize(("x", "y", "message"), [
    (X, Y[:-1], "`y` has 59 labels for 60 series"),
    (X, ["up"] * 60, "a single class"),
    (X, [True] * 60, "`y[0]` must be a str or int class label"),
    ([X[0], X[1][:, :1]], ["a", "b"], "`x[1]` has 1 features per step, `x[0]` has 2"),
])
def test_bad_training_data_are_one_line_errors(x, y, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny().fit(x, y, verbose=0)
    assert message in one_line(excinfo)


def test_evaluate_refuses_unseen_classes(trained):
    with pytest.raises(ValueError) as excinfo:
        trained.evaluate(X[:1], ["sideways"])
    assert "not one of the classes seen in training" in one_line(excinfo)


@pytest.mark.parametrize("module", ["rnn_zoo.tasks.series_classifier",
                                    "rnn_zoo.preprocessing.series_normalizer"])
def test_docstring_examples(module):
    import importlib

    found = doctest.DocTestFinder().find(importlib.import_module(module))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in found:
        runner.run(test)
    assert runner.summarize(verbose=False).attempted > 0
    assert runner.summarize(verbose=False).failed == 0


def test_export_parity_in_a_fresh_process(trained, tmp_path):
    # SavedModel and TFLite, checked (NaN-padded batch and each row alone) in a process that
    # never imports rnn_zoo.
    result = trained.export(tmp_path / "export", formats=("saved_model", "tflite"))
    assert sorted(result.artifacts) == ["saved_model", "tflite"]
    assert result.parity_ok is True, result.manifest["parity"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mask_channel": "no"}, "`mask_channel` must be True or False"),
    ({"noise_std": -0.1}, "`noise_std` must be a finite float >= 0"),
    ({"noise_std": float("nan")}, "`noise_std` must be a finite float >= 0"),
    ({"label_smoothing": -0.1}, "`label_smoothing` must be a float in [0, 1)"),
])
def test_bad_input_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        SeriesClassifier(**kwargs)
    assert message in one_line(excinfo)


def test_without_the_mask_channel_the_backbone_reads_the_features_alone(tmp_path):
    from rnn_zoo.tasks import load_task

    task = tiny(epochs=2, mask_channel=False).fit(X, Y, verbose=0)
    assert task.backbone.input_shape == (None, None, 2)
    # Right padding is still masked: a short series answers the same alone as next to a long one.
    alone = task.predict_proba([X[0][:3]])
    padded = task.predict_proba([X[0][:3], 100.0 + np.zeros((40, 2))])[:1]
    np.testing.assert_allclose(alone, padded, atol=1e-6)
    loaded = load_task(task.save(tmp_path / "task"))
    assert loaded.config["mask_channel"] is False
    np.testing.assert_array_equal(loaded.predict_proba(X[:4]), task.predict_proba(X[:4]))


@pytest.mark.parametrize("mask_channel", [True, False])
def test_noise_touches_real_steps_only_and_is_seeded(mask_channel):
    def batches(noise_std, seed=0):
        task = tiny(noise_std=noise_std, mask_channel=mask_channel, seed=seed, batch_size=60,
                    num_buckets=2)
        task._adapt(X, Y)
        return [x.numpy() for x, _ in task._datasets(X, Y, training=True)]

    clean, noisy, again = batches(0.0), batches(0.5), batches(0.5)
    other_seed = batches(0.5, seed=3)
    for c, n, a, o in zip(clean, noisy, again, other_seed, strict=True):
        real = np.any(c != 0, axis=-1)
        np.testing.assert_array_equal(n, a)  # the same noise on every run
        assert not np.array_equal(n[..., :2], o[..., :2])
        np.testing.assert_array_equal(n[~real], 0.0)  # padding stays exactly the mask value
        assert np.std((n - c)[..., :2][real]) == pytest.approx(0.5, rel=0.1)
        if mask_channel:
            np.testing.assert_array_equal(n[..., 2], c[..., 2])  # the indicator is exact
