"""Shared pytest setup: quiet TensorFlow logs and a fixed seed for every test.

Under pytest-xdist (`PYTEST_XDIST_WORKER` is set; `make test` runs `pytest -n 2`), each worker
and every process it starts uses one CPU thread, and the tests that read one expensive shared
fixture run on one worker (`--dist loadgroup`); a plain `pytest` is unchanged.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Two workers on two cores: TensorFlow, XLA and BLAS each sizing their pools to every core would
# run four-plus busy threads per core. Set before TensorFlow is imported (it reads these when it
# creates its thread pools) and in os.environ, so test subprocesses inherit them.
XDIST_THREAD_ENV = {
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
XDIST_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name, _value in XDIST_THREAD_ENV.items():
        os.environ.setdefault(_name, _value)
    if "xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = " ".join(
            filter(None, [os.environ.get("XLA_FLAGS"), XDIST_XLA_FLAGS]))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

SEED = 1234

# Fixtures that cost seconds to minutes to build (TFDS builds, exports, CLI training runs in a
# subprocess, a JAX run): under xdist every test reading one of them runs on the same worker
# (`--dist loadgroup`), so the fixture is built once rather than once per worker. Keyed by
# (where it is defined: the conftest's folder or the test module, fixture name) -> group.
SHARED_FIXTURES = {
    ("tests/datasets", "data_dir"): "datasets_build_all",
    ("tests/datasets", "second_data_dir"): "datasets_build_all",
    ("tests/export", "exports"): "export_all",
    # Its tests also read `exports`: one group.
    ("tests/export/test_export_seq2seq.py", "exported"): "export_all",
    ("tests/recipes", "recipe_data_dir"): "recipes_tfds",
    ("tests/reliability", "exported"): "reliability_exports",
    ("tests/streaming/test_stateful_export.py", "lm_export"): "stateful_lm_export",
    ("tests/test_backends.py", "jax_run"): "backends_jax_run",
    ("tests/test_cli.py", "trained"): "cli_trained",
    ("tests/test_cli_as_typed.py", "workdir"): "cli_as_typed_workdir",
    ("tests/test_distributed.py", "runs"): "distributed_runs",
    ("tests/test_presets.py", "quick_run"): "presets_quick_run",
}


def pytest_collection_modifyitems(config, items):
    """Marks each test that reads a `SHARED_FIXTURES` fixture with that fixture's `xdist_group`."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        groups = {SHARED_FIXTURES[(fixturedef.baseid, name)]
                  for name in item.fixturenames
                  for fixturedef in info.name2fixturedefs.get(name, ())
                  if fixturedef.scope in ("session", "module")
                  and (fixturedef.baseid, name) in SHARED_FIXTURES}
        # xdist honours one group per test.
        if len(groups) > 1:
            raise pytest.UsageError(f"{item.nodeid} reads fixtures of several xdist groups "
                                    f"{sorted(groups)}: give them one group in SHARED_FIXTURES")
        if groups:
            item.add_marker(pytest.mark.xdist_group(groups.pop()))


@pytest.fixture(autouse=True)
def _seed():
    """Seeds Python, NumPy and the Keras backend before each test."""
    keras.utils.set_random_seed(SEED)


@pytest.fixture
def rng():
    """A fresh NumPy generator, the same in every test."""
    return np.random.default_rng(SEED)
