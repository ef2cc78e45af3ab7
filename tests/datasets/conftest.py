"""Session fixtures: real builds of every offline builder into temporary data dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.datasets.dataset_helpers import build_all


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One real build of every offline dataset, shared by the whole session."""
    return build_all(tmp_path_factory.mktemp("tfds"))


@pytest.fixture(scope="session")
def second_data_dir(tmp_path_factory) -> Path:
    """An independent second build, for determinism checks."""
    return build_all(tmp_path_factory.mktemp("tfds_again"))
