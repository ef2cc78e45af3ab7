"""The committed `g2p_cmudict` preset in the task form: it loads through `Task.from_preset`
(checksums verified), transcribes raw words with the backbone trained by the recorded run, and
re-scores the recorded test metrics, error for error, on the real 12,000-word test split of
`cmudict/zoo_v1`, the split it was trained and scored on (the recipe now reads `cmudict/cntk`)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from recipes.g2p_cmudict import RECIPE, ZOO_V1_DATA
from rnn_zoo import runner
from rnn_zoo.tasks import Seq2Seq, Task

COMMITTED = Path(__file__).resolve().parents[2] / "saved_models"
FOLDER = COMMITTED / "g2p_cmudict"
TRAINED_ON = dataclasses.replace(RECIPE, data=ZOO_V1_DATA)  # the preset's split


@pytest.fixture(scope="module")
def task():
    return Seq2Seq.from_preset("g2p_cmudict", presets_dir=COMMITTED)


@pytest.fixture(scope="module")
def metrics():
    return json.loads((FOLDER / "metrics.json").read_text(encoding="utf-8"))


def test_loads_as_the_recipes_task(task, metrics):
    assert isinstance(task, Seq2Seq)
    assert task.config == {**task.config, **RECIPE.settings("full")}
    assert metrics["task"]["class"] == "Seq2Seq"
    assert metrics["task"]["republished_by"] == "python scripts/presets_as_tasks/g2p_cmudict.py"
    prep = metrics["preprocessing"]
    assert task.state["source_vocabulary"] == prep["source_vocabulary"]
    assert task.state["target_vocabulary"] == prep["target_vocabulary"]
    assert task.backbone.count_params() == metrics["model"]["params"]


def test_the_backbone_is_the_trained_one(task, metrics):
    spec = importlib.util.spec_from_file_location(
        "convert", FOLDER.parents[1] / "scripts" / "presets_as_tasks" / "g2p_cmudict.py")
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)
    assert convert.weights_sha256(task.backbone) == metrics["task"]["backbone_weights_sha256"]


def test_transcribes_raw_words_as_recorded(task, metrics):
    examples = metrics["test"]["examples"]
    assert task.predict([e["word"] for e in examples]) == [e["beam"] for e in examples]
    assert task.predict(["ZOOLOGY"]) == task.predict(["zoology"])


def test_a_tampered_preset_is_refused(tmp_path):
    copy = tmp_path / "g2p_cmudict"
    shutil.copytree(FOLDER, copy)
    (copy / "task.json").write_text((copy / "task.json").read_text().replace(
        '"beam_size": 5', '"beam_size": 4'))
    with pytest.raises(ValueError, match="task.json"):
        Task.from_preset(copy)


def test_rescores_the_recorded_test_metrics(task, metrics):
    words, pronunciations = runner.load_splits(TRAINED_ON)["test"]
    found = task.evaluate(words, pronunciations)
    recorded = metrics["test"]["details"]
    assert found["examples"] == metrics["dataset"]["test_words"] == 12_000
    for prefix, search in (("", "beam"), ("greedy_", "greedy")):
        for key, stress in (("", "stress_removed"), ("verbatim_", "stress_kept")):
            old = recorded[search][stress]
            assert found["examples"] - found[f"{prefix}{key}exact_matches"] == old["word_errors"]
            assert found[f"{prefix}{key}token_errors"] == old["symbol_errors"]
            assert found[f"{prefix}{key}reference_tokens"] == old["reference_symbols"]
    assert 1 - found["exact_match"] == pytest.approx(metrics["test"]["wer"], abs=1e-12)
    assert found["token_error_rate"] == pytest.approx(metrics["test"]["per"], abs=1e-12)
