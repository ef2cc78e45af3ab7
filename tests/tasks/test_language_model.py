"""LanguageModel: raw text in, next tokens, generated text and perplexity out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_zoo.tasks import LanguageModel
from tests.tasks.harness import TaskCase, check_task, one_line

# One long string with a fixed cycle: the next character is determined by the one before.
TEXT = "abcd" * 150
SENTENCES = ["a man in a red shirt .", "a dog in a red car .", "the man on a blue bike ."] * 8


def tiny(**kwargs):
    return LanguageModel(**{"units": 32, "num_layers": 1, "embedding_dim": 16, "seq_len": 16,
                            "batch_size": 8, "learning_rate": 1e-2, "epochs": 2, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    case = TaskCase(
        make=lambda: tiny(epochs=6), x=TEXT, y=None,
        x_new=["ab", "", "ünïcödé 😀", "abcd" * 2000],
        bad_x=[("ab", "`x` must be a list of prompts"), ([], "`x` is empty"),
               (["ab", 3], "`x[1]` must be a str")],
        outputs=lambda task, x: task.predict_proba(x))
    return check_task(case, tmp_path_factory.mktemp("language_model"))


@pytest.fixture(scope="module")
def words():
    return tiny(level="word", epochs=2).fit(SENTENCES, verbose=0)


def test_learns_the_cycle(trained):
    assert trained.next_tokens("abcab", top_k=1)[0][0] == "c"
    assert trained.predict(["a", "abcabc"]) == ["b", "d"]
    assert trained.generate("bc", length=8, top_k=1) == "bcdabcdabc"
    scores = trained.evaluate(TEXT[:200])
    # Uniform over the 4 letters is log(4) = 1.39 nats; the cycle is learnt far below it.
    assert scores["loss"] < 1.0 and scores["accuracy"] > 0.9, scores
    assert scores["perplexity"] == pytest.approx(math.exp(scores["loss"]))
    assert scores["tokens"] == 200  # the boundary and 199 characters: every next token once


def test_vocabulary_and_special_tokens(trained):
    assert trained.vocabulary[:3] == ["", "[UNK]", "<s>"]
    assert sorted(trained.vocabulary[3:]) == ["a", "b", "c", "d"]
    probabilities = trained.predict_proba(["ab"])[0]
    assert probabilities.shape == (7,) and probabilities.sum() == pytest.approx(1.0)
    listed = trained.next_tokens("ab", top_k=4)
    assert [t for t, _ in listed] != [] and all(t in "abcd" for t, _ in listed)
    assert [p for _, p in listed] == sorted((p for _, p in listed), reverse=True)


def test_generation_is_seeded_and_sampled(trained):
    first = trained.generate("a", length=40, temperature=1.5, seed=3)
    assert first == trained.generate("a", length=40, temperature=1.5, seed=3)
    assert first.startswith("a") and len(first) <= 41 and set(first) <= set("abcd")


def test_stream_steps_give_the_model_outputs(trained):
    from rnn_zoo.decoding import run_steps

    step, states = trained.stream()
    ids = np.array([[2, 3, 4, 5, 6]], np.int32)  # <s> then four characters
    outputs, _ = run_steps(step, inputs=ids, states=states)
    prompt = "".join(trained.vocabulary[i] for i in ids[0, 1:])
    logits = trained.predict_proba([prompt])[0]
    np.testing.assert_allclose(np.exp(outputs[0, -1]) / np.exp(outputs[0, -1]).sum(), logits,
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(("call", "message"), [
    (lambda lm: lm.generate("ab", length=5, temperature=0), "`temperature` must be a finite"),
    (lambda lm: lm.generate("ab", length=0), "`length` must be an int in [1, 10000]"),
    (lambda lm: lm.generate("ab", length=10_001), "`length` must be an int in [1, 10000]"),
    (lambda lm: lm.generate(3, length=5), "`prompt` must be a str"),
    (lambda lm: lm.generate("ab", length=5, top_k=99), "`top_k` must be at most"),
    (lambda lm: lm.next_tokens("ab", top_k=5), "`top_k` must be at most 4"),
    (lambda lm: lm.next_tokens(["ab"]), "`prompt` must be a str"),
    (lambda lm: lm.evaluate(TEXT, ["x"]), "`y` must be None"),
    (lambda lm: lm.evaluate("a"), "`x` has fewer than 2 characters"),
])
def test_bad_calls_are_one_line_errors(trained, call, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call(trained)
    assert message in one_line(excinfo)


def test_word_level(words):
    assert "red" in words.vocabulary and "shirt" in words.vocabulary
    assert all(" " not in t for t in words.vocabulary)
    listed = words.next_tokens("A man in a", top_k=3)
    assert len(listed) == 3 and all(t in words.vocabulary[3:] for t, _ in listed)
    text = words.generate("A man", length=6, seed=0)
    assert text.startswith("A man") and len(text.split()) <= 8
    assert isinstance(words.generate("", length=3, seed=0), str)  # how a text begins
    assert np.isfinite(words.evaluate(SENTENCES[:3])["perplexity"])


def test_validation_is_the_last_part_of_the_text():
    lm = LanguageModel(level="word")
    (train, _), (validation, _) = lm._carve(["one two three four", "five six"], None, 0.3, 0)
    assert train == ["one two three four"] and validation == ["five six"]
    (train, _), (validation, _) = lm._carve(["aaaa bbbb cccc dddd"], None, 0.25, 0)
    assert train == ["aaaa bbbb cccc"] and validation == [" dddd"]  # cut between words


def test_vocabulary_comes_from_the_training_part_only():
    lm = tiny(epochs=1, min_count=1).fit(TEXT + "xyz", verbose=0)
    assert "x" not in lm.vocabulary  # only in the held-out last part


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"level": "byte"}, "`level` must be one of"),
    ({"seq_len": 0}, "`seq_len` must be an int >= 1"),
    ({"eval_seq_len": 0}, "`eval_seq_len` must be an int >= 1"),
    ({"max_tokens": 3}, "`max_tokens` must be an int >= 4"),
    ({"cell": "transformer"}, "`cell` must be one of"),
    ({"colour": "red"}, "unknown argument(s) colour"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        LanguageModel(**kwargs)
    assert message in one_line(excinfo)


@pytest.mark.parametrize(("x", "message"), [
    ("a", "`x` has fewer than 2 characters"),
    (["ab", None], "`x[1]` must be a str"),
    ("abcdefgh", "no token seen at least min_count=2 times"),
])
def test_bad_training_text_is_a_one_line_error(x, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny().fit(x, verbose=0)
    assert message in one_line(excinfo)


def test_export_with_the_step_model(trained, tmp_path):
    result = trained.export(tmp_path / "export", formats=("saved_model", "tflite"))
    assert result.parity_ok is True
    stateful = result.manifest["stateful"]
    assert stateful["parity"]["ok"] is True
    assert stateful["artifacts"]["tflite"]["builtin_only"] is True
    assert result.manifest["metadata"]["vocabulary"] == trained.vocabulary


@pytest.fixture(scope="module")
def streamed():
    """One long text without boundary tokens, windows of seq_len only (`tf.signal.frame`)."""
    return tiny(epochs=6, boundary=False, drop_remainder=True, min_count=1).fit(TEXT, verbose=0)


def test_without_boundary_the_vocabulary_is_the_text_only(streamed):
    assert streamed.vocabulary[:2] == ["", "[UNK]"] and "<s>" not in streamed.vocabulary
    assert sorted(streamed.vocabulary[2:]) == ["a", "b", "c", "d"]
    assert streamed.predict_proba(["ab"]).shape == (1, 6)
    assert streamed.next_tokens("abcab", top_k=1)[0][0] == "c"
    text = streamed.generate("bc", length=8, top_k=1)
    assert text == "bcdabcdabc"  # exactly `length` tokens: no boundary to stop on


def _framed_loss(lm, text: str, size: int) -> float:
    """Keras's mean cross-entropy over chunks of `size + 1` ids at stride `size`, none partial
    (`tf.signal.frame`), each read by the backbone from a zero state."""
    import keras

    index = {t: i for i, t in enumerate(lm.vocabulary)}
    ids = np.asarray([index[c] for c in text], np.int32)
    chunks = np.stack([ids[s:s + size + 1] for s in range(0, len(ids) - size, size)])
    logits = keras.ops.convert_to_numpy(lm.backbone(chunks[:, :-1]))
    return float(keras.ops.convert_to_numpy(keras.losses.sparse_categorical_crossentropy(
        chunks[:, 1:], logits, from_logits=True)).mean())


def test_drop_remainder_scores_whole_windows_as_framed_chunks(streamed):
    text = TEXT[:203]  # 203 ids: 12 whole windows of 16 targets; the last 10 targets dropped
    scores = streamed.evaluate(text)
    assert scores["tokens"] == 12 * 16
    assert scores["bits_per_token"] == pytest.approx(scores["loss"] / math.log(2))
    # The same as Keras scoring chunks of seq_len + 1 ids, stride seq_len, none partial.
    assert scores["loss"] == pytest.approx(_framed_loss(streamed, text, 16), rel=1e-5)
    assert tiny(boundary=False, min_count=1).fit(TEXT, verbose=0).evaluate(text)["tokens"] \
        == 202  # every next character without drop_remainder


def test_eval_seq_len_scores_longer_windows_from_a_zero_state(streamed, tmp_path):
    from rnn_zoo.tasks import load_task

    text = TEXT[:203]  # 203 ids: 4 whole windows of 48 targets
    longer = streamed.evaluate(text, seq_len=48)
    assert longer["tokens"] == 4 * 48
    assert longer["loss"] == pytest.approx(_framed_loss(streamed, text, 48), rel=1e-5)
    # The setting is `evaluate`'s default, kept by a saved task; training still uses seq_len,
    # so the same seed trains the same weights.
    setting = tiny(epochs=6, boundary=False, drop_remainder=True, min_count=1,
                   eval_seq_len=48).fit(TEXT, verbose=0)
    loaded = load_task(setting.save(tmp_path / "lm"))
    assert (loaded.eval_seq_len, loaded.seq_len) == (48, 16)
    assert loaded.evaluate(text)["loss"] == pytest.approx(longer["loss"], rel=1e-5)
    assert loaded.evaluate(text, seq_len=16)["tokens"] == 12 * 16
    assert loaded.set_evaluation(eval_seq_len=32) is loaded and loaded.eval_seq_len == 32
    with pytest.raises(TypeError) as excinfo:
        loaded.set_evaluation(units=8)
    assert "units, which change the model; its evaluation settings are eval_seq_len" \
        in one_line(excinfo)
    with pytest.raises(ValueError) as excinfo:
        loaded.set_evaluation(eval_seq_len=0)
    assert "`eval_seq_len` must be an int >= 1" in one_line(excinfo)


def test_without_boundary_a_saved_task_reads_prompts_as_they_are(streamed, tmp_path):
    from rnn_zoo.tasks import load_task

    loaded = load_task(streamed.save(tmp_path / "lm"))
    assert loaded.config["boundary"] is False and loaded.state["boundary"] is False
    np.testing.assert_allclose(loaded.predict_proba(["abc", "dab"]),
                               streamed.predict_proba(["abc", "dab"]), rtol=1e-6)
    assert loaded._prompt_ids(["abc"])[0].tolist() == [streamed.vocabulary.index(c)
                                                      for c in "abc"]


@pytest.mark.parametrize("call", [
    lambda lm: lm.generate("", length=3),
    lambda lm: lm.predict(["ab", ""]),
    lambda lm: lm.next_tokens(""),
])
def test_without_boundary_an_empty_prompt_is_a_one_line_error(streamed, call):
    with pytest.raises(ValueError) as excinfo:
        call(streamed)
    assert "boundary=False" in one_line(excinfo)


@pytest.mark.parametrize(("kwargs", "x", "message"), [
    ({"boundary": 1}, None, "`boundary` must be True or False"),
    ({"drop_remainder": "yes"}, None, "`drop_remainder` must be True or False"),
    ({"drop_remainder": True, "seq_len": 16, "min_count": 1}, "abcabc",
     "fewer than seq_len + 1 = 17"),
])
def test_bad_stream_settings_are_one_line_errors(kwargs, x, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny(**kwargs).fit(x, verbose=0, validation_data=(x, None)) if x else tiny(**kwargs)
    assert message in one_line(excinfo)
