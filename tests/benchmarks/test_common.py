"""The measuring rules every benchmark relies on: interleaving, paired ratios, the record."""

from __future__ import annotations

import json

import pytest

from benchmarks import _common


def test_interleave_rotates_the_order_and_gives_every_case_one_sample_per_round():
    calls = []

    def case(name, value):
        def run():
            calls.append(name)
            return value
        return run

    samples = _common.interleave({"a": case("a", 1.0), "b": case("b", 2.0), "c": case("c", 4.0)},
                                 rounds=2, chunks=2)
    assert samples == {"a": [1.0, 1.0], "b": [2.0, 2.0], "c": [4.0, 4.0]}
    # Four turns, each a rotation of the last: every case goes first once in three turns.
    assert calls == list("abc" "bca" "cab" "abc")


def test_interleave_averages_the_chunks_of_a_round():
    values = iter([1.0, 3.0, 5.0, 7.0])
    assert _common.interleave({"a": lambda: next(values)}, rounds=2, chunks=2) == {
        "a": [2.0, 6.0]}


@pytest.mark.parametrize("bad", [{"rounds": 0}, {"rounds": 2, "chunks": 0},
                                 {"rounds": True}])
def test_interleave_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match="must be an int >= 1"):
        _common.interleave({"a": lambda: 1.0}, **{"rounds": 1, **bad})


def test_paired_ratio_is_the_median_of_per_round_ratios():
    # Medians of the samples (2 vs 2) would say 1.0; the rounds say the first is twice as slow.
    ratio = _common.paired_ratio([2.0, 4.0, 1.0], [1.0, 2.0, 0.5])
    assert ratio == {"median": 2.0, "min": 2.0, "max": 2.0, "n": 3}
    with pytest.raises(ValueError, match="equal length"):
        _common.paired_ratio([1.0], [1.0, 2.0])


def test_results_record_the_machine_and_command(tmp_path):
    info = _common.machine(_common.command_line("benchmarks.memory", ["--out", "x y.json"]))
    assert info["command"] == "nice -n 10 python -m benchmarks.memory --out 'x y.json'"
    assert {"date", "cpu", "cores", "versions", "load_average_at_start"} <= set(info)
    path = _common.write_results(tmp_path / "sub" / "r.json", {"machine": info})
    assert json.loads(path.read_text())["machine"] == info
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]  # no temporary file left
