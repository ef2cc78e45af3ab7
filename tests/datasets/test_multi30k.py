"""multi30k: split sizes and first sentences of the real files, the tokenised-reference configs,
and one-line errors for a missing or altered file (on a copy of the manual dir)."""

from __future__ import annotations

import gzip
import shutil

import pytest
import tensorflow_datasets as tfds

from rnn_zoo import datasets
from rnn_zoo.datasets.multi30k import SHA256, SPLITS, TOKENISED_SPLITS
from tests.datasets.dataset_helpers import MANUAL_ROOT, examples, split_sizes

MANUAL = MANUAL_ROOT / "multi30k"
COUNTS = {"train": 29_000, "val": 1_014, "test_2016_flickr": 1_000, "test_2017_flickr": 1_000,
          "test_2018_flickr": 1_071, "test_2017_mscoco": 461}


def _prepare(name: str, data_dir, manual_dir) -> None:
    config = tfds.download.DownloadConfig(manual_dir=str(manual_dir))
    tfds.builder(name, data_dir=str(data_dir)).download_and_prepare(download_config=config)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """`en_de` through `rnn_zoo.datasets.load` (the checkout's manual dir), `en_de_tok` through
    TFDS with an explicit manual dir."""
    data_dir = tmp_path_factory.mktemp("multi30k_tfds")
    tfds.disable_progress_bar()
    datasets.load("multi30k/en_de", split="val", data_dir=str(data_dir))
    _prepare("multi30k/en_de_tok", data_dir, MANUAL)
    return data_dir


def test_split_sizes_are_the_upstream_line_counts(built):
    assert SPLITS == COUNTS
    assert split_sizes("multi30k/en_de", built) == COUNTS
    assert split_sizes("multi30k/en_de_tok", built) == {s: COUNTS[s] for s in TOKENISED_SPLITS}
    assert "train" not in TOKENISED_SPLITS


def test_first_sentences_are_aligned_raw_text(built):
    first = {split: examples("multi30k/en_de", split, built)[0]
             for split in ("train", "val", "test_2016_flickr")}
    assert first["train"] == {
        "en": b"Two young, White males are outside near many bushes.",
        "de": "Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche.".encode()}
    assert first["val"]["en"] == b"A group of men are loading cotton onto a truck"
    assert first["test_2016_flickr"]["de"] == \
        b"Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt."
    last = examples("multi30k/en_de", "test_2017_mscoco", built)[-1]["en"].decode()
    with gzip.open(MANUAL / "test_2017_mscoco.en.gz", "rt", encoding="utf-8") as f:
        assert last == f.read().splitlines()[-1]


def test_tokenised_config_holds_the_lc_norm_tok_references(built):
    first = examples("multi30k/en_de_tok", "test_2016_flickr", built)[0]
    assert first == {"en": b"A man in an orange hat starring at something.",
                     "de": b"Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt.",
                     "en_tok": b"a man in an orange hat starring at something .",
                     "de_tok": b"ein mann mit einem orangefarbenen hut , der etwas anstarrt ."}


def test_directions_differ_in_supervised_keys_only():
    assert tfds.builder("multi30k/en_de").info.supervised_keys == ("en", "de")
    assert tfds.builder("multi30k/de_en").info.supervised_keys == ("de", "en")
    assert "multi30k" in datasets.list_datasets()


def test_pinned_checksums_are_the_shared_sha256sums():
    listed = dict(line.split()[::-1] for line in (MANUAL / "SHA256SUMS").read_text().splitlines())
    assert listed == SHA256


@pytest.fixture
def manual_copy(tmp_path):
    copy = tmp_path / "manual" / "multi30k"
    shutil.copytree(MANUAL, copy)
    return copy


def test_a_missing_file_is_a_one_line_error(manual_copy, tmp_path):
    (manual_copy / "val.de.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"^manual_dir: .*val\.de\.gz is missing") as e:
        datasets.load("multi30k/en_de", split="train", data_dir=str(tmp_path / "tfds"),
                      manual_dir=str(manual_copy.parent))
    assert "\n" not in str(e.value)


def test_an_altered_file_is_a_one_line_error(manual_copy, tmp_path):
    path = manual_copy / "tok" / "test_2017_flickr.lc.norm.tok.en.gz"
    with gzip.open(path, "rb") as f:
        text = f.read()
    with gzip.open(path, "wb") as f:  # one sentence edited: a valid file, not the upstream one
        f.write(text.replace(b"a sleek yellow dog", b"a sleek yellow cat", 1))
    with pytest.raises(ValueError, match=r"^manual_dir: .*test_2017_flickr\.lc\.norm\.tok\.en"
                                         r"\.gz is not the upstream file") as e:
        _prepare("multi30k/en_de_tok", tmp_path / "tfds", manual_copy)
    assert "\n" not in str(e.value)
    # The raw configs do not read the tokenised files: they still build from this folder.
    _prepare("multi30k/de_en", tmp_path / "tfds", manual_copy)
    assert split_sizes("multi30k/de_en", tmp_path / "tfds")["val"] == 1_014


def test_a_manual_dir_that_does_not_exist_is_a_one_line_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^manual_dir: .*nowhere is not a directory"):
        datasets.load("multi30k/de_en", split="val", data_dir=str(tmp_path / "tfds"),
                      manual_dir=str(tmp_path / "nowhere"))
    assert not (tmp_path / "tfds" / "multi30k").exists()  # nothing half-built left behind
