"""The teaching notebooks: each runs top to bottom without an error, and the stored copies are
executed versions of their sources.

Every `notebooks/NN_name.py` source is executed by `scripts/run_notebooks.py` (the same code
that stores the `.ipynb`), shortened with `RNN_ZOO_NOTEBOOK_FAST=1`, in a fresh kernel of this
Python, in a temporary folder, with a private TFDS data dir. Nothing in the repository is
written. A new notebook is covered by adding its source: no test code changes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("run_notebooks",
                                               REPO / "scripts" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)

SOURCES = run_notebooks.sources()
# The recipes each notebook trains into $RNN_ZOO_NOTEBOOK_OUT (a notebook missing here trains
# none); the test checks that their runs land there, not in the repository.
RECIPE_RUNS = {
    "01_one_to_one": ["breast_cancer"],
    "02_one_to_many": ["digit_captions"],
    "03_many_to_one": ["japanese_vowels", "sunspots_forecast"],
    "04_many_to_many": ["char_lm_shakespeare"],
}
# Seconds one cell may run in the shortened mode before the test fails.
CELL_TIMEOUT = 240


def _snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size)
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tfds_data_dir(tmp_path_factory) -> str:
    """One TFDS data dir for all notebooks: each dataset is prepared once, never in ~."""
    return str(tmp_path_factory.mktemp("notebooks_tfds"))


def test_every_topology_has_a_notebook():
    names = [p.stem for p in SOURCES]
    assert names[:5] == ["00_recurrent_neuron_and_unfolding", "01_one_to_one",
                         "02_one_to_many", "03_many_to_one", "04_many_to_many"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(source, tmp_path, tfds_data_dir):
    before = _snapshot(REPO / "notebooks")
    notebook = run_notebooks.read_source(source)
    run_notebooks.execute(notebook, fast=True, out_dir=tmp_path / "runs", workdir=tmp_path,
                          timeout=CELL_TIMEOUT, env={"TFDS_DATA_DIR": tfds_data_dir})
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    outputs = [o for cell in code for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 2, f"{source.stem} drew {len(figures)} figures"
    # Recipe runs went to the temporary folder, and the notebooks folder was left as it was.
    assert _snapshot(REPO / "notebooks") == before
    trained = [p.parent.name for p in (tmp_path / "runs").glob("*/metrics.json")]
    assert sorted(trained) == sorted(RECIPE_RUNS.get(source.stem, []))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_stored_notebook_is_an_executed_copy_of_its_source(source):
    stored = source.with_suffix(".ipynb")
    assert stored.is_file(), f"{stored.name} is missing: run python scripts/run_notebooks.py"
    notebook = nbformat.read(stored, as_version=4)
    nbformat.validate(notebook)
    assert run_notebooks.problems(notebook, run_notebooks.read_source(source)) == []
    figures = [o for cell in notebook.cells if cell.cell_type == "code"
               for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 2


def test_problems_names_what_is_stale():
    source = run_notebooks.read_source(SOURCES[0])
    stale = nbformat.from_dict(source)
    assert "not executed top to bottom" in " ".join(run_notebooks.problems(stale, source))
    edited = nbformat.from_dict(source)
    edited.cells[0].source += " (edited)"
    assert any("cell 0 differs" in p for p in run_notebooks.problems(edited, source))
    shorter = nbformat.from_dict(source)
    shorter.cells = shorter.cells[:-1]
    assert any("cells, the source has" in p for p in run_notebooks.problems(shorter, source))


def test_sources_selects_by_prefix_and_rejects_unknown_names():
    assert [p.stem for p in run_notebooks.sources(["01"])] == ["01_one_to_one"]
    with pytest.raises(ValueError, match="no source matches '99'"):
        run_notebooks.sources(["99"])
    with pytest.raises(TypeError, match="`fast` must be a bool"):
        run_notebooks.execute(run_notebooks.read_source(SOURCES[0]), fast="yes", out_dir=".",
                              workdir=".")
