"""Forecaster: one long series (or several) in, the next `horizon` values out; validation is
the end of each series in time; normalisation and its inverse inside the model."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from rnn_zoo.exporters import ATOL
from rnn_zoo.tasks import Forecaster
from tests.tasks.harness import TaskCase, check_task, one_line

LOOKBACK, HORIZON = 16, 3


def wave(steps, seed=0):
    """A noisy sine far from zero, in its own units."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    return 50.0 + 10.0 * np.sin(0.25 * t) + rng.normal(scale=0.3, size=steps)


SERIES = wave(800)
TRAIN = SERIES[:600]


def tiny(**kwargs):
    return Forecaster(**{"lookback": LOOKBACK, "horizon": HORIZON, "units": 16,
                         "dropout": 0.0, "epochs": 15, "learning_rate": 1e-2, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    case = TaskCase(
        make=tiny, x=TRAIN, y=None,
        # Exactly `lookback` steps, a long history (only its end is read), and a third one.
        x_new=[TRAIN[:100], TRAIN[:LOOKBACK], wave(5000, seed=3), TRAIN],
        bad_x=[("text", "`history` must be a list of float series"),
               ([], "`history` is empty"),
               ([TRAIN[:10]], "`history[0]` has 10 steps; it needs at least 16 (lookback)"),
               ([np.full(20, np.nan)], "`history[0]` has NaN or infinite values"),
               ([np.zeros((20, 2))], "`history[0]` has 2 features per step")],
        outputs=lambda task, x: task.predict(x))
    return check_task(case, tmp_path_factory.mktemp("forecaster"))


def future_cases(start, stop):
    return ([SERIES[:t] for t in range(start, stop, 5)],
            [SERIES[t:t + HORIZON] for t in range(start, stop, 5)])


def test_beats_persistence_after_the_training_period(trained):
    history, future = future_cases(600, 800 - HORIZON)
    scores = trained.evaluate(history, future)
    last = np.stack([np.repeat(h[-1], HORIZON) for h in history])
    persistence = float(np.sqrt(np.mean((last - np.stack(future)) ** 2)))
    assert scores["rmse"] < 0.7 * persistence, (scores, persistence)
    assert trained.predict(history).shape == (len(history), HORIZON)
    assert trained.predict(history[0]).shape == (HORIZON,)


def test_backtest_without_future(trained):
    scores = trained.evaluate(SERIES[600:])
    assert scores["examples"] == 200 - LOOKBACK - HORIZON + 1 and scores["r2"] > 0.5, scores


def test_predict_reads_the_last_lookback_steps(trained):
    np.testing.assert_allclose(trained.predict(TRAIN), trained.predict(TRAIN[-LOOKBACK:]),
                               rtol=1e-6)


def test_validation_is_the_end_of_each_series_in_time():
    task = tiny()
    ramp = [np.arange(100, dtype=np.float32)[:, None], np.arange(60, dtype=np.float32)[:, None]]
    (train, _), (validation, _) = task._carve(ramp, None, 0.2, 0)
    for whole, part, held in zip(ramp, train, validation, strict=True):
        cut = len(part)
        np.testing.assert_array_equal(part, whole[:cut])
        # Its windows' targets start at `cut`: after every training target.
        np.testing.assert_array_equal(held, whole[cut - LOOKBACK:])
        assert len(whole) - cut == round(0.2 * len(whole))


def test_normalisation_is_learnt_on_the_training_part(trained):
    cut = len(TRAIN) - round(0.1 * len(TRAIN))
    np.testing.assert_allclose(trained.state["mean"], [TRAIN[:cut].mean()], rtol=1e-5)
    np.testing.assert_allclose(trained.state["std"], [TRAIN[:cut].std()], rtol=1e-4)


def test_multivariate_and_several_series():
    both = np.stack([SERIES, 100.0 - 2.0 * SERIES], axis=1)
    task = tiny(epochs=1, horizon=2).fit([both[:400], both[400:]], verbose=0)
    assert task.predict(both[:50]).shape == (2, 2)
    assert task.predict([both[:50], both[:70]]).shape == (2, 2, 2)
    scores = task.evaluate([both[:50], both[:70]], [both[50:52], both[70:72]])
    assert scores["examples"] == 2 and np.isfinite(scores["rmse"])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: tiny().fit(TRAIN, TRAIN), "`y` must be None"),
    (lambda: tiny().fit(TRAIN[:10]), "`series` has 10 steps; it needs at least 19 "
                                     "(lookback + horizon)"),
    (lambda: tiny().fit(TRAIN[:20]), "`series` is too short to hold out its last 0.1"),
    (lambda: tiny().fit([TRAIN, np.zeros((40, 2))]), "`series[1]` has 2 features per step, "
                                                     "`series[0]` has 1"),
    (lambda: tiny().fit(TRAIN, validation_data=TRAIN[:5]),
     "`validation_data` has 5 steps; it needs at least 19"),
    (lambda: Forecaster(lookback=0), "`lookback` must be an int >= 1"),
    (lambda: Forecaster(horizon=1.5), "`horizon` must be an int >= 1"),
])
def test_bad_calls_are_one_line_errors(call, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call()
    assert message in one_line(excinfo)


def test_bad_futures_are_one_line_errors(trained):
    with pytest.raises(ValueError) as excinfo:
        trained.evaluate(TRAIN, TRAIN[:2])
    assert "`future` has 2 steps; a future is horizon = 3 steps" in one_line(excinfo)
    with pytest.raises(ValueError) as excinfo:
        trained.evaluate([TRAIN, TRAIN], [TRAIN[:3]])
    assert "`future` must hold one future per history (2)" in one_line(excinfo)


def test_docstring_examples():
    found = doctest.DocTestFinder().find(importlib.import_module("rnn_zoo.tasks.forecaster"))
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
    assert scale == pytest.approx(float(np.max(trained.state["std"])))
    assert result.manifest["parity"].get("float32_atol", ATOL) == pytest.approx(
        ATOL * max(1.0, scale))


def test_contiguous_splits_keep_every_step_a_target(tmp_path):
    """A series split in time (train, validation, test as separate series), taken as it comes:
    validation and the backtest read the `lookback` steps before them; nothing is lost."""
    from rnn_zoo.tasks import load_task

    train, validation, test = SERIES[:500], SERIES[500:540], SERIES[540:560]
    task = tiny(epochs=2, contiguous=True)
    # The runner's form, `(series, None)`, is taken like the series alone.
    task.fit([train], validation_data=([validation], None), verbose=0)
    np.testing.assert_array_equal(np.ravel(task.state["context"]),
                                  SERIES[540 - LOOKBACK:540].astype(np.float32))
    np.testing.assert_allclose(task.state["mean"], [train.mean()], rtol=1e-5)
    scores = task.evaluate([test])
    assert scores["examples"] == len(test) - HORIZON + 1  # every window with a full future
    # The same numbers as the explicit histories and futures of those steps.
    starts = range(540, 560 - HORIZON + 1)
    explicit = task.evaluate([SERIES[:t] for t in starts], [SERIES[t:t + HORIZON] for t in starts])
    assert scores["rmse"] == pytest.approx(explicit["rmse"], rel=1e-6)
    # The context travels with the saved task.
    loaded = load_task(task.save(tmp_path / "task"))
    assert loaded.evaluate([test])["rmse"] == pytest.approx(scores["rmse"], rel=1e-6)
    # Validation windows: every validation step is a target, after the training targets.
    assert task.training["epochs_run"] == 2


def test_contiguous_without_validation_data_continues_the_whole_series():
    task = tiny(epochs=1, contiguous=True).fit(TRAIN, verbose=0)
    np.testing.assert_array_equal(np.ravel(task.state["context"]),
                                  TRAIN[-LOOKBACK:].astype(np.float32))
    assert task.evaluate(SERIES[600:605])["examples"] == 5 - HORIZON + 1


@pytest.mark.parametrize(("call", "message"), [
    (lambda: Forecaster(contiguous="yes"), "`contiguous` must be True or False"),
    (lambda: tiny(contiguous=True).fit([TRAIN], validation_data=[TRAIN[:40], TRAIN[:40]]),
     "`validation_data` has 2 series, but 1 came before them"),
    (lambda: tiny(contiguous=True).fit([TRAIN], validation_data=[TRAIN[:2]]),
     "`validation_data[0]` has 2 steps; it needs at least 3 (horizon)"),
])
def test_bad_contiguous_calls_are_one_line_errors(call, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call()
    assert message in one_line(excinfo)


@pytest.fixture(scope="module")
def trend():
    """A rising series with a cycle: the test part lies above every training value."""
    t = np.arange(260, dtype=np.float32)
    return 0.5 * t + 3.0 * np.sin(0.5 * t)


def test_relative_windows_follow_a_trend_out_of_the_training_range(trend, tmp_path):
    from rnn_zoo.tasks import load_task

    errors = {}
    for relative in (False, True):
        task = tiny(lookback=12, epochs=30, relative=relative).fit(trend[:200], verbose=0)
        assert task.state["relative"] is relative
        errors[relative] = task.evaluate(trend[180:], None)["rmse"]
    assert errors[True] < 2.0 < 10.0 < errors[False], errors  # levels cannot extrapolate
    names = [layer.name for layer in task.model.layers]
    assert "subtract_last" in names and "add_last" in names
    loaded = load_task(task.save(tmp_path / "relative"))
    np.testing.assert_allclose(loaded.predict(trend[:230]), task.predict(trend[:230]),
                               rtol=1e-6)
    result = task.export(tmp_path / "export", formats=("saved_model", "tflite"))
    assert result.parity_ok is True, result.manifest["parity"]
