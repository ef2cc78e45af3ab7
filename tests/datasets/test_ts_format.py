from __future__ import annotations

import numpy as np
import pytest

from rnn_zoo.datasets.uea_ucr import parse_ts, read_ts

# Two channels, variable length, a missing value, a '%' and a '#' comment, CRLF line endings.
TINY_TS = (
    "% ARFF-style comment\r\n"
    "#A hand-written file\r\n"
    "@problemName Tiny\r\n"
    "@timeStamps false\r\n"
    "@missing true\r\n"
    "@univariate false\r\n"
    "@dimensions 2\r\n"
    "@equalLength false\r\n"
    "@classLabel true up down\r\n"
    "@data\r\n"
    "1.0,2.0,3.0:4.0,?,6.0:up\r\n"
    "\r\n"
    "7.5,8.5:9.5,10.5:down\r\n"
)


def test_parses_handwritten_file():
    ts = parse_ts(TINY_TS)
    assert ts.problem_name == "Tiny"
    assert ts.class_names == ["up", "down"]
    assert ts.num_channels == 2
    assert ts.labels == ["up", "down"]
    assert not ts.is_regression
    np.testing.assert_array_equal(ts.series[0], [[1.0, 4.0], [2.0, np.nan], [3.0, 6.0]])
    np.testing.assert_array_equal(ts.series[1], [[7.5, 9.5], [8.5, 10.5]])
    assert ts.series[0].dtype == np.float32


def test_unequal_dimensions_are_right_padded_with_nan():
    ts = parse_ts("@classLabel true a\n@data\n1,2,3:4:a\n")
    np.testing.assert_array_equal(ts.series[0], [[1, 4], [2, np.nan], [3, np.nan]])


def test_regression_targets():
    ts = parse_ts("@problemName R\n@targetLabel true\n@data\n1,2:0.5\n3,4,5:-1.25\n")
    assert ts.is_regression
    assert ts.labels == [0.5, -1.25]
    assert [s.shape for s in ts.series] == [(2, 1), (3, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@classLabel true a\n", "no '@data' line"),
        ("@classLabel true a\n@data\n", "no data rows"),
        ("@classLabel true a b\n@data\n1,2:c\n", "label 'c' is not one of ['a', 'b']"),
        ("@classLabel true a\n@data\n1,x:a\n", "expected a number or '?', got 'x'"),
        ("@timeStamps true\n@classLabel true a\n@data\n(0,1):a\n", "timeStamps true"),
        ("@univariate true\n@data\n1,2:a\n", "neither '@classLabel true'"),
        ("1,2:a\n", "expected '@' header line"),
    ],
)
def test_errors_name_the_problem(text, message):
    with pytest.raises(ValueError, match="tiny.ts") as error:
        parse_ts(text, source="tiny.ts")
    assert message in str(error.value)


def test_reads_a_file(tmp_path):
    path = tmp_path / "Tiny_TRAIN.ts"
    path.write_text(TINY_TS, encoding="utf-8", newline="")
    assert read_ts(path).labels == ["up", "down"]
