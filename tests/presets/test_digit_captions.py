"""The digit_captions preset as a task: raw images in, the recorded test accuracies re-scored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the offline TFDS builders)
from recipes.digit_captions import RECIPE
from rnn_zoo import runner
from rnn_zoo.tasks import SequenceCaptioner, load_task

PRESET = Path(__file__).resolve().parents[2] / "saved_models" / "digit_captions"


@pytest.fixture(scope="module")
def test_split(tmp_path_factory):
    import dataclasses

    data_dir = str(tmp_path_factory.mktemp("tfds"))
    tfds.builder("digit_strings/k3", data_dir=data_dir).download_and_prepare()
    # Only the test split is read: the recipe's data with train pointed at a sliver of it.
    data = dataclasses.replace(RECIPE.data, splits={"train": "train[:1]", "test": "test"})
    return runner.load_splits(dataclasses.replace(RECIPE, data=data), data_dir=data_dir)["test"]


@pytest.fixture(scope="module")
def task():
    return SequenceCaptioner.from_preset("digit_captions")  # checksums verified


def test_loads_by_name_as_a_fixed_length_captioner(task):
    assert isinstance(task, SequenceCaptioner) and task.config["fixed_length"] is True
    assert task.vocabulary == [str(d) for d in range(10)] and task.state["max_length"] == 3
    assert task.backbone.count_params() == 1_249_962
    assert not (PRESET / "vocabulary.txt").exists()


def test_answers_raw_images_as_the_card_shows(task, test_split):
    images = np.stack(test_split[0][:3])
    assert images.dtype == np.uint8 and images.shape == (3, 8, 24, 1)
    card = (PRESET / "README.md").read_text()
    shown = re.search(r"task\.predict\(np\.stack\(images\[:3\]\)\)\s+# (\[.*?\])", card)[1]
    assert repr(task.predict(images)) == shown
    assert load_task(PRESET).predict(images) == task.predict(images)


def test_rescores_the_recorded_test_metrics(task, test_split):
    metrics = json.loads((PRESET / "metrics.json").read_text())
    scores = task.evaluate(*test_split)
    # Bitwise: the same backbone on the same pixels / 255.
    assert scores["exact_match"] == metrics["test"]["string_accuracy"] == 0.971
    assert scores["token_accuracy"] == metrics["test"]["digit_accuracy"] == 0.99
    assert scores == metrics["task"]["test"] and metrics["task"]["max_abs_logit_diff"] == 0.0


def test_the_committed_tflite_is_the_task_model(task, test_split):
    """`model_int8.tflite` is exported from the task form (`scripts/export_presets.py`): raw
    pixels in, the scaling inside; its digits agree with the task's on test images."""
    from ai_edge_litert.interpreter import Interpreter

    images = np.stack(test_split[0][:16]).astype(np.float32)
    want = task._run(images, batch_size=16)
    np.testing.assert_array_equal(want, np.asarray(task.backbone(images / 255.0)))
    interpreter = Interpreter(model_path=str(PRESET / "model_int8.tflite"))
    interpreter.allocate_tensors()
    (given,), (taken,) = interpreter.get_input_details(), interpreter.get_output_details()
    for image, expected in zip(images, want, strict=True):
        interpreter.set_tensor(given["index"], image[None])
        interpreter.invoke()
        got = interpreter.get_tensor(taken["index"])[0]
        assert (got.argmax(-1) == expected.argmax(-1)).all()
