from __future__ import annotations

import numpy as np

from tests.datasets.dataset_helpers import assert_same_examples, examples, split_sizes


def test_one_ordered_example_per_split(data_dir):
    assert split_sizes("sunspots", data_dir) == {"train": 1, "validation": 1, "test": 1}
    series = {s: examples("sunspots", s, data_dir)[0] for s in ("train", "validation", "test")}
    assert [len(series[s]["year"]) for s in series] == [232, 31, 46]
    years = np.concatenate([series[s]["year"] for s in ("train", "validation", "test")])
    np.testing.assert_array_equal(years, np.arange(1700, 2009))
    assert series["test"]["year"][0] == 1963 and series["validation"]["year"][0] == 1932
    assert series["train"]["value"][:3].tolist() == [5.0, 11.0, 16.0]
    assert series["test"]["value"].dtype == np.float32


def test_two_builds_give_identical_examples(data_dir, second_data_dir):
    for split in ("train", "validation", "test"):
        assert_same_examples(
            examples("sunspots", split, data_dir), examples("sunspots", split, second_data_dir)
        )
