"""The online recipes (`imdb_reviews`, `ted_hrlr_translate`) end to end on TFDS mock data.

The real datasets need the network, which tests may not use, so each recipe's `quick` profile runs
under `tfds.testing.mock_data` (`MockPolicy.USE_CODE`: the catalog builder's own code, offline):
the real loading code and pipeline -> registry model -> a training epoch -> test evaluation
(greedy decoding + BLEU for translation) -> baselines -> `metrics.json` and `model.keras`
(`ted_hrlr_translate` is a declaration: `rnn_zoo.runner` trains its `Seq2Seq` task).
Mock data is random strings and labels, so these tests check structure, shapes and finite
numbers only; they are not evidence of model quality (the `full` profiles are, run online).
"""

from __future__ import annotations

import json
import math

import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets
from recipes import ONLINE_RECIPES, RECIPES, get_recipe, list_recipes
from rnn_zoo import runner
from rnn_zoo.data import imdb_reviews_pipeline, ted_hrlr_pt_to_en_pipeline
from rnn_zoo.datasets import loading
from rnn_zoo.tasks import load_task

KEYS = {"recipe", "profile", "config", "test", "baselines", "bar", "beats_trivial_baseline",
        "training", "model", "dataset", "command"}


@pytest.fixture(autouse=True)
def no_default_manual_dir(monkeypatch, tmp_path):
    """Only the manual dirs a test passes, never the developer's environment or checkout."""
    monkeypatch.delenv(rnn_zoo.datasets.MANUAL_DIR_ENV, raising=False)
    monkeypatch.setattr(loading, "_CHECKOUT_MANUAL_DIR", tmp_path / "no_checkout_manual_dir")


@pytest.fixture
def no_network(monkeypatch):
    """Any TFDS download fails the way a closed network does, without trying."""

    def refuse(self, resource):
        raise ConnectionError(f"network disabled in tests ({resource.url})")

    monkeypatch.setattr(tfds.download.DownloadManager, "_download", refuse)


def _mock(num_examples):
    return tfds.testing.mock_data(num_examples=num_examples,
                                  policy=tfds.testing.MockPolicy.USE_CODE)


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _check_run(name, out, metrics):
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk == metrics
    assert set(on_disk) >= KEYS
    assert on_disk["recipe"] == name and on_disk["profile"] == "quick"
    assert (out / "model.keras").is_file() and (out / "history.csv").is_file()
    assert on_disk["training"]["epochs_run"] == 1
    metric = on_disk["bar"]["metric"]
    assert _finite(on_disk["test"][metric])
    for values in on_disk["baselines"].values():
        assert _finite(values[metric])
    assert on_disk["beats_trivial_baseline"]["baseline"] in on_disk["baselines"]
    assert "--manual-dir" not in on_disk["command"]
    return on_disk


def test_online_recipes_are_registered_and_marked():
    assert {"imdb_reviews", "ted_hrlr_translate"} == ONLINE_RECIPES
    assert set(RECIPES) >= ONLINE_RECIPES
    assert set(list_recipes(online=True)) >= ONLINE_RECIPES
    assert not ONLINE_RECIPES & set(list_recipes())  # the offline suite trains the others
    for name in ONLINE_RECIPES:
        recipe = get_recipe(name).RECIPE  # a declaration (rnn_zoo.recipe.Recipe)
        assert recipe.online and set(recipe.profiles) == {"quick", "full"}
        assert recipe.profiles["full"]["epochs"] >= recipe.profiles["quick"]["epochs"]


def test_imdb_reviews_quick_with_mock_data(tmp_path):
    from recipes.imdb_reviews import RECIPE
    from rnn_zoo import runner
    from rnn_zoo.tasks import load_task

    out = tmp_path / "run"
    with _mock(40):
        metrics = runner.train(RECIPE, profile="quick", out_dir=out,
                               data_dir=str(tmp_path / "tfds"), verbose=0, epochs=1)
        evaluation = runner.evaluate(RECIPE, out_dir=out, data_dir=str(tmp_path / "tfds"))
    metrics = _check_run("imdb_reviews", out, metrics)
    # The task carves its validation part (10 %) from the 40 train reviews.
    assert metrics["dataset"]["examples"] == {"train": 40, "test": 40}
    assert set(metrics["baselines"]) == {"majority_class", "tfidf_logistic_regression"}
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0 and metrics["test"]["examples"] == 40
    assert metrics["model"]["task"] == "TextClassifier"
    assert metrics["bar"]["rule"] == ">= 0.843"
    assert evaluation["test"] == metrics["test"]
    assert len(load_task(out).predict(["a fine film", ""])) == 2


def test_ted_hrlr_translate_quick_with_mock_data(tmp_path):
    out, data_dir = tmp_path / "run", str(tmp_path / "tfds")
    recipe = get_recipe("ted_hrlr_translate").RECIPE
    with _mock(24):
        metrics = runner.train(recipe, profile="quick", out_dir=out, data_dir=data_dir,
                               verbose=0, epochs=1)
        evaluation = runner.evaluate(recipe, out_dir=out, data_dir=data_dir)
        sources, references = runner.load_splits(recipe, data_dir=data_dir)["test"]
    metrics = _check_run("ted_hrlr_translate", out, metrics)
    test = metrics["test"]
    assert 0.0 <= test["tokenized_bleu"] <= 1.0 and 0.0 <= test["exact_match"] <= 1.0
    assert _finite(test["token_error_rate"]) and test["reference_tokens"] > 0
    assert test["examples"] == metrics["dataset"]["examples"]["test"] == 24
    assert test["search"]["beam_size"] == 1  # greedy, as the recipe declares
    assert set(metrics["baselines"]) == {"copy_source"}
    assert metrics["bar"]["rule"] == ">= baselines.copy_source"
    assert metrics["command"].startswith("rnn-zoo train ted_hrlr_translate --profile quick")
    assert evaluation["test"] == test
    task = load_task(out)  # raw Portuguese in, English out
    assert all(isinstance(t, str) for t in task.predict(sources[:3]))
    assert len(references) == 24


@pytest.mark.parametrize("load", [
    lambda d: imdb_reviews_pipeline(split="train", batch_size=2, data_dir=d),
    lambda d: ted_hrlr_pt_to_en_pipeline(split="train", batch_size=2, data_dir=d),
], ids=["imdb_reviews", "ted_hrlr_translate"])
def test_without_network_or_manual_files_the_error_is_one_line(load, tmp_path, no_network):
    with pytest.raises(FileNotFoundError, match="could not download .* no manual file") as info:
        load(str(tmp_path / "tfds"))
    message = str(info.value)
    assert "\n" not in message and "manual_dir=<dir>" in message
