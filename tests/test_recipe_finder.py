"""`rnn_zoo.recipe_finder`: recipes from a folder ($RNN_ZOO_RECIPES, the checkout's, ./recipes)
and from the `rnn_zoo.recipes` entry-point group, without a `recipes` package installed.

Each case runs in a fresh interpreter from a temporary working directory (the finder registers
the folder as the package `recipes`, which this process already holds as the checkout's).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rnn_zoo import recipe_finder

ROOT = Path(__file__).resolve().parents[1]
RECIPE = textwrap.dedent('''
    """{name}: a test recipe that imports its shared settings through the package name."""

    from recipes import _helper
    from rnn_zoo.recipe import Bar, Data, Recipe

    RECIPE = Recipe(
        name="{name}",
        summary="a test recipe, declared",
        task="TabularClassifier",
        data=Data(dataset="breast_cancer", x="features", y="label"),
        profiles={{"quick": _helper.QUICK, "full": {{"cell": "gru", "epochs": 5}}}},
        baselines={{"majority_class": "rnn_zoo.baselines:MajorityClass"}},
        bars=(Bar(metric="accuracy", higher_is_better=True, value=0.5),),
        trivial="majority_class")
    ''')
HELPER = textwrap.dedent('''
    QUICK = {"cell": "gru", "units": 4, "epochs": 1}
    ''')
# A module of the old form (a `run` function, no declaration): the CLI refuses it in one line.
LEGACY = textwrap.dedent('''
    """legacy: a recipe of the old form."""

    PROFILES = {}


    def run(**kwargs):
        raise AssertionError("never called")
    ''')


def _folder(path: Path, *names: str, init: bool = True) -> Path:
    path.mkdir(parents=True)
    if init:
        (path / "__init__.py").write_text("")
    (path / "_helper.py").write_text(HELPER)
    for name in names:
        (path / f"{name}.py").write_text(RECIPE.format(name=name))
    return path


def _python(code: str, *, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("RNN_ZOO_RECIPES", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                          env={**environ, **env}, capture_output=True, text=True, timeout=120)


FIND = """
    import json, sys
    from rnn_zoo import recipe_finder as f
    names = f.list_recipes(online=True)
    first = names[0]
    module = f.get_recipe(first)
    declared = f.get_declaration(first)
    print(json.dumps({"names": names, "task": module.RECIPE.task,
                      "same": declared is module.RECIPE,
                      "described": f.describe_recipe(first),
                      "quick": declared.settings("quick"),
                      "resolved": declared.settings("full", epochs=3)["epochs"],
                      "tf": "tensorflow" in sys.modules}))
