"""SequenceTagger: token sequences in, one tag per token out; padding never counts."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_zoo.tasks import SequenceTagger
from tests.tasks.harness import TaskCase, check_task, one_line

LEXICON = {"the": "DET", "a": "DET", "dog": "NOUN", "cat": "NOUN", "runs": "VERB",
           "sleeps": "VERB", "big": "ADJ"}


def _data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = [list(rng.choice(sorted(LEXICON), size=rng.integers(1, 8))) for _ in range(n)]
    return [[str(t) for t in row] for row in x], [[LEXICON[t] for t in row] for row in x]


X, Y = _data(120, 0)


def tiny(**kwargs):
    return SequenceTagger(**{"units": 16, "embedding_dim": 16, "batch_size": 16,
                             "learning_rate": 1e-2, "epochs": 2, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    case = TaskCase(
        make=lambda: tiny(epochs=8), x=X, y=Y,
        x_new=[["the", "big", "dog", "runs"], [], "a cat sleeps", ["zzz-unseen"],
               ["dog"] * 400],
        bad_x=[("the dog", "`x` must be a list of token sequences"), ([], "`x` is empty"),
               ([["the", 3]], "`x[0][1]` must be a str token"),
               ([["the", ""]], "`x[0][1]` is an empty token"),
               ([3], "`x[0]` must be a list of token strings or a str")],
        outputs=lambda task, x: np.concatenate(task.predict_proba(x)))
    return check_task(case, tmp_path_factory.mktemp("sequence_tagger"))


def test_learns_the_lexicon(trained):
    scores = trained.evaluate(*_data(40, 1))
    assert scores["accuracy"] >= 0.95 and scores["macro_f1"] >= 0.95, scores
    assert scores["exact_match"] >= 0.8, scores
    assert trained.predict(["the big dog runs", []]) == [["DET", "ADJ", "NOUN", "VERB"], []]


def test_contract(trained):
    assert trained.tags == ["ADJ", "DET", "NOUN", "VERB"]
    answers = trained.predict([["the", "dog"], "a cat sleeps", ["dog"] * 400])
    assert [len(a) for a in answers] == [2, 3, 400]
    probabilities = trained.predict_proba([["the", "dog"]])[0]
    assert probabilities.shape == (2, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_padding_never_counts(trained):
    short, long = ["the", "dog"], ["a", "big", "cat", "sleeps", "the", "dog", "runs"]
    together = trained.predict_proba([short, long], batch_size=2)
    alone = trained.predict_proba([short], batch_size=1)[0]
    np.testing.assert_allclose(together[0], alone, rtol=1e-5, atol=1e-6)
    # Keras' masked loss on a padded batch is the token-weighted mean of the rows' losses.
    backbone = trained.backbone
    ids = {t: i for i, t in enumerate(trained.state["vocabulary"])}
    tag = {t: i for i, t in enumerate(trained.tags)}
    rows = [[ids[t] for t in short], [ids[t] for t in long]]
    tags = [[tag[LEXICON[t]] for t in short], [tag[LEXICON[t]] for t in long]]
    x = np.zeros((2, 7), np.int32)
    y = np.zeros((2, 7), np.int32)
    for i, (r, t) in enumerate(zip(rows, tags, strict=True)):
        x[i, :len(r)], y[i, :len(t)] = r, t
    padded = backbone.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    each = [backbone.evaluate(x[i:i + 1, :len(rows[i])], y[i:i + 1, :len(rows[i])],
                              verbose=0, return_dict=True)["loss"] for i in range(2)]
    assert padded == pytest.approx((2 * each[0] + 7 * each[1]) / 9, rel=1e-4)


def test_scores_count_tokens_and_sequences(trained):
    x = [["the", "dog"], ["a", "cat", "runs"]]
    y = [["DET", "NOUN"], ["DET", "NOUN", "NOUN"]]  # one wrong tag on purpose
    scores = trained.evaluate(x, y)
    assert scores["tokens"] == 5 and scores["sequences"] == 2
    assert scores["accuracy"] == pytest.approx(4 / 5)
    assert scores["exact_match"] == pytest.approx(1 / 2)


def test_unknown_tokens_map_to_unk(trained):
    assert "zzz-unseen" not in trained.state["vocabulary"]
    assert trained.state["vocabulary"][:2] == ["", "[UNK]"]
    assert len(trained.predict([["zzz-unseen", "runs"]])[0]) == 2


@pytest.mark.parametrize(("x", "y", "message"), [
    (X, Y[:-1], "`y` has 119 tag sequences for 120 sequences"),
    ([["the", "dog"]] * 4, [["DET"]] * 4, "`y[0]` has 1 tags for 2 tokens"),
    ([["the", "dog"]] * 4, [["DET", "DET"]] * 4, "fewer than two distinct tags"),
    ([["the"]] * 4, [[True]] * 4, "`y[0][0]` must be a str or int tag"),
    ([["the"]] * 4, ["D"] * 4, "`y[0]` must be a list of tags"),
])
def test_bad_training_data_are_one_line_errors(x, y, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny().fit(x, y, verbose=0)
    assert message in one_line(excinfo)


def test_evaluate_refuses_unseen_tags(trained):
    with pytest.raises(ValueError) as excinfo:
        trained.evaluate([["the"]], [["PRON"]])
    assert "not one of the tags seen in training" in one_line(excinfo)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"units": 0}, "`units` must be an int >= 1"),
    ({"bidirectional": "yes"}, "`bidirectional` must be True or False"),
    ({"dropout": 1.5}, "`dropout` must be a float in [0, 1)"),
    ({"colour": "red"}, "unknown argument(s) colour"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        SequenceTagger(**kwargs)
    assert message in one_line(excinfo)


def test_export(trained, tmp_path):
    result = trained.export(tmp_path / "export", formats=("saved_model", "tflite"))
    assert result.parity_ok is True
    assert set(result.artifacts) == {"saved_model", "tflite"}
    assert result.manifest["metadata"]["tags"] == trained.tags
