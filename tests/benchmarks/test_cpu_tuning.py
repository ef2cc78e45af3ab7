"""The CPU-tuning benchmark's workers take their thread settings and answer in turn."""

from __future__ import annotations

from benchmarks import cpu_tuning


def test_runs_every_experiment_end_to_end(tmp_path):
    out = tmp_path / "r.json"
    results = cpu_tuning.main(["--quick", "--models", "char_lm", "--rounds", "2", "--chunks",
                               "1", "--chunk-seconds", "0.001", "--out", str(out)])
    assert results["threads"] == {"default": {"intra_op": 0, "inter_op": 0},
                                  "1/1": {"intra_op": 1, "inter_op": 1}}
    found = results["models"]["char_lm"]
    assert set(found["xla"]) == {"jit_compile=False", "jit_compile=True"}
    assert set(found["batch_size"]) == {"batch=2", "batch=4"}
    assert set(found["threads"]) == {"default", "1/1"}
    for experiment, baseline in (("xla", "jit_compile=False"), ("batch_size", "batch=4"),
                                 ("threads", "default")):
        for entry in found[experiment].values():
            assert entry["speedup_vs_" + baseline]["n"] == 2
            assert entry["examples_per_second"] > 0
        assert found[experiment][baseline]["speedup_vs_" + baseline]["median"] == 1.0
    assert out.is_file()
