"""`benchmarks/defaults.py`: a smoke run of one section, and the bars it judges."""

from __future__ import annotations

import json

from benchmarks import defaults


def test_quick_regression_run_records_rows_baselines_and_the_command(tmp_path):
    out = tmp_path / "defaults.json"
    results = defaults.main(["--quick", "--sections", "series_regression", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(results))
    models = [row["model"] for row in results["rows"]]
    assert models == ["SeriesRegressor()", "training mean",
                      "ROCKET regression (aeon, 100 kernels)"]
    for row in results["rows"]:
        assert row["dataset"] == "Covid3Month" and row["metric"] == "rmse"
        assert len(row["scores"]) == len(row["train_seconds"]) == 1
        assert row["mean"] > 0 and row["command"].startswith(
            "nice -n 10 python -m benchmarks.defaults --quick")
    assert set(results["not_run"]) == {"PLAID", "Tecator"}


def test_bars_compare_the_task_with_the_baselines_of_its_data_set():
    def row(dataset, model, mean):
        return {"dataset": dataset, "model": model, "mean": mean}

    bars = defaults._bars([
        row("OSULeaf", "SeriesClassifier()", 0.80), row("OSULeaf", "1-NN DTW (aeon)", 0.59),
        row("OSULeaf", "ROCKET (aeon, 10000 kernels)", 0.93),
        row("t 10 %", "TextClassifier()", 0.70), row("t 10 %", "TF-IDF + LR", 0.75),
        row("Lynx", "Forecaster(horizon=12, lookback=12)", 900.0),
        row("Lynx", "ETS (statsmodels, AIC)", 1000.0),
        row("Lynx", "ARIMA (statsmodels, AIC)", 1200.0),
        row("Airline", "ETS (statsmodels, AIC)", 10.0),  # no task row: not judged
    ])
    assert bars == {"OSULeaf": {"beats_1nn_dtw": True, "points_below_rocket": 13.0},
                    "t 10 %": {"beats_tfidf_lr": False},
                    "Lynx": {"beats_ets_and_arima": True},
                    "all sets here": {"beats_1nn_dtw_on_every_set": True,
                                      "beats_tfidf_lr_on_every_setting": False,
                                      "beats_ets_and_arima_on_half_the_forecasts": True,
                                      "mean_points_below_rocket": 13.0,
                                      "within_2_points_of_rocket": False}}


def test_merge_joins_runs_side_by_side(tmp_path):
    def part(name, dataset, model, mean):
        path = tmp_path / name
        path.write_text(json.dumps({"machine": {"command": name}, "rows": [
            {"dataset": dataset, "model": model, "mean": mean, "command": name}]}))
        return str(path)

    merged = defaults.main(["--merge", part("a", "Lynx", "ETS (x)", 1.0),
                            part("b", "Lynx", "Forecaster(horizon=12)", 2.0),
                            "--out", str(tmp_path / "m.json")])
    assert [r["command"] for r in merged["rows"]] == ["a", "b"]
    assert [m["command"] for m in merged["runs"]] == ["a", "b"]
    assert json.loads((tmp_path / "m.json").read_text())["bars"] == merged["bars"]
    # A rerun of a row replaces it, in its place.
    rerun = defaults.main(["--merge", str(tmp_path / "m.json"),
                           part("c", "Lynx", "ETS (x)", 3.0)])
    assert [(r["command"], r["mean"]) for r in rerun["rows"]] == [("c", 3.0), ("b", 2.0)]
