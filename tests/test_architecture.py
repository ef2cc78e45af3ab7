"""The shape of the package: which way its imports point (issue 16).

- No module under `rnn_zoo/` imports `recipes` (the recipes sit on top; the library finds them
  through `rnn_zoo.recipe_finder`).
- The import graph of `rnn_zoo` (every import statement of every module, function-level ones
  included, `if TYPE_CHECKING:` blocks left out) has no cycle.
- Each module imports only its own layer and those below it (`LAYERS`).
- `import rnn_zoo` needs no TensorFlow under `KERAS_BACKEND=jax`: every registry model builds
  and runs a forward pass with TensorFlow, TFDS and tf2onnx unimportable.
- The wheel installs the `rnn_zoo` package only.
- The recipe finder: a recipes folder from `$RNN_ZOO_RECIPES` and the entry-point group.

The graph is read from the source (AST), so these tests import nothing they check and take well
under a second, except the no-TensorFlow subprocess and the wheel build.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnn_zoo"

# The layers, lowest first; a module may import its own layer and any layer before it. A module
# belongs to the layer of the longest prefix that names it (`rnn_zoo.exporters.presets` sits
# with `presets`, the rest of `rnn_zoo.exporters` below it). A task trains with the driver
# (`rnn_zoo.training`) and exports with the exporters, so both sit below `rnn_zoo.tasks`; the
# recipe declarations sit above the tasks they name, and the runner, which reports a run next
# to its published preset, above the presets.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("rnn_zoo", "rnn_zoo._atomic", "rnn_zoo._hashing", "rnn_zoo._validation",
                    "rnn_zoo._folders", "rnn_zoo._preset_folders", "rnn_zoo.inputs")),
    ("data", ("rnn_zoo.datasets", "rnn_zoo.data")),
    ("preprocessing", ("rnn_zoo.preprocessing",)),
    ("models", ("rnn_zoo.topologies", "rnn_zoo.layers", "rnn_zoo.decoding", "rnn_zoo.losses",
                "rnn_zoo.evaluation", "rnn_zoo.registry", "rnn_zoo.saving")),
    ("exporters", ("rnn_zoo.exporters",)),
    ("training", ("rnn_zoo.training", "rnn_zoo._checkpointing", "rnn_zoo._distribute")),
    ("tasks", ("rnn_zoo.tasks", "rnn_zoo.baselines")),
    ("recipes", ("rnn_zoo.recipe", "rnn_zoo.recipe_finder")),
    ("presets", ("rnn_zoo.presets", "rnn_zoo.exporters.presets")),
    ("runner", ("rnn_zoo.runner",)),
    ("cli", ("rnn_zoo.cli", "rnn_zoo.__main__", "rnn_zoo.demo")),
)
RANK = {layer: rank for rank, (layer, _) in enumerate(LAYERS)}


def layer_of(module: str) -> str:
    """The layer of `module`: the one with the longest prefix naming it."""
    best, found = -1, None
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), layer
    assert found is not None, f"{module} is in no layer of LAYERS"
    return found


# --- reading the imports -------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _statements(tree: ast.AST):
    """Every import statement, at any depth, outside `if TYPE_CHECKING:` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


@cache
def _lazy_exports() -> dict[str, str]:
    """`rnn_zoo._EXPORTS`, read from the source: public name -> the module defining it."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            table = ast.literal_eval(node.value)
            return {k: v or f"rnn_zoo.{k}" for k, v in table.items()}
    raise AssertionError("rnn_zoo/__init__.py has no _EXPORTS table")


def imported(module: str) -> set[str]:
    """The top-level names of everything `module` imports (any depth), e.g. {"keras", ...}."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    found = set()
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def edges(module: str) -> set[str]:
    """The modules of `rnn_zoo` that `module` imports. `from P import x` is an edge to `P.x`
    when that is a module, to the module behind `x` when P is `rnn_zoo` and x one of its lazy
    public names, and to `P` otherwise."""
    known, lazy = modules(), _lazy_exports()
    is_package = known[module].name == "__init__.py"
    found = set()
    tree = ast.parse(known[module].read_text(encoding="utf-8"))
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative: from the module's package, `level - 1` steps up
                parts = module.split(".")[: None if is_package else -1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([base] if base else [])])
            targets = []
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    targets.append(full)
                elif base == "rnn_zoo" and alias.name in lazy:
                    targets.append(lazy[alias.name])
                else:
                    targets.append(base)
        for target in targets:
            # `import rnn_zoo.a.b` names the module itself; anything below a module is its own.
            while target and target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in known and target != module:
                found.add(target)
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    return {m: frozenset(edges(m)) for m in modules()}


