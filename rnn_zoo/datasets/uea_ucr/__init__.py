"""`uea_ucr`: the UCR/UEA `.ts` datasets bundled with aeon, one config per dataset."""

from rnn_zoo.datasets.uea_ucr.ts_format import TsFile, parse_ts, read_ts
from rnn_zoo.datasets.uea_ucr.uea_ucr_dataset_builder import (
    UeaUcr,
    UeaUcrConfig,
    discover_ts_datasets,
)

__all__ = ["TsFile", "UeaUcr", "UeaUcrConfig", "discover_ts_datasets", "parse_ts", "read_ts"]
