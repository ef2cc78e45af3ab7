"""The g2p_cmudict preset is the Seq2Seq task `rnn-zoo train g2p_cmudict --profile full` saved,
trained on the standard split of the G2P literature (`cmudict/cntk`): it loads by name with its
checksums verified, transcribes raw words, shows the published anchors next to its numbers, and
its recorded outputs on the 11,994 CNTK test words (`scripts/record_test_outputs.py`) re-score
its recorded test metrics error for error, the model still decoding them (a sample of whole
batches)."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from recipes.g2p_cmudict import RECIPE
from rnn_zoo import runner
from rnn_zoo.presets import get_preset
from rnn_zoo.tasks import Seq2Seq, Task
from tests.export.conftest import script

record_test_outputs = script("record_test_outputs")

NAME = "g2p_cmudict"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def task():
    return Seq2Seq.from_preset(NAME)


@pytest.fixture(scope="module")
def test_split():
    return runner.load_splits(RECIPE)["test"]


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


def test_rescores_the_recorded_test_metrics_from_its_recorded_outputs(task, metrics, test_split):
    words, pronunciations = test_split
    outputs = record_test_outputs.read_outputs(get_preset(NAME).path)
    assert outputs["source"] == words and len(words) == metrics["test"]["examples"] == 11_994
    assert set(outputs) == {"source", "beam_5", "greedy"}
    # Beam and greedy search, stress removed (the anchors' protocol) and kept: every count.
    assert record_test_outputs.unmatched(task, metrics["test"], outputs, pronunciations) == []
    found = task.score(outputs["beam_5"], pronunciations)
    assert found["exact_match"] == pytest.approx(metrics["test"]["exact_match"], abs=1e-12)
    assert found["token_error_rate"] == pytest.approx(metrics["test"]["token_error_rate"],
                                                      abs=1e-12)
    assert found["exact_match"] == pytest.approx(found["exact_matches"] / 11_994, abs=1e-12)


def test_a_count_the_outputs_do_not_give_is_reported(task, test_split):
    words, pronunciations = test_split
    outputs = {k: v[:200] for k, v in
               record_test_outputs.read_outputs(get_preset(NAME).path).items()}
    beam, greedy = (task.score(outputs[c], pronunciations[:200]) for c in ("beam_5", "greedy"))
    record = {**beam, **{f"greedy_{k}": v for k, v in greedy.items()}}
    assert record_test_outputs.unmatched(task, record, outputs, pronunciations[:200]) == []
    errors = record["greedy_verbatim_token_errors"]
    del record["exact_matches"]
    record["greedy_verbatim_token_errors"] = errors + 1
    assert record_test_outputs.unmatched(task, record, outputs, pronunciations[:200]) == [
        f"exact_matches: recorded None, scored {beam['exact_matches']}",
        f"greedy_verbatim_token_errors: recorded {errors + 1}, scored {errors}"]


def test_the_model_still_decodes_the_recorded_outputs(task, test_split):
    """Every sixth batch of the split as `evaluate` batches it (sorted by length, the task's
    batch size): the same padded inputs, so the same outputs, search for search."""
    words, _ = test_split
    outputs = record_test_outputs.read_outputs(get_preset(NAME).path)
    size = task.config["batch_size"]
    order = np.argsort([len(w) for w in words], kind="stable")
    rows = [int(i) for begin in range(0, len(words), 6 * size) for i in order[begin:begin + size]]
    sample = [words[i] for i in rows]
    assert len(sample) >= 1_500
    assert task.predict(sample) == [outputs["beam_5"][i] for i in rows]
    assert task.translate(sample, beam_size=1) == [outputs["greedy"][i] for i in rows]
