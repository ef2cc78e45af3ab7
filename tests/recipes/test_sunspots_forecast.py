"""sunspots_forecast: the quick profile end to end through the runner on the real data (every
test year forecast, beats persistence, ARIMA fitted in the same run on train + validation,
re-scored by `runner.evaluate`), and the baselines on hand-made series."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from recipes.sunspots_forecast import RECIPE
from rnn_zoo import runner
from rnn_zoo.baselines import Arima, LastValue
from rnn_zoo.tasks import Forecaster, load_task

# The declared ARIMA searches 30 orders (minutes on two CPU cores); the quick run here fits
# the classic AR(9) alone, and the search itself is tested on a small series below.
QUICK = dataclasses.replace(RECIPE, baselines={
    **RECIPE.baselines, "arima": ("rnn_zoo.baselines:Arima", {"orders": [(9, 0, 0)]})})


@pytest.fixture(scope="module")
def quick_run(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("sunspots_forecast") / "run"
    metrics = runner.train(QUICK, profile="quick", out_dir=out, data_dir=recipe_data_dir,
                           verbose=0)
    return out, metrics


def test_the_declared_arima_searches_the_classic_grid():
    reference, kwargs = RECIPE.baselines["arima"]
    assert reference == "rnn_zoo.baselines:Arima"
    assert len(kwargs["orders"]) == 30 and (9, 0, 0) in kwargs["orders"]
    assert RECIPE.make_baselines()["arima"].orders == [tuple(o) for o in kwargs["orders"]]


def test_quick_profile_beats_persistence(quick_run):
    _, metrics = quick_run
    persistence = metrics["baselines"]["last_value"]["rmse"]
    assert metrics["test"]["rmse"] < 0.9 * persistence, (metrics["test"], persistence)
    assert metrics["beats_trivial_baseline"] == {"baseline": "last_value", "metric": "rmse",
                                                 "met": True}
    assert metrics["bar"]["rule"] == "< baselines.arima"


def test_every_test_year_is_forecast_next_to_the_baselines(quick_run):
    out, metrics = quick_run
    assert json.loads((out / runner.METRICS).read_text()) == metrics
    assert metrics["dataset"]["examples"] == {"train": 1, "validation": 1, "test": 1}
    assert metrics["test"]["examples"] == 2008 - 1963 + 1  # no test year lost to the window
    arima = metrics["baselines"]["arima"]
    assert arima["order"] == [9, 0, 0] and arima["fitted_on"] == "train + validation"
    for values in metrics["baselines"].values():
        assert values["examples"] == metrics["test"]["examples"]
        assert {"rmse", "mae", "r2"} <= set(values)
    assert arima["rmse"] < metrics["baselines"]["last_value"]["rmse"]


def test_the_run_folder_is_a_task_on_raw_years(quick_run, recipe_data_dir):
    out, metrics = quick_run
    task = load_task(out)
    splits = runner.load_splits(RECIPE, data_dir=recipe_data_dir)
    validation = np.asarray(splits["validation"][0][0])
    # The context is the last `lookback` years before the test period (of validation).
    np.testing.assert_array_equal(np.ravel(task.state["context"]), validation[-24:])
    forecast = task.predict(np.concatenate([splits["train"][0][0], validation]))
    assert forecast.shape == (1,) and 0 < forecast[0] < 300  # sunspot numbers, raw units
    evaluation = runner.evaluate(QUICK, out_dir=out, data_dir=recipe_data_dir)
    assert evaluation["test"] == metrics["test"] == evaluation["recorded_test"]


def test_the_full_profile_is_the_preset_task():
    task = Forecaster(**RECIPE.settings("full"))
    preset = json.loads((Path(__file__).parents[2] / "saved_models" / RECIPE.name
                         / "task.json").read_text())
    assert preset["task"] == "Forecaster"
    # Saved before `relative` existed: loading reads its absence as the levels it was trained on.
    assert "relative" not in preset["config"]
    assert Forecaster.from_config(preset["config"]).config == task.config


def _split(values):
    return [np.asarray(values, np.float32)], None


def test_last_value_forecasts_each_year_from_the_one_before():
    scores = LastValue()(_split([1.0, 2.0]), _split([3.0]), _split([5.0, 4.0, 4.0]))
    # Forecasts 3, 5, 4 for 5, 4, 4.
    assert scores["mae"] == pytest.approx(1.0) and scores["examples"] == 3
    assert scores["rmse"] == pytest.approx(np.sqrt((4 + 1 + 0) / 3))


def test_arima_picks_the_order_by_aic_on_train_and_never_looks_ahead():
    rng = np.random.default_rng(0)
    t = np.arange(200)
    series = 10 + np.sin(0.4 * t) + 0.05 * rng.normal(size=200)
    arima = Arima(orders=[(1, 0, 0), (2, 0, 0)])
    train, validation, test = _split(series[:150]), _split(series[150:170]), _split(series[170:])
    forecast, info = arima.forecast(train, validation, test)
    assert info["order"] == [2, 0, 0]  # a sine is an AR(2)
    assert info["fitted_on"] == "train + validation" and len(forecast) == 30
    # One step ahead: changing a test value changes only the forecasts after it.
    changed = series.copy()
    changed[185] += 5.0
    later, _ = arima.forecast(train, validation, _split(changed[170:]))
    np.testing.assert_allclose(later[:16], forecast[:16])
    assert not np.allclose(later[16:], forecast[16:])
    assert arima(train, validation, test)["rmse"] < 0.2


@pytest.mark.parametrize(("call", "message"), [
    (lambda: Arima(orders=[]), "`orders` must be a non-empty list of (p, d, q)"),
    (lambda: Arima(orders=[(1, 0)]), "`orders` must hold (p, d, q) triples"),
    (lambda: LastValue()(([np.ones(3), np.ones(3)], None), None, _split([1.0])),
     "`train` holds 2 series"),
    (lambda: Arima()(_split([1.0] * 30), None, None), "`test` is None"),
])
def test_bad_baseline_arguments_are_one_line_errors(call, message):
    with pytest.raises(ValueError, match=None) as excinfo:
        call()
    assert message in str(excinfo.value)
