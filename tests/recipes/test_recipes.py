"""Generic checks over every declared offline recipe, none of which trains a recipe again (each
recipe's quick run is in tests/recipes/test_<name>.py): the module is a declaration the runner
takes, its profiles are `quick` and `full` with full epochs >= quick, every profile's settings
are its task's, its baselines resolve, and its bars name metrics its task reports (scored by
the committed preset's task on a slice of the test split). One short breast_cancer run checks
the run folder and `metrics.json` schema every recipe's run shares."""

from __future__ import annotations

import dataclasses
import json
import shlex

import pytest

from rnn_zoo import presets, runner, tasks
from rnn_zoo.cli import build_parser
from rnn_zoo.recipe import Recipe
from rnn_zoo.recipe_finder import describe_recipe, get_recipe, list_recipes
from rnn_zoo.tasks import load_task
from rnn_zoo.training import read_history

RECIPES = list_recipes()
METRIC_KEYS = {"recipe", "profile", "config", "seed", "command", "cwd", "created", "model",
               "dataset", "test", "baselines", "bar", "bars", "beats_trivial_baseline",
               "training", "versions"}


def test_every_offline_recipe_is_found():
    assert {"breast_cancer", "sunspots_forecast", "japanese_vowels", "digit_captions",
            "char_lm_shakespeare", "tweet_sentiment", "g2p_cmudict"} <= set(RECIPES)


@pytest.mark.parametrize("name", RECIPES)
def test_the_recipe_is_a_valid_declaration(name):
    module = get_recipe(name)
    recipe = module.RECIPE
    assert isinstance(recipe, Recipe) and recipe.name == name and not recipe.online
    assert set(recipe.profiles) == {"quick", "full"}
    assert recipe.profiles["full"]["epochs"] >= recipe.profiles["quick"]["epochs"] >= 1
    for profile in recipe.profiles:
        getattr(tasks, recipe.task)(**recipe.settings(profile))  # every setting is the task's
    made = recipe.make_baselines()
    assert set(made) == set(recipe.baselines) and all(map(callable, made.values()))
    assert recipe.trivial in made
    assert describe_recipe(name)["summary"]  # what `rnn-zoo list` shows


def _test_slice(recipe):
    """A few test examples: enough to see which metrics the task reports. A dataset whose test
    split is one example (a series, a text) gives that one."""
    train, whole = recipe.data.splits["train"], recipe.data.splits["test"]  # their TFDS names
    for test in (f"{whole}[:8]", whole):
        sliced = dataclasses.replace(recipe, data=dataclasses.replace(
            recipe.data, splits={"train": f"{train}[:1]", "test": test}))
        try:
            return runner.load_splits(sliced)["test"]
        except ValueError:
            if test == whole:
                raise
    raise AssertionError("unreachable")


@pytest.mark.parametrize("name", [n for n in RECIPES if n in presets.list_presets()])
def test_bars_name_metrics_the_task_reports(name):
    recipe = get_recipe(name).RECIPE
    split = _test_slice(recipe)
    if split[1] is None:  # a language model's test split is one long text: its start will do
        split = ([text[:2000] for text in split[0]], None)
    task = load_task(presets.get_preset(name).path)
    scores = runner.evaluate_split(task, split)
    for bar in recipe.bars:
        assert bar.metric in scores, (name, bar.metric, sorted(scores))


@pytest.fixture(scope="module")
def short_run(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("short") / "run"
    metrics = runner.train(get_recipe("breast_cancer").RECIPE, profile="quick", out_dir=out,
                           epochs=2, data_dir=recipe_data_dir, verbose=0)
    return out, metrics


def test_metrics_json_is_complete(short_run, recipe_data_dir):
    out, metrics = short_run
    on_disk = json.loads((out / runner.METRICS).read_text())
    assert on_disk == json.loads(json.dumps(metrics))
    assert set(on_disk) >= METRIC_KEYS
    recipe = get_recipe("breast_cancer").RECIPE
    assert on_disk["recipe"] == "breast_cancer" and on_disk["profile"] == "quick"
    assert on_disk["config"] == recipe.settings("quick", epochs=2)
    assert on_disk["seed"] == on_disk["config"]["seed"]
    # The command reruns this run: the CLI parses it back to the same arguments.
    command = shlex.split(on_disk["command"])
    assert command[:3] == ["rnn-zoo", "train", "breast_cancer"]
    args = build_parser().parse_args(command[1:])
    assert (args.profile, str(args.out), args.epochs, str(args.data_dir)) == (
        "quick", str(out), 2, recipe_data_dir)
    # Baselines are measured in the run, on the same test split, with the bar's metric.
    metric = on_disk["bar"]["metric"]
    assert set(on_disk["baselines"]) == set(recipe.baselines)
    assert all(metric in values for values in on_disk["baselines"].values())
    assert set(on_disk["bar"]) == {"metric", "rule", "target", "value", "met"}
    assert len(on_disk["bars"]) == len(recipe.bars)
    assert {"tensorflow", "keras", "tensorflow-datasets", "numpy", "python"} <= set(
        on_disk["versions"])
    assert on_disk["model"]["task"] == recipe.task and on_disk["model"]["params"] > 0
    assert on_disk["training"]["epochs_run"] == 2


def test_run_folder_is_a_task_folder_with_its_logs(short_run, recipe_data_dir):
    out, metrics = short_run
    for name in ("model.keras", "task.json", "best.weights.h5", "history.csv", "metrics.json"):
        assert (out / name).is_file(), name
    assert not (out / "backup").exists()
    history = read_history(out / "history.csv")
    assert history["epoch"] == list(range(metrics["training"]["epochs_run"]))
    task = load_task(out)
    assert type(task).__name__ == metrics["model"]["task"]
    assert task.config == metrics["model"]["settings"]


def test_evaluate_reproduces_the_recorded_test_metrics(short_run, recipe_data_dir):
    out, metrics = short_run
    evaluation = runner.evaluate(get_recipe("breast_cancer").RECIPE, out_dir=out,
                                 data_dir=recipe_data_dir)
    assert evaluation["test"] == metrics["test"] == evaluation["recorded_test"]
    assert json.loads((out / runner.EVALUATION).read_text())["recipe"] == "breast_cancer"


def test_unknown_recipe_is_one_line():
    # The runner's argument errors are in tests/reliability/test_bad_inputs.py.
    with pytest.raises(ValueError, match="Unknown recipe 'breast_cancr'. Did you mean "
                                         "'breast_cancer'"):
        get_recipe("breast_cancr")
