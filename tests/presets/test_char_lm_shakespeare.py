"""The char_lm_shakespeare preset stands alone as a LanguageModel task: it loads by name with its
checksums verified, answers raw text (next characters, greedy generation equal to an argmax
loop over its backbone), re-scores its recorded test metrics on the real test split, and its
backbone is the model the committed export artifacts were checked against."""

from __future__ import annotations

import numpy as np
import pytest

from recipes.char_lm_shakespeare import RECIPE
from rnn_zoo import runner
from rnn_zoo.exporters import ATOL, RTOL
from rnn_zoo.presets import get_preset
from rnn_zoo.tasks import LanguageModel, Task

NAME = "char_lm_shakespeare"


@pytest.fixture(scope="module")
def lm():
    return LanguageModel.from_preset(NAME)


@pytest.fixture(scope="module")
def splits():
    return runner.load_splits(RECIPE)


def test_loads_by_name_as_a_language_model(lm):
    assert isinstance(Task.from_preset(NAME), LanguageModel)
    metrics = get_preset(NAME).metrics
    assert lm.vocabulary == metrics["dataset"]["vocabulary"]
    assert lm.config["boundary"] is False and lm.config["drop_remainder"] is True
    assert int(lm.backbone.count_params()) == metrics["model"]["params"]
    assert metrics["task"]["class"] == "LanguageModel"


def test_answers_raw_text(lm):
    assert lm.predict(["ROMEO", "To be, or not to b"]) == [":", "e"]
    top = lm.next_tokens("KING RICHARD II", top_k=3)
    assert top[0][0] == "I" and all(p > 0 for _, p in top)
    text = lm.generate("JULIET:", length=30, temperature=0.8, seed=5)
    assert text.startswith("JULIET:") and len(text) == len("JULIET:") + 30
    assert text == lm.generate("JULIET:", length=30, temperature=0.8, seed=5)


def test_cold_generation_is_the_argmax_of_the_backbone(lm):
    index = {ch: i for i, ch in enumerate(lm.vocabulary)}
    ids = [index[ch] for ch in "ROMEO:"]
    for _ in range(10):
        logits = np.asarray(lm.backbone.predict_on_batch(np.array([ids], np.int32)))[0, -1]
        logits[:2] = -np.inf  # padding and [UNK] are never generated
        ids.append(int(np.argmax(logits)))
    expected = "ROMEO:" + "".join(lm.vocabulary[i] for i in ids[6:])
    assert lm.generate("ROMEO:", length=10, temperature=1e-4, seed=0) == expected


def test_rescores_the_recorded_test_metrics(lm, splits):
    recorded = get_preset(NAME).metrics["test"]
    found = lm.evaluate(splits["test"][0])
    assert found["tokens"] == 55_700  # the recorded run's 557 chunks of 100
    assert found["loss"] == pytest.approx(recorded["test_loss"], rel=1e-5)
    assert found["accuracy"] == pytest.approx(recorded["test_accuracy"], abs=1 / 55_700)
    assert found["bits_per_token"] == pytest.approx(recorded["test_bits_per_char"], rel=1e-5)


def test_the_bar_is_scored_in_nanogpts_256_character_blocks(splits):
    metrics = get_preset(NAME).metrics
    evaluation = metrics["rescored"]["evaluation"]
    assert evaluation == {"eval_seq_len": RECIPE.profiles["full"]["eval_seq_len"]} \
        == {"eval_seq_len": 256}
    lm = LanguageModel.from_preset(NAME).set_evaluation(**evaluation)
    found = lm.evaluate(splits["validation+test"][0])
    assert found["tokens"] == 435 * 256  # every whole window of the 111,540 characters
    reported = metrics["reports"]["validation+test"]["metrics"]
    assert found["loss"] == pytest.approx(reported["loss"], rel=1e-5)
    (bar,) = metrics["bars"]
    assert bar["split"] == "validation+test" and bar["met"] is True
    assert found["loss"] < bar["target"] == 1.45
    assert metrics["model"]["params"] <= 3.32e6  # a third of the baby GPT's 10.7 M


def test_backbone_is_the_model_of_the_committed_artifacts(lm):
    from rnn_zoo.exporters import load_result

    folder = get_preset(NAME).path
    cases = np.load(folder / "parity_cases.npz")
    inputs = sorted(k for k in cases.files if k.endswith("/in/tokens"))
    assert inputs, cases.files
    for key in inputs:
        expected = cases[key.replace("/in/tokens", "/out/outputs")]
        got = np.asarray(lm.backbone.predict_on_batch(cases[key]))
        assert np.allclose(got, expected, atol=ATOL, rtol=RTOL), key
    assert load_result(folder).manifest["name"] == NAME
