"""Every UCR/UEA `.ts` dataset that `aeon` ships, one BuilderConfig per dataset."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from rnn_zoo.datasets._common import package_file
from rnn_zoo.datasets.uea_ucr.ts_format import read_ts, read_ts_header

_AEON_DATA = "aeon/datasets/data"

UCR_UEA_CITATION = """\
@article{dau2019ucr,
  title = {The {UCR} time series archive},
  author = {Dau, Hoang Anh and Bagnall, Anthony and Kamgar, Kaveh and Yeh, Chin-Chia Michael
            and Zhu, Yan and Gharghabi, Shaghayegh and Ratanamahatana, Chotirat Ann
            and Keogh, Eamonn},
  journal = {IEEE/CAA Journal of Automatica Sinica},
  volume = {6}, number = {6}, pages = {1293--1305}, year = {2019}
}
@article{bagnall2018uea,
  title = {The {UEA} multivariate time series classification archive, 2018},
  author = {Bagnall, Anthony and Dau, Hoang Anh and Lines, Jason and Flynn, Michael
            and Large, James and Bostrom, Aaron and Southam, Paul and Keogh, Eamonn},
  journal = {arXiv preprint arXiv:1811.00075}, year = {2018}
}
"""


def discover_ts_datasets() -> dict[str, tuple[Path, Path]]:
    """Returns {dataset name: (train .ts, test .ts)} for every pair found in aeon's data dir.

    A dataset is any `<Name>_TRAIN.ts` with a sibling `<Name>_TEST.ts`; `<Name>` may differ from
    its folder (aeon keeps `JapaneseVowels_eq` in `JapaneseVowels/`). Files aeon's own unit
    tests use with timestamps are skipped since they have no test half. Empty if aeon is absent.
    """
    try:
        root = Path(str(importlib.metadata.distribution("aeon").locate_file(_AEON_DATA)))
    except importlib.metadata.PackageNotFoundError:
        return {}
    found = {}
    for train in sorted(root.glob("*/*_TRAIN.ts")):
        test = train.with_name(train.name.replace("_TRAIN.ts", "_TEST.ts"))
        if test.exists():
            found[train.name[: -len("_TRAIN.ts")]] = (train, test)
    return found


def ts_paths(dataset: str) -> tuple[Path, Path]:
    """(train, test) paths of one aeon dataset, with a clear error when it is not shipped."""
    paths = discover_ts_datasets()
    if dataset not in paths:
        # Raises the "aeon is not installed" error if that is the cause.
        package_file("aeon", _AEON_DATA)
        raise FileNotFoundError(
            f"aeon {importlib.metadata.version('aeon')} ships no {dataset}_TRAIN.ts/_TEST.ts "
            f"pair; available: {sorted(paths)}."
        )
    return paths[dataset]


def ts_features(train_path: Path) -> tuple[tfds.features.FeaturesDict, tuple[str, str]]:
    """Features for a `.ts` dataset, read from the train file's header and first row."""
    header, first_row = read_ts_header(train_path)
    num_channels = first_row.count(":") if first_row else int(header.get("dimensions", 1))
    series = tfds.features.Tensor(shape=(None, num_channels), dtype=np.float32)
    class_label = header.get("classlabel", "false").split()
    if class_label and class_label[0].lower() == "true":
        target_key, target = "label", tfds.features.ClassLabel(names=class_label[1:])
    else:  # `@targetLabel true`: extrinsic regression (e.g. Covid3Month).
        target_key, target = "target", tfds.features.Scalar(dtype=np.float32)
    return (
        tfds.features.FeaturesDict({"series": series, target_key: target}),
        ("series", target_key),
    )


def generate_ts_examples(path: Path):
    """Yields (key, example) for every instance of a `.ts` file, keyed by row index."""
    ts = read_ts(path)
    target_key = "target" if ts.is_regression else "label"
    for index, (series, label) in enumerate(zip(ts.series, ts.labels, strict=True)):
        yield index, {"series": series, target_key: label}


class UeaUcrConfig(tfds.core.BuilderConfig):
    """One UCR/UEA dataset; `name` is the archive's name (the `.ts` file prefix)."""


_DATASETS = discover_ts_datasets()


class UeaUcr(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for the UCR/UEA `.ts` datasets shipped by aeon."""

    name = "uea_ucr"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: the .ts pairs shipped with aeon 1.6."}
    # Registration must work without aeon installed; preparing then raises a clear error.
    BUILDER_CONFIGS = [
        UeaUcrConfig(name=name, description=f"{name} from aeon's bundled UCR/UEA files.")
        for name in (_DATASETS or {"JapaneseVowels": None})
    ]
    DEFAULT_BUILDER_CONFIG_NAME = "JapaneseVowels"

    def _info(self) -> tfds.core.DatasetInfo:
        features, supervised_keys = ts_features(ts_paths(self.builder_config.name)[0])
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Time-series classification/regression datasets from the UCR/UEA archives, "
                "read from the `.ts` files the `aeon` package ships, with the archive's "
                "official train/test split. `series` is (time, channels) float32, variable "
                "length allowed, missing values ('?') as NaN. Classification datasets have "
                "`label` (ClassLabel, names from the file header); regression datasets "
                "(`@targetLabel true`) have a float32 `target` instead."
            ),
            features=features,
            supervised_keys=supervised_keys,
            homepage="https://www.timeseriesclassification.com/",
            citation=UCR_UEA_CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        train, test = ts_paths(self.builder_config.name)
        return {"train": self._generate_examples(train), "test": self._generate_examples(test)}

    def _generate_examples(self, path):
        yield from generate_ts_examples(path)
