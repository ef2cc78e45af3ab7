"""Yearly sunspot numbers 1700-2008 (statsmodels) with a chronological split."""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

TEST_FRACTION = 0.15
VALIDATION_FRACTION = 0.10

_DESCRIPTION = """\
Yearly mean sunspot activity 1700-2008 (309 years), as shipped by statsmodels
(`statsmodels.datasets.sunspots`, from NOAA's National Geophysical Data Center, public domain).

Chronological split, never shuffled across time: the last 15 % of years (rounded) are `test`
(1963-2008, 46 years), the 10 % before them `validation` (1932-1962, 31 years), the rest `train`
(1700-1931, 232 years).

Each split is ONE example holding the ordered `year` (int32) and `value` (float32) arrays.
Why: TFDS orders examples within a split by a hash of their key, so one example per year would
come back out of order; a single example keeps the series intact. Window it downstream
(e.g. `rnn_zoo.data` or `tf.keras.utils.timeseries_dataset_from_array`); to forecast the start of
`validation`/`test`, prepend the tail of the previous split as context.
"""


def chronological_split(num_years: int) -> dict[str, slice]:
    """Slices of the ordered series for train / validation / test."""
    num_test = round(num_years * TEST_FRACTION)
    num_validation = round(num_years * VALIDATION_FRACTION)
    num_train = num_years - num_test - num_validation
    return {
        "train": slice(0, num_train),
        "validation": slice(num_train, num_train + num_validation),
        "test": slice(num_train + num_validation, num_years),
    }


class Sunspots(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for sunspots."""

    name = "sunspots"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release from statsmodels 0.15."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "year": tfds.features.Tensor(shape=(None,), dtype=np.int32),
                    "value": tfds.features.Tensor(shape=(None,), dtype=np.float32),
                }
            ),
            supervised_keys=None,  # Forecasting targets are windows, made downstream.
            homepage="https://www.statsmodels.org/stable/datasets/generated/sunspots.html",
            citation="""\
@misc{noaa_sunspots,
  title = {Yearly sunspot numbers 1700-2008},
  author = {{NOAA National Geophysical Data Center}},
  howpublished = {statsmodels.datasets.sunspots}
}
""",
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        from statsmodels.datasets import sunspots  # Lazy: only preparing needs statsmodels.

        data = sunspots.load_pandas().data.sort_values("YEAR")
        years = data["YEAR"].to_numpy().astype(np.int32)
        values = data["SUNACTIVITY"].to_numpy().astype(np.float32)
        if not np.array_equal(years, np.arange(years[0], years[0] + len(years))):
            raise ValueError("statsmodels' sunspots years are not consecutive; check its version.")
        return {
            split: self._generate_examples(split, years[part], values[part])
            for split, part in chronological_split(len(years)).items()
        }

    def _generate_examples(self, split, years, values):
        yield split, {"year": years, "value": values}
