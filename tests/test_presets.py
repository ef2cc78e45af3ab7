"""Presets: publish a real run, load it back verified, refuse tampered or unsafe presets, keep
the README's results table in step with the files, and reproduce every committed preset's
recorded test metric."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo import presets, runner
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.tasks import load_task

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "saved_models"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


publish_preset = _script("publish_preset")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """A real breast_cancer quick run (3 epochs, about 10 s) on a private TFDS data dir."""
    root = tmp_path_factory.mktemp("preset_run")
    run = root / "run"
    runner.train(get_recipe("breast_cancer").RECIPE, profile="quick", out_dir=run, epochs=3,
                 data_dir=str(root / "tfds"), verbose=0)
    return run


@pytest.fixture(scope="module")
def published(quick_run, tmp_path_factory):
    """The quick run published through scripts/publish_preset.py into a private presets dir."""
    root = tmp_path_factory.mktemp("presets")
    assert publish_preset.main([str(quick_run), "--presets-dir", str(root),
                                "--allow-any-profile"]) == 0
    return root


@pytest.fixture
def copy_of(published, tmp_path):
    """A fresh copy of the published presets dir, to tamper with."""
    root = tmp_path / "presets"
    shutil.copytree(published, root)
    return root


def test_publish_writes_a_complete_preset(published, quick_run):
    folder = published / "breast_cancer"
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md", "checksums.sha256", "history.csv", "metrics.json", "model.keras",
        "task.json"]
    for copied in ("metrics.json", "task.json", "model.keras"):
        assert (folder / copied).read_bytes() == (quick_run / copied).read_bytes(), copied
    lines = (folder / "checksums.sha256").read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == [
        "README.md", "history.csv", "metrics.json", "model.keras", "task.json"]
    assert not [p for p in published.iterdir() if p.name.startswith(".")]  # no temp left
    metrics = json.loads((folder / "metrics.json").read_text())
    card = (folder / "README.md").read_text()
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert metrics["command"] in card
    assert f"**{metrics['test']['accuracy']:.4f}**" in card
    for name, values in metrics["baselines"].items():
        assert f"| {name} | {values['accuracy']:.4f} |" in card
    assert ("**met**" if metrics["bar"]["met"] else "**missed**") in card
    assert f"{metrics['model']['params']:,}" in card
    assert f"The preset is {size:,} bytes" in card
    assert metrics["versions"]["keras"] in card


def test_card_of_a_runner_trained_task():
    """A run `rnn-zoo train` wrote (no `task` block): the card loads it as its task class and
    shows the recorded command relative to the directory it ran in."""
    metrics = {"model": {"task": "LanguageModel"}, "cwd": "/home/u/zoo",
               "command": "rnn-zoo train x --out /home/u/zoo/runs/x --data-dir /data/tfds"}
    usage = "\n".join(publish_preset._usage_lines("x", metrics))
    assert "from rnn_zoo.tasks import LanguageModel" in usage
    assert "LanguageModel.from_preset('x')" in usage and "task.next_tokens(" in usage
    assert publish_preset.relative_command(metrics) == (
        "rnn-zoo train x --out runs/x --data-dir /data/tfds")  # outside cwd: kept absolute
    seq2seq = "\n".join(publish_preset._usage_lines("y", {"model": {"task": "Seq2Seq"}}))
    assert "Seq2Seq.from_preset('y')" in seq2seq and "task.predict(sentences)" in seq2seq
    anchors = [{"system": "Moses", "source": "Specia 2016", "split": "test",
                "metric": "lc_tok_bleu", "value": 36.9, "protocol": "lowercased"},
               {"system": "nanoGPT", "source": "Karpathy", "split": "validation+test",
                "metric": "loss", "value": 1.4697}]
    table = publish_preset.anchor_lines(anchors, {
        "test": {"lc_tok_bleu": 36.82}, "reports": {"validation+test": {"metrics": {}}}})
    assert table[2] == "| Moses (Specia 2016) | test | lc_tok_bleu | 36.9 | 36.8200 | lowercased |"
    assert table[3] == ("| nanoGPT (Karpathy) | validation+test | loss | 1.4697 | – | the same |")
    # A further evaluation of the run (`Data.reports`): its numbers, not its signatures.
    reports = {"test_2017_flickr": {
        "split": "test_2017_flickr", "examples": 1000,
        "metrics": {"lc_tok_bleu": 28.56, "bleu_signature": "nrefs:1", "examples": 1000},
        "baselines": {"copy_source": {"lc_tok_bleu": 0.61}}}}
    assert publish_preset.report_tables(reports) == [
        "**test_2017_flickr** (TFDS split `test_2017_flickr`, 1000 examples):", "",
        "| | lc_tok_bleu | examples |", "|---|---|---|",
        "| **model** | **28.5600** | **1,000** |", "| copy_source | 0.6100 | – |", ""]


def test_checksums_are_sha256sum_format(published):
    if shutil.which("sha256sum") is None:
        pytest.skip("the coreutils sha256sum tool is not installed")
    proc = subprocess.run(["sha256sum", "-c", "checksums.sha256"], capture_output=True,
                          text=True, cwd=published / "breast_cancer")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_load_pretrained_round_trip(published, quick_run):
    assert presets.list_presets(published) == ["breast_cancer"]
    preset = presets.get_preset("breast_cancer", presets_dir=published)
    assert preset.recipe == "breast_cancer" and preset.profile == "quick"
    assert preset.path == published / "breast_cancer"
    assert preset.size == sum(p.stat().st_size for p in preset.path.iterdir())
    assert preset.headline == ("accuracy", preset.metrics["test"]["accuracy"])
    task = rnn_zoo.load_pretrained("breast_cancer", presets_dir=published)  # the task form
    original = load_task(quick_run)
    assert type(task) is type(original) and task.config == original.config
    # Raw rows in (the standardisation travels inside the model), class names out.
    x = (np.random.default_rng(0).normal(size=(8, 30)) * 10 + 50).astype("float32")
    np.testing.assert_allclose(task.model.predict(x, verbose=0),
                               original.model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    assert task.predict(x) == original.predict(x)


def test_presets_dir_env_override(published, monkeypatch):
    monkeypatch.setenv(presets.ENV_VAR, str(published))
    assert rnn_zoo.list_presets() == ["breast_cancer"]
    assert presets.presets_dir() == published
    monkeypatch.delenv(presets.ENV_VAR)
    assert presets.presets_dir() == COMMITTED


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda f: _flip_byte(f / "model.keras"), "checksum of 'model.keras' differs"),
        (lambda f: (f / "model.keras").write_bytes((f / "model.keras").read_bytes()[:1000]),
         "checksum of 'model.keras' differs"),
        (lambda f: (f / "metrics.json").write_text((f / "metrics.json").read_text() + " "),
         "checksum of 'metrics.json' differs"),
        (lambda f: (f / "extra.pkl").write_bytes(b"\x80\x04K\x01."), "'extra.pkl' is not listed"),
        (lambda f: (f / "history.csv").unlink(), "'history.csv' is listed in checksums.sha256 "
                                                 "but missing"),
        (lambda f: (f / "checksums.sha256").unlink(), "checksums.sha256 is missing"),
        (lambda f: (f / "checksums.sha256").write_text("not a checksum line\n"),
         "checksums.sha256 line 1"),
        (lambda f: (f / "checksums.sha256").write_text(
            "".join(line + "\n" for line in (f / "checksums.sha256").read_text().splitlines()
                    if not line.endswith("model.keras"))),
         "model.keras is not listed"),
        (lambda f: (f / "checksums.sha256").write_text(
            (f / "checksums.sha256").read_text() + "0" * 64 + "  ../../etc/passwd\n"),
         "checksums.sha256 line 6"),
    ],
    ids=["altered", "truncated", "metrics-edited", "extra-file", "missing-file",
         "no-checksums", "malformed-checksums", "unlisted-model", "path-in-checksums"],
)
def test_tampered_preset_is_refused(copy_of, tamper, message):
    tamper(copy_of / "breast_cancer")
    with pytest.raises(ValueError, match="refusing|checksums.sha256") as info:
        rnn_zoo.load_pretrained("breast_cancer", presets_dir=copy_of)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def _lambda_preset(folder: Path) -> Path:
    """Replaces the preset's model with a `Lambda` model and re-signs every file."""
    inputs = keras.Input((30,))
    outputs = keras.layers.Lambda(lambda x: x[:, :2] * 2.0)(inputs)
    model = keras.Model(inputs, outputs)
    model.save(folder / "model.keras")
    presets.write_checksums(folder)
    presets.verify_checksums(folder)  # the checksums match: only safe loading can refuse it
    return folder / "model.keras"


