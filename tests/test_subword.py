"""Subword tokenization (`rnn_zoo.preprocessing.subword`) and `Seq2Seq`'s subword level: pieces
learned from the training side only, raw cased text restored, bad input defined or refused in
one line, and a saved model that reloads in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo.preprocessing.subword import (
    MARKER,
    SubwordDetokenizer,
    SubwordTokenizer,
    learn_subwords,
)

TEXTS = ["A man, in a blue shirt.", "Two dogs run on the grass!", "A woman (smiling) sits.",
         'A sign says "Café 42".', "The man's dog runs."]


def _round_trip(layer, texts):
    pieces = layer(tf.constant(texts))
    return [t.decode("utf-8") for t in SubwordDetokenizer()(pieces).numpy()]


def test_learning_keeps_every_character_and_stops_at_the_size():
    pieces = learn_subwords(TEXTS, vocab_size=60)
    assert len(pieces) == 60 == len(set(pieces))
    assert set("".join(TEXTS).replace(" ", "")) | {MARKER} <= set(pieces)
    assert MARKER + "man" in pieces  # a frequent word becomes one piece
    assert learn_subwords(TEXTS, vocab_size=60) == pieces  # deterministic
    # Fewer pieces than characters: the characters are all kept.
    assert len(learn_subwords(TEXTS, vocab_size=1)) == len(set("".join(TEXTS)))
    with pytest.raises(ValueError, match="`texts` is empty"):
        learn_subwords([], vocab_size=10)


def test_cased_text_and_punctuation_round_trip_exactly():
    layer = SubwordTokenizer(vocabulary=learn_subwords(TEXTS, vocab_size=80))
    assert _round_trip(layer, TEXTS) == TEXTS
    # Whitespace runs, tabs and the marker itself read as one space; ends are stripped.
    assert _round_trip(layer, ["  A\tman ,  in\u2581a  shirt. "]) == ["A man , in a shirt."]
    pieces = layer(tf.constant(["A man, in a blue shirt."])).numpy()[0].decode().split(" ")
    assert pieces[0].startswith(MARKER) and "," in pieces  # punctuation is its own piece


def test_unknown_characters_empty_strings_and_invalid_bytes_have_defined_outputs():
    layer = SubwordTokenizer(vocabulary=learn_subwords(TEXTS, vocab_size=80))
    found = [t.decode("utf-8") for t in layer(tf.constant(
        ["A ✓ man", "", "   ", b"A m\xffan"])).numpy()]
    assert found[0].split(" ") == [MARKER + "A", MARKER, "[UNK]", MARKER + "man"]
    assert found[1:3] == ["", ""]
    # An invalid byte reads as U+FFFD, a character the vocabulary lacks: one [UNK] piece.
    assert found[3].split(" ")[0] == MARKER + "A" and found[3].count("[UNK]") == 1
    assert found[3].replace(" ", "").replace("[UNK]", "") == f"{MARKER}A{MARKER}man"
    assert layer(tf.constant([], tf.string)).shape == (0,)


def test_the_layers_serialise():
    layer = SubwordTokenizer(vocabulary=["▁", "a", "▁a"], lowercase=True, name="s")
    again = SubwordTokenizer.from_config(layer.get_config())
    assert again.vocabulary == layer.vocabulary and again.lowercase
    assert _round_trip(again, ["A a"]) == ["a a"]
    with pytest.raises(ValueError, match="distinct pieces without whitespace"):
        SubwordTokenizer(vocabulary=["a b"])
    with pytest.raises(TypeError, match="`vocabulary`"):
        SubwordTokenizer(vocabulary="abc")


@pytest.fixture(scope="module")
def toy_task(tmp_path_factory):
    from rnn_zoo.tasks import Seq2Seq

    words = ["Cat", "Dog", "Bird", "Fish", "Cow", "Horse"]
    german = {"Cat": "Katze", "Dog": "Hund", "Bird": "Vogel", "Fish": "Fisch", "Cow": "Kuh",
              "Horse": "Pferd"}
    sources = [f"A {w}." for w in words] * 12
    targets = [f"Ein {german[w]}." for w in words] * 12
    task = Seq2Seq(source_level="subword", target_level="subword", source_lowercase=False,
                   max_source_tokens=40, max_target_tokens=40, max_source_length=16,
                   max_target_length=16, units=16, embedding_dim=16, cell="gru",
                   dropout=0.0, epochs=1, batch_size=8, learning_rate=1e-2, beam_size=2,
                   num_buckets=1, target_language="de", seed=0)
    task.fit(sources, targets, validation_data=(sources[:6], targets[:6]), verbose=0)
    folder = task.save(tmp_path_factory.mktemp("subword_task") / "task")
    return task, folder, sources[:6], targets[:6]


def test_pieces_come_from_the_training_side_only(toy_task):
    task, _, _, _ = toy_task
    source, target = task.state["source_subwords"], task.state["target_subwords"]
    assert "K" in target and "K" not in source  # 'Katze' is German only
    assert len(source) <= 40 - 2 and len(target) <= 40 - 4
    assert set(task.state["target_vocabulary"][4:]) <= set(target)


def test_outputs_are_detokenised_text_and_scores_are_text_scores(toy_task):
    task, _, sources, targets = toy_task
    found = task.predict(sources)
    assert all(isinstance(t, str) and MARKER not in t and "  " not in t for t in found)
    scores = task.evaluate(sources, targets, references=[t.lower().replace(".", " .")
                                                         for t in targets])
    assert {"bleu", "bleu_signature", "chrf", "lc_tok_bleu", "tokenized_bleu",
            "exact_match"} <= set(scores)
    assert "tok:13a" in scores["bleu_signature"] and "tok:none" in \
        scores["lc_tok_bleu_signature"]
    with pytest.raises(ValueError, match="`references` has 1 entries for 6 sources"):
        task.evaluate(sources, targets, references=["x"])


def test_bad_input_is_a_one_line_error(toy_task):
    task, _, _, _ = toy_task
    with pytest.raises(ValueError, match=r"`x\[0\]` is empty"):
        task.predict([""])
    with pytest.raises(ValueError, match=r"`x\[1\]` is not valid UTF-8 \(byte 0xff"):
        task.predict(["A Cat.", "A \udcff Cat."])
    with pytest.raises(ValueError, match=r"`x\[0\]` .* has [0-9]+ pieces; this task reads "
                                         r"at most max_source_length=16"):
        task.predict([" ".join(["Cat"] * 20)])


def test_a_saved_model_reloads_in_a_fresh_process(toy_task):
    task, folder, sources, _ = toy_task
    expected = task.predict(sources)
    # The raw `model.keras` (no task code): its layers are registered by importing rnn_zoo.
    code = (
        "import json, sys, keras, numpy as np, rnn_zoo.preprocessing.subword, "
        "rnn_zoo.tasks\n"
        "from rnn_zoo.tasks import load_task\n"
        f"task = load_task({str(folder)!r})\n"
        f"print(json.dumps(task.predict({sources!r})))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"KERAS_BACKEND": "tensorflow",
                                          "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == expected
    raw = task.model(tf.constant([b"A \xff Cat."]))["text"].numpy()
    assert isinstance(raw[0], bytes) and np.asarray(raw).shape == (1,)


def test_the_exported_saved_model_maps_raw_sentences_to_raw_sentences(toy_task, tmp_path):
    task, _, sources, _ = toy_task
    task.export(tmp_path / "export", formats=["saved_model"])  # parity-checked on export
    # A fresh process with TensorFlow alone: the tokenizer, the search and the detokenizer
    # are all in the graph (plain tf ops, no custom op library to load).
    code = (
        "import json, tensorflow as tf\n"
        f"serve = tf.saved_model.load({str(tmp_path / 'export' / 'saved_model')!r})"
        ".signatures['serving_default']\n"
        f"out = serve(text=tf.constant({sources!r}))['text'].numpy()\n"
        "print(json.dumps([t.decode('utf-8') for t in out]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == task.predict(sources)
