"""Shared pytest setup: quiet TensorFlow logs and a fixed seed for every test.

Under pytest-xdist (`PYTEST_XDIST_WORKER` is set; `make test` runs `pytest -n 2`), each worker
and every process it starts uses one CPU thread, and the tests that share one expensive
fixture run on one worker (`--dist loadgroup`, `SHARED_GROUPS`); a plain `pytest` is unchanged.
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

# Tests that share a fixture costing seconds to minutes (TFDS builds, exports, CLI training runs in
# a subprocess, a JAX run) or a fixed path (the committed-preset scorers prepare into the default
# TFDS data dir): under `--dist loadgroup` each group runs on one worker, so the fixture is built
# once rather than once per worker. Node id prefix -> group.
SHARED_GROUPS = {
    "tests/datasets/": "datasets_build_all",  # data_dir, second_data_dir
    **dict.fromkeys([f"tests/export/test_export_{name}.py" for name in
                     ("limitations", "presets", "registry", "seq2seq")], "export_all"),
    **dict.fromkeys([f"tests/recipes/test_{name}.py" for name in
                     ("recipes", "resume", "tweet_sentiment")], "recipes_tfds"),
    **{module: module for module in (
        "tests/streaming/test_stateful_export.py", "tests/test_backends.py", "tests/test_cli.py",
        "tests/test_cli_as_typed.py", "tests/test_distributed.py", "tests/test_presets.py")},
}


def group_of(nodeid: str) -> str:
    """The xdist work unit of a test: its `SHARED_GROUPS` group, else its module (module-scoped
    fixtures, such as a task trained once per test module, are then built once)."""
    return next((group for prefix, group in SHARED_GROUPS.items()
                 if nodeid.startswith(prefix)), nodeid.split("::", 1)[0])


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` by `SHARED_GROUPS`.

    pytest 9.2 derives `Node.nodeid` from `Node._id`, so xdist 3.8's loadgroup, which renames
    marked items to "nodeid@group", groups nothing; this scheduler groups by node id instead.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return SharedGroupScheduling(config, log)


@pytest.fixture(autouse=True)
def _seed():
    """Seeds Python, NumPy and the Keras backend before each test."""
    keras.utils.set_random_seed(SEED)


@pytest.fixture
def rng():
    """A fresh NumPy generator, the same in every test."""
    return np.random.default_rng(SEED)
