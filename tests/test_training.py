"""The shared training driver: callbacks and files, resume after an interruption, atomic JSON."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo import training
from rnn_zoo.training import fit, read_history, set_seed, write_json_atomic

STEPS = 4  # batches per epoch of the toy data


class Interrupt(keras.callbacks.Callback):
    """Raises at the end of epoch `after` (0-based), like a killed process."""

    def __init__(self, after: int):
        super().__init__()
        self.after = after

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.after:
            raise RuntimeError(f"interrupted after epoch {epoch}")


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def _build_and_compile():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(keras.optimizers.Adam(1e-2),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def test_fit_writes_run_files_and_returns_best(tmp_path):
    set_seed(0)
    result = fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=3, patience=5,
                 verbose=0)
    assert (tmp_path / "best.weights.h5").is_file()
    assert (tmp_path / "logs").is_dir()
    assert not (tmp_path / "backup").exists()  # removed when training ends normally
    history = read_history(tmp_path / "history.csv")
    assert history["epoch"] == [0, 1, 2]
    assert result.epochs_run == 3 and result.initial_epoch == 0
    assert result.best_value == min(history["val_loss"])
    assert history["val_loss"][result.best_epoch] == result.best_value
    # The returned model holds the best epoch's weights (EarlyStopping restore_best_weights).
    assert result.model.evaluate(_data(1), verbose=0)[0] == pytest.approx(result.best_value,
                                                                          rel=1e-5)


def test_interrupted_run_resumes_where_it_stopped(tmp_path):
    set_seed(0)
    with pytest.raises(RuntimeError, match="interrupted after epoch 1"):
        fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=5, patience=10,
            verbose=0, callbacks=[Interrupt(after=1)])
    assert (tmp_path / "backup").is_dir()
    assert read_history(tmp_path / "history.csv")["epoch"] == [0, 1]

    result = fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=5,
                 patience=10, verbose=0)
    assert result.initial_epoch == 2
    assert read_history(tmp_path / "history.csv")["epoch"] == [0, 1, 2, 3, 4]
    assert result.epochs_run == 5
    # The optimizer state came back too: its step count continued from epoch 2.
    assert int(result.model.optimizer.iterations) == 5 * STEPS
    assert not (tmp_path / "backup").exists()


def test_a_fresh_run_starts_a_new_history(tmp_path):
    set_seed(0)
    fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=2, verbose=0)
    # A finished run is kept unless told otherwise (then it starts over, with a new history).
    with pytest.raises(ValueError, match="holds a finished run.*overwrite=True"):
        fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=2, verbose=0)
    fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=2, verbose=0,
        overwrite=True)
    assert read_history(tmp_path / "history.csv")["epoch"] == [0, 1]


def test_same_seed_same_weights(tmp_path):
    weights = []
    for run in range(2):
        set_seed(3)
        result = fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path / str(run),
                     epochs=2, verbose=0, tensorboard=False)
        weights.append(result.model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_mirrored_strategy_builds_inside_its_scope(tmp_path):
    seen = {}

    def build_and_compile():
        seen["strategy"] = tf.distribute.get_strategy()
        return _build_and_compile()

    result = fit(build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=1, verbose=0,
                 strategy="mirrored", tensorboard=False)
    assert isinstance(seen["strategy"], tf.distribute.MirroredStrategy)
    assert result.strategy == "mirrored"


@pytest.mark.skipif(training.gpu_available(), reason="checks the CPU-only error")
def test_mixed_precision_needs_a_gpu(tmp_path):
    with pytest.raises(ValueError, match="needs a GPU"):
        fit(_build_and_compile, _data(), _data(1), out_dir=tmp_path, epochs=1, verbose=0,
            mixed_precision=True)
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "`epochs` must be an int >= 1"),
        ({"strategy": "tpu"}, ValueError, "`strategy` must be one of"),
        ({"mode": "up"}, ValueError, "`mode` must be one of"),
        ({"patience": 1.5}, TypeError, "`patience` must be an int"),
    ],
)
def test_bad_arguments_raise_one_line_errors(tmp_path, kwargs, error, match):
    args = {"out_dir": tmp_path, "epochs": 1, "verbose": 0, **kwargs}
    with pytest.raises(error, match=match):
        fit(_build_and_compile, _data(), _data(1), **args)


def test_a_built_model_cannot_use_a_strategy(tmp_path):
    with pytest.raises(ValueError, match="build_and_compile"):
        fit(_build_and_compile(), _data(), _data(1), out_dir=tmp_path, epochs=1,
            strategy="mirrored")


def test_uncompiled_model_is_refused(tmp_path):
    def build():
        return keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])

    with pytest.raises(ValueError, match="compiled"):
        fit(build, _data(), _data(1), out_dir=tmp_path, epochs=1, verbose=0)


def test_write_json_atomic_round_trips_numpy(tmp_path):
    path = write_json_atomic(tmp_path / "sub" / "metrics.json",
                             {"a": np.float32(0.5), "b": np.arange(3), "c": np.int64(2)})
    assert json.loads(path.read_text()) == {"a": 0.5, "b": [0, 1, 2], "c": 2}
    assert os.listdir(path.parent) == ["metrics.json"]


def test_write_json_atomic_leaves_no_partial_file(tmp_path):
    path = tmp_path / "metrics.json"
    write_json_atomic(path, {"ok": 1})
    with pytest.raises(TypeError, match="not JSON serializable"):
        # The first key is written before the bad value is reached.
        write_json_atomic(path, {"first": list(range(1000)), "bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}  # the old file, whole
    assert os.listdir(tmp_path) == ["metrics.json"]  # no temporary file left behind
    with pytest.raises(TypeError):
        write_json_atomic(tmp_path / "new.json", {"bad": object()})
    assert not (tmp_path / "new.json").exists()
