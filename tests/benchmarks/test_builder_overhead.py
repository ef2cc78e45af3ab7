"""The hand-written twins compute exactly the zoo's functions, and the benchmark runs."""

from __future__ import annotations

import pytest

from benchmarks import builder_overhead


@pytest.mark.parametrize("case", builder_overhead.CASES, ids=lambda c: c.name)
def test_hand_written_twin_has_the_same_weights_and_outputs(case):
    pair = builder_overhead.build_pair(case, quick=True)
    assert pair["zoo"].count_params() == pair["hand_written"].count_params()
    assert pair["difference"] <= 1e-5


def test_every_topology_is_covered():
    topologies = {builder_overhead.rnn_zoo.get_spec(c.model).topology
                  for c in builder_overhead.CASES}
    assert topologies == {"one_to_one", "one_to_many", "many_to_one", "many_to_many",
                          "encoder_decoder"}


def test_a_mismatched_twin_is_refused():
    case = builder_overhead.CASES[0]
    pair = builder_overhead.build_pair(case, quick=True)
    other = builder_overhead.build_pair(builder_overhead.CASES[4], quick=True)
    with pytest.raises(AssertionError, match="do not line up"):
        builder_overhead.copy_weights(pair["zoo"], other["hand_written"])


def test_runs_end_to_end(tmp_path):
    out = tmp_path / "r.json"
    results = builder_overhead.main(["--quick", "--cases", "one_to_one", "--rounds", "2",
                                     "--chunks", "1", "--chunk-seconds", "0.001",
                                     "--out", str(out)])
    (case,) = results["cases"]
    assert case["zoo_over_hand_written"]["n"] == 2
    assert case["zoo_over_hand_written"]["median"] > 0
    assert case["zoo_over_hand_written_cpu"]["n"] == 2
    assert out.is_file()
