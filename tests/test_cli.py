"""The `rnn-zoo` command line: list, train, evaluate, help, and one-line errors (exit 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rnn_zoo
from recipes import RECIPES, list_recipes
from rnn_zoo import cli

REPO = Path(__file__).resolve().parents[1]


def _run(*args, cwd=REPO):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_list_shows_models_and_recipes(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in rnn_zoo.list_models():
        assert name in out
    for name in list_recipes():
        assert name in out
    assert "full bar" in out


def test_list_filters_models(capsys):
    assert cli.main(["list", "--models", "one_to_one_*"]) == 0
    out = capsys.readouterr().out
    models = out.split("\nRecipes")[0]
    assert "Models (3):" in models and "many_to_many_lstm" not in models


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """`python -m rnn_zoo train breast_cancer --epochs 3 --seed 7 ...` in a subprocess (a real
    CLI run)."""
    root = tmp_path_factory.mktemp("cli")
    out, data = root / "run", root / "tfds"
    proc = _run("-m", "rnn_zoo", "train", "breast_cancer", "--profile", "quick", "--epochs",
                "3", "--seed", "7", "--out", str(out), "--data-dir", str(data), "--verbose", "0")
    return proc, out, data


def test_train_through_the_cli(trained):
    proc, out, data = trained
    assert proc.returncode == 0, proc.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["epochs_run"] == 3
    assert metrics["seed"] == metrics["config"]["seed"] == 7  # the profile's seed overridden
    assert metrics["command"] == (f"rnn-zoo train breast_cancer --profile quick --out {out} "
                                  f"--epochs 3 --seed 7 --data-dir {data}")
    # A run folder is a task folder: `predict`, `export` and `load_task` read it.
    assert (out / "model.keras").is_file() and (out / "task.json").is_file()
    assert "Wrote" in proc.stdout


def test_evaluate_through_the_cli(trained, capsys):
    _, out, data = trained
    assert cli.main(["evaluate", "breast_cancer", "--out", str(out), "--data-dir",
                     str(data)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["test"]["accuracy"] == pytest.approx(printed["recorded_test"]["accuracy"])
    assert (out / "evaluation.json").is_file()


def test_recipes_are_declarations_run_by_the_cli(capsys):
    """A recipe module is only its `RECIPE` (no `__main__`): `rnn-zoo train NAME` runs it, and
    its profiles are the ones `train --profile` takes."""
    for name in RECIPES:
        source = (REPO / "recipes" / f"{name}.py").read_text()
        assert "__main__" not in source and "def " not in source, name
        assert "RECIPE = Recipe(" in source, name
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--profile" in out and "--epochs" in out


@pytest.mark.parametrize("argv", [[], ["list"], ["train"], ["evaluate"]])
def test_help_everywhere(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: rnn-zoo" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "breast_cancr"], "Unknown recipe 'breast_cancr'. Did you mean 'breast_cancer'?"),
        (["train", "breast_cancer", "--profile", "ful"],
         "Unknown profile 'ful'. Did you mean 'full'?"),
        (["train", "breast_cancer", "--epochs", "0"], "expected a positive integer, got '0'"),
        (["train", "breast_cancer", "--epochs", "ten"], "expected a positive integer, got 'ten'"),
        (["train", "breast_cancer", "--seed", "-1"], "expected an integer >= 0, got '-1'"),
        (["train", "breast_cancer", "--seed", "1.5"], "expected an integer >= 0, got '1.5'"),
        (["train", "breast_cancer", "--strategy", "tpu"], "invalid choice: 'tpu'"),
        (["evaluate", "sunspots_forecast", "--out", "/nonexistent/run"],
         "not a finished run directory"),
        (["evaluate", "japanese_vowels"], "the following arguments are required: --out"),
        (["fly"], "invalid choice: 'fly'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(argv, message, capsys):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_error_from_a_subprocess_is_one_line():
    proc = _run("-m", "rnn_zoo", "train", "sunspot")
    assert proc.returncode == 2
    # TensorFlow's C++ logging may print its own start-up lines when it is imported; the CLI's
    # part is exactly one line, and there is no traceback.
    ours = [line for line in proc.stderr.splitlines() if line.startswith("rnn-zoo")]
    assert ours == [
        "rnn-zoo: error: Unknown recipe 'sunspot'. Did you mean 'sunspots_forecast'? "
        f"Available: {', '.join(RECIPES)}."
    ]
    assert "Traceback" not in proc.stderr


# --- presets: `list` shows them, `predict` runs them ------------------------------------------


@pytest.fixture(scope="module")
def preset_dir(trained, tmp_path_factory):
    """The `trained` quick run published as a preset through scripts/publish_preset.py."""
    proc, out, _ = trained
    assert proc.returncode == 0, proc.stderr[-2000:]
    root = tmp_path_factory.mktemp("cli_presets")
    published = _run(str(REPO / "scripts" / "publish_preset.py"), str(out), "--presets-dir",
                     str(root), "--allow-any-profile")
    assert published.returncode == 0, published.stderr[-2000:]
    assert "Published" in published.stdout
    return root


def test_list_shows_presets_with_their_metric(preset_dir, monkeypatch, capsys):
    monkeypatch.setenv("RNN_ZOO_PRESETS_DIR", str(preset_dir))
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    metrics = json.loads((preset_dir / "breast_cancer" / "metrics.json").read_text())
    assert "Presets (1)" in out
    assert f"breast_cancer  recipe breast_cancer (quick); test accuracy " \
           f"{metrics['test']['accuracy']:.4f}" in out


def test_predict_breast_cancer_from_raw_features(preset_dir, monkeypatch, capsys):
    monkeypatch.setenv("RNN_ZOO_PRESETS_DIR", str(preset_dir))
    task = json.loads((preset_dir / "breast_cancer" / "task.json").read_text())
    features = json.dumps(task["state"]["mean"])  # the train split's mean tumour
    assert cli.main(["predict", "breast_cancer", features]) == 0
    label, shown = capsys.readouterr().out.strip().split("\t")
    assert label in ("malignant", "benign") and json.loads(shown) == task["state"]["mean"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", "breast_cancr"], "Unknown preset 'breast_cancr'. Did you mean "
                                      "'breast_cancer'?"),
        (["predict", "breast_cancer", "[1, 2]"], "the task was trained on (30,)"),
        (["predict", "breast_cancer", "1,2"], "INPUT 1 must be JSON numbers"),
        (["predict", "breast_cancer", "--prompt", "x"], "takes no --prompt option"),
        (["predict", "breast_cancer", "--temperature", "0"], "expected a positive number"),
        (["predict", "breast_cancer", "--length", "-3"], "expected a positive integer"),
        (["predict", "sunspots_forecast"], "'sunspots_forecast' is not a task folder (it has "
                                           "no task.json)"),
        (["predict"], "the following arguments are required: PRESET"),
    ],
)
def test_predict_errors_are_one_line(preset_dir, tmp_path, monkeypatch, capsys, argv, message):
    root = tmp_path / "presets"
    shutil.copytree(preset_dir, root)
    legacy = root / "sunspots_forecast"  # a preset of the old form: a model, no task.json
    legacy.mkdir()
    (legacy / "metrics.json").write_text(json.dumps({"recipe": "sunspots_forecast"}))
    monkeypatch.setenv("RNN_ZOO_PRESETS_DIR", str(root))
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("\n") == 1, captured.err
    assert captured.out == ""


def test_predict_refuses_a_tampered_preset(preset_dir, tmp_path, monkeypatch, capsys):
    root = tmp_path / "presets"
    shutil.copytree(preset_dir, root)
    model = root / "breast_cancer" / "model.keras"
    model.write_bytes(model.read_bytes()[:-10])
    monkeypatch.setenv("RNN_ZOO_PRESETS_DIR", str(root))
    assert cli.main(["predict", "breast_cancer", json.dumps([0] * 30)]) == 2
    err = capsys.readouterr().err
    assert "checksum of 'model.keras' differs" in err and err.count("\n") == 1


def test_predict_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["predict", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: rnn-zoo predict" in out and "--prompt" in out and "--temperature" in out


def test_predict_char_lm_generates_text(monkeypatch, capsys):
    monkeypatch.delenv("RNN_ZOO_PRESETS_DIR", raising=False)
    assert cli.main(["predict", "char_lm_shakespeare", "--prompt", "ROMEO:", "--length", "40",
                     "--temperature", "0.5", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ROMEO:") and len(out.rstrip("\n")) == len("ROMEO:") + 40


def test_predict_tweet_sentiment_labels_raw_tweets(capsys):
    argv = ["predict", "tweet_sentiment", "I love this, best day ever :)", "worst service ever"]
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["positive", "negative"]


def test_predict_g2p_transcribes_words_with_beam_and_greedy(monkeypatch, capsys):
    """The issue's example, on the committed preset: words in, ARPAbet out."""
    monkeypatch.delenv("RNN_ZOO_PRESETS_DIR", raising=False)
    for beam in ("5", "1"):
        assert cli.main(["predict", "g2p_cmudict", "zoology", "xylophone", "--beam", beam]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        assert [line.split()[0] for line in lines] == ["zoology", "xylophone"]
        # Both are training words (cmudict: Z OW AA L AH JH IY, Z AY L AH F OW N): a working
        # model knows them, a broken decoder or vocabulary does not.
        phones = [" ".join(p.rstrip("012") for p in line.split()[1:]) for line in lines]
        assert phones[0].startswith("Z OW") and phones[1].startswith("Z AY L")


def test_predict_translates_quoted_sentences(monkeypatch, capsys):
    """The README's line: one quoted English sentence per INPUT, the German after it."""
    monkeypatch.delenv("RNN_ZOO_PRESETS_DIR", raising=False)
    sentences = ["Two dogs are playing in the snow.", "A man in an orange hat, smiling."]
    assert cli.main(["predict", "multi30k_translate", *sentences]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("  ")[0] for line in lines] == sentences  # commas do not split
    assert lines[0] == "Two dogs are playing in the snow.  Zwei Hunde spielen im Schnee."


def test_predict_g2p_rejects_options_it_does_not_take(monkeypatch, capsys):
    monkeypatch.delenv("RNN_ZOO_PRESETS_DIR", raising=False)
    assert cli.main(["predict", "char_lm_shakespeare", "--beam", "3"]) == 2
    err = capsys.readouterr().err
    assert "does not take --beam" in err and err.count("\n") == 1


def test_export_a_trained_run_directory(trained, tmp_path, capsys):
    """train -> export: the run directory is served like the preset it would become."""
    proc, out, _ = trained
    assert proc.returncode == 0, proc.stderr[-2000:]
    target = tmp_path / "export"
    assert cli.main(["export", str(out), "--formats", "saved_model", "tflite", "--out",
                     str(target)]) == 0
    manifest = json.loads((target / "export.json").read_text())
    # The run is a task folder: its export carries the task's own metadata.
    assert manifest["metadata"]["task"] == "TabularClassifier"
    assert manifest["metadata"]["classes"] == ["benign", "malignant"]
    assert manifest["parity"]["ok"] is True
    assert {a["format"] for a in manifest["artifacts"]} == {"saved_model", "tflite"}
    assert "parity ok" in capsys.readouterr().out


def test_export_refuses_an_unfinished_run_directory(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    assert cli.main(["export", str(tmp_path / "run"), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "not a finished run directory" in err and err.count("\n") == 1
