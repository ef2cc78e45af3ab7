"""`rnn-zoo export` and `evaluate` never damage a folder that is not theirs, and an export folder
always describes exactly what it holds.

- a preset folder is refused by `export` and `evaluate` (D1, D5), a folder that is not an export
  by `export` unless `--overwrite` (D3);
- an export into an existing export replaces it whole, also when SIGKILLed half way: the folder
  is then still the old export, byte for byte, and the parity runner dies with its parent (D3,
  D14); what a killed export left behind is removed by the next one;
- two exports into one folder: the second is refused with one line naming the holder (D13);
- a failed export leaves no temporary debris and points to no `export.json` it did not write
  (D14); any `--tflite-batch-size` up to the cap works (D12); dynamic output axes are recorded
  as dynamic (D18).

Real `python -m rnn_zoo.cli` processes where the guard is about processes (kills, locks).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_zoo import cli
from rnn_zoo.exporters import check_parity, export, load_result
from rnn_zoo.exporters import formats as _formats
from rnn_zoo.exporters._standalone_runner import digest
from tests.harness import build_tiny

REPO = Path(__file__).resolve().parents[2]
PRESET = REPO / "saved_models" / "breast_cancer"
META = {"export.json", "parity_cases.npz", "rnn_zoo_folder.json"}


def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def _start(*argv: str, cwd=REPO) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rnn_zoo.cli", *argv], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(*argv: str, cwd=REPO, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnn_zoo.cli", *argv], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=timeout)


def _snapshot(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file below `folder` (hidden ones included)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _describes_exactly(folder: Path) -> dict:
    """Asserts `folder/export.json` lists exactly the artifacts in `folder`, with their digests."""
    result = load_result(folder)
    listed = {a["path"] for a in result.manifest["artifacts"]}
    assert {p.name for p in folder.iterdir()} == listed | META, sorted(os.listdir(folder))
    for artifact in result.manifest["artifacts"]:
        assert digest(folder / artifact["path"]) == (artifact["sha256"], artifact["bytes"])
    return result.manifest


# TensorFlow's C++ logging writes to stderr before it reads TF_CPP_MIN_LOG_LEVEL.
_NATIVE_LOG = re.compile(r"^([IWEF]\d{4} |WARNING: All log messages before absl|To enable the "
                         r"following instructions)")


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip() and not
             _NATIVE_LOG.match(line)]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.fixture
def preset_copy(tmp_path) -> Path:
    """A copy of the breast_cancer preset folder (checksums and all)."""
    return Path(shutil.copytree(PRESET, tmp_path / "breast_cancer"))


@pytest.fixture(scope="module")
def tiny():
    return build_tiny("many_to_one_gru")[2]


@pytest.fixture
def old_export(tiny, tmp_path) -> Path:
    """A folder holding another model's export (a tiny GRU, keras + tflite)."""
    folder = tmp_path / "exported"
    export(tiny, folder, formats=("keras", "tflite"), check=False)
    return folder


# --- D1, D5: preset folders -------------------------------------------------------------------


def test_export_refuses_a_preset_folder(preset_copy, capsys):
    before = _snapshot(preset_copy)
    proc = _run("export", "breast_cancer", "--formats", "keras", "tflite",
                "--out", preset_copy.name, cwd=preset_copy.parent)  # relative --out too
    line = _one_error_line(proc.stderr)
    assert proc.returncode == 2, proc.stderr
    assert "--out" in line and "is a preset folder" in line, line
    assert _snapshot(preset_copy) == before
    assert not [p for p in preset_copy.parent.iterdir() if p.name.startswith(".")]
    # Always, even when told to overwrite; and the committed preset itself, by a relative path.
    for argv in (["--out", str(preset_copy), "--overwrite"],
                 ["--out", "saved_models/breast_cancer"]):
        cwd = os.getcwd()
        os.chdir(REPO)
        try:
            assert cli.main(["export", "breast_cancer", "--formats", "keras", *argv]) == 2
        finally:
            os.chdir(cwd)
        assert "is a preset folder" in _one_error_line(capsys.readouterr().err)
    assert _snapshot(preset_copy) == before


