"""Fixtures for the reliability tests: a private TFDS build and subprocess helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the offline builders)

REPO = Path(__file__).resolve().parents[2]


def subprocess_env(**extra) -> dict[str, str]:
    """The environment of a child Python: CPU only, quiet TensorFlow, the checkout importable."""
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            **extra}


def python(*args: str, **kwargs) -> subprocess.Popen:
    """Starts `python ARGS...` in the repository root (stdout/stderr captured)."""
    return subprocess.Popen([sys.executable, *args], cwd=REPO, env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture(scope="session")
def breast_cancer_data_dir(tmp_path_factory) -> str:
    """A private TFDS data dir holding `breast_cancer` (the quick recipe's data), about 3 s."""
    data_dir = tmp_path_factory.mktemp("reliability_tfds")
    tfds.disable_progress_bar()
    tfds.builder("breast_cancer", data_dir=str(data_dir)).download_and_prepare()
    return str(data_dir)


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """SavedModels written by `rnn_zoo.export`: {"tweets": raw-string text classifier (the
    tweet_sentiment preset), "sunspots": series forecaster (the sunspots_forecast preset)}.
    Each is `tf.saved_model.load`ed; parity is `rnn_zoo.export`'s own test suite's concern."""
    import tensorflow as tf

    from rnn_zoo.exporters import export
    from rnn_zoo.exporters.presets import export_preset
    from tests.reliability.models import preset

    root = tmp_path_factory.mktemp("exports")
    tweets = export_preset("tweet_sentiment", root / "tweets", formats=("saved_model",),
                           check=False)
    sunspots = export(preset("sunspots_forecast")[1], root / "sunspots",
                      formats=("saved_model",), check=False)
    return {name: tf.saved_model.load(str(result.directory / "saved_model"))
            for name, result in (("tweets", tweets), ("sunspots", sunspots))}
