"""Build the teaching notebooks from their sources, execute them, and store their outputs.

Each notebook is written as a readable jupytext "percent" script, `notebooks/NN_name.py` (the
source of truth, reviewed as code), and stored executed as `notebooks/NN_name.ipynb` (what a
reader sees on the web, figures included). This script turns one into the other:

    python scripts/run_notebooks.py                  execute every source, store the .ipynb
    python scripts/run_notebooks.py 00 03            only the notebooks whose name starts so
    python scripts/run_notebooks.py --fast --out D   shortened run into D/ (what the tests do)
    python scripts/run_notebooks.py --check          exit 1 if a stored .ipynb is missing, was
                                                     not fully executed, or differs from its .py

Execution is top to bottom in a fresh kernel of this Python (a private kernel spec pointing at
`sys.executable`, so the notebooks see this virtual environment whatever else Jupyter knows
about); any error stops it and fails. The kernel gets `RNN_ZOO_NOTEBOOK_FAST` (`1` shortens
training and generation) and `RNN_ZOO_NOTEBOOK_OUT` (where recipe runs go; a temporary folder
that is removed afterwards) and runs in a scratch folder, so nothing is written into the
repository except the stored `.ipynb`, atomically. Adding a notebook is adding its `.py` source.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
FAST_ENV = "RNN_ZOO_NOTEBOOK_FAST"
OUT_ENV = "RNN_ZOO_NOTEBOOK_OUT"
KERNEL_NAME = "rnn_zoo_python"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# The inline backend draws with Agg and sends PNGs to the notebook: no display needed. Library
# log lines and deprecation notices are not part of any lesson, so they stay out of the outputs.
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline",
              "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore::DeprecationWarning"}


def sources(names: Sequence[str] = (), *, folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebook sources (`NN_name.py`) in `folder`, sorted; `names` filters by prefix.

    Raises:
        ValueError: a name in `names` matches no notebook.
    """
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.py"))
    if not names:
        return found
    picked = []
    for name in names:
        matches = [p for p in found if p.stem.startswith(name)]
        if not matches:
            raise ValueError(f"notebook: no source matches {name!r}; available: "
                             f"{', '.join(p.stem for p in found)}.")
        picked += [p for p in matches if p not in picked]
    return picked


def read_source(path: str | os.PathLike):
    """The notebook (nbformat v4, no outputs) that the percent script at `path` describes."""
    import jupytext

    notebook = jupytext.read(Path(path), fmt="py:percent")
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"  # stable ids: regenerating a notebook changes no id
    return notebook