def test_evaluate_refuses_a_preset_folder(preset_copy, capsys):
    before = _snapshot(preset_copy)
    proc = _run("evaluate", "breast_cancer", "--out", str(preset_copy))
    line = _one_error_line(proc.stderr)
    assert proc.returncode == 2 and "--out" in line and "is a preset folder" in line, line
    assert "metrics.json" in line  # says where the recorded metrics are and what to do
    assert _snapshot(preset_copy) == before


# --- D3: only an export is replaced, and then whole --------------------------------------------


@pytest.mark.parametrize("content", ["run", "files", "manifest"])
def test_export_refuses_a_folder_that_is_not_an_export(tmp_path, capsys, content):
    folder = tmp_path / "busy"
    folder.mkdir()
    if content == "run":
        (folder / "metrics.json").write_text("{}")
        (folder / "history.csv").write_text("epoch\n")
    elif content == "files":
        (folder / "notes.txt").write_text("mine")
    else:
        (folder / "rnn_zoo_folder.json").write_text('{"kind": "run", "status": "running"}')
    before = _snapshot(folder)
    assert cli.main(["export", "breast_cancer", "--formats", "keras", "--out",
                     str(folder)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--out" in line and "--overwrite" in line and "not an export" in line, line
    assert _snapshot(folder) == before


def test_overwrite_replaces_a_folder_that_is_not_an_export_whole(tmp_path, capsys):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert cli.main(["export", "breast_cancer", "--formats", "keras", "--no-check",
                     "--overwrite", "--out", str(folder)]) == 0
    assert _describes_exactly(folder)["name"] == "tabular_classifier"  # served by its task


def test_export_into_an_export_replaces_it_whole(old_export, capsys):
    assert _describes_exactly(old_export)["name"] == "many_to_one_gru"
    (old_export / "saved_model").mkdir()  # another model's artifacts (left by an old version)
    (old_export / ".export-work-abc").mkdir()
    assert cli.main(["export", "breast_cancer", "--formats", "tflite",
                     "--out", str(old_export)]) == 0
    manifest = _describes_exactly(old_export)
    assert manifest["name"] == "tabular_classifier" and manifest["parity"]["ok"] is True
    assert [a["format"] for a in manifest["artifacts"]] == ["tflite"]
    assert json.loads((old_export / "rnn_zoo_folder.json").read_text())["kind"] == "export"
    assert not [p for p in old_export.parent.iterdir() if p.name.startswith(".")
                and not p.name.endswith(".lock")]


# --- D3, D14: SIGKILL mid-export; the runner dies with its parent ------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"_standalone_runner" in cmdline:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, *, timeout: float, what: str, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the export ended before {what}: {proc.communicate()}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_mid_export_leaves_the_old_export_whole(old_export):
    before = _snapshot(old_export)
    siblings = {p.name for p in old_export.parent.iterdir()}

    def started_writing():
        now = {p.name for p in old_export.parent.iterdir()} - siblings
        return [n for n in now if not n.endswith(".lock")] or _snapshot(old_export) != before

    # 1. Killed while it writes the artifacts.
    proc = _start("export", "breast_cancer", "--formats", "keras", "tflite",
                  "--out", str(old_export))
    _wait_for(started_writing, timeout=180, what="the export started writing", proc=proc)
    _kill(proc)
    assert _snapshot(old_export) == before
    # 2. Killed while its parity runner checks them: the runner goes too.
    proc = _start("export", "breast_cancer", "--formats", "keras", "tflite",
                  "--out", str(old_export))
    runners = _wait_for(lambda: _children(proc.pid), timeout=90, what="the parity runner",
                        proc=proc)
    _kill(proc)
    assert _snapshot(old_export) == before
    _wait_for(lambda: not any(_alive(pid) for pid in runners), timeout=15,
              what="the orphaned parity runner to end")
    assert _describes_exactly(old_export)["name"] == "many_to_one_gru"
    # 3. The next export replaces it whole and removes what the killed ones left behind.
    proc = _run("export", "breast_cancer", "--formats", "keras", "tflite",
                "--out", str(old_export))
    assert proc.returncode == 0, proc.stderr
    assert _describes_exactly(old_export)["name"] == "tabular_classifier"  # served by its task
    assert {p.name for p in old_export.parent.iterdir()} - siblings <= {
        f".{old_export.name}.lock"}


# --- D13: one writer at a time ---------------------------------------------------------------


def test_a_second_export_into_the_same_folder_is_refused(old_export, capsys):
    lock = old_export.parent / f".{old_export.name}.lock"
    siblings = {p.name for p in old_export.parent.iterdir()} | {lock.name}
    before = _snapshot(old_export)
    holder = _start("export", "breast_cancer", "--formats", "keras", "tflite",
                    "--out", str(old_export))
    try:
        def holds_lock():
            try:
                return json.loads(lock.read_text()).get("pid") == holder.pid
            except (OSError, ValueError):
                return False

        def busy():  # the holder has the lock (new code) or has started writing (old code)
            return (holds_lock() or {p.name for p in old_export.parent.iterdir()} - siblings
                    or _snapshot(old_export) != before)

        _wait_for(busy, timeout=60, what="the first export to start", proc=holder)
        status = cli.main(["export", "breast_cancer", "--formats", "keras",
                           "--out", str(old_export)])
        line = _one_error_line(capsys.readouterr().err)
        assert status == 2, line
        assert f"pid {holder.pid}" in line and "export" in line, line
        assert holder.wait(timeout=120) == 0, holder.communicate()
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()
    assert _describes_exactly(old_export)["name"] == "tabular_classifier"  # served by its task


# --- D14: failures leave nothing behind and point to nothing unwritten --------------------------


def test_a_failed_export_leaves_no_debris_and_the_old_export(old_export, monkeypatch, capsys):
    before = _snapshot(old_export)

    def broken(job):
        _formats._temp_path(job, "tflite").write_bytes(b"half a model")
        raise RuntimeError("converter exploded")

    monkeypatch.setitem(_formats.WRITERS, "tflite", broken)
    assert cli.main(["export", "breast_cancer", "--formats", "keras", "tflite",
                     "--out", str(old_export)]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "tflite export failed" in line and "converter exploded" in line, line
    assert "see" not in line and "left as it was" in line, line
    assert _snapshot(old_export) == before
    assert not [p for p in old_export.parent.iterdir() if p.name.startswith(".")
                and not p.name.endswith(".lock")]
    # A new folder that failed is not left behind either.
    fresh = old_export.parent / "fresh"
    assert cli.main(["export", "breast_cancer", "--formats", "tflite", "--out",
                     str(fresh)]) == 1
    assert "left as it was" in _one_error_line(capsys.readouterr().err)
    assert not fresh.exists() or not list(fresh.iterdir())


def test_a_failed_parity_check_keeps_the_old_export(old_export, monkeypatch, capsys):
    from rnn_zoo.exporters import ParityError
    from rnn_zoo.exporters import parity as _parity

    before = _snapshot(old_export)

    def failing(results, **kwargs):
        raise ParityError("Parity check failed for 1 artifact(s): model.tflite (tflite): off")

    monkeypatch.setattr(_parity, "check_parity", failing)
    assert cli.main(["export", "breast_cancer", "--formats", "tflite",
                     "--out", str(old_export)]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "Parity check failed" in line and "left as it was" in line, line
    assert _snapshot(old_export) == before
    assert not [p for p in old_export.parent.iterdir() if p.name.startswith(".")
                and not p.name.endswith(".lock")]


# --- D12: any TFLite batch size up to the cap ----------------------------------------------------


def test_any_tflite_batch_size_passes_parity(tmp_path):
    from rnn_zoo.exporters.presets import export_preset

    results = [export_preset("breast_cancer", tmp_path / f"b{n}", formats=("tflite",),
                             tflite_batch_size=n, check=False) for n in (2, 4)]
    found = check_parity(results, raise_on_failure=False)
    assert all(f["ok"] for f in found), [f.get("error") for f in found]
    for result, n in zip(results, (2, 4), strict=True):
        assert result.artifacts["tflite"]["static_batch_size"] == n


def test_tflite_batch_size_has_a_documented_cap(tiny, tmp_path, capsys):
    from rnn_zoo.exporters.api import MAX_TFLITE_BATCH_SIZE

    assert str(MAX_TFLITE_BATCH_SIZE) in export.__doc__
    with pytest.raises(ValueError, match=f"`tflite_batch_size` must be .*<= "
                                         f"{MAX_TFLITE_BATCH_SIZE}"):
        export(tiny, tmp_path / "x", formats=("tflite",),
               tflite_batch_size=MAX_TFLITE_BATCH_SIZE + 1)
    assert cli.main(["export", "breast_cancer", "--tflite-batch-size",
                     str(MAX_TFLITE_BATCH_SIZE + 1), "--out", str(tmp_path / "y")]) == 2
    assert "--tflite-batch-size" in _one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


# --- D18: dynamic axes stay dynamic in export.json ---------------------------------------------


def test_export_json_records_dynamic_output_axes(tmp_path):
    model = build_tiny("many_to_many_lstm")[2]
    manifest = export(model, tmp_path / "seq", formats=("keras",), check=False).manifest
    (spec,) = manifest["endpoints"]["serving_default"]["inputs"]
    assert spec["shape"][:2] == [None, None]
    (output,) = manifest["endpoints"]["serving_default"]["outputs"].values()
    assert output["shape"][:2] == [None, None], output
    assert output["shape"][-1] == model.outputs[0].shape[-1]


# --- the maintenance path: scripts/export_presets.py still refreshes a preset's export ---------


def test_export_presets_script_still_refreshes_a_preset(tmp_path, monkeypatch):
    from tests.export.conftest import script

    export_presets = script("export_presets")
    root = tmp_path / "presets"
    shutil.copytree(PRESET, root / "breast_cancer")
    created = load_result(root / "breast_cancer").manifest["created"]
    monkeypatch.setattr(export_presets, "measure", lambda *a, **k: None)  # no scoring
    record = export_presets.export_one("breast_cancer", presets_dir=root, work=tmp_path / "w",
                                       formats=("tflite", "tflite_int8"))  # the fast ones
    assert record["parity"]["ok"] is True and record["int8"] is None
    result = load_result(root / "breast_cancer")
    # The script adds the full-integer artifact (calibrated on the training split) itself.
    assert {a["format"] for a in result.manifest["artifacts"]} == {"tflite", "tflite_int8",
                                                                   "tflite_full_int8"}
    assert result.manifest["created"] >= created and result.manifest["parity"]["ok"] is True
    for artifact in result.manifest["artifacts"]:
        assert digest(root / "breast_cancer" / artifact["path"]) == (artifact["sha256"],
                                                                      artifact["bytes"])
    # A card published without an Export section (a first export) gains one before its Size.
    card = root / "breast_cancer" / "README.md"
    text = card.read_text(encoding="utf-8")
    start = text.index("## Export\n")
    card.write_text(text[:start] + text[text.index("## Size\n"):], encoding="utf-8")
    export_presets.rewrite_export_section(root / "breast_cancer", "breast_cancer", record)
    text = card.read_text(encoding="utf-8")
    assert text.count("## Export\n") == 1
    assert text.index("## Export\n") < text.index("## Size\n")
    assert f"Measured with `{record['command']}`" in text and "\n\n\n" not in text
