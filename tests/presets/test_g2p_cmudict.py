"""The g2p_cmudict preset is the Seq2Seq task `rnn-zoo train g2p_cmudict --profile full` saved,
trained on the standard split of the G2P literature (`cmudict/cntk`): it loads by name with its
checksums verified, transcribes raw words, shows the published anchors next to its numbers, and
re-scores its recorded test metrics, error for error, on the 11,994 CNTK test words."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from recipes.g2p_cmudict import RECIPE
from rnn_zoo import runner
from rnn_zoo.presets import get_preset
from rnn_zoo.tasks import Seq2Seq, Task

NAME = "g2p_cmudict"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def task():
    return Seq2Seq.from_preset(NAME)


@pytest.fixture(scope="module")
def metrics():
    return get_preset(NAME).metrics


def test_loads_by_name_as_the_recipes_task(task, metrics):
    assert isinstance(Task.from_preset(NAME), Seq2Seq)
    assert metrics["model"]["task"] == "Seq2Seq"
    assert metrics["dataset"]["name"] == "cmudict/cntk"
    assert metrics["dataset"]["examples"]["test"] == metrics["test"]["examples"] == 11_994
    assert task.config == {**task.config, **RECIPE.settings("full")}
    assert int(task.backbone.count_params()) == metrics["model"]["params"]


def test_transcribes_raw_words(task):
    words = ["zoology", "ZOOLOGY", "knowledge", "phonograph"]
    found = task.predict(words)
    assert found[0] == found[1]  # lower-cased like training
    assert found[2:] == ["N AA1 L IH0 JH", "F OW1 N AH0 G R AE2 F"]
    # `predict` is the search inside model.keras; `translate` builds the same one.
    assert task.translate(words[2:], beam_size=task.config["beam_size"]) == found[2:]


def test_the_readme_runs_the_int8_tflite_file_as_written(task, monkeypatch):
    """The README's on-device snippet (the stock LiteRT interpreter, the committed
    model_int8.tflite, source ids from export.json), run from the repository root."""
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"),
                        re.S)
    (block,) = [b for b in blocks if "g2p_cmudict" in b and "model_int8.tflite" in b]
    monkeypatch.chdir(REPO)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block, "README.md", "exec"), {})
    assert printed.getvalue() == task.predict(["zoology"])[0] + "\n"


def test_a_tampered_preset_is_refused(tmp_path):
    copy = tmp_path / NAME
    shutil.copytree(get_preset(NAME).path, copy)
    (copy / "task.json").write_text((copy / "task.json").read_text().replace(
        '"beam_size": 5', '"beam_size": 4'))
    with pytest.raises(ValueError, match="task.json"):
        Task.from_preset(copy)


def test_rescores_the_recorded_test_metrics(task, metrics):
    words, pronunciations = runner.load_splits(RECIPE)["test"]
    found = task.evaluate(words, pronunciations)
    recorded = metrics["test"]
    assert found["examples"] == recorded["examples"] == len(words) == 11_994
    # Beam and greedy search, stress removed (the anchors' protocol) and kept: every count.
    for search in ("", "greedy_"):
        for stress in ("", "verbatim_"):
            for count in ("exact_matches", "token_errors", "reference_tokens"):
                key = f"{search}{stress}{count}"
                assert found[key] == recorded[key], key
    assert found["exact_match"] == pytest.approx(recorded["exact_match"], abs=1e-12)
    assert found["token_error_rate"] == pytest.approx(recorded["token_error_rate"], abs=1e-12)
    assert found["exact_match"] == pytest.approx(found["exact_matches"] / 11_994, abs=1e-12)
