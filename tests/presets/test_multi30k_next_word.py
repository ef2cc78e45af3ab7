"""The multi30k_next_word preset is the LanguageModel task `rnn-zoo train` saved: it loads by
name with its checksums verified, answers raw text (the next word, the top-k distribution,
generation through the carried state equal to an argmax loop over its backbone), and re-scores
its recorded test perplexity on the real test_2016_flickr sentences."""

from __future__ import annotations

import numpy as np
import pytest

from recipes.multi30k_next_word import RECIPE
from rnn_zoo import runner
from rnn_zoo.presets import get_preset
from rnn_zoo.tasks import LanguageModel, Task

NAME = "multi30k_next_word"


@pytest.fixture(scope="module")
def lm():
    return LanguageModel.from_preset(NAME)


def test_loads_by_name_as_the_recipes_task(lm):
    assert isinstance(Task.from_preset(NAME), LanguageModel)
    metrics = get_preset(NAME).metrics
    assert metrics["recipe"] == NAME and metrics["profile"] == "full"
    assert metrics["model"]["task"] == "LanguageModel"
    assert lm.config == {**lm.config, **RECIPE.settings("full")}
    assert lm.config["level"] == "word"
    assert int(lm.backbone.count_params()) == metrics["model"]["params"]


def test_card_shows_the_task_calls_and_the_device_step():
    """(What every runner-trained card shows is checked in tests/test_presets.py.)"""
    card = (get_preset(NAME).path / "README.md").read_text(encoding="utf-8")
    assert "task.next_tokens(" in card
    # The device artifact is the step with explicit state, scored on the task's own tokens.
    step = get_preset(NAME).metrics["export"]["int8"]["full_int8"]["step"]
    assert step["tokens"] == 14_400 and "chunks of 101 tokens" in step["protocol"]
    assert f"loss {step['step_float32']:.4f} (float32)" in card
    assert abs(step["step_full_int8"] - step["step_float32"]) < 0.05  # int8 costs little


def test_answers_raw_text(lm):
    assert lm.predict(["a man in a", "two dogs are"]) == ["blue", "playing"]
    top = lm.next_tokens("A man in a", top_k=5)  # standardised: lower-cased like training
    words = [w for w, _ in top]
    assert words[:2] == ["blue", "black"] and "[UNK]" not in words
    probabilities = [p for _, p in top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) < 1
    assert lm.next_tokens("a man in a", top_k=5) == top


def test_cold_generation_is_the_argmax_of_the_backbone(lm):
    vocabulary = lm.vocabulary
    index = {w: i for i, w in enumerate(vocabulary)}
    prompt = ["<s>", "a", "woman"]
    ids = [index[w] for w in prompt]
    for _ in range(8):
        logits = np.asarray(lm.backbone.predict_on_batch(np.array([ids], np.int32)))[0, -1]
        logits[:2] = -np.inf  # padding and [UNK] are never generated
        ids.append(int(np.argmax(logits)))
    expected = " ".join(["a", "woman", *(vocabulary[i] for i in ids[3:])])
    generated = lm.generate("a woman", length=8, temperature=1e-4, seed=0)
    assert generated == expected == "a woman in a blue shirt is sitting on a"


def test_rescores_the_recorded_test_metrics(lm):
    recorded = get_preset(NAME).metrics["test"]
    found = lm.evaluate(runner.load_splits(RECIPE)["test"][0])
    assert found["tokens"] == recorded["tokens"] == 14_045  # every word and sentence end once
    assert found["loss"] == pytest.approx(recorded["loss"], rel=1e-5)
    assert found["perplexity"] == pytest.approx(recorded["perplexity"], rel=1e-4)
    assert found["accuracy"] == pytest.approx(recorded["accuracy"], abs=1 / 14_045)
