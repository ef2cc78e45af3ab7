"""The `rnn-zoo` console script as a user types it: relative paths from any working directory,
no TensorFlow for `--help` and `list`, no native TensorFlow log lines, a quick run that reads
as what it is."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rnn_zoo
from recipes import RECIPES, describe_recipe, get_recipe
from rnn_zoo import cli
from rnn_zoo.runner import summary_line

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "rnn-zoo"
# absl / TensorFlow C++ log lines: "I0000 00:00:1796154533.430610    3987 port.cc:153] ..."
NATIVE_LOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]", re.MULTILINE)


def _user_env(**extra) -> dict[str, str]:
    """The environment of a user's shell: no TF_CPP_MIN_LOG_LEVEL (conftest sets one)."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return {**env, **extra}


def _type(*argv: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Runs `rnn-zoo ARGV...` in `cwd`, as typed in a shell."""
    return subprocess.run([str(SCRIPT), *argv], cwd=cwd, env=_user_env(), capture_output=True,
                          text=True, timeout=timeout)


def test_the_console_script_is_installed():
    assert SCRIPT.is_file(), "install the project (`pip install -e .`) to get `rnn-zoo`"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A user's working directory outside the checkout, with a run trained into `run/`."""
    cwd = tmp_path_factory.mktemp("user")
    proc = _type("train", "breast_cancer", "--profile", "quick", "--epochs", "2", "--out", "run",
                 "--data-dir", "tfds", "--verbose", "0", cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (cwd / "train.log").write_text(proc.stdout + proc.stderr)
    return cwd


def test_train_writes_under_the_relative_out(workdir):
    assert not NATIVE_LOG.search((workdir / "train.log").read_text())
    metrics = json.loads((workdir / "run" / "metrics.json").read_text())
    assert metrics["training"]["epochs_run"] == 2
    assert (workdir / "run" / "model.keras").is_file()
    assert (workdir / "tfds" / "breast_cancer").is_dir()
    assert not (REPO / "run").exists()


def test_evaluate_a_relative_run(workdir):
    proc = _type("evaluate", "breast_cancer", "--out", "run", "--data-dir", "tfds", cwd=workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout)["recipe"] == "breast_cancer"


@pytest.mark.parametrize("source", ["run", "run/model.keras", "./run"])
def test_export_with_relative_paths_passes_the_parity_check(workdir, source):
    out = f"exports/{source.replace('/', '_').replace('.', '_')}"
    proc = _type("export", source, "--formats", "keras", "tflite", "--out", out, cwd=workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((workdir / out / "export.json").read_text())
    assert manifest["parity"]["ok"] is True
    assert set(manifest["parity"]["artifacts"]) == {"keras", "tflite"}
    assert f"Wrote {out}/export.json" in proc.stdout
    assert not NATIVE_LOG.search(proc.stdout + proc.stderr), proc.stderr[-3000:]


def test_export_from_a_subdirectory_with_dotdot(workdir):
    sub = workdir / "sub"
    sub.mkdir(exist_ok=True)
    proc = _type("export", "../run", "--formats", "tflite", "--out", "../exports/up", cwd=sub)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((workdir / "exports/up/export.json").read_text())["parity"]["ok"]


FEATURES = json.dumps([0] * 30)  # one tumour's 30 raw features, as the task reads an INPUT


@pytest.fixture(scope="module")
def predict_by_name(workdir) -> subprocess.CompletedProcess:
    """`rnn-zoo predict breast_cancer FEATURES` typed in the user's directory: one process (one
    TensorFlow start-up) read by the two tests below."""
    return _type("predict", "breast_cancer", FEATURES, cwd=workdir)


@pytest.mark.parametrize("preset", ["breast_cancer", "relative folder"])
def test_predict_from_another_directory(workdir, preset, predict_by_name):
    if preset == "relative folder":
        preset = os.path.relpath(REPO / "saved_models" / "breast_cancer", workdir)
        proc = _type("predict", preset, FEATURES, cwd=workdir)
    else:
        proc = predict_by_name
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "malignant" in proc.stdout or "benign" in proc.stdout


def test_no_native_tensorflow_log_lines(workdir, predict_by_name):
    """A command that starts TensorFlow and runs a model prints none of its C++ log lines; the
    top-level `--verbose` brings them back (so the pattern below does match them)."""
    quiet = predict_by_name
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert not NATIVE_LOG.search(quiet.stdout + quiet.stderr), quiet.stderr[-3000:]
    assert "absl::InitializeLog" not in quiet.stderr
    loud = _type("--verbose", "predict", "breast_cancer", FEATURES, cwd=workdir)
    assert loud.returncode == 0, loud.stderr[-3000:]
    assert NATIVE_LOG.search(loud.stderr), "TensorFlow printed no log line even with --verbose"


def test_a_users_own_log_level_is_kept(workdir):
    proc = subprocess.run([str(SCRIPT), "predict", "breast_cancer", FEATURES],
                          cwd=workdir, env=_user_env(TF_CPP_MIN_LOG_LEVEL="0"),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert NATIVE_LOG.search(proc.stderr)


# Runs each argv (a JSON list of argvs) in turn in ONE fresh Python, printing after each its exit
# status and the heavy modules loaded so far: a module once imported stays in sys.modules, so an
# empty list after argv k means none of argvs 1..k imported one.
_NO_TF = """
import json, sys
from rnn_zoo import cli
for argv in json.loads(sys.argv[1]):
    try:
        status = cli.main(argv)
    except SystemExit as exit_:
        status = 0 if exit_.code is None else exit_.code
    heavy = sorted(m for m in ("tensorflow", "keras", "jax", "tensorflow_datasets")
                   if m in sys.modules)
    print("RESULT " + json.dumps({"argv": argv, "status": status, "heavy": heavy}), flush=True)
"""
NO_TF_ARGVS = [
    ["--help"], ["list"], ["list", "--models", "many_to_one_*"],
    *([command, "--help"] for command in ("list", "train", "evaluate", "predict", "export")),
]


@pytest.fixture(scope="module")
def no_tf_results(tmp_path_factory) -> dict[str, dict]:
    """{" ".join(argv): {"status", "heavy"}} for every `NO_TF_ARGVS`, all from one process."""
    proc = subprocess.run([sys.executable, "-c", _NO_TF, json.dumps(NO_TF_ARGVS)],
                          cwd=tmp_path_factory.mktemp("no_tf"), env=_user_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line.removeprefix("RESULT ")) for line in proc.stdout.splitlines()
               if line.startswith("RESULT ")]
    assert [r["argv"] for r in results] == NO_TF_ARGVS, proc.stdout[-500:]
    return {" ".join(r["argv"]): r for r in results}


@pytest.mark.parametrize("argv", NO_TF_ARGVS)
def test_help_and_list_do_not_import_tensorflow(argv, no_tf_results):
    result = no_tf_results[" ".join(argv)]
    assert result["status"] == 0, result
    assert result["heavy"] == [], (f"{result['heavy']} imported by `{' '.join(argv)}` or a "
                                   f"command before it in {NO_TF_ARGVS}")


def test_import_rnn_zoo_is_lazy(tmp_path):
    code = ("import sys, rnn_zoo; assert 'keras' not in sys.modules, 'keras'; "
            "rnn_zoo.list_models(); assert 'keras' not in sys.modules, 'registry'; "
            "rnn_zoo.many_to_one; assert 'keras' in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_user_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_public_names():
    assert rnn_zoo.__all__ == sorted(rnn_zoo._EXPORTS)
    for name in rnn_zoo.__all__:
        assert getattr(rnn_zoo, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rnn_zoo.nope  # noqa: B018


def test_parser_choices_match_the_library():
    from rnn_zoo.exporters import FORMATS
    from rnn_zoo.exporters.api import MAX_TFLITE_BATCH_SIZE
    from rnn_zoo.exporters.formats import CALIBRATED
    from rnn_zoo.training import STRATEGIES

    assert cli.STRATEGIES == STRATEGIES
    # A calibrated format needs a representative dataset, which the command line cannot take.
    assert tuple(f for f in FORMATS if f not in CALIBRATED) == cli.FORMATS
    assert cli.MAX_TFLITE_BATCH_SIZE == MAX_TFLITE_BATCH_SIZE


@pytest.mark.parametrize("name", list(RECIPES))
def test_recipe_descriptions_match_the_modules(name):
    """`rnn-zoo list` reads the declarations without importing; they must say the same."""
    recipe, info = get_recipe(name).RECIPE, describe_recipe(name)
    full = {**recipe.profiles["full"]}
    assert info["task"] == recipe.task
    assert info["model"] == (f"{recipe.task} ({full['cell']})" if "cell" in full
                             else recipe.task)
    assert info["online"] == recipe.online
    assert len(info["bars"]) == len(recipe.bars)
    for read, bar in zip(info["bars"], recipe.bars, strict=True):
        assert read["metric"] == bar.metric
        assert read["higher_is_better"] == bar.higher_is_better
        assert read.get("baseline") == bar.baseline
        if bar.baseline is None:
            assert read["value"] == bar.value
    assert info["summary"] == recipe.summary and recipe.name == name


def _metrics(profile: str, value: float, met: bool) -> dict:
    return {"recipe": "char_lm_shakespeare", "profile": profile,
            "bar": {"metric": "validation_loss", "rule": "< 1.5", "met": met},
            "test": {"validation_loss": value}, "baselines": {"unigram": {"validation_loss": 3.3}},
            "training": {"epochs_run": 2}}


def test_a_quick_run_reads_as_what_it_is():
    line = summary_line(_metrics("quick", 1.94, False))
    assert "MISSED" not in line and "test validation_loss" not in line
    assert "validation_loss 1.9400" in line and "'quick' run (2 epochs) shows the flow" in line
    assert "saved_models/char_lm_shakespeare/README.md" in line
    assert "rnn-zoo train char_lm_shakespeare --profile full" in line


def test_a_full_run_states_its_bar():
    assert summary_line(_metrics("full", 1.6, False)).endswith("bar validation_loss < 1.5: MISSED")
    assert summary_line(_metrics("full", 1.4, True)).endswith("bar validation_loss < 1.5: met")


def test_load_pretrained_takes_a_relative_or_absolute_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    by_name = rnn_zoo.load_pretrained("breast_cancer", compile=False)
    by_relative = rnn_zoo.load_pretrained("saved_models/breast_cancer", compile=False)
    monkeypatch.chdir(tmp_path)
    by_absolute = rnn_zoo.load_pretrained(REPO / "saved_models" / "breast_cancer", compile=False)
    by_dotdot = rnn_zoo.load_pretrained(
        os.path.relpath(REPO / "saved_models" / "breast_cancer"), compile=False)
    for model in (by_relative, by_absolute, by_dotdot):
        # A preset in the task form loads as its task; its `model` holds the weights.
        for a, b in zip(by_name.model.get_weights(), model.model.get_weights(), strict=True):
            assert (a == b).all()
    with pytest.raises(ValueError, match="Preset folder 'no/such/preset' does not exist"):
        rnn_zoo.load_pretrained("no/such/preset")


def test_export_api_takes_a_relative_directory(monkeypatch, tmp_path):
    model = rnn_zoo.load_pretrained("breast_cancer", compile=False).model
    monkeypatch.chdir(tmp_path)
    result = rnn_zoo.export(model, "out/bc", formats=("keras", "tflite"))
    assert result.parity_ok is True
    manifest = json.loads((tmp_path / "out/bc/export.json").read_text())
    assert manifest["parity"]["ok"] is True
