"""UEA JapaneseVowels (variable length, 12 channels, 9 speakers) from aeon's `.ts` files."""

from __future__ import annotations

import tensorflow_datasets as tfds

from rnn_zoo.datasets.uea_ucr.uea_ucr_dataset_builder import (
    UCR_UEA_CITATION,
    generate_ts_examples,
    ts_features,
    ts_paths,
)

_DESCRIPTION = """\
UEA JapaneseVowels: nine Japanese male speakers uttering the vowels /ae/, as 12 LPC cepstrum
coefficients per frame (7 to 29 frames). Task: identify the speaker (9 classes, names "1".."9").
Official split: 270 train / 370 test utterances. Read from the original variable-length `.ts`
files that `aeon` ships (not the equal-length `_eq` resampling, which is
`uea_ucr/JapaneseVowels_eq`).
`series` is (frames, 12) float32.
"""


class UeaJapaneseVowels(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for uea_japanese_vowels."""

    name = "uea_japanese_vowels"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release from aeon 1.6's JapaneseVowels_TRAIN/TEST.ts."}

    def _info(self) -> tfds.core.DatasetInfo:
        features, supervised_keys = ts_features(ts_paths("JapaneseVowels")[0])
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=features,
            supervised_keys=supervised_keys,
            homepage="https://www.timeseriesclassification.com/description.php?Dataset=JapaneseVowels",
            citation=UCR_UEA_CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        train, test = ts_paths("JapaneseVowels")
        return {"train": self._generate_examples(train), "test": self._generate_examples(test)}

    def _generate_examples(self, path):
        yield from generate_ts_examples(path)