def find_cycle(graph_: dict[str, frozenset[str]]) -> list[str] | None:
    """One cycle of the graph as `[a, b, ..., a]`, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph_):
        if state.get(start):
            continue
        path, iterators = [start], [iter(sorted(graph_[start]))]
        state[start] = 1
        while path:
            step = next(iterators[-1], None)
            if step is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(step) == 1:
                return [*path[path.index(step):], step]
            elif not state.get(step):
                state[step] = 1
                path.append(step)
                iterators.append(iter(sorted(graph_[step])))
    return None


# --- the guards ----------------------------------------------------------------------------


def test_the_graph_reads_every_kind_of_import():
    """The reader itself: function-level imports count, TYPE_CHECKING ones do not, and lazy
    public names of `rnn_zoo` lead to their modules."""
    g = graph()
    assert "rnn_zoo.recipe_finder" in g["rnn_zoo.cli"]  # imported inside functions only
    assert "rnn_zoo.exporters.api" not in g["rnn_zoo"]  # only under TYPE_CHECKING
    assert "rnn_zoo.exporters.result" in g["rnn_zoo.exporters.parity"]
    assert find_cycle({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}),
                       "d": frozenset()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": frozenset({"b"}), "b": frozenset()}) is None


def test_no_module_imports_recipes():
    offenders = sorted(m for m in modules() if "recipes" in imported(m))
    assert not offenders, f"these modules import `recipes`: {offenders}"


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_layers_import_only_downwards():
    upward = sorted(
        f"{m} ({layer_of(m)}) -> {t} ({layer_of(t)})"
        for m, targets in graph().items() for t in targets
        if RANK[layer_of(t)] > RANK[layer_of(m)])
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_every_module_has_a_layer():
    for module in modules():
        layer_of(module)  # asserts


@pytest.mark.parametrize(("module", "layer"), [
    ("rnn_zoo.exporters.api", "exporters"),
    ("rnn_zoo.exporters.presets", "presets"),
    ("rnn_zoo.data.tasks", "data"),
    ("rnn_zoo.tasks.text", "tasks"),
    ("rnn_zoo", "foundation"),
])
def test_layer_table(module, layer):
    assert layer_of(module) == layer


def test_exporters_stay_below_tasks_training_presets_and_cli():
    """`Task.export` will delegate to the exporters, so they must not import back up."""
    above = {"tasks", "training", "presets", "cli"}
    bad = sorted(f"{m} -> {t}" for m, targets in graph().items()
                 if layer_of(m) == "exporters" for t in targets if layer_of(t) in above)
    assert not bad, bad


# --- no TensorFlow under JAX ---------------------------------------------------------------

NO_TENSORFLOW = textwrap.dedent(
    """
    import importlib, importlib.abc, sys

    BLOCKED = ("tensorflow", "tensorflow_datasets", "tf2onnx")

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    sys.path.insert(0, sys.argv[1])  # tests/, for the harness

    import keras
    import numpy as np

    import harness
    import rnn_zoo

    assert keras.backend.backend() == "jax", keras.backend.backend()
    for name in ("rnn_zoo.layers", "rnn_zoo.decoding", "rnn_zoo.losses",
                 "rnn_zoo.preprocessing", "rnn_zoo.registry", "rnn_zoo.topologies"):
        importlib.import_module(name)
    built = []
    for name in rnn_zoo.list_models():
        _, kwargs, model = harness.build_tiny(name)
        batch = harness.example_batch(model, kwargs, np.random.default_rng(0), batch=2, time=3)
        out = keras.ops.convert_to_numpy(model(batch.x))
        assert np.isfinite(out).all(), name
        built.append(name)
    assert built == rnn_zoo.list_models() and built
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, loaded
    print("BUILT", len(built))
    """
)


def test_builders_import_and_run_without_tensorflow_under_jax(tmp_path):
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-c", NO_TENSORFLOW, str(ROOT / "tests")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"BUILT {len(_registry_names())}" in done.stdout


def _registry_names() -> list[str]:
    import rnn_zoo

    return rnn_zoo.list_models()


# --- the wheel -----------------------------------------------------------------------------


def test_the_wheel_installs_rnn_zoo_only(tmp_path):
    """Built offline from a copy of the checkout's tracked files (every folder the package finder
    could pick up, `recipes/` included; not the presets), so no stale `build/` folder takes
    part; its top-level packages are read from the wheel's file list. About 2 s."""
    pytest.importorskip("setuptools", minversion="77")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    source = tmp_path / "src"
    for name in filter(None, tracked):
        if name.startswith("saved_models/") or not (ROOT / name).is_file():
            continue
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, source / name)
    assert (source / "recipes" / "__init__.py").is_file()
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(tmp_path / "dist")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("rnn_zoo-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"rnn_zoo"}, sorted(top)
    assert "rnn_zoo/recipe_finder.py" in names and "rnn_zoo/exporters/api.py" in names
