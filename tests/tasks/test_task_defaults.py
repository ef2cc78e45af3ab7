"""The classifiers' defaults for data no recipe was tuned on: `units="auto"`, `max_steps`
(long series averaged down inside the model), `budget` (one model or a small search) and
`ensemble` (a seed ensemble averaged in one saved model)."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_zoo.preprocessing.step_pooling import StepPooling, pool_steps
from rnn_zoo.tasks import SeriesClassifier, TextClassifier
from rnn_zoo.tasks._series import auto_units, series_stride


def long_series(n=24, seed=0):
    """Two classes of 1-feature series of 40 to 60 steps: a slow sine or a fast one."""
    rng = np.random.default_rng(seed)
    x, y = [], []
    for i in range(n):
        t = np.arange(int(rng.integers(40, 61)), dtype=np.float32)
        x.append(np.sin(t * (0.1 if i % 2 else 0.6)) + rng.normal(scale=0.05, size=len(t)))
        y.append("slow" if i % 2 else "fast")
    return x, y


def small(**kwargs):
    return SeriesClassifier(**{"num_layers": 1, "bidirectional": False, "epochs": 2,
                               "batch_size": 8, **kwargs})


def test_auto_units_and_stride_rules():
    assert [auto_units(n) for n in (1, 40, 100, 270, 5_000, 10**6)] == [16, 16, 32, 64, 128,
                                                                        128]
    assert series_stride([10, 1460], 256) == 6
    assert series_stride([10, 256], 256) == 1
    assert series_stride([10, 1460], None) == 1


def test_step_pooling_matches_its_numpy_twin_and_keeps_padding_masked():
    import keras

    rng = np.random.default_rng(0)
    frames = rng.normal(size=(7, 3)).astype(np.float32)
    batch = np.zeros((2, 9, 3), np.float32)
    batch[0, :7] = frames
    pooled = keras.ops.convert_to_numpy(StepPooling(stride=3)(batch))
    assert pooled.shape == (2, 3, 3)
    # The padded batch pools each series as it pools alone; all-padding windows stay zero.
    np.testing.assert_allclose(pooled[0], pool_steps(frames, 3), rtol=1e-6)
    assert not pooled[1].any()
    assert StepPooling.from_config(StepPooling(stride=3).get_config()).stride == 3
    with pytest.raises(ValueError, match="`stride` must be an int >= 1"):
        StepPooling(stride=0)


def test_defaults_size_the_model_from_the_data_and_pool_long_series(tmp_path):
    x, y = long_series()
    task = small(max_steps=16).fit(x, y, verbose=0)
    # 24 series, 10 % carved for validation: 21 or 22 train -> 16 units; 60 steps / 16 -> 4.
    assert task.state["units"] == 16 and task.state["stride"] == 4
    assert task.model.get_layer("pool_steps").stride == 4
    lstm = [w for w in task.backbone.weights if "kernel" in w.path and "recurrent" in w.path]
    assert lstm and lstm[0].shape[0] == 16
    # A padded batch answers as each series alone; a saved task answers the same.
    together = task.predict_proba(x[:4])
    alone = np.concatenate([task.predict_proba([s]) for s in x[:4]])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    loaded = SeriesClassifier.load(task.save(tmp_path / "task"))
    np.testing.assert_allclose(loaded.predict_proba(x[:4]), together, atol=1e-6)
    assert loaded.config["units"] == "auto" and loaded.config["budget"] == "fast"
    with pytest.raises(ValueError, match="max_steps=None to use stream"):
        task.stream()


def test_short_series_are_read_step_by_step():
    x, y = long_series()
    task = small(units=4).fit(x, y, verbose=0)  # 60 steps < the default max_steps of 256
    assert "stride" not in task.state and "units" not in task.state
    assert task.stream() is not None


def test_accurate_budget_keeps_the_best_of_three_on_one_validation_split():
    x, y = long_series()
    task = small(units=4, budget="accurate", max_steps=None).fit(x, y, verbose=0)
    search = task.training["search"]
    assert [c["settings"] for c in search] == [{}, {"cell": "gru"}, {"noise_std": 0.1}]
    best = min(search, key=lambda c: c["best_value"])
    assert task.state["selected"] == best["settings"]
    assert task.training["best_value"] == best["best_value"]
    assert task.config["budget"] == "accurate"  # the user's settings, not the kept variant's
    assert set(task.predict(x[:3])) <= {"slow", "fast"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"budget": "slow"}, "`budget` must be one of"),
    ({"units": "big"}, "`units` must be an int >= 1 or 'auto'"),
    ({"max_steps": 0}, "`max_steps` must be an int >= 1"),
    ({"ensemble": 0}, "`ensemble` must be an int >= 1"),
    ({"ensemble": 11}, "`ensemble` must be an int from 1 to 10"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message) as info:
        SeriesClassifier(**kwargs)
    assert "\n" not in str(info.value)


def test_text_classifier_budget():
    with pytest.raises(ValueError, match="`budget` must be one of"):
        TextClassifier(budget="best")
    texts = ["what a great film", "awful, boring plot", "great acting!", "boring."] * 8
    labels = ["pos", "neg", "pos", "neg"] * 8
    task = TextClassifier(units=4, embedding_dim=4, epochs=1, min_count=1,
                          budget="accurate").fit(texts, labels, verbose=0)
    settings = [c["settings"] for c in task.training["search"]]
    assert settings == [{}, {"embedding_init": "ppmi_svd", "embedding_trainable": False},
                        {"token_dropout": 0.1}]
    assert task.state["selected"] in settings
    assert task.get_config()["budget"] == "accurate"


def test_ensemble_averages_the_members_logits_in_one_saved_model(tmp_path):
    import keras

    x, y = long_series()
    task = small(units=4, max_steps=None, ensemble=3).fit(x, y, verbose=0,
                                                          out_dir=tmp_path / "run")
    members = task.training["members"]
    assert [m["seed"] for m in members] == [0, 1, 2] and task.state["ensemble"] == 3
    assert {p.name for p in (tmp_path / "run").iterdir()} >= {"candidate_0", "member_1",
                                                              "member_2", "history.csv"}
    assert (tmp_path / "run" / "history.csv").read_bytes() == (
        tmp_path / "run" / "candidate_0" / "history.csv").read_bytes()
    assert task.training["seconds"] == pytest.approx(sum(m["seconds"] for m in members),
                                                     abs=0.05)
    assert task.training["seconds"] > members[0]["seconds"] > 0
    # The backbone is the mean of the members' logits: each member is a trained model of
    # its own seed, trained on the same examples.
    backbone = task.backbone
    names = [layer.name for layer in backbone.layers]
    assert names[1:] == ["member_0", "member_1", "member_2", "average"]
    width = backbone.inputs[0].shape[-1]
    batch = np.random.default_rng(0).normal(size=(4, 10, width)).astype(np.float32)
    each = [keras.ops.convert_to_numpy(backbone.get_layer(n)(batch)) for n in names[1:4]]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(backbone(batch)),
                               np.mean(each, axis=0), rtol=1e-5, atol=1e-6)
    assert not np.allclose(each[0], each[1])
    loaded = SeriesClassifier.load(task.save(tmp_path / "task"))
    np.testing.assert_allclose(loaded.predict_proba(x[:4]), task.predict_proba(x[:4]),
                               atol=1e-6)
    with pytest.raises(ValueError, match=r"averages 3 models \(ensemble=3\)"):
        task.stream()
    result = task.export(tmp_path / "export", formats=("saved_model", "tflite"))
    assert result.parity_ok is True, result.manifest["parity"]


def test_text_classifier_ensemble_after_the_search():
    texts = ["what a great film", "awful, boring plot", "great acting!", "boring."] * 8
    labels = ["pos", "neg", "pos", "neg"] * 8
    task = TextClassifier(units=4, embedding_dim=4, epochs=1, min_count=1, budget="accurate",
                          ensemble=2).fit(texts, labels, verbose=0)
    assert len(task.training["search"]) == 3 and len(task.training["members"]) == 2
    assert task.state["ensemble"] == 2 and task.state["selected"] is not None
    assert set(task.predict(texts[:4])) <= {"pos", "neg"}


def test_step_pooling_docstring_example_runs():
    import doctest

    import rnn_zoo.preprocessing.step_pooling as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
