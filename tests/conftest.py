"""Shared pytest setup: quiet TensorFlow logs and a fixed seed for every test.

Under pytest-xdist (`PYTEST_XDIST_WORKER` is set; `make test` runs `pytest -n 2`), each worker
and every process it starts uses one CPU thread, and tests that read one expensive session
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

# Session fixtures that cost tens of seconds to build: every test reading one of them runs on the
# same xdist worker (`--dist loadgroup`), so the fixture is built once, not once per worker.
# Keyed by (the folder of the conftest that defines it, fixture name) -> group.
SHARED_SESSION_FIXTURES = {
    ("tests/datasets", "data_dir"): "datasets_build_all",
    ("tests/datasets", "second_data_dir"): "datasets_build_all",
    ("tests/export", "exports"): "export_all",
    ("tests/recipes", "recipe_data_dir"): "recipes_tfds",
    ("tests/reliability", "exported"): "reliability_exports",
}


def pytest_collection_modifyitems(config, items):
    """Marks each test that reads a `SHARED_SESSION_FIXTURES` fixture with its `xdist_group`."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        groups = set()
        for name in item.fixturenames:
            for fixturedef in info.name2fixturedefs.get(name, ()):
                if fixturedef.scope == "session":
                    group = SHARED_SESSION_FIXTURES.get((fixturedef.baseid, name))
                    if group:
                        groups.add(group)
        # xdist reads one group per test; no test here reads fixtures of two groups.
        if len(groups) > 1:
            raise pytest.UsageError(f"{item.nodeid} reads session fixtures of several xdist "
                                    f"groups {sorted(groups)}: merge them in "
                                    "SHARED_SESSION_FIXTURES")
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
