"""Models the bad-input and fuzz tests share: committed presets, loaded once per session."""

from __future__ import annotations

import functools

import keras

from rnn_zoo import presets


@functools.cache
def preset(name: str) -> tuple[presets.Preset, keras.Model]:
    """The committed preset `name` and its model (checksums verified, safe mode), loaded once."""
    return presets.get_preset(name), presets.load_pretrained(name)


@functools.cache
def task(name: str):
    """The committed preset `name` as its task (`Task.from_preset`), loaded once."""
    from rnn_zoo.tasks import Task

    return Task.from_preset(name)
