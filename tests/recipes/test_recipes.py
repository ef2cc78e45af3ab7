"""Every recipe's `quick` profile, end to end on its real data: it beats the trivial baseline,
writes a complete `metrics.json` and a reloadable `model.keras`, and re-evaluates to the same
numbers. One trained run per recipe is shared by all the assertions about it."""

from __future__ import annotations

import json
import shlex

import keras
import pytest

from recipes import RECIPES, get_recipe, list_recipes
from recipes._common import resolve_profile
from rnn_zoo.training import read_history

# Recipes declared as `RECIPE` run through `rnn_zoo.runner` in tests/recipes/test_<name>.py.
MODULE_RECIPES = [name for name in list_recipes() if not hasattr(get_recipe(name), "RECIPE")]

METRIC_KEYS = {"recipe", "profile", "config", "seed", "command", "cwd", "created", "model",
               "dataset", "test", "baselines", "bar", "beats_trivial_baseline", "training",
               "versions"}


@pytest.fixture(scope="module", params=MODULE_RECIPES)
def quick_run(request, recipe_data_dir, tmp_path_factory):
    name = request.param
    out = tmp_path_factory.mktemp(name)
    metrics = get_recipe(name).run(profile="quick", out_dir=out, data_dir=recipe_data_dir,
                                   verbose=0)
    return name, out, metrics


def test_quick_profile_beats_the_trivial_baseline(quick_run):
    name, _, metrics = quick_run
    trivial = metrics["beats_trivial_baseline"]
    metric = trivial["metric"]
    model_score = metrics["test"][metric]
    baseline_score = metrics["baselines"][trivial["baseline"]][metric]
    assert trivial["met"], f"{name}: {metric} {model_score} vs {baseline_score}"
    if metrics["bar"]["rule"].startswith("<"):
        assert model_score < 0.9 * baseline_score
    else:
        assert model_score > baseline_score + 0.2


def test_metrics_json_is_complete(quick_run):
    name, out, metrics = quick_run
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk == json.loads(json.dumps(metrics))
    assert set(on_disk) >= METRIC_KEYS
    assert on_disk["recipe"] == name and on_disk["profile"] == "quick"
    assert on_disk["seed"] == on_disk["config"]["seed"]
    assert on_disk["config"] == json.loads(json.dumps(
        vars(resolve_profile(get_recipe(name).PROFILES, "quick", None))))
    command = shlex.split(on_disk["command"])
    assert command[:3] == ["python", "-m", RECIPES[name]]
    assert command[command.index("--profile") + 1] == "quick"
    assert command[command.index("--out") + 1] == str(out)
    assert "--data-dir" in command
    # Baselines are measured in the run, on the same test split, with the bar's metric.
    metric = on_disk["bar"]["metric"]
    assert on_disk["baselines"]
    assert all(metric in values for values in on_disk["baselines"].values())
    assert set(on_disk["bar"]) == {"metric", "rule", "target", "value", "met"}
    assert {"tensorflow", "keras", "tensorflow-datasets", "numpy", "python"} <= set(
        on_disk["versions"])
    assert on_disk["training"]["epochs_run"] >= 1


def test_run_directory_holds_the_model_and_logs(quick_run):
    _, out, metrics = quick_run
    for name in ("model.keras", "best.weights.h5", "history.csv", "metrics.json"):
        assert (out / name).is_file(), name
    assert not (out / "backup").exists()
    history = read_history(out / "history.csv")
    assert history["epoch"] == list(range(metrics["training"]["epochs_run"]))
    model = keras.saving.load_model(out / "model.keras")
    assert model.name == metrics["model"]["name"]


def test_evaluate_reproduces_the_recorded_test_metrics(quick_run, recipe_data_dir):
    name, out, metrics = quick_run
    evaluation = get_recipe(name).evaluate(out_dir=out, data_dir=recipe_data_dir)
    metric = metrics["bar"]["metric"]
    assert evaluation["test"][metric] == pytest.approx(metrics["test"][metric], abs=1e-6)
    assert json.loads((out / "evaluation.json").read_text())["recipe"] == name


def test_recipe_specific_protocol(quick_run, recipe_data_dir):
    name, out, metrics = quick_run
    if name == "sunspots_forecast":
        first, last = metrics["dataset"]["years"]["test"]
        assert metrics["dataset"]["windows"]["test"] == last - first + 1  # no target lost
        assert metrics["baselines"]["arima"]["fitted_on"] == "train + validation"
    elif name == "japanese_vowels":
        assert metrics["dataset"]["examples"] == {"train": 243, "validation": 27, "test": 370}


@pytest.mark.parametrize("name", MODULE_RECIPES)
def test_profiles_are_frozen_configs(name):
    module = get_recipe(name)
    if hasattr(module, "RECIPE"):  # a declaration: profiles are task settings
        profiles = module.RECIPE.profiles
        assert set(profiles) == {"quick", "full"}
        assert profiles["full"]["epochs"] >= profiles["quick"]["epochs"]
        return
    profiles = module.PROFILES
    assert set(profiles) == {"quick", "full"}
    with pytest.raises(AttributeError):
        profiles["quick"].epochs = 1  # frozen dataclass
    assert profiles["full"].epochs >= profiles["quick"].epochs


def test_unknown_recipe_is_one_line():
    # The runner's argument errors are in tests/recipes/test_breast_cancer.py.
    with pytest.raises(ValueError, match="Unknown recipe 'breast_cancr'. Did you mean "
                                         "'breast_cancer'"):
        get_recipe("breast_cancr")