@contextlib.contextmanager
def _kernel_manager() -> Iterator:
    """A kernel manager whose only kernel spec runs `sys.executable -m ipykernel_launcher`."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    with tempfile.TemporaryDirectory(prefix="rnn_zoo_kernels_") as kernels:
        write_kernel_spec(Path(kernels) / KERNEL_NAME)
        specs = KernelSpecManager(kernel_dirs=[kernels], ensure_native_kernel=False)
        yield AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def execute(notebook, *, fast: bool, out_dir: str | os.PathLike,
            workdir: str | os.PathLike, timeout: int = 600, env: dict | None = None):
    """Runs every cell of `notebook` in place, top to bottom, in a fresh kernel; returns it.

    Args:
        notebook: an nbformat v4 notebook (e.g. from `read_source`).
        fast: sets `RNN_ZOO_NOTEBOOK_FAST=1`, which the notebooks read to train and generate
            less (the tests use it).
        out_dir: `RNN_ZOO_NOTEBOOK_OUT`, where the notebook writes its recipe runs.
        workdir: the kernel's working directory.
        timeout: seconds one cell may run.
        env: extra environment variables for the kernel (e.g. `TFDS_DATA_DIR`).

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised; the message names it.
    """
    from nbclient import NotebookClient

    if not isinstance(fast, bool):
        raise TypeError(f"`fast` must be a bool, got {fast!r}.")
    # The notebooks import the checkout's recipes, which the wheel does not install: the kernel
    # (working in a scratch folder) finds them through the checkout on its path.
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    kernel_env = {**os.environ, **KERNEL_ENV, FAST_ENV: "1" if fast else "0",
                  OUT_ENV: str(out_dir), "PYTHONPATH": path, **(env or {})}
    with _kernel_manager() as manager:
        client = NotebookClient(
            notebook, km=manager, timeout=timeout, record_timing=False, coalesce_streams=True,
            # TensorFlow's C++ start-up lines go to this process's stderr, not into the notebook.
            extra_arguments=["--IPKernelApp.capture_fd_output=False"],
            resources={"metadata": {"path": str(workdir)}})
        client.execute(env=kernel_env)
    return notebook


def write_notebook(notebook, path: str | os.PathLike) -> Path:
    """Writes `notebook` to `path` atomically (temporary file beside it, then `os.replace`)."""
    import nbformat

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".ipynb", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(notebook, f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def problems(stored, source) -> list[str]:
    """Why the stored notebook is not an executed copy of `source` (empty list: it is)."""
    found = []
    pairs = [(a.cell_type, a.source) for a in stored.cells]
    wanted = [(b.cell_type, b.source) for b in source.cells]
    if pairs != wanted:
        for i, (have, want) in enumerate(zip(pairs, wanted, strict=False)):
            if have != want:
                found.append(f"cell {i} differs from the source ({want[1][:40]!r}...)")
                break
        else:
            found.append(f"{len(pairs)} cells, the source has {len(wanted)}")
    code = [c for c in stored.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    if counts != list(range(1, len(code) + 1)):
        found.append(f"not executed top to bottom in one kernel (execution counts {counts})")
    for i, cell in enumerate(code):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            found.append(f"code cell {i} stored an error")
    return found


def check(paths: Sequence[Path]) -> list[str]:
    """`problems` of every stored notebook, as `name: problem` lines."""
    import nbformat

    lines = []
    for source in paths:
        stored = source.with_suffix(".ipynb")
        if not stored.is_file():
            lines.append(f"{stored.name}: missing (run scripts/run_notebooks.py)")
            continue
        notebook = nbformat.read(stored, as_version=4)
        lines += [f"{stored.name}: {p}" for p in problems(notebook, read_source(source))]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--fast", action="store_true",
                        help=f"set {FAST_ENV}=1 (shorter training) and keep the results in "
                             "--out instead of storing them")
    parser.add_argument("--out", type=Path,
                        help="with --fast: folder for the executed copies and their runs")
    parser.add_argument("--check", action="store_true",
                        help="only check the stored notebooks against their sources")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    try:
        paths = sources(args.names)
    except ValueError as e:
        parser.error(str(e))
    if args.fast != (args.out is not None):
        parser.error("--fast and --out go together: a shortened run is never stored.")
    if args.check:
        lines = check(paths)
        print("\n".join(lines) or f"{len(paths)} stored notebooks match their sources.")
        return 1 if lines else 0
    from nbclient.exceptions import CellExecutionError

    for source in paths:
        start = time.perf_counter()
        notebook = read_source(source)
        if args.fast:
            target = args.out / source.with_suffix(".ipynb").name
            args.out.mkdir(parents=True, exist_ok=True)
        else:
            target = source.with_suffix(".ipynb")
        with tempfile.TemporaryDirectory(prefix="rnn_zoo_notebook_") as scratch:
            runs = args.out / source.stem if args.fast else Path(scratch) / "runs"
            try:
                execute(notebook, fast=args.fast, out_dir=runs, workdir=scratch,
                        timeout=args.timeout)
            except CellExecutionError as e:
                # The stored notebook is left as it was; the message holds the cell's traceback.
                print(f"{source.stem}: FAILED, {target.name} not written\n{e}", file=sys.stderr)
                return 1
        write_notebook(notebook, target)
        print(f"{source.stem}: executed in {time.perf_counter() - start:.0f} s -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
