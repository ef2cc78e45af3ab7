"""Shared exports for tests/export: every registry model (tiny), one committed preset of every
task class re-exported, and every preset's committed artifacts, written once per session and
parity-checked together in ONE fresh runner process (importing TensorFlow costs seconds, so one
process checks all of them)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import rnn_zoo
from rnn_zoo import presets
from rnn_zoo.exporters import check_parity, export, load_result
from rnn_zoo.exporters.presets import load_servable
from tests.harness import build_tiny

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "saved_models"
PRESETS = presets.list_presets(COMMITTED)


def script(name: str):
    """A module of scripts/ (not a package), imported by path."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed_exports() -> list[str]:
    """Presets that ship exported artifacts (an export.json written by export_presets.py)."""
    return [name for name in PRESETS if (COMMITTED / name / "export.json").is_file()]


def reexported() -> list[str]:
    """One preset of every task class (the smallest folder) for the current exporter to run on end
    to end; every preset's committed artifacts are checked in place as well. (Re-exporting all of
    them, one more translation and word LM, was a fifth of the suite's CI time.)"""
    def size(name):
        return sum(p.stat().st_size for p in (COMMITTED / name).iterdir())

    chosen = {}
    for name in sorted(PRESETS, key=size):
        kind = json.loads((COMMITTED / name / "task.json").read_text(encoding="utf-8"))["task"]
        chosen.setdefault(kind, name)
    return sorted(chosen.values())


def _servable(name: str):
    """A preset in the task form is served by its task (raw inputs; the backbone for TFLite)."""
    if (COMMITTED / name / "task.json").is_file():
        from rnn_zoo.tasks import Task

        return Task.from_preset(name, presets_dir=COMMITTED).servable()
    return load_servable(name, presets_dir=COMMITTED)


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """`{"registry": {name: ExportResult}, "presets": {...}, "committed": {...}}`, all checked.

    Committed artifacts are re-checked in place without rewriting their (checksummed) manifest.
    """
    root = tmp_path_factory.mktemp("exports")
    registry = {}
    for name in rnn_zoo.list_models():
        _, _, model = build_tiny(name)
        registry[name] = export(model, root / "registry" / name, check=False)
    preset_results = {
        name: export(_servable(name), root / "presets" / name, check=False)
        for name in reexported()}
    committed = {name: load_result(COMMITTED / name) for name in committed_exports()}
    everything = [*registry.values(), *preset_results.values(), *committed.values()]
    found = check_parity(everything, raise_on_failure=False, write=False)
    return {"registry": registry, "presets": preset_results, "committed": committed,
            "found": {f["id"]: f for f in found}}
