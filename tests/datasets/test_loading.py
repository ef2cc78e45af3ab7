"""`rnn_zoo.datasets.load`: catalog datasets from a manual dir, and its error messages."""

from __future__ import annotations

import shutil

import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets
from rnn_zoo.datasets import loading
from tests.datasets.dataset_helpers import MANUAL_ROOT

SHAKESPEARE = MANUAL_ROOT / "tiny_shakespeare" / "input.txt"
needs_shakespeare = pytest.mark.skipif(
    not SHAKESPEARE.is_file(),
    reason=f"the exact upstream tiny_shakespeare file is not at {SHAKESPEARE} "
    "(CI provides ../shared/tfds_manual) and tests may not use the network",
)


@pytest.fixture(autouse=True)
def no_default_manual_dir(monkeypatch, tmp_path):
    """Tests see only the manual dirs they pass, never the developer's environment."""
    monkeypatch.delenv(rnn_zoo.datasets.MANUAL_DIR_ENV, raising=False)
    monkeypatch.setattr(loading, "_CHECKOUT_MANUAL_DIR", tmp_path / "no_checkout_manual_dir")


@pytest.fixture
def no_network(monkeypatch):
    """Makes any TFDS download attempt fail the way a closed network does, without trying."""

    def refuse(self, resource):
        raise ConnectionError(f"network disabled in tests ({resource.url})")

    # `_download` is the one place TFDS fetches a URL, after the manual-dir and cache checks.
    monkeypatch.setattr(tfds.download.DownloadManager, "_download", refuse)


def test_list_datasets():
    names = rnn_zoo.datasets.list_datasets()
    assert names == sorted(names)
    assert {"cmudict", "uea_ucr", "tiny_shakespeare", "imdb_reviews", "ted_hrlr_translate"} <= set(
        names
    )


def test_load_offline_builder(data_dir):
    ds = rnn_zoo.datasets.load("cmudict", split="test", data_dir=data_dir)
    assert int(ds.cardinality()) == 11_994  # the default config, cntk
    ds = rnn_zoo.datasets.load(
        "uea_ucr/GunPoint", split="train[:10]+test[:5]", data_dir=data_dir, as_supervised=True
    )
    assert int(ds.cardinality()) == 15


@needs_shakespeare
def test_tiny_shakespeare_from_manual_dir(tmp_path, no_network):
    """The catalog builder's own `dl_manager.download(url)` is served from manual_dir."""
    ds, info = rnn_zoo.datasets.load(
        "tiny_shakespeare",
        split="train",
        data_dir=tmp_path / "tfds",
        manual_dir=MANUAL_ROOT,
        with_info=True,
    )
    text = next(iter(ds))["text"].numpy().decode()
    assert len(text) == 1_003_854 and text.startswith("First Citizen:")
    assert {s: info.splits[s].num_examples for s in info.splits} == {
        "train": 1,
        "validation": 1,
        "test": 1,
    }


@needs_shakespeare
def test_tiny_shakespeare_from_env_var_and_dataset_folder(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv(rnn_zoo.datasets.MANUAL_DIR_ENV, str(MANUAL_ROOT))
    ds = rnn_zoo.datasets.load("tiny_shakespeare", split="test", data_dir=tmp_path / "a")
    assert len(next(iter(ds))["text"].numpy()) == 55_770
    # The per-dataset folder itself is accepted too.
    monkeypatch.delenv(rnn_zoo.datasets.MANUAL_DIR_ENV)
    ds = rnn_zoo.datasets.load(
        "tiny_shakespeare",
        split="validation",
        data_dir=tmp_path / "b",
        manual_dir=SHAKESPEARE.parent,
    )
    assert len(next(iter(ds))["text"].numpy()) == 55_770


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"name: unknown dataset 'cmudic'.*'cmudict'"):
        rnn_zoo.datasets.load("cmudic", split="test")
    with pytest.raises(ValueError, match="Available: breast_cancer, cmudict"):
        rnn_zoo.datasets.load("mnist", split="test")


