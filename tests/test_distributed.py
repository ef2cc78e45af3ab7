"""A recipe trains under `MultiWorkerMirroredStrategy` with two workers on localhost.

Two worker processes (configured by `TF_CONFIG`, as on a real cluster) train the
`breast_cancer` recipe's quick profile for two epochs (26 steps of a global batch of 32, each
worker computing 16 examples of every batch). Both must end with bit-identical weights, and their
losses must match a single-process run of the same recipe (same global batch, same data order)
within float tolerance. About 15 s on a quiet 2-core CPU (a minute under a heavy load).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import rnn_zoo
import rnn_zoo.datasets  # noqa: F401  (registers the offline builders)
from rnn_zoo import _distribute, cli, runner, training
from rnn_zoo.data import finish
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.tasks import load_task

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = 2
WORKERS = 2
# The losses agree to float round-off except where a partial batch splits unevenly over the two
# workers: Keras then averages the two workers' means, which weighs the examples slightly
# differently. Train: 399 = 12 * 32 + 15 -> 8 + 7, only the last of 13 batches, measured 1e-4
# relative. Validation: 57 = 32 + 25 -> 13 + 12 over only two batches, measured 3e-3.
RTOL = {"loss": 1e-3, "val_loss": 1e-2}
# Adam moves every weight by up to its learning rate (1e-2 here) per step whatever the gradient's
# size, so round-off in a near-zero gradient can move a weight by that much; measured 2e-3.
WEIGHT_ATOL = 1e-2

WORKER = textwrap.dedent(
    """
    import json, sys
    import keras
    from rnn_zoo.training import get_strategy

    strategy = get_strategy("multi_worker")  # first: TensorFlow allows it only before any op
    from rnn_zoo import runner
    from rnn_zoo.recipe_finder import get_recipe

    seen = {}

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["replicas"] = self.model.distribute_strategy.num_replicas_in_sync
            seen["task_id"] = strategy.cluster_resolver.task_id

    out_dir, data_dir, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    metrics = runner.train(get_recipe("breast_cancer").RECIPE, profile="quick",
                           out_dir=out_dir, data_dir=data_dir, epochs=epochs, verbose=0,
                           strategy="multi_worker", callbacks=[Probe()])
    print("RESULT " + json.dumps({**seen, "strategy": metrics["training"]["strategy"]}))
    """
)


def free_ports(count: int) -> list[int]:
    """`count` distinct ports that were free a moment ago (bound together, then released)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("localhost", 0))
        return [s.getsockname()[1] for s in sockets]


def worker_env(index: int, ports: list[int]) -> dict:
    cluster = {"worker": [f"localhost:{port}" for port in ports]}
    return {
        **os.environ,
        "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "CUDA_VISIBLE_DEVICES": "",
        "KERAS_BACKEND": "tensorflow",
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two MWMS workers in subprocesses and, meanwhile, the single-process reference run."""
    root = tmp_path_factory.mktemp("distributed")
    data_dir = str(root / "tfds")
    tfds.builder("breast_cancer", data_dir=data_dir).download_and_prepare()
    ports = free_ports(WORKERS)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(root / f"worker{i}"), data_dir, str(EPOCHS)],
            env=worker_env(i, ports), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(WORKERS)
    ]
    try:
        single = runner.train(get_recipe("breast_cancer").RECIPE, profile="quick",
                              out_dir=root / "single", data_dir=data_dir, epochs=EPOCHS,
                              verbose=0)
        outputs = [proc.communicate(timeout=240) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:  # a worker left waiting for its peer: do not leak it
                proc.kill()
                proc.communicate()
    results = []
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr[-3000:]
        line = next(line for line in stdout.splitlines() if line.startswith("RESULT "))
        results.append(json.loads(line.removeprefix("RESULT ")))
    return {"root": root, "results": results, "single": single}


def weights(run_dir: Path) -> list[np.ndarray]:
    """The weights of the run's saved task (its raw-input model)."""
    return load_task(run_dir).model.get_weights()


def test_both_workers_ran_in_one_two_replica_cluster(runs):
    assert [r["task_id"] for r in runs["results"]] == list(range(WORKERS))
    for result in runs["results"]:
        assert result["replicas"] == WORKERS
        assert result["strategy"] == "multi_worker"


def test_workers_end_with_identical_weights(runs):
    first, second = (weights(runs["root"] / f"worker{i}") for i in range(WORKERS))
    assert len(first) == len(second) > 0
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    history = [training.read_history(runs["root"] / f"worker{i}" / "history.csv")
               for i in range(WORKERS)]
    assert history[0] == history[1]


def test_loss_matches_a_single_worker_run_on_the_same_global_batch(runs):
    distributed = training.read_history(runs["root"] / "worker0" / "history.csv")
    single = training.read_history(runs["root"] / "single" / "history.csv")
    assert distributed["epoch"] == single["epoch"] == list(range(EPOCHS))
    for key, rtol in RTOL.items():
        np.testing.assert_allclose(distributed[key], single[key], rtol=rtol, err_msg=key)
    # Same trajectory, not merely a similar loss: the weights agree too.
    for a, b in zip(weights(runs["root"] / "worker0"), weights(runs["root"] / "single"),
                    strict=True):
        np.testing.assert_allclose(a, b, atol=WEIGHT_ATOL)


def test_cli_creates_the_multi_worker_strategy_before_the_recipe_runs(monkeypatch, tmp_path):
    """TensorFlow refuses the strategy once an op has run, so `train` must create it first."""
    calls = []
    monkeypatch.setattr(training, "get_strategy", lambda name: calls.append(("strategy", name)))
    monkeypatch.setattr(runner, "train", lambda recipe, **kwargs: calls.append(
        ("run", kwargs["strategy"])))
    assert cli.main(["train", "breast_cancer", "--strategy", "multi_worker",
                     "--out", str(tmp_path)]) == 0
    assert calls == [("strategy", "multi_worker"), ("run", "multi_worker")]


def test_too_late_for_the_strategy_is_one_clear_error(monkeypatch):
    def refuse():
        raise RuntimeError("Collective ops must be configured at program startup")

    monkeypatch.setattr(_distribute, "_MULTI_WORKER", None)
    monkeypatch.setattr(_distribute.tf.distribute, "MultiWorkerMirroredStrategy", refuse)
    with pytest.raises(RuntimeError, match=r"get_strategy\('multi_worker'\) at the start"):
        training.get_strategy("multi_worker")


def test_a_mirrored_run_sees_the_same_data_order_as_a_default_run(tmp_path):
    """Keras reads one batch ahead under a strategy; reading the spec instead keeps the order."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 5, 3)).astype("float32")
    y = rng.integers(0, 2, size=48).astype("int32")

    def run(strategy):
        training.set_seed(0)
        data = finish(tf.data.Dataset.from_tensor_slices((x, y)), batch_size=16,
                      shuffle_buffer=48, seed=0)  # reshuffled every pass

        def build_and_compile():
            model = rnn_zoo.many_to_one(input_dim=3, num_classes=2, cell="gru", units=4)
            model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            return model

        result = training.fit(build_and_compile, data, None, out_dir=tmp_path / strategy,
                              epochs=2, monitor="loss", strategy=strategy, verbose=0,
                              tensorboard=False)
        return result.model.get_weights()

    for a, b in zip(run("default"), run("mirrored"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