"""


@pytest.mark.parametrize("init", [True, False], ids=["package", "plain-folder"])
def test_a_folder_from_the_environment_variable(tmp_path, init):
    folder = _folder(tmp_path / "elsewhere" / "my_recipes", "beta", "alpha", init=init)
    work = tmp_path / "work"
    work.mkdir()
    done = _python(FIND, cwd=work, RNN_ZOO_RECIPES=str(folder))
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert found["names"] == ["alpha", "beta"]  # sorted file names; no `_helper`
    assert found["task"] == "TabularClassifier" and found["same"] is True
    assert found["quick"] == {"cell": "gru", "units": 4, "epochs": 1}  # from the helper
    assert found["resolved"] == 3
    assert found["described"] == {
        "summary": "a test recipe, declared", "task": "TabularClassifier",
        "model": "TabularClassifier (gru)", "online": False,
        "bars": [{"metric": "accuracy", "higher_is_better": True, "value": 0.5}]}
    assert found["tf"] is False


def test_the_checkout_folder_is_found_from_any_working_directory(tmp_path):
    done = _python(FIND, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    names = json.loads(done.stdout)["names"]
    assert names[0] == "breast_cancer" and "g2p_cmudict" in names
    assert recipe_finder.recipes_folder() == ROOT / "recipes"


def test_a_recipe_registered_by_an_entry_point(tmp_path):
    site = tmp_path / "site"
    _folder(site / "their_pkg", "their_recipe")
    (site / "their_pkg" / "their_recipe.py").write_text(
        RECIPE.format(name="their_recipe").replace("from recipes import _helper",
                                                   "from their_pkg import _helper"))
    info = site / "their_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: their-pkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[rnn_zoo.recipes]\ntheir_recipe = their_pkg.their_recipe\n")
    done = _python("""
        import json
        from rnn_zoo import recipe_finder as f
        found = f.find_recipes()
        print(json.dumps({"names": list(found), "origin": found["their_recipe"].origin,
                          "task": f.get_declaration("their_recipe").task,
                          "summary": f.describe_recipe("their_recipe")["summary"]}))
        """, cwd=tmp_path, PYTHONPATH=str(site))
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert found["names"][0] == "breast_cancer" and found["names"][-1] == "their_recipe"
    assert found["origin"] == "entry point of their-pkg"
    assert found["task"] == "TabularClassifier"
    assert found["summary"] == "a test recipe, declared"


def test_the_cli_lists_and_refuses_by_the_finder(tmp_path):
    folder = _folder(tmp_path / "r", "alpha")
    (folder / "legacy.py").write_text(LEGACY)
    listed = subprocess.run([sys.executable, "-m", "rnn_zoo", "list"], cwd=tmp_path,
                            env={**os.environ, "RNN_ZOO_RECIPES": str(folder)},
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "Recipes (2):\n  alpha   a test recipe, declared; task TabularClassifier (gru)" \
        in listed.stdout
    assert "full bar: accuracy >= 0.5" in listed.stdout
    assert "  legacy  a recipe of the old form; task unknown; full bar: none declared" \
        in listed.stdout
    refused = subprocess.run([sys.executable, "-m", "rnn_zoo", "train", "alpah"], cwd=tmp_path,
                             env={**os.environ, "RNN_ZOO_RECIPES": str(folder)},
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "rnn-zoo: error: Unknown recipe 'alpah'. Did you mean 'alpha'? Available: alpha, "
        "legacy.")
    for command in (["train", "legacy"], ["evaluate", "legacy", "--out", "run"]):
        refused = subprocess.run([sys.executable, "-m", "rnn_zoo", *command], cwd=tmp_path,
                                 env={**os.environ, "RNN_ZOO_RECIPES": str(folder)},
                                 capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2, refused.stderr[-2000:]
        assert refused.stderr.strip().splitlines()[-1] == (
            f"rnn-zoo: error: Recipe 'legacy' (module 'recipes.legacy', folder {folder}) has no "
            "RECIPE; a recipe module must declare `RECIPE = rnn_zoo.recipe.Recipe(...)`.")
        assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(("setup", "message"), [
    ("missing", "$RNN_ZOO_RECIPES {path!r} is not a folder of recipe modules."),
    ("empty", "Unknown recipe 'anything': no recipes found (set $RNN_ZOO_RECIPES"),
    ("clash", "A different 'recipes' package is already imported"),
])
def test_one_line_errors(tmp_path, setup, message):
    path = tmp_path / "recipes_here"
    code = "from rnn_zoo import recipe_finder as f\ntry:\n    f.get_recipe('anything')\n" \
           "except ValueError as e:\n    print(e)\n"
    if setup == "empty":
        path.mkdir()
    elif setup == "clash":
        _folder(path, "alpha")
        other = _folder(tmp_path / "other" / "recipes", "beta")
        code = f"import sys; sys.path.insert(0, {str(other.parent)!r}); import recipes\n" + code
    done = _python(code, cwd=tmp_path, RNN_ZOO_RECIPES=str(path))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("\n") == 1
    assert done.stdout.startswith(message.format(path=str(path)))


def test_argument_errors():
    with pytest.raises(TypeError, match="`recipe` must be a recipe name"):
        recipe_finder.get_recipe(None)
    with pytest.raises(TypeError, match="`recipe` must be a recipe name"):
        recipe_finder.find_recipe(3)
    assert recipe_finder.find_recipe("no_such_recipe") is None
    with pytest.raises(TypeError, match="`recipe` must be a recipe name"):
        recipe_finder.get_declaration(["breast_cancer"])
    with pytest.raises(ValueError, match="Unknown recipe 'breast_cancr'. Did you mean"):
        recipe_finder.get_declaration("breast_cancr")
    declared = recipe_finder.get_declaration("breast_cancer")
    with pytest.raises(ValueError, match="Unknown profile 'ful'. Did you mean 'full'?"):
        declared.settings("ful")


def test_describe_source_without_a_declaration():
    """A module that declares no `RECIPE` is described as unknown, not guessed."""
    found = recipe_finder.describe_source('"""x: what it is."""\nPROFILES = {}\n', name="x")
    assert found == {"summary": "what it is.", "task": None, "model": None, "bars": None,
                     "online": False}
