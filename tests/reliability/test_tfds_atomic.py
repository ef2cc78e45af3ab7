"""TFDS builds are atomic: an interrupted `download_and_prepare` leaves nothing that a later load
accepts as complete, and the next `rnn_zoo.datasets.load` rebuilds the dataset whole.

TFDS prepares into a hidden `incomplete.*` folder beside the version folder and renames it into
place when every split is written. The tests interrupt the offline `breast_cancer` builder after
its first split is on disk: with SIGKILL in a subprocess, and with an exception in-process.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

from rnn_zoo import datasets
from rnn_zoo.datasets.breast_cancer.breast_cancer_dataset_builder import BreastCancer
from tests.reliability.conftest import python

SPLITS = {"train": 399, "validation": 57, "test": 113}

# The child builds breast_cancer, but its second split's generator announces itself through a
# marker file and then blocks, so the parent's SIGKILL lands mid-build, after a whole split.
_CHILD = """
import sys, time
from pathlib import Path
import tensorflow_datasets as tfds
from rnn_zoo.datasets.breast_cancer.breast_cancer_dataset_builder import BreastCancer
data_dir, marker = sys.argv[1], Path(sys.argv[2])
original = BreastCancer._generate_examples
calls = []
def generate(self, *args):
    calls.append(1)
    if len(calls) > 1:
        marker.write_text("blocked")
        time.sleep(600)
    yield from original(self, *args)
BreastCancer._generate_examples = generate
tfds.disable_progress_bar()
tfds.builder("breast_cancer", data_dir=data_dir).download_and_prepare()
"""


def _assert_not_accepted(data_dir: Path) -> None:
    builder = tfds.builder("breast_cancer", data_dir=str(data_dir))
    assert not builder.is_prepared()
    with pytest.raises(AssertionError, match="could not find data"):
        tfds.load("breast_cancer", split="train", data_dir=str(data_dir), download=False)


def _assert_rebuilt_whole(data_dir: Path, reference_dir: str) -> None:
    for split, size in SPLITS.items():
        got = list(tfds.as_numpy(datasets.load("breast_cancer", split=split,
                                               data_dir=str(data_dir))))
        want = list(tfds.as_numpy(tfds.load("breast_cancer", split=split,
                                             data_dir=reference_dir, download=False)))
        assert len(got) == size == len(want)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a["features"], b["features"])
            assert a["label"] == b["label"]
    assert tfds.builder("breast_cancer", data_dir=str(data_dir)).is_prepared()


def test_sigkilled_build_is_not_accepted_and_is_rebuilt(tmp_path, breast_cancer_data_dir):
    data_dir, marker = tmp_path / "tfds", tmp_path / "blocked"
    proc = python("-c", _CHILD, str(data_dir), str(marker))
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before it was interrupted:\n{proc.stderr.read()}")
        assert time.monotonic() < deadline, "the build never reached its second split"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    staged = [p for p in (data_dir / "breast_cancer").iterdir() if p.name.startswith("incomplete")]
    assert staged and list(staged[0].glob("*.tfrecord*"))  # a whole split was already written
    _assert_not_accepted(data_dir)
    _assert_rebuilt_whole(data_dir, breast_cancer_data_dir)


def test_failed_build_is_not_accepted_and_is_rebuilt(tmp_path, monkeypatch,
                                                     breast_cancer_data_dir):
    original = BreastCancer._generate_examples
    calls = []

    def failing(self, *args):
        calls.append(1)
        if len(calls) > 1:
            raise OSError("disk full (injected)")
        yield from original(self, *args)

    monkeypatch.setattr(BreastCancer, "_generate_examples", failing)
    with pytest.raises(OSError, match="injected"):
        tfds.builder("breast_cancer", data_dir=str(tmp_path)).download_and_prepare()
    _assert_not_accepted(tmp_path)
    monkeypatch.setattr(BreastCancer, "_generate_examples", original)
    _assert_rebuilt_whole(tmp_path, breast_cancer_data_dir)
