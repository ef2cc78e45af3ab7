"""Models the bad-input and fuzz tests share: committed presets, loaded once per session."""

from __future__ import annotations

import functools

import keras

from rnn_zoo import presets


@functools.cache
def preset(name: str) -> tuple[presets.Preset, keras.Model]:
    """The committed preset `name` and its model (checksums verified, safe mode), loaded once.

    For a preset in the task form (`task.json`), the task's backbone: the trained network on
    preprocessed inputs, which the committed export artifacts were exported from."""
    info = presets.get_preset(name)
    if (info.path / "task.json").is_file():
        from rnn_zoo.tasks import Task

        return info, Task.from_preset(name).backbone
    return info, presets.load_pretrained(name)


@functools.cache
def task(name: str):
    """The committed preset `name` as its task (`Task.from_preset`), loaded once."""
    from rnn_zoo.tasks import Task

    return Task.from_preset(name)