def test_unknown_config_lists_configs():
    with pytest.raises(ValueError, match=r"no config 'GunPoin'.*'GunPoint'.*Available configs"):
        rnn_zoo.datasets.load("uea_ucr/GunPoin", split="test")


@pytest.mark.parametrize("name", ["", "  ", None])
def test_empty_name(name):
    with pytest.raises(ValueError, match="name: expected a non-empty dataset name"):
        rnn_zoo.datasets.load(name, split="test")


@pytest.mark.parametrize("split", ["", None])
def test_empty_split(split):
    with pytest.raises(ValueError, match="split: expected a split name"):
        rnn_zoo.datasets.load("cmudict", split=split)


def test_unknown_split_names_available_splits(data_dir):
    with pytest.raises(
        ValueError, match="split: 'valid' does not exist; available splits: test, train\\.$"
    ):
        rnn_zoo.datasets.load("uea_japanese_vowels", split="valid", data_dir=data_dir)
    with pytest.raises(ValueError, match="'dev' does not exist"):
        rnn_zoo.datasets.load("cmudict", split="train+dev[:5]", data_dir=data_dir)


def test_missing_manual_file_says_what_where_and_from_where(tmp_path, no_network):
    empty = tmp_path / "manual"
    empty.mkdir()
    with pytest.raises(FileNotFoundError) as error:
        rnn_zoo.datasets.load(
            "tiny_shakespeare", split="train", data_dir=tmp_path / "tfds", manual_dir=empty
        )
    message = str(error.value)
    assert message.startswith("manual_dir: tiny_shakespeare needs input.txt")
    assert str(empty / "tiny_shakespeare") in message
    assert "https://raw.githubusercontent.com/karpathy/char-rnn" in message


def test_missing_file_in_env_var_dir_names_the_variable(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv(rnn_zoo.datasets.MANUAL_DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"^\$RNN_ZOO_MANUAL_DIR: imdb_reviews needs"):
        rnn_zoo.datasets.load("imdb_reviews", split="test", data_dir=tmp_path / "tfds")


def test_empty_manual_file(tmp_path, no_network):
    (tmp_path / "tiny_shakespeare").mkdir()
    (tmp_path / "tiny_shakespeare" / "input.txt").write_text("")
    with pytest.raises(ValueError, match=r"manual_dir: .*input.txt is empty; expected the exact"):
        rnn_zoo.datasets.load(
            "tiny_shakespeare", split="train", data_dir=tmp_path / "tfds", manual_dir=tmp_path
        )


def test_wrong_manual_file_fails_the_registered_checksum(tmp_path, no_network):
    (tmp_path / "tiny_shakespeare").mkdir()
    (tmp_path / "tiny_shakespeare" / "input.txt").write_text("not shakespeare\n")
    with pytest.raises(ValueError, match="is not the exact upstream file"):
        rnn_zoo.datasets.load(
            "tiny_shakespeare", split="train", data_dir=tmp_path / "tfds", manual_dir=tmp_path
        )


def test_network_failure_without_manual_dir(tmp_path, no_network):
    with pytest.raises(FileNotFoundError, match=r"could not download tiny_shakespeare.*input.txt"):
        rnn_zoo.datasets.load("tiny_shakespeare", split="train", data_dir=tmp_path / "tfds")


@needs_shakespeare
def test_checkout_manual_dir_is_the_default(tmp_path, monkeypatch, no_network):
    root = tmp_path / "shared_tfds_manual"
    shutil.copytree(SHAKESPEARE.parent, root / "tiny_shakespeare")
    monkeypatch.setattr(loading, "_CHECKOUT_MANUAL_DIR", root)
    ds = rnn_zoo.datasets.load("tiny_shakespeare", split="test", data_dir=tmp_path / "tfds")
    assert int(ds.cardinality()) == 1
