"""Seq2Seq: raw strings in, raw strings out; tokenizers, beam search and detokenizer travel inside
the saved model."""

from __future__ import annotations

import itertools
import sys

import keras
import numpy as np
import pytest
import sacrebleu

from rnn_zoo.tasks import Seq2Seq
from tests.tasks.harness import TaskCase, check_task, one_line

# A word-for-word lexicon: learnable in a few seconds, and it needs the attention to align.
LEXICON = {"one": "un", "two": "deux", "three": "trois", "cat": "chat", "dog": "chien",
           "big": "grand"}
SOURCES = [" ".join(pair) for pair in itertools.permutations(LEXICON, 2)]
TARGETS = [" ".join(LEXICON[w] for w in s.split()) for s in SOURCES]
CAP = 12  # max_source_length of the tiny task


def tiny(**kwargs):
    return Seq2Seq(**{"units": 16, "embedding_dim": 16, "dropout": 0.0, "epochs": 2,
                      "learning_rate": 2e-2, "warmup_epochs": 0, "batch_size": 8,
                      "min_count": 1, "max_source_length": CAP, "max_target_length": 8,
                      **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    case = TaskCase(
        make=lambda: tiny(epochs=10, patience=10, learning_rate=3e-2, units=24, num_buckets=1,
                          validation_split=0.2),
        x=SOURCES * 2, y=TARGETS * 2,
        x_new=["one two", "CAT, dog!", "ünïcödé 😀", "one", " ".join(["dog"] * CAP)],
        bad_x=[("one text", "`x` must be a list of strings"), ([], "`x` is empty"),
               (["ok", 3], "`x[1]` must be a str"), ([""], "`x[0]` is empty"),
               (["one", "   "], "`x[1]` is '   ', which has no tokens"),
               ([" ".join(["dog"] * (CAP + 1))], "at most max_source_length=12"),
               (["bad \udc80"], "`x[0]` is not valid UTF-8")],
        outputs=lambda task, x: task.translate_scores(x, beam_size=2))
    return check_task(case, tmp_path_factory.mktemp("seq2seq"))


def test_learns_the_lexicon(trained):
    scores = trained.evaluate(SOURCES, TARGETS)
    assert scores["exact_match"] >= 0.8 and scores["token_error_rate"] <= 0.1, scores
    assert trained.translate(["two dog"], beam_size=3) == ["deux chien"]


def test_vocabularies_come_from_the_training_pairs(trained):
    source, target = trained.state["source_vocabulary"], trained.state["target_vocabulary"]
    assert source[:2] == ["", "[UNK]"] and set(source[2:]) == set(LEXICON)
    assert target[:4] == ["", "[UNK]", "<start>", "<end>"]
    assert set(target[4:]) == set(LEXICON.values())


def test_outputs_are_the_decoded_tokens_joined_by_spaces(trained):
    found = trained._decode(SOURCES[:6], beam_size=2, max_length=None, batch_size=4,
                            name="texts")
    vocabulary = trained.state["target_vocabulary"]
    for text, ids in zip(found["text"], found["ids"], strict=True):
        stop = list(ids).index(3) if 3 in ids else len(ids)
        assert text == " ".join(vocabulary[i] for i in ids[:stop] if i), (text, ids)


def test_model_keras_alone_translates_raw_strings(trained, tmp_path):
    import tensorflow as tf

    trained.save(tmp_path / "task")
    model = keras.saving.load_model(tmp_path / "task" / "model.keras")  # safe mode
    texts = ["one two", "big cat", ""]
    out = model(tf.constant(texts))
    decoded = [t.decode("utf-8") for t in out["text"].numpy()]
    assert decoded[:2] == trained.predict(texts[:2])
    assert decoded[2] == "" and not out["ids"].numpy()[2].any()  # an empty source: empty output


def test_model_keras_holds_no_optimizer_state(trained, tmp_path):
    import io
    import zipfile

    import h5py

    trained.save(tmp_path / "task")
    with zipfile.ZipFile(tmp_path / "task" / "model.keras") as saved:
        weights = h5py.File(io.BytesIO(saved.read("model.weights.h5")), "r")
    stored = []
    weights.visititems(lambda name, obj: stored.append((name, obj.size))
                       if isinstance(obj, h5py.Dataset) else None)
    assert not [name for name, _ in stored if "optimizer" in name]
    assert sum(size for _, size in stored) == trained.backbone.count_params()


def test_beam_and_length_settings(trained):
    vocab = len(trained.state["target_vocabulary"])
    greedy = trained.translate(SOURCES[:4])
    assert greedy == trained.translate(SOURCES[:4], beam_size=1, batch_size=1)
    assert all(isinstance(t, str) for t in trained.translate(SOURCES[:4], beam_size=vocab))
    assert all(len(t.split()) <= 1 for t in trained.translate(SOURCES[:4], max_length=1))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"beam_size": 0}, "`beam_size` must be an int >= 1"),
    ({"beam_size": 99}, "`beam_size` must be an int in [1, 10]"),
    ({"beam_size": 2.0}, "`beam_size` must be an int >= 1"),
    ({"max_length": 0}, "`max_length` must be an int in [1, 9]"),
    ({"max_length": 10}, "`max_length` must be an int in [1, 9]"),
    ({"batch_size": 0}, "`batch_size` must be an int >= 1"),
])
def test_bad_translate_arguments_are_one_line_errors(trained, kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        trained.translate(["one two"], **kwargs)
    assert message in one_line(excinfo)


def test_evaluate_scores_tokens_and_bleu(trained, monkeypatch):
    references = trained._tokens(TARGETS, "target")
    perfect = trained._scores(TARGETS, {"text": [" ".join(r) for r in references]})
    assert perfect["exact_match"] == 1.0 and perfect["token_error_rate"] == 0.0
    # sacreBLEU (a dependency) on the same tokens: two-word sentences have no 3- or 4-grams.
    texts = [" ".join(r) for r in references]
    assert perfect["bleu"] == pytest.approx(
        sacrebleu.corpus_bleu(texts, [texts], tokenize="none").score)
    wrong = trained._scores(TARGETS[:2], {"text": ["un", ""]})
    # "un deux" -> "un": one deletion; "un trois" -> "": two; over four reference tokens.
    assert wrong["exact_match"] == 0.0 and wrong["token_error_rate"] == pytest.approx(3 / 4)
    monkeypatch.setitem(sys.modules, "sacrebleu", None)
    assert "sacrebleu is not installed" in trained._scores(TARGETS, {"text": TARGETS})[
        "bleu_note"]


def test_score_is_evaluate_without_decoding(trained):
    decoded = trained.predict(SOURCES)
    evaluated = trained.evaluate(SOURCES, TARGETS)
    scored = trained.score(decoded, TARGETS)
    assert {k: v for k, v in evaluated.items() if k != "search"} == scored
    with pytest.raises(ValueError, match="`texts` has 1 outputs for 2 targets in `y`"):
        trained.score(["un deux"], TARGETS[:2])
    with pytest.raises(TypeError, match="`texts` must be a list of strings"):
        trained.score("un deux", TARGETS[:1])
    with pytest.raises(ValueError, match="not trained"):
        tiny().score(["un"], ["un"])


def test_label_smoothing_reaches_the_training_loss():
    task = tiny(label_smoothing=0.1, num_buckets=1)
    task._adapt(SOURCES, TARGETS)
    loss = task._build_backbone(steps_per_epoch=4).loss
    assert loss.get_config()["label_smoothing"] == 0.1
    assert tiny().config["label_smoothing"] == 0.0  # plain cross-entropy by default


def test_char_level_joins_without_spaces():
    # The preprocessing and the joining are what is tested: an untrained backbone will do.
    from rnn_zoo.topologies.encoder_decoder import encoder_decoder

    task = tiny(source_level="char", target_level="char", source_lowercase=False)
    words = ["abc", "bca", "cab", "ab c"]
    task._adapt(words, [w[::-1] for w in words])
    assert set(task.state["source_vocabulary"][2:]) == set("abc ")
    task.model = task._assemble(encoder_decoder(
        source_vocab_size=len(task.state["source_vocabulary"]),
        target_vocab_size=len(task.state["target_vocabulary"]), units=4, embedding_dim=4,
        bidirectional=True, attention="bahdanau", name="backbone"))
    found = task._decode(["abc", "ABC", "c b"], beam_size=2, max_length=None, batch_size=2,
                         name="texts")
    vocabulary = task.state["target_vocabulary"]
    for text, ids in zip(found["text"], found["ids"], strict=True):
        stop = list(ids).index(3) if 3 in ids else len(ids)
        assert text == "".join(vocabulary[i] for i in ids[:stop] if i)
    with pytest.raises(ValueError) as excinfo:
        task.translate(["a" * (CAP + 1)])
    assert "13 characters" in one_line(excinfo)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"source_level": "byte"}, "`source_level` must be one of"),
    ({"word_split": "spacy"}, "`word_split` must be one of"),
    ({"attention": "dot"}, "`attention` must be one of"),
    ({"beam_size": 0}, "`beam_size` must be an int >= 1"),
    ({"max_target_tokens": 4}, "`max_target_tokens` must be an int >= 5"),
    ({"length_penalty": -1}, "`length_penalty` must be a number >= 0"),
    ({"target_lowercase": "yes"}, "`target_lowercase` must be True or False"),
    ({"label_smoothing": 1.0}, "`label_smoothing` must be a float in [0, 1)"),
    ({"colour": "red"}, "unknown argument(s) colour"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        Seq2Seq(**kwargs)
    assert message in one_line(excinfo)


@pytest.mark.parametrize(("y", "message", "kwargs"), [
    (TARGETS[:-1], "`y` has 29 targets for 30 sources", {}),
    (TARGETS[:-1] + [""], "`y[29]` is empty", {}),
    (TARGETS[:-1] + [7], "`y[29]` must be a str, got int", {}),
    (TARGETS[:-1] + ["un " * 9], "at most max_target_length=8", {}),
    (TARGETS[:-1] + ["un <end>"], "the decoder's own start and end tokens",
     {"word_split": "whitespace"}),
])
def test_bad_training_data_are_one_line_errors(y, message, kwargs):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny(**kwargs).fit(SOURCES, y, verbose=0)
    assert message in one_line(excinfo)


def test_export_maps_raw_strings_to_raw_strings(trained, tmp_path):
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    result = trained.export(tmp_path / "export", formats=["saved_model", "tflite"])
    assert result.parity_ok, result.manifest["parity"]
    served = tf.saved_model.load(str(result.path("saved_model")))
    assert set(served.signatures) == {"serving_default", "serve_ids", "serve_tokens"}
    texts = ["one two", "big cat", ""]
    out = served.signatures["serving_default"](text=tf.constant(texts))
    assert [t.decode() for t in out["text"].numpy()] == [*trained.predict(texts[:2]), ""]
    # TFLite serves the decoding loop on source ids with builtin ops only (the stock
    # interpreter has no Flex delegate): the search's WHILE holds the decoder's own loop.
    record = result.artifacts["tflite"]
    assert record["endpoints"] == ["serve_ids"] and record["select_tf_ops"] is False
    assert not record["flex_ops"] and {"WHILE", "TOPK_V2"} <= set(record["ops"])
    runner = Interpreter(model_path=str(result.path("tflite"))).get_signature_runner("serve_ids")
    index = {w: i for i, w in enumerate(trained.state["source_vocabulary"])}
    ids = np.zeros((1, CAP), np.int32)
    ids[0, :2] = [index["one"], index["two"]]
    tokens = runner(source_ids=ids)["tokens"][0]
    assert " ".join(t.decode() for t in tokens if t) == trained.predict(["one two"])[0]