def test_lambda_model_is_refused(copy_of, monkeypatch):
    path = _lambda_preset(copy_of / "breast_cancer")
    with pytest.raises(ValueError, match="contains a Lambda layer.*refusing to load it"):
        rnn_zoo.load_pretrained("breast_cancer", presets_dir=copy_of)
    # Keras' safe mode refuses it on its own too, without the up-front scan.
    with pytest.raises(ValueError, match="Lambda"):
        keras.saving.load_model(path, safe_mode=True)
    from rnn_zoo import saving

    monkeypatch.setattr(saving, "_unsafe_layers", lambda path, label: set())
    with pytest.raises(ValueError, match="refusing to load model.keras safely.*lambda") as info:
        rnn_zoo.load_pretrained("breast_cancer", presets_dir=copy_of)
    assert "\n" not in str(info.value)


def test_publish_refuses_a_lambda_model(copy_of, quick_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(quick_run, run)
    shutil.copyfile(_lambda_preset(copy_of / "breast_cancer"), run / "model.keras")
    with pytest.raises(ValueError, match="Lambda"):
        publish_preset.publish(run, presets_dir=tmp_path / "out", allow_any_profile=True)
    assert not (tmp_path / "out").exists()


def test_unknown_preset_name(published):
    with pytest.raises(ValueError, match="Unknown preset 'breast_cancr'. Did you mean "
                                         "'breast_cancer'?"):
        rnn_zoo.load_pretrained("breast_cancr", presets_dir=published)
    with pytest.raises(ValueError, match="No presets are installed"):
        presets.get_preset("breast_cancer", presets_dir=published / "nowhere")
    with pytest.raises(TypeError, match="preset name"):
        presets.get_preset(3, presets_dir=published)


def test_publish_guards(quick_run, copy_of, capsys):
    with pytest.raises(ValueError, match="is a 'quick' run"):
        publish_preset.publish(quick_run, presets_dir=copy_of)
    assert publish_preset.main([str(quick_run), "--presets-dir", str(copy_of),
                                "--allow-any-profile"]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not a finished run directory"):
        publish_preset.publish(copy_of, presets_dir=copy_of, allow_any_profile=True)
    with pytest.raises(ValueError, match="Preset name"):
        publish_preset.publish(quick_run, name="Bad Name", presets_dir=copy_of,
                               allow_any_profile=True)
    before = (copy_of / "breast_cancer" / "checksums.sha256").read_text()
    (copy_of / "breast_cancer" / "stale").write_text("x")
    publish_preset.publish(quick_run, presets_dir=copy_of, force=True, allow_any_profile=True)
    assert (copy_of / "breast_cancer" / "checksums.sha256").read_text() == before
    assert not (copy_of / "breast_cancer" / "stale").exists()
    assert sorted(p.name for p in copy_of.iterdir()) == ["breast_cancer"]


def test_results_table_renders_presets(published, tmp_path):
    results_table = _script("results_table")
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{results_table.START}\nold\n{results_table.END}\ntail\n")
    args = ["--readme", str(readme), "--presets-dir", str(published)]
    assert results_table.main([*args, "--check"]) == 1
    assert results_table.main(args) == 0
    assert results_table.main([*args, "--check"]) == 0
    text = readme.read_text()
    metrics = json.loads((published / "breast_cancer" / "metrics.json").read_text())
    assert f"**accuracy {metrics['test']['accuracy']:.4f}**" in text
    assert metrics["command"] in text and text.endswith("tail\n")


def test_readme_results_table_is_up_to_date():
    """The README's table is regenerated from saved_models/*/metrics.json; it cannot drift."""
    env = {k: v for k, v in os.environ.items() if k != presets.ENV_VAR}
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "results_table.py"), "--check"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr


# --- every committed preset ---------------------------------------------------------------

COMMITTED_PRESETS = presets.list_presets(COMMITTED)


@pytest.mark.parametrize("name", COMMITTED_PRESETS)
def test_committed_preset_is_a_verified_task(name):
    """Every committed preset is in the task form and loads as its task, checksums verified.
    Its recorded test metric is reproduced through the task on the recipe's test split in
    tests/presets/ (one re-score per preset, shared with the other checks there; g2p_cmudict's
    from its recorded test outputs, the model re-decoding a sample of them)."""
    preset = presets.get_preset(name, presets_dir=COMMITTED)
    presets.verify_checksums(preset.path)
    assert (preset.path / "task.json").is_file() and (preset.path / "model.keras").is_file()
    task = load_task(preset.path)
    assert type(task).__name__ == get_recipe(preset.recipe).RECIPE.task
    metric, recorded = preset.headline
    split = preset.metrics["bar"].get("split")  # a bar on a further evaluation (reports)
    scores = preset.metrics["reports"][split]["metrics"] if split else preset.metrics["test"]
    name_of = metric.removeprefix(f"{split} ") if split else metric
    assert name_of in scores and recorded == scores[name_of]
    rescored = REPO / "tests" / "presets" / f"test_{name}.py"
    assert "def test_rescores_the_recorded_test_metrics" in rescored.read_text(), rescored


RUNNER_TRAINED = [n for n in COMMITTED_PRESETS if presets.get_preset(
    n, presets_dir=COMMITTED).metrics.get("command", "").startswith("rnn-zoo train ")]


@pytest.mark.parametrize("name", RUNNER_TRAINED)
def test_card_of_a_runner_trained_preset(name):
    """A preset `rnn-zoo train` trained: its card loads it as its task, gives the command
    relative to the repository, and puts every bar and the recipe's anchors beside its
    numbers."""
    preset = presets.get_preset(name, presets_dir=COMMITTED)
    metrics, recipe = preset.metrics, get_recipe(preset.recipe).RECIPE
    card = (preset.path / "README.md").read_text(encoding="utf-8")
    assert metrics["recipe"] == name and metrics["profile"] == "full"
    assert f"{recipe.task}.from_preset({name!r})" in card
    assert f"rnn-zoo train {name} --profile full --out runs/" in card
    assert "/work/" not in card  # no absolute path of the machine it was trained on
    for bar in metrics["bars"]:
        assert f"`{bar['metric']} {bar['rule']}`" in card
    if recipe.anchors:
        assert "## Published results on the same data" in card
        assert all(anchor["system"] in card for anchor in recipe.anchors)
