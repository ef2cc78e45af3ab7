"""g2p_cmudict: scoring with and without stress, the letter-rules baseline and the predict hook on
tiny hand-made cases. (The quick profile itself runs in tests/recipes/test_recipes.py.)"""

from __future__ import annotations

import types

import keras
import pytest

from recipes import g2p_cmudict as g2p
from rnn_zoo import encoder_decoder

SOURCE_VOCAB = ["", "[UNK]", "a", "b", "c", "t"]
TARGET_VOCAB = ["", "[UNK]", "<start>", "<end>", "AE1", "B", "K", "T"]


def test_stress_is_removed_for_the_headline_metrics():
    found = g2p.score_pronunciations(["K AE0 T", "B AE1 T"], [["K AE1 T"], ["B AE1 D"]])
    assert found["wer"] == 0.5 and found["per"] == pytest.approx(1 / 6)
    assert found["wer_stress"] == 1.0 and found["per_stress"] == pytest.approx(2 / 6)


def test_letter_rules_count_only_one_to_one_words():
    words = [("cat", ["K AE1 T"]), ("bat", ["B AE1 T"]), ("cab", ["K AE1 B"]),
             ("catt", ["K AE1 T"])]  # 4 letters, 3 phonemes: not counted
    rules = g2p.letter_rules(words)
    assert rules == {"c": "K", "a": "AE1", "t": "T", "b": "B"}
    scored = g2p.baselines({"train_words": words, "test_words": [("tab", ["T AE1 B"])]})
    assert scored["letter_rules"]["wer"] == 0.0


@pytest.fixture(scope="module")
def tiny_preset():
    keras.utils.set_random_seed(0)
    model = encoder_decoder(source_vocab_size=len(SOURCE_VOCAB),
                            target_vocab_size=len(TARGET_VOCAB), units=4, embedding_dim=4,
                            bidirectional=True, attention="bahdanau")
    metrics = {"config": {"max_output_length": 6},
               "preprocessing": {"source_vocabulary": SOURCE_VOCAB,
                                 "target_vocabulary": TARGET_VOCAB}}
    return model, types.SimpleNamespace(name="g2p_cmudict", metrics=metrics)


@pytest.mark.parametrize("beam", [1, 3])
def test_predict_prints_one_line_per_word(tiny_preset, beam):
    model, preset = tiny_preset
    lines = g2p.predict(model, preset, ["cat", "Tab"], beam=beam).splitlines()
    assert [line.split()[0] for line in lines] == ["cat", "Tab"]
    for line in lines:
        phones = line.split()[1:]
        assert len(phones) <= 6 and set(phones) <= set(TARGET_VOCAB[4:])


@pytest.mark.parametrize(
    ("inputs", "options", "message"),
    [([], {}, "Give one or more words"),
     (["cat"], {"beam": 0}, "beam"),
     (["cat"], {"prompt": "x"}, "prompt")],
)
def test_predict_errors_are_clear(tiny_preset, inputs, options, message):
    model, preset = tiny_preset
    with pytest.raises(ValueError, match=message):
        g2p.predict(model, preset, inputs, **options)
